"""Suite-wide fixtures: isolated file storage, the synchronous job queue, personas and the browser."""

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM guard would refuse DB access there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["vault.testing.browser"]


_DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup", "world"}


@pytest.fixture(autouse=True)
def _isolated_test_settings(request, tmp_path_factory):
    """Each database test gets its own storage folder and an empty private cache (rate limits), so nothing
    leaks between tests; passwords hash fast (Argon2 costs about half a second per persona here; the test
    that Argon2 is the project's hasher restores it)."""
    uses_db = _DB_FIXTURES & set(request.fixturenames) or request.node.get_closest_marker("django_db")
    if not uses_db:  # pure-library tests (trackfiles, trainingmath) never touch Django
        yield
        return
    settings = request.getfixturevalue("settings")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }
    if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
        location = tmp_path_factory.mktemp("storage")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(location)}},
        }
    yield


@pytest.fixture(autouse=True, scope="session")
def _huey_runs_jobs_inline():
    """Jobs run synchronously in tests unless a test starts a real worker (see vault/jobs/tests)."""
    try:
        from huey.contrib.djhuey import HUEY
    except Exception:  # Django not configured: pure-library run with -p no:django
        yield
        return
    HUEY.immediate = True
    yield


@pytest.fixture
def world(db):
    from vault.testing.personas import build_world

    return build_world()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
