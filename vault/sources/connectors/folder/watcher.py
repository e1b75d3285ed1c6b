"""The folder watcher: filesystem events (watchdog) plus a polling fallback, for every watched folder.

One loop, ticking every TICK_SECONDS: it re-reads the watched-folder sources (so a new source is scanned at
once), checks each folder still exists (a vanished folder puts the
card in "needs attention"; when it returns it is watched and scanned again), imports files whose size and
mtime have settled, and every `poll_seconds` walks each folder in full, so NFS and SMB mounts, where events
never arrive, are still picked up. Between ticks it wakes early when a pending file may have settled (or a
writer closed one), so a file is imported when it is ready, not up to a tick later.

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
from vault.sources.connectors.folder.scan import (
    CLOSED_STABLE_SECONDS,
    FileState,
    FolderScanner,
    file_state,
    folder_check,
)
from vault.sources.models import Source, SourceKind

log = logging.getLogger(__name__)

TICK_SECONDS = 0.5
# One folder's imports per tick are bounded, so a burst in one folder never holds up noticing removed or new
# sources and the other folders; what is left stays pending for the next tick.
IMPORT_BUDGET_S = 2.0
WALK = ""  # queued instead of a path when a whole directory arrived: its files need a walk
REMOVAL_CHECK_S = 0.2


class _Events(FileSystemEventHandler):
    """Collects the paths events name; the watcher loop drains them (watchdog calls this from its thread).
    A path whose last event is "closed" (the writer closed it after writing) also carries its state just after
    the close, which lets it settle sooner (scan.CLOSED_STABLE_SECONDS); any later write event drops that."""

    def __init__(self, wake: threading.Event | None = None):
        self.lock = threading.Lock()
        self.paths: set[str] = set()
        self.closed: dict[str, tuple[FileState, float]] = {}
        self.first_close: float | None = None  # monotonic time of the earliest close not yet drained
        self.wake = wake

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
        path = str(getattr(event, "dest_path", "") or event.src_path)
        # stat here, in watchdog's thread, as close to the close as we get: a write after it changes the
        # state, so the file is then judged by the full STABLE_SECONDS again
        closed = (file_state(path), time.monotonic()) if event.event_type == "closed" else None
        with self.lock:
            self.paths.add(path)
            if closed is None or closed[0] is None:
                self.closed.pop(path, None)
            else:
                self.closed[path] = closed
                if self.first_close is None:
                    self.first_close = closed[1]
        if closed is not None and self.wake is not None:
            self.wake.set()

    def drain(self) -> tuple[set[str], dict[str, tuple[FileState, float]]]:
        with self.lock:
            paths, self.paths = self.paths, set()
            closed, self.closed = self.closed, {}
            self.first_close = None
        return paths, closed


class _Watched:
    def __init__(self, source: Source, wake: threading.Event | None = None):
        self.scanner = FolderScanner(source)
        self.events = _Events(wake)
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
        # set by a close event (or stop): the wait before the next tick is worked out again
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._removal_checked = 0.0

    # lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> FolderWatcher:
        self._thread = threading.Thread(target=self.run, name="folder-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._wake.set()
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
                self._pause(until=started + TICK_SECONDS)
        finally:
            for watched in self.watched.values():
                self._unschedule(watched)
            if self.observer is not None:
                self.observer.stop()
                self.observer.join(5)
            connection.close()

    def _pause(self, *, until: float) -> None:
        """Wait for the next tick: at `until`, or sooner when a pending file may have settled by then, or a
        writer closed a file (which may settle sooner still). Computed once per tick from the scanners and again
        on each close event, so a burst of events does not make extra ticks, only earlier ones."""
        # only folders that are there: the files and events of a vanished one wait without being looked at
        available = [w for w in self.watched.values() if w.available]
        pending_due = [w.scanner.next_due() for w in available]
        until = min([until, *(due for due in pending_due if due is not None)])
        while not self._stop.is_set():
            self._wake.clear()
            closes = [w.events.first_close for w in available]
            soonest = min([until, *(t + CLOSED_STABLE_SECONDS for t in closes if t is not None)])
            remaining = soonest - time.monotonic()
            if remaining <= 0:
                return
            self._wake.wait(remaining)

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
            changed, closed = watched.events.drain()
            if WALK in changed or now - watched.last_poll >= poll_every:
                watched.last_poll = now
                scanner.discover(keep_going=keep_going)
            for path in changed - {WALK}:
                scanner.notice(path, closed.get(path))
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
                self.watched[source_id] = _Watched(source, self._wake)
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
