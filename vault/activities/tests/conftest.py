from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def storage_files(settings):
    """A function listing every file in the test's (isolated) storage folder, as storage names."""

    def listing() -> list[str]:
        root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    return listing


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # The personas' passwords are hashed on every world; these tests are about activities, not hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
