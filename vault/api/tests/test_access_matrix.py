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

from vault.testing.access_matrix import collect_rows, url_patterns_in_matrix
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
    patterns = url_patterns_in_matrix()
    covered = {row.name for row in ROWS}
    missing = sorted(name for name in patterns if name not in covered)
    assert not missing, (
        f"{len(missing)} URL pattern(s) have no row in any vault/<app>/tests/access_rows.py:\n"
        + "\n".join(f"  {name:45} /{patterns[name]}" for name in missing)
    )


def test_every_row_names_a_url_pattern():
    patterns = url_patterns_in_matrix()
    unknown = sorted({row.name for row in ROWS} - set(patterns))
    assert not unknown, "access rows name URL patterns that do not exist: " + ", ".join(unknown)


def test_the_walk_finds_both_namespaces():
    patterns = url_patterns_in_matrix()
    assert {"api:me", "api:schema", "web:signin", "web:roster"} <= set(patterns)
    assert not any(name.startswith("admin:") for name in patterns)


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
