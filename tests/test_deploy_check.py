"""`manage.py check --deploy` passes for a production configuration (DEBUG off, behind HTTPS)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def deploy_check(tmp_path, **overrides) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "DEBUG": "0",
        "HTTPS": "1",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "vault.example.org",
        **overrides,
    }
    # The test process's own switches are not part of a deployment (the suite sets the async one for
    # Playwright); manage.py picks config.settings itself.
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = deploy_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_https_the_check_names_what_is_missing(tmp_path):
    """The pass above comes from the HTTPS settings: without them the same check fails and says why."""
    result = deploy_check(tmp_path, HTTPS="0")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    for check_id in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check_id in output, f"{check_id} missing from:\n{output}"
