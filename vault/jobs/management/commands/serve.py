"""`manage.py serve`: the web app, the Huey worker and the folder watcher in one process group.

The embedded default for a laptop. Ctrl-C (SIGINT) or SIGTERM stops all three cleanly; if one of them
dies, the others are stopped too so the operator sees the failure instead of a half-running app.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web app with the background worker and the folder watcher in one process group."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="do not start the Huey worker")
        parser.add_argument("--no-watcher", action="store_true", help="do not start the folder watcher")

    def handle(self, *args, host: str, port: int, no_worker: bool, no_watcher: bool, **options):
        # The project's own manage.py, wherever serve was started from (cron, systemd, another directory).
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        # runserver speaks plain HTTP: with DEBUG off the settings default to HTTPS (secure cookies, the
        # HTTPS redirect), which no browser could use here. An HTTPS the operator set (behind a TLS proxy)
        # is kept.
        env = dict(os.environ)
        if not env.get("HTTPS", "").strip():
            env["HTTPS"] = "0"
        commands = {"web": [*manage, "runserver", "--noreload", "--insecure", f"{host}:{port}"]}
        if not no_worker:
            commands["worker"] = [*manage, "run_huey"]
        if not no_watcher and "watch" in get_commands():
            commands["watcher"] = [*manage, "watch"]

        children: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for name, argv in commands.items():
            children[name] = subprocess.Popen(argv, env=env)  # same cwd: a relative DATA_DIR means the same
            self.stdout.write(f"started {name} (pid {children[name].pid})")
        self.stdout.write(f"Athlete Vault is serving on http://{host}:{port}/ — press Ctrl-C to stop")

        exit_code = 0
        try:
            while not stopping:
                for name, child in children.items():
                    code = child.poll()
                    if code is not None:
                        self.stderr.write(f"{name} exited with code {code}; stopping the others")
                        exit_code = code or 1
                        stopping = True
                        break
                time.sleep(0.3)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.send_signal(signal.SIGINT)
            deadline = time.monotonic() + 10
            for child in children.values():
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
            self.stdout.write("stopped")
        if exit_code:
            sys.exit(exit_code)
