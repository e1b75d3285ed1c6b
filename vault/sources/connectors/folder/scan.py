"""Finding and importing the activity files of one watched folder.

A file is read only once its size and modification time have held still for STABLE_SECONDS (a device or a
copy may still be writing it), and only when it is new or changed since it was last processed (SeenFile), so
a poll of a large folder costs a stat per file. A file that vanishes while being read is not marked as seen,
so the next scan tries it again.

Where filesystem events tell that the writer closed the file after writing (inotify's IN_CLOSE_WRITE), it
need only hold still for CLOSED_STABLE_SECONDS after that close: the writer has said it is done, and the
shorter hold still catches one that opens it again to append. Without that signal (polling, network mounts,
a writer that keeps the file open) the full STABLE_SECONDS apply.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction

from vault.jobs.services import job_progress
from vault.sources import services
from vault.sources.models import SeenFile, Source, SourceStatus

log = logging.getLogger(__name__)

TRACK_SUFFIXES = (".fit", ".gpx", ".tcx", ".fit.gz", ".gpx.gz", ".tcx.gz")
STABLE_SECONDS = 1.0  # size and mtime must hold this long before a file is read
CLOSED_STABLE_SECONDS = 0.25  # ... or this long after the writer closed it, unchanged since the close
SCAN_PATIENCE_SECONDS = 60.0  # a scan job waits this long for growing files; the watcher takes the rest
# File-log entries of a burst are written together, at least this often and at the end of every pass: one
# commit for many files. A crash loses at most these last lines, never a file (its activity and the
# importer's own record are written by then).
LOG_BATCH_SECONDS = 0.25


def is_track_file(name: str) -> bool:
    lower = name.lower()
    return not lower.startswith(".") and lower.endswith(TRACK_SUFFIXES)


@dataclass(frozen=True)
class FileState:
    size: int
    mtime_ns: int


def file_state(path: Path | str) -> FileState | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return FileState(st.st_size, st.st_mtime_ns)


class FolderScanner:
    """The state of one watched folder between passes: files waiting to hold still."""

    def __init__(self, source: Source):
        self.source = source
        self.folder = Path(source.path)
        # relative path -> (last observed state, monotonic time it was first observed in that state)
        self.pending: dict[str, tuple[FileState, float]] = {}
        # relative path -> state when last processed (SeenFile), loaded by discover()
        self.seen: dict[str, FileState] = {}
        # relative path -> (state right after the writer closed it, monotonic time of the close), from events
        self.closed: dict[str, tuple[FileState, float]] = {}
        self.unlogged: list = []  # file-log entries not written yet (LOG_BATCH_SECONDS)
        self.unlogged_since = 0.0

    def folder_problem(self) -> str | None:
        return services.folder_path_problem(str(self.folder))

    def discover(self, *, keep_going=None) -> int:
        """Walk the folder (recursively) and queue every new or changed track file; returns how many. The walk
        of a large tree stops early once `keep_going()` turns false (the source was removed)."""
        self.seen = seen = {
            path: FileState(size, mtime)
            for path, size, mtime in SeenFile.objects.filter(source=self.source).values_list(
                "path", "size", "mtime_ns"
            )
        }
        found = 0
        for root, dirs, files in os.walk(self.folder, onerror=lambda exc: None):
            if keep_going is not None and not keep_going():
                break
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                if not is_track_file(name):
                    continue
                full = Path(root) / name
                rel = str(full.relative_to(self.folder))
                state = file_state(full)
                if state is None or seen.get(rel) == state:
                    continue
                if rel not in self.pending:
                    self.pending[rel] = (state, time.monotonic())
                    found += 1
        return found

    def notice(self, full_path: str, closed: tuple[FileState, float] | None = None) -> None:
        """A filesystem event named this path: queue it if it is a track file inside the folder. `closed` is
        (state, time) when its last event was the writer closing it after writing."""
        path = Path(full_path)
        if not is_track_file(path.name):
            return
        try:
            rel = str(path.relative_to(self.folder))
        except ValueError:
            return
        state = file_state(path)
        # a close seen before no longer speaks for the file after this event; the event's own close (if it
        # is one) does, set below once the file is known to be pending
        self.closed.pop(rel, None)
        if state is None:
            self.pending.pop(rel, None)
            return
        if self.seen.get(rel) == state:  # already processed as it is
            return
        previous = self.pending.get(rel)
        if previous is None or previous[0] != state:
            self.pending[rel] = (state, time.monotonic())
        if closed is not None:
            self.closed[rel] = closed

    def ready(self) -> list[str]:
        """Pending files whose size and mtime have held still for STABLE_SECONDS, or for CLOSED_STABLE_SECONDS
        since the writer closed them; restarts the clock of the others and forgets those that vanished."""
        now = time.monotonic()
        ready = []
        for rel, (state, since) in list(self.pending.items()):
            current = file_state(self.folder / rel)
            if current is None:
                del self.pending[rel]
                self.closed.pop(rel, None)
                continue
            if current != state:
                self.pending[rel] = (current, now)
            closed = self.closed.get(rel)
            if closed is not None and closed[0] != current:  # written after the close: the full hold again
                del self.closed[rel]
                closed = None
            if (closed is not None and now - closed[1] >= CLOSED_STABLE_SECONDS) or (
                current == state and now - since >= STABLE_SECONDS
            ):
                ready.append(rel)
        return sorted(ready)

    def next_due(self) -> float | None:
        """The monotonic time the first pending file may be ready (if it holds still), None if none is
        pending: the watcher wakes then rather than at its next regular tick."""
        due = None
        for rel, (_state, since) in self.pending.items():
            when = since + STABLE_SECONDS
            closed = self.closed.get(rel)
            if closed is not None:
                when = min(when, closed[1] + CLOSED_STABLE_SECONDS)
            due = when if due is None else min(due, when)
        return due

    def claim(self, rel: str, state: FileState) -> bool:
        """Record `rel` at `state` as taken, unless another scanner (the watcher and a scan job may run at once)
        already took it at that state: the database, not a check before the write, keeps it single. A file
        never processed before is inserted straight away (one write, not an update that finds nothing first);
        a changed one, or a new one another scanner inserted meanwhile, is updated unless already at `state`."""
        if rel not in self.seen and self._insert_seen(rel, state):
            return True
        taken = (
            SeenFile.objects.filter(source=self.source, path=rel)
            .exclude(size=state.size, mtime_ns=state.mtime_ns)
            .update(size=state.size, mtime_ns=state.mtime_ns)
        )
        if taken:
            return True
        return rel in self.seen and self._insert_seen(rel, state)

    def _insert_seen(self, rel: str, state: FileState) -> bool:
        try:
            with transaction.atomic():
                SeenFile.objects.create(
                    source_id=self.source.pk, path=rel, size=state.size, mtime_ns=state.mtime_ns
                )
        except IntegrityError:  # taken by another scanner, or the source was removed
            return False
        return True

    def release(self, rel: str) -> None:
        SeenFile.objects.filter(source=self.source, path=rel).delete()
        self.seen.pop(rel, None)
        self.closed.pop(rel, None)

    def import_file(self, rel: str) -> bool:
        """Read one settled file and hand it to the importer. False if it must be tried again later or another
        scanner has it."""
        path = self.folder / rel
        state = file_state(path)
        self.pending.pop(rel, None)
        self.closed.pop(rel, None)
        if state is None:
            return False
        if not self.claim(rel, state):
            self.seen[rel] = state
            return False
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            log.info("%s vanished while being read; the next scan tries again", path)
            self.release(rel)
            return False
        except OSError as exc:
            self.write_log()  # the entries of the files before it first, to keep the log in order
            services.source_log(
                source=self.source,
                name=rel,
                status="error",
                message=f"cannot read {rel}: {exc.strerror or exc}",
            )
            return False
        if len(data) != state.size or file_state(path) != state:  # still being written after all
            self.release(rel)
            self.pending[rel] = (file_state(path) or FileState(len(data), 0), time.monotonic())
            return False
        # the claim just written shows the source is there (the foreign key would have refused it)
        if not self.unlogged:
            self.unlogged_since = time.monotonic()
        services.source_import(
            source=self.source, data=data, filename=rel, check_source=False, batch=self.unlogged
        )
        self.seen[rel] = state
        if time.monotonic() - self.unlogged_since >= LOG_BATCH_SECONDS:
            self.write_log()
        return True

    def write_log(self) -> None:
        entries, self.unlogged = self.unlogged, []
        services.source_log_batch(source=self.source, entries=entries)

    def import_ready(self, *, on_file=None, budget_s: float | None = None, keep_going=None) -> int:
        """Import the settled files (for at most `budget_s`; the rest stay pending for the next pass), asking
        `keep_going()` between files so the watcher can notice removed sources mid-burst. Once the source is
        removed every claim fails anyway (its SeenFile rows went with it and new ones are refused by the
        foreign key), so nothing more is read."""
        count = 0
        deadline = None if budget_s is None else time.monotonic() + budget_s
        try:
            batch = self.ready()
            while batch:
                imported_before = count
                for rel in batch:
                    if deadline is not None and time.monotonic() > deadline:
                        return count
                    if keep_going is not None and not keep_going():
                        return count
                    if self.import_file(rel):
                        count += 1
                        if on_file:
                            on_file(count)
                # files of a burst settle while the ones before them import: take them now rather than after
                # a pause, so the wait for a file to hold still overlaps the imports (not again after a batch
                # that imported nothing: a file that keeps changing must not spin this loop)
                batch = self.ready() if count > imported_before else []
            return count
        finally:
            self.write_log()


def folder_check(scanner: FolderScanner) -> bool:
    """Put the card in "needs attention" while the folder is unusable and back to active when it returns.
    True when the folder can be scanned."""
    problem = scanner.folder_problem()
    source = scanner.source
    if problem:
        if source.status != SourceStatus.NEEDS_ATTENTION or source.status_reason != problem:
            services.source_set_status(source=source, status=SourceStatus.NEEDS_ATTENTION, reason=problem)
            # once per change, not every tick: the file log shows when the folder went away
            services.source_log_stop(
                source=source, name=source.path, message=f"folder not scanned: {problem}"
            )
        return False
    if source.status == SourceStatus.NEEDS_ATTENTION:
        services.source_set_status(source=source, status=SourceStatus.ACTIVE, reason="")
    return True


def folder_scan(*, source: Source, job=None) -> int:
    """A full scan: every new or changed file, waiting (up to SCAN_PATIENCE_SECONDS) for growing ones."""
    scanner = FolderScanner(source)
    if not folder_check(scanner):
        if job is not None:
            job_progress(job=job, done=0, total=0, message=f"not scanned: {source.status_reason}")
        return 0
    total = scanner.discover()
    imported = 0

    def progress(count: int) -> None:
        if job is not None:
            job_progress(job=job, done=imported + count, total=total)

    if job is not None:
        job_progress(job=job, done=0, total=total, message=f"scanning {source.path}")
    deadline = time.monotonic() + SCAN_PATIENCE_SECONDS
    while scanner.pending and time.monotonic() < deadline and services.source_exists(source):
        imported += scanner.import_ready(on_file=progress)
        due = scanner.next_due()
        if due is not None:  # until the first growing file may have settled, checking at least every 0.25 s
            time.sleep(min(max(due - time.monotonic(), 0.01), 0.25))
    services.source_mark_synced(source=source)
    if job is not None:
        waiting = f"; {len(scanner.pending)} still being written" if scanner.pending else ""
        job_progress(job=job, done=imported, total=total, message=f"{imported} files processed{waiting}")
    return imported
