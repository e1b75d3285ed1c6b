"""The access matrix: every endpoint and page, against the six personas (design.md §5).

Each app lists its rows in `vault/<app>/tests/access_rows.py` as `ROWS: list[Row]`. The matrix test
(vault/api/tests/test_access_matrix.py) runs every row for every persona and fails for any URL pattern of
the project that has no row, so a new endpoint cannot ship without its access answer.
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


# --- what the matrix test walks: every app's rows, and every named URL of the api and web namespaces.

MATRIX_NAMESPACES = ("api", "web")


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
