"""Secrets at rest: FIELD_ENCRYPTION_KEY from the environment, else a key derived from SECRET_KEY."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings

from vault.sources import crypto


def test_with_field_encryption_key_a_new_secret_key_keeps_tokens_readable(settings):
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    stored = crypto.encrypt_json({"access_token": "abc"})
    settings.SECRET_KEY = "rotated-" + settings.SECRET_KEY
    assert crypto.decrypt_json(stored) == {"access_token": "abc"}


def test_without_it_a_new_secret_key_makes_tokens_unreadable(settings):
    settings.FIELD_ENCRYPTION_KEY = ""
    stored = crypto.encrypt_text("client-secret")
    settings.SECRET_KEY = "rotated-" + settings.SECRET_KEY
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt_text(stored)


def _settings_with(**env) -> subprocess.CompletedProcess:
    code = "import django; django.setup(); from django.conf import settings; print(repr(settings.FIELD_ENCRYPTION_KEY))"
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    environment.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_settings_read_the_key_from_the_environment_and_refuse_a_bad_one(tmp_path):
    key = Fernet.generate_key().decode()
    good = _settings_with(FIELD_ENCRYPTION_KEY=key, DATA_DIR=str(tmp_path))
    assert good.returncode == 0 and good.stdout.strip() == repr(key), good.stderr
    empty = _settings_with(FIELD_ENCRYPTION_KEY="", DATA_DIR=str(tmp_path))
    assert empty.returncode == 0 and empty.stdout.strip() == "''"
    bad = _settings_with(FIELD_ENCRYPTION_KEY="not-a-fernet-key", DATA_DIR=str(tmp_path))
    assert bad.returncode != 0 and "FIELD_ENCRYPTION_KEY must be a Fernet key" in bad.stderr
