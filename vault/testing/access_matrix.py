"""The access matrix: every endpoint and page, against the six personas (design.md §5).

Each app lists its rows in `vault/<app>/tests/access_rows.py` as `ROWS: list[Row]`. The matrix test
(vault/api/tests/test_access_matrix.py) runs every row for every persona and fails for any URL pattern of
the project (outside EXEMPT_ROUTES), and any HTTP method its view accepts (`view_methods`), that has no
row, so a new endpoint or a new method on an old one cannot ship without its access answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vault.testing.personas import World

Expect = dict[str, int | tuple[int, ...]]


def expect(
    *, athlete, coach, other_coach, other_athlete, admin, anonymous
) -> Expect:  # keyword-only so a row reads like a table
    return {
        "athlete": athlete,
        "coach": coach,
        "other_coach": other_coach,
        "other_athlete": other_athlete,
        "admin": admin,
        "anonymous": anonymous,
    }


# API: the athlete, their coach and admin get `ok`; everyone else 404; anonymous 401.
def api_owner_coach_admin(ok: int | tuple[int, ...] = 200) -> Expect:
    return expect(athlete=ok, coach=ok, other_coach=404, other_athlete=404, admin=ok, anonymous=401)


# Pages: likewise, but anonymous is redirected to sign-in (302).
def page_owner_coach_admin(ok: int | tuple[int, ...] = 200) -> Expect:
    return expect(athlete=ok, coach=ok, other_coach=404, other_athlete=404, admin=ok, anonymous=302)


def api_any_signed_in(ok: int | tuple[int, ...] = 200) -> Expect:
    return expect(athlete=ok, coach=ok, other_coach=ok, other_athlete=ok, admin=ok, anonymous=401)


def page_any_signed_in(ok: int | tuple[int, ...] = 200) -> Expect:
    return expect(athlete=ok, coach=ok, other_coach=ok, other_athlete=ok, admin=ok, anonymous=302)


@dataclass
class Row:
    """One URL pattern (by its namespaced name) with one method, and the status each persona must get.

    `kwargs(world)` builds the URL arguments, creating whatever objects the row needs (called once per
    persona, on a fresh world). `data(world)` gives the request body for writes (JSON for `api:` rows,
    form-encoded for pages). `setup(world)` may create more state before the request (after `kwargs`).
    """

    name: str
    expect: Expect
    method: str = "get"
    kwargs: Callable[[World], dict[str, Any]] = field(default=lambda world: {})
    data: Callable[[World], dict[str, Any]] | None = None
    query: str = ""
    multipart: bool = False
    setup: Callable[[World], None] | None = None


# --- what the matrix test walks: every app's rows, and every URL pattern of the project.

MATRIX_NAMESPACES = ("api", "web")

# Routes the matrix does not walk, each with the reason. Matched as prefixes of the full route.
EXEMPT_ROUTES = {
    "admin/": "the Django admin: admin.site.has_permission asks access.is_admin (vault/accounts/admin_site.py); "
    "tested in vault/accounts/tests/test_admin_access.py and vault/testing/tests/test_admin_every_model.py",
    "static/": "static files carry no one's data (WhiteNoise serves them; a route exists only in development)",
}
# The OpenAPI schema and its docs (api:schema, api:docs) are not exempt: they have rows (open to everyone,
# they describe the API's shape and carry no one's data), which is a stronger check than an exemption.

# OPTIONS (DRF metadata, CORS preflight) and HEAD (GET without a body) answer like their GET/permission
# check does; rows cover the methods that read or write data.
IGNORED_METHODS = {"OPTIONS", "HEAD", "TRACE"}


def collect_rows() -> list[Row]:
    """ROWS of every `vault/<app>/tests/access_rows.py`, in app order."""
    import importlib
    from pathlib import Path

    import vault

    rows: list[Row] = []
    for rows_file in sorted(Path(vault.__file__).parent.glob("*/tests/access_rows.py")):
        module = importlib.import_module(f"vault.{rows_file.parent.parent.name}.tests.access_rows")
        rows.extend(module.ROWS)
    return rows


def url_patterns_in_matrix() -> dict[str, str]:
    """Every URL pattern under the matrix namespaces: {"api:me": "api/me/", ...}.

    A pattern without a name cannot have a row, so it appears as "(unnamed) <route>" and fails the test.
    """
    from django.urls import URLPattern, URLResolver, get_resolver

    found: dict[str, str] = {}

    def walk(patterns, namespace: str | None, prefix: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = entry.namespace if namespace is None else f"{namespace}:{entry.namespace}"
                walk(entry.url_patterns, inner if entry.namespace else namespace, route)
            elif isinstance(entry, URLPattern) and namespace and namespace.split(":")[0] in MATRIX_NAMESPACES:
                key = f"{namespace}:{entry.name}" if entry.name else f"(unnamed) {route}"
                found.setdefault(key, route)

    walk(get_resolver().url_patterns, None, "")
    return found


def is_exempt(route: str) -> bool:
    return any(route.startswith(prefix) for prefix in EXEMPT_ROUTES)


def url_patterns_to_cover() -> dict[str, tuple[str, object]]:
    """Every URL pattern of the project outside EXEMPT_ROUTES: {row name: (route, callback)}.

    Inside a namespace the row name is "namespace:name"; a pattern outside any namespace is named by its
    plain name. An unnamed pattern appears as "(unnamed) <route>", which no row can match, so it fails.
    """
    from django.urls import URLPattern, URLResolver, get_resolver

    found: dict[str, tuple[str, object]] = {}

    def walk(patterns, namespace: str | None, prefix: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if is_exempt(route):
                continue
            if isinstance(entry, URLResolver):
                inner = entry.namespace if namespace is None else f"{namespace}:{entry.namespace}"
                walk(entry.url_patterns, inner if entry.namespace else namespace, route)
            elif isinstance(entry, URLPattern):
                if not entry.name:
                    key = f"(unnamed) {route}"
                else:
                    key = f"{namespace}:{entry.name}" if namespace else entry.name
                found.setdefault(key, (route, entry.callback))

    walk(get_resolver().url_patterns, None, "")
    return found


def _declared_methods(func) -> list[str] | None:
    """The method list of a require_http_methods / require_GET / require_POST anywhere in the wrapper chain.

    Django's decorator keeps the list only in the closure of its `inner` function (as
    `request_method_list`), and functools.wraps links each layer to the next through `__wrapped__`.
    """
    while func is not None:
        code = getattr(func, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = func.__closure__[code.co_freevars.index("request_method_list")]
            return list(cell.cell_contents)
        func = getattr(func, "__wrapped__", None)
    return None


def _handles_post(func) -> bool:
    """A plain function view handles POST when its own source reads the method or the posted data."""
    import inspect

    source = inspect.getsource(inspect.unwrap(func))
    return any(mark in source for mark in ('"POST"', "'POST'", "request.POST", "request.FILES"))


def view_methods(callback) -> set[str]:
    """The HTTP methods a view accepts (IGNORED_METHODS left out).

    DRF views (APIView, @api_view): the methods the class has handlers for, which is what DRF's
    `allowed_methods` reports. Django class-based views: likewise, from `view_class`. Function views
    with require_http_methods (or require_GET/POST): their list. Other function views: GET, plus POST
    when the view reads it.
    """
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:
        actions = getattr(callback, "actions", None)  # a DRF ViewSet route maps methods to actions
        if actions:
            methods = {method.upper() for method in actions}
        else:
            methods = {
                method.upper() for method in view_class.http_method_names if hasattr(view_class, method)
            }
        return methods - IGNORED_METHODS
    declared = _declared_methods(callback)
    if declared is not None:
        return {method.upper() for method in declared} - IGNORED_METHODS
    return {"GET", "POST"} if _handles_post(callback) else {"GET"}


def missing_method_rows(rows: list[Row]) -> list[str]:
    """`name METHOD  /route` for every accepted method of every covered pattern that has no row."""
    covered = {(row.name, row.method.upper()) for row in rows}
    missing = []
    for name, (route, callback) in sorted(url_patterns_to_cover().items()):
        for method in sorted(view_methods(callback)):
            if (name, method) not in covered:
                missing.append(f"{name:45} {method:7} /{route}")
    return missing
