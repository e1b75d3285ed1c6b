import pytest
from django.core.cache import cache

FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.fixture(autouse=True)
def _private_cache_and_fast_hasher(settings):
    """Rate-limit counters start empty in every test; hashing is fast except where Argon2 is the subject
    (Argon2 with Django's parameters takes about half a second per password here)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "accounts-tests"}
    }
    settings.PASSWORD_HASHERS = [FAST_HASHER]
    cache.clear()
    yield
    cache.clear()
