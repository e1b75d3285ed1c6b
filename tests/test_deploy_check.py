"""`manage.py check --deploy` passes for a production configuration: DEBUG off and a SECRET_KEY are enough,
because DEBUG off implies HTTPS (secure cookies, HSTS, the redirect); HTTPS=0 is the explicit opt-out."""

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
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "vault.example.org",
    }
    # The test process's own switches are not part of a deployment (the suite sets the async one for
    # Playwright and HTTPS=0 for its plain-HTTP test client); manage.py picks config.settings itself.
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE", "HTTPS"):
        env.pop(name, None)
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_debug_off_and_a_secret_key_pass_the_deploy_check(tmp_path):
    result = deploy_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_explicit_https_passes_too(tmp_path):
    result = deploy_check(tmp_path, HTTPS="1")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_embedded_default_passes_with_its_generated_key(tmp_path):
    """No settings at all but DEBUG=0 (what `make run` starts from): the key generated into DATA_DIR is
    strong enough, the loopback ALLOWED_HOSTS are accepted."""
    env_without = {"SECRET_KEY": "", "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    result = deploy_check(tmp_path, **env_without)
    assert result.returncode == 0, result.stdout + result.stderr


def test_https_opt_out_the_check_names_what_is_missing(tmp_path):
    """The pass above comes from the HTTPS settings: opting out (plain-HTTP LAN) fails the check, saying why."""
    result = deploy_check(tmp_path, HTTPS="0")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    for check_id in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check_id in output, f"{check_id} missing from:\n{output}"
