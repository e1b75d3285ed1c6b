"""`manage.py serve` starts the web app, the worker and the folder watcher together and Ctrl-C stops the whole
group cleanly."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp_path, *, cwd: Path, env_changes: dict) -> tuple[int, str, httpx.Response | None]:
    """Migrate, start `serve` from `cwd`, GET /signin/, then Ctrl-C: (exit code, output, the answer)."""
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": "",
        "REDIS_URL": "",
        **env_changes,
    }
    env = {name: value for name, value in env.items() if value is not None}
    manage = str(ROOT / "manage.py")
    subprocess.run([sys.executable, manage, "migrate", "-v0"], cwd=cwd, env=env, check=True)
    port = _free_port()
    serve = subprocess.Popen(
        [sys.executable, manage, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    answer = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and answer is None and serve.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/signin/", timeout=2)
            except httpx.TransportError:
                time.sleep(0.3)
    finally:
        serve.send_signal(signal.SIGINT)
        output = serve.communicate(timeout=30)[0].decode(errors="replace")
    return serve.returncode, output, answer


def test_serve_answers_and_stops_on_ctrl_c(tmp_path):
    code, output, answer = _serve(tmp_path, cwd=ROOT, env_changes={})
    assert answer is not None and answer.status_code == 200, output
    assert code == 0, output
    assert "started web" in output and "started worker" in output
    assert output.rstrip().endswith("stopped")


def test_serve_runs_from_another_directory_over_plain_http(tmp_path):
    """manage.py is found from settings.BASE_DIR, not the working directory; and with DEBUG off and HTTPS
    unset (the production default would be the HTTPS redirect), serve's plain-HTTP server still answers."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, output, answer = _serve(tmp_path, cwd=elsewhere, env_changes={"HTTPS": None, "DEBUG": "0"})
    assert answer is not None, output
    assert answer.status_code == 200, (answer.status_code, answer.headers.get("location"), output)
    assert "Secure" not in answer.headers.get("set-cookie", "")
    assert code == 0 and "started worker" in output, output
    assert not (elsewhere / "manage.py").exists()


SEED_WATCHED_FOLDER = """
from vault.sources.models import Source, SourceKind
from vault.testing.personas import make_athlete
Source.objects.create(athlete=make_athlete("serve_sam"), kind=SourceKind.WATCHED_FOLDER, config={"path": %r})
"""


def test_serve_starts_the_folder_watcher(tmp_path):
    """The watcher is the third process of serve: a folder watched before serve starts is picked up, a file
    copied into it is imported with nobody pressing anything, and Ctrl-C stops the watcher cleanly too."""
    import sqlite3

    from vault.sources.tests.files import gpx_bytes

    data_dir, folder = tmp_path / "data", tmp_path / "device"
    folder.mkdir()
    env = {**os.environ, "DATA_DIR": str(data_dir), "DATABASE_URL": "", "REDIS_URL": ""}
    manage = str(ROOT / "manage.py")
    subprocess.run([sys.executable, manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [sys.executable, manage, "shell", "-c", SEED_WATCHED_FOLDER % str(folder)],
        cwd=ROOT,
        env=env,
        check=True,
    )

    def file_log() -> list[tuple[str, str]]:
        with sqlite3.connect(data_dir / "vault.sqlite3", timeout=5) as db:
            return db.execute("SELECT name, status FROM sources_sourcefilelog").fetchall()

    serve = subprocess.Popen(
        [sys.executable, manage, "serve", "--host", "127.0.0.1", "--port", str(_free_port()), "--no-worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(1.0)
        (folder / "from-the-watch.gpx").write_bytes(gpx_bytes(7))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not file_log() and serve.poll() is None:
            time.sleep(0.3)
        imported = file_log()
    finally:
        serve.send_signal(signal.SIGINT)
        output = serve.communicate(timeout=30)[0].decode(errors="replace")
    assert imported == [("from-the-watch.gpx", "imported")], output
    assert "started watcher" in output and "started worker" not in output  # the worker is not what imported
    assert serve.returncode == 0 and "watcher stopped" in output, output
