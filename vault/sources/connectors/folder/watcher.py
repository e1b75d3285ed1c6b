"""The folder watcher: filesystem events (watchdog) plus a polling fallback, for every watched folder.

One loop, ticking every TICK_SECONDS: it re-reads the watched-folder sources (so a new source is scanned at
once), checks each folder still exists (a vanished folder puts the
card in "needs attention"; when it returns it is watched and scanned again), imports files whose size and
mtime have settled, and every `poll_seconds` walks each folder in full, so NFS and SMB mounts, where events
never arrive, are still picked up.

A removed source must stop within a second even while another folder is busy (a burst of imports, a long
walk), so removal is checked not only at the start of a tick but between files and directories too, at most
every REMOVAL_CHECK_S (one indexed query).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time

from django.db import close_old_connections, connection
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from vault.sources import selectors
from vault.sources.connectors.folder.scan import FolderScanner, folder_check
from vault.sources.models import Source, SourceKind

log = logging.getLogger(__name__)

TICK_SECONDS = 0.5
# One folder's imports per tick are bounded, so a burst in one folder never holds up noticing removed or new
# sources and the other folders; what is left stays pending for the next tick.
IMPORT_BUDGET_S = 2.0
WALK = ""  # queued instead of a path when a whole directory arrived: its files need a walk
REMOVAL_CHECK_S = 0.2


class _Events(FileSystemEventHandler):
    """Collects the paths events name; the watcher loop drains them (watchdog calls this from its thread)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.paths: set[str] = set()

    # Reads (ours included) raise "opened" and "closed_no_write"; only these can mean new content.
    CONTENT_EVENTS = frozenset({"created", "modified", "moved", "closed"})

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in self.CONTENT_EVENTS:
            return
        if event.is_directory:
            if event.event_type in ("created", "moved"):
                with self.lock:
                    self.paths.add(WALK)
            return
        with self.lock:
            self.paths.add(str(getattr(event, "dest_path", "") or event.src_path))

    def drain(self) -> set[str]:
        with self.lock:
            paths, self.paths = self.paths, set()
        return paths


class _Watched:
    def __init__(self, source: Source):
        self.scanner = FolderScanner(source)
        self.events = _Events()
        self.watch = None  # watchdog handle while the folder exists and events are on
        self.available = False
        self.last_poll = 0.0


class FolderWatcher:
    """Runs until `stop()`; `use_events=False` relies on polling alone (as on network mounts)."""

    def __init__(self, *, use_events: bool = True, poll_seconds: float | None = None):
        self.use_events = use_events
        self.poll_seconds = poll_seconds
        self.observer = Observer() if use_events else None
        self.watched: dict[int, _Watched] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._removal_checked = 0.0

    # lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> FolderWatcher:
        self._thread = threading.Thread(target=self.run, name="folder-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        if self.observer is not None:
            self.observer.start()
        try:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    close_old_connections()
                    self.tick()
                except Exception:  # one bad tick (database busy, odd mount) must not kill the watcher
                    log.exception("folder watcher tick failed")
                self._stop.wait(max(0.0, TICK_SECONDS - (time.monotonic() - started)))
        finally:
            for watched in self.watched.values():
                self._unschedule(watched)
            if self.observer is not None:
                self.observer.stop()
                self.observer.join(5)
            connection.close()

    # one pass ---------------------------------------------------------------------------------------------
    def tick(self) -> None:
        self._refresh_sources()
        poll_every = self.poll_seconds or selectors.watch_poll_seconds()
        now = time.monotonic()
        for source_id, watched in list(self.watched.items()):
            if self._stop.is_set():
                return
            if source_id not in self.watched:  # removed while an earlier folder of this tick was busy
                continue
            scanner = watched.scanner

            def keep_going(source_id=source_id) -> bool:
                self._drop_removed()
                return not self._stop.is_set() and source_id in self.watched

            available = folder_check(scanner)
            if not available:
                if watched.available:
                    log.warning("watched folder %s is gone: %s", scanner.folder, scanner.source.status_reason)
                self._unschedule(watched)
                watched.available = False
                continue
            if not watched.available:  # first sight, or the folder came back: watch it and walk it in full
                watched.available = True
                self._schedule(watched)
                watched.last_poll = now
                scanner.discover(keep_going=keep_going)
            changed = watched.events.drain()
            if WALK in changed or now - watched.last_poll >= poll_every:
                watched.last_poll = now
                scanner.discover(keep_going=keep_going)
            for path in changed - {WALK}:
                scanner.notice(path)
            if scanner.import_ready(budget_s=IMPORT_BUDGET_S, keep_going=keep_going) and keep_going():
                from vault.sources.services import source_mark_synced

                source_mark_synced(source=scanner.source)

    def _refresh_sources(self) -> None:
        """Follow additions and removals of watched-folder sources (a removed source stops within a tick)."""
        current = {
            s.pk: s for s in Source.objects.filter(kind=SourceKind.WATCHED_FOLDER).select_related("athlete")
        }
        for source_id in set(self.watched) - set(current):
            self._drop(source_id)
        self._removal_checked = time.monotonic()
        for source_id, source in current.items():
            if source_id not in self.watched:
                self.watched[source_id] = _Watched(source)
            else:
                self.watched[source_id].scanner.source.status = source.status
                self.watched[source_id].scanner.source.status_reason = source.status_reason

    def _drop_removed(self) -> None:
        """Let go of sources removed since the last look; cheap enough to call between files."""
        now = time.monotonic()
        if now - self._removal_checked < REMOVAL_CHECK_S or not self.watched:
            return
        self._removal_checked = now
        alive = set(
            Source.objects.filter(kind=SourceKind.WATCHED_FOLDER, pk__in=list(self.watched)).values_list(
                "pk", flat=True
            )
        )
        for source_id in set(self.watched) - alive:
            self._drop(source_id)

    def _drop(self, source_id: int) -> None:
        watched = self.watched.pop(source_id)
        watched.scanner.pending.clear()
        self._unschedule(watched)
        log.info("stopped watching %s (source %s removed)", watched.scanner.folder, source_id)

    def _schedule(self, watched: _Watched) -> None:
        if self.observer is None or watched.watch is not None:
            return
        try:
            watched.watch = self.observer.schedule(
                watched.events, str(watched.scanner.folder), recursive=True
            )
        except OSError as exc:  # e.g. inotify watch limit reached: polling still covers the folder
            log.warning("no filesystem events for %s (%s); polling only", watched.scanner.folder, exc)

    def _unschedule(self, watched: _Watched) -> None:
        if self.observer is None or watched.watch is None:
            return
        # the folder's inotify watch may already have died with the folder
        with contextlib.suppress(KeyError, OSError, ValueError):
            self.observer.unschedule(watched.watch)
        watched.watch = None
