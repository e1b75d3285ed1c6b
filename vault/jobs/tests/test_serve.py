"""`manage.py serve` starts the web app and the worker together and Ctrl-C stops the whole group cleanly."""

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


def test_serve_answers_and_stops_on_ctrl_c(tmp_path):
    env = {**os.environ, "DATA_DIR": str(tmp_path), "DATABASE_URL": "", "REDIS_URL": ""}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    port = _free_port()
    serve = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        answer = None
        while time.monotonic() < deadline and answer is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/signin/", timeout=2)
            except httpx.TransportError:
                time.sleep(0.3)
        assert answer is not None and answer.status_code == 200
    finally:
        serve.send_signal(signal.SIGINT)
        output = serve.communicate(timeout=30)[0].decode(errors="replace")
    assert serve.returncode == 0, output
    assert "started web" in output and "started worker" in output
    assert output.rstrip().endswith("stopped")
