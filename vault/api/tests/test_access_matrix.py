"""The access matrix (design.md §5): every endpoint and page against the six personas.

Rows come from every `vault/<app>/tests/access_rows.py`. A URL pattern of the api or web namespace
without a row fails `test_every_url_pattern_has_a_row`, naming it, so nothing ships without its answer.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from vault.testing.access_matrix import (
    EXEMPT_ROUTES,
    collect_rows,
    missing_method_rows,
    url_patterns_in_matrix,
    url_patterns_to_cover,
    view_methods,
)
from vault.testing.personas import PERSONAS

ROWS = collect_rows()
CASES = [
    pytest.param(row, persona, id=f"{row.name}-{row.method}{'-' + row.query if row.query else ''}-{persona}")
    for row in ROWS
    for persona in PERSONAS
]


@pytest.fixture(autouse=True)
def _fast_hasher_and_private_cache(settings):
    # The matrix checks who gets what, not hashing: a fast hasher keeps hundreds of fresh worlds cheap.
    # A private cache keeps rate-limit counters from leaking between cases (or runs).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "matrix"}
    }
    cache.clear()


def test_every_url_pattern_has_a_row():
    patterns = url_patterns_to_cover()
    covered = {row.name for row in ROWS}
    missing = sorted(name for name in patterns if name not in covered)
    assert not missing, (
        f"{len(missing)} URL pattern(s) have no row in any vault/<app>/tests/access_rows.py:\n"
        + "\n".join(f"  {name:45} /{patterns[name][0]}" for name in missing)
    )


def test_every_accepted_method_has_a_row():
    missing = missing_method_rows(ROWS)
    assert not missing, (
        f"{len(missing)} method(s) that views accept have no row in any vault/<app>/tests/access_rows.py:\n"
        + "\n".join(f"  {line}" for line in missing)
    )


def test_every_row_names_a_url_pattern():
    patterns = url_patterns_to_cover()
    unknown = sorted({row.name for row in ROWS} - set(patterns))
    assert not unknown, "access rows name URL patterns that do not exist: " + ", ".join(unknown)


def test_the_walk_finds_both_namespaces_and_skips_only_the_exempt_routes():
    patterns = url_patterns_to_cover()
    assert {"api:me", "api:schema", "web:signin", "web:roster"} <= set(patterns)
    assert set(url_patterns_in_matrix()) <= set(patterns)
    assert not any(
        name.startswith("admin:") or route.startswith("admin/") for name, (route, _) in patterns.items()
    )
    assert all(reason.strip() for reason in EXEMPT_ROUTES.values())


def test_the_walk_covers_urls_outside_the_namespaces(settings):
    """A pattern added outside api/ and web/ (say straight into config/urls.py) must have a row too."""
    import sys
    import types

    from django.urls import clear_url_caches, path

    def stray(request):
        return None

    from config import urls as project_urls

    urlconf = types.ModuleType("matrix_test_urls")
    urlconf.urlpatterns = [*project_urls.urlpatterns, path("stray/", stray, name="stray")]
    sys.modules["matrix_test_urls"] = urlconf
    settings.ROOT_URLCONF = "matrix_test_urls"
    clear_url_caches()
    try:
        assert url_patterns_to_cover()["stray"][0] == "stray/"
        assert any(line.split()[:2] == ["stray", "GET"] for line in missing_method_rows(ROWS))
    finally:
        del sys.modules["matrix_test_urls"]
        clear_url_caches()


def test_view_methods_reads_each_kind_of_view():
    from django.urls import resolve

    def callback(url):
        return resolve(url).func

    # DRF: the handlers the class has, within its http_method_names (RaceDetailView leaves PUT out).
    assert view_methods(callback("/api/race/1/")) == {"GET", "PATCH", "DELETE"}
    assert view_methods(callback("/api/me/")) == {"GET"}  # @api_view(["GET"])
    # Django class-based views, as narrowed by FORM_METHODS / LogoutView's own list.
    assert view_methods(callback("/signin/")) == {"GET", "POST"}
    assert view_methods(callback("/signout/")) == {"POST"}
    # require_http_methods / require_POST under login_required.
    assert view_methods(callback("/athletes/x/wellness/")) == {"GET", "POST"}
    assert view_methods(callback("/reviews/1/")) == {"POST"}
    # A plain function view: GET, and POST because it reads request.POST.
    assert view_methods(callback("/profile/")) == {"GET", "POST"}


def _send(row, url, user, world):
    data = row.data(world) if row.data else None
    if row.name.startswith("api:"):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        send = getattr(client, row.method)
        if data is None:
            return send(url)
        return send(url, data, format="multipart" if row.multipart else "json")
    client = Client()
    if user is not None:
        client.force_login(user)
    send = getattr(client, row.method)
    return send(url) if data is None else send(url, data)


@pytest.mark.parametrize(("row", "persona"), CASES)
def test_access(row, persona, world):
    url = reverse(row.name, kwargs=row.kwargs(world))
    if row.setup is not None:
        row.setup(world)
    if row.query:
        url = f"{url}?{row.query}"
    response = _send(row, url, world.user(persona), world)
    expected = row.expect[persona]
    allowed = expected if isinstance(expected, tuple) else (expected,)
    body = b"" if response.streaming else response.content[:300]
    response.close()
    assert response.status_code in allowed, (
        f"{persona} {row.method.upper()} {url} ({row.name}): expected {expected}, got {response.status_code}; "
        f"body: {body!r}"
    )
