import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # The personas' passwords are hashed for every test's world; Argon2 would dominate these tests' time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
