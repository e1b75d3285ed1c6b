"""`manage.py watch`: the folder watcher on its own (where the folder lives on another machine than the web).

`manage.py serve` starts it automatically. SIGINT or SIGTERM stops it cleanly.
"""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand

from vault.sources.connectors.folder.watcher import FolderWatcher


class Command(BaseCommand):
    help = "Watch every watched-folder source: filesystem events plus polling every WATCH_POLL_SECONDS."

    def add_arguments(self, parser):
        parser.add_argument("--no-events", action="store_true", help="poll only (network mounts)")
        parser.add_argument("--poll-seconds", type=float, default=None, help="override WATCH_POLL_SECONDS")

    def handle(self, *args, no_events: bool, poll_seconds: float | None, **options):
        watcher = FolderWatcher(use_events=not no_events, poll_seconds=poll_seconds)
        stopped = threading.Event()

        def stop(*_):
            stopped.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        watcher.start()
        self.stdout.write("watching folders; Ctrl-C to stop")
        while not stopped.wait(0.5):
            pass
        watcher.stop()
        self.stdout.write("watcher stopped")
