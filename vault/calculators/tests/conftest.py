import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # These tests are about races, results and exports, not hashing; personas are built per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
