"""`manage.py watch` as its own process (as deployed next to a remote folder), against the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from vault.sources.models import Source, SourceFileLog, SourceKind
from vault.sources.tests.files import gpx_bytes
from vault.testing.personas import make_athlete

ROOT = Path(settings.BASE_DIR)


@pytest.mark.django_db(transaction=True)
def test_the_watch_command_imports_and_stops_on_sigterm(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the subprocess is pointed at the SQLite test database file")
    folder = tmp_path / "watched"
    folder.mkdir()
    source = Source.objects.create(
        athlete=make_athlete("cmd_carol"), kind=SourceKind.WATCHED_FOLDER, config={"path": str(folder)}
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
        "DATA_DIR": str(tmp_path / "data"),
    }
    watcher = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "watch", "--poll-seconds", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        (folder / "remote.gpx").write_bytes(gpx_bytes(90))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not SourceFileLog.objects.filter(source=source).exists():
            time.sleep(0.25)
    finally:
        watcher.send_signal(signal.SIGTERM)
        output = watcher.communicate(timeout=30)[0].decode(errors="replace")
    assert list(SourceFileLog.objects.filter(source=source).values_list("name", "status")) == [
        ("remote.gpx", "imported")
    ], output[-3000:]
    assert watcher.returncode == 0 and "watcher stopped" in output
