import pytest


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # API tests are about answers, not passwords: Argon2 costs about half a second per persona here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
