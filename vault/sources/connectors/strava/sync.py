"""One Strava sync: every activity after the cursor, oldest first, each through the import pipeline.

The list is read with only `after` (Strava then answers oldest first), so the cursor is simply the start time
of the last activity done; it is saved after each one (in the same transaction as its file-log entry), so a
stop for any reason (rate limit, token, outage, removal) loses nothing and fetches nothing twice. Activities already in the file log are skipped before their
streams are fetched, which covers two activities starting in the same second.

One activity whose answer stays broken (malformed JSON after the retries) does not hold the cursor back: it
is logged as a transient error and fetched again, by id, at the start of the next sync. Data that decodes but
is unusable (empty streams, missing fields) is permanent: reported once, never fetched again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from django.db import transaction

from vault.jobs.services import job_create, job_progress
from vault.sources import selectors, services
from vault.sources.connectors.strava.client import (
    StravaBadData,
    StravaError,
    StravaMalformed,
    StravaNotFound,
    StravaRateLimited,
    StravaTokenStale,
    StravaUnauthorized,
    streams_path,
)
from vault.sources.connectors.strava.fetch import Prepared, StreamsProcess
from vault.sources.connectors.strava.oauth import client_for, scope_problem
from vault.sources.connectors.strava.recording import (
    ActivityDataError,
    canonical_bytes,
    parse_start,
    sport_of,
    to_recording,
)
from vault.sources.models import FileStatus, Source, SourceFileLog, SourceStatus
from vault.sources.selectors import SYNC_JOB_KIND

PER_PAGE = 200  # Strava's maximum: fewest list calls against the rate limit
PROGRESS_EVERY_S = 0.5
# A page listing this many activities is worth the helper process (fetch.py): starting it costs a fraction of
# a second, saved after a few dozen activities. Smaller syncs (the periodic ones) fetch in a thread.
PROCESS_FROM = 50
PROCESS_READY_WAIT_S = 0.0  # how long to wait for it to start; meanwhile the thread fetches (tests wait)

log = logging.getLogger(__name__)


class SourceRemoved(Exception):
    pass


class StreamsPrefetch:
    """Fetches the next activity's streams while the current one is imported, so the HTTP round trip overlaps
    the import. One request in flight, in list order, started only after the previous answer was taken: a
    refusal (rate limit, token, outage) stops the sync before anything later is asked for, exactly as without
    it. Token refreshes write the rotated tokens, so they stay in the sync's own thread.

    The request goes to a thread, or, for long syncs, to the helper process (fetch.py), which also decodes
    the answer and builds the recording; whatever it does not answer cleanly is judged by the client here."""

    def __init__(self, client):
        self.client = client
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="strava-prefetch")
        self.process: StreamsProcess | None = None
        self.process_tried = False
        # (activity id, the thread's Future, or None when the request went to the process)
        self.pending: tuple[int, Future | None] | None = None

    def expect(self, count: int) -> None:
        """A page listed `count` activities: enough of them, and the helper process starts (once a sync).
        Only for a client sending its own requests: one given another transport (tests) keeps the thread."""
        if self.process_tried or count < PROCESS_FROM or not self.client.own_http:
            return
        self.process_tried = True
        try:
            self.process = StreamsProcess()
        except Exception:  # no processes here (a sandbox, a daemonic worker): the thread does it all
            log.warning("cannot start the Strava streams process; fetching in a thread", exc_info=True)

    def start(self, activity_id: int, item: dict) -> None:
        self.client.ensure_fresh_token()
        process = self.process
        if (
            process is not None
            and process.usable(PROCESS_READY_WAIT_S)
            and self.client.limits.exhausted(self.client.now()) is None  # else the thread raises it in turn
        ):
            process.send(self.client.request_for(*streams_path(activity_id)), item)
            self.pending = (activity_id, None)
            return
        self.pending = (activity_id, self.pool.submit(self.client.streams, activity_id, refresh=False))

    def take(self, activity_id: int) -> dict | Prepared | None:
        """The streams (None: it has none), or, from the process, the activity ready to import."""
        pending, self.pending = self.pending, None
        if pending is None or pending[0] != activity_id:
            self._settle(pending)
            return self.client.streams(activity_id)
        if pending[1] is None:
            return self._from_process(activity_id)
        try:
            return pending[1].result()
        except StravaTokenStale:
            self.client.refresh()
            return self.client.streams(activity_id)

    def _from_process(self, activity_id: int) -> dict | Prepared | None:
        answer = self.process.receive()
        if answer is None:  # the process failed: fetch it here, as without it
            return self.client.streams(activity_id)
        if isinstance(answer, Prepared):
            self.client.note_answer(answer.headers)
            return answer
        return self.client.streams(activity_id, answered=answer.outcome())

    def close(self) -> None:
        self._settle(self.pending)
        self.pending = None
        self.pool.shutdown(wait=True)
        if self.process is not None:
            self.process.close()

    def _settle(self, pending) -> None:
        if pending is None:
            return
        if pending[1] is None:  # the process's answer must be read, or it would be taken for the next one's
            self.process.receive()
            return
        with contextlib.suppress(Exception):  # an answer nobody will use; its error does not matter
            pending[1].result()


@dataclass
class Planned:
    """A listed activity that will be imported (its streams, if any, fetched first)."""

    item: dict
    raw_id: int
    external_id: str
    sport: str

    @property
    def needs_streams(self) -> bool:
        return self.item.get("manual") is not True


SYNC_LOG_NAME = "Strava sync"


def _stop(source: Source, status: str, reason: str) -> None:
    """A problem that stops the whole sync: on the card and in the file log."""
    services.source_set_status(source=source, status=status, reason=reason)
    services.source_log_stop(source=source, name=SYNC_LOG_NAME, message=reason)


def strava_sync(*, source: Source, job, client=None) -> None:
    try:
        client = client or client_for(source)
    except StravaError as exc:
        _stop(source, SourceStatus.NEEDS_ATTENTION, str(exc))
        return
    if not source.secrets.get("access_token"):
        services.source_set_status(
            source=source, status=SourceStatus.RECONNECT, reason="not connected yet: authorise on Strava"
        )
        return
    progress = Progress(job)
    prefetch = StreamsPrefetch(client)
    try:
        attempted = _retry_transient(source, client, progress)
        page = 1
        after = int(source.cursor.get("after", 0))
        while True:
            items = client.list_activities(after=after, page=page, per_page=PER_PAGE)
            _sync_page(source, prefetch, items, progress, attempted)
            if len(items) < PER_PAGE:
                break
            page += 1
    except SourceRemoved:
        progress.report(message=f"the source was removed; stopped after {progress.done} activities")
        return
    except StravaRateLimited as exc:
        _pause(source, job, exc, progress.done)
        return
    except StravaUnauthorized as exc:
        _stop(source, SourceStatus.RECONNECT, f"{exc}. Connect Strava again.")
        progress.report(message=f"stopped: {exc}")
        return
    except StravaError as exc:
        reason = f"{exc}; the next sync continues from where this one stopped"
        _stop(source, SourceStatus.NEEDS_ATTENTION, reason)
        progress.report(message=f"stopped: {reason}")
        return
    finally:
        prefetch.close()
        client.close()
    problem = scope_problem(set(source.config.get("scopes", [])))
    services.source_set_status(
        source=source, status=SourceStatus.ACTIVE, reason=problem[1] if problem else ""
    )
    services.source_mark_synced(source=source)
    progress.report(total=progress.done, message=f"{progress.done} Strava activities processed")


class Progress:
    """Job progress, written at most every PROGRESS_EVERY_S (a row update per activity would cost more than
    the connector itself); the cursor is still saved after every activity."""

    def __init__(self, job):
        self.job = job
        self.done = 0
        self.written_at = 0.0

    def step(self) -> None:
        self.done += 1
        if time.monotonic() - self.written_at >= PROGRESS_EVERY_S:
            self.report(message=f"{self.done} Strava activities processed")

    def report(self, *, message: str, total: int | None = None) -> None:
        self.written_at = time.monotonic()
        job_progress(job=self.job, done=self.done, total=total, message=message)


@dataclass
class PageFacts:
    """What the database knows about one list page, read in two queries rather than two per activity: the
    activities already in the file log, and the (start, sport) of file imports that a listed one may link to."""

    logged: set[str]
    unlinked: list[tuple[dt.datetime, str]]

    @classmethod
    def read(cls, source: Source, items: list, attempted: set[str] = frozenset()) -> PageFacts:
        ids, starts = [], []
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("id"), int):
                ids.append(str(item["id"]))
                with contextlib.suppress(ActivityDataError):
                    starts.append(parse_start(item))
        # done: any outcome but a transient error (that one is fetched again), or tried already in this sync
        logged = set(
            SourceFileLog.objects.filter(source=source, external_id__in=ids, retry=False).values_list(
                "external_id", flat=True
            )
        ) | (set(ids) & attempted)
        unlinked = selectors.unlinked_activities(source.athlete, min(starts), max(starts)) if starts else []
        return cls(logged=logged, unlinked=unlinked)

    def may_link(self, start: dt.datetime, sport: str) -> bool:
        return any(s == sport and abs(t - start) <= services.LINK_WINDOW for t, s in self.unlinked)


def _retry_transient(source: Source, client, progress: Progress) -> set[str]:
    """Fetch again, by id, the activities an earlier sync could not read (the cursor is already past them).
    Returns the ids tried, so the list below does not fetch one of them a second time in this sync."""
    attempted: set[str] = set()
    for external_id in services.pending_retries(source):
        if not external_id.isdigit():  # only activities listed with an integer id are ever logged by id
            continue
        attempted.add(external_id)
        _retry_one(source, client, external_id)
        services.source_log_retried(source=source, external_id=external_id)
        progress.step()
    return attempted


def _retry_one(source: Source, client, external_id: str) -> None:
    label = {"id": external_id}
    try:
        item = client.activity(int(external_id))
    except StravaNotFound:
        _log_error(source, label, external_id, "no longer on Strava (deleted, or made private)")
        return
    except StravaBadData as exc:
        _log_error(source, label, external_id, str(exc), retry=isinstance(exc, StravaMalformed))
        return
    planned = _plan(source, item, PageFacts.read(source, [item]))
    if planned is None:
        return
    streams = None
    if planned.needs_streams:
        try:
            streams = client.streams(planned.raw_id)
        except StravaBadData as exc:
            _log_error(source, item, external_id, str(exc), retry=isinstance(exc, StravaMalformed))
            return
    _import(source, planned, streams)


def _sync_page(
    source: Source, prefetch: StreamsPrefetch, items: list, progress: Progress, attempted: set[str]
) -> None:
    """Each activity of one list page in order; while one is imported, the next one's streams download. A
    removed source is noticed when its cursor cannot be saved (and the importer refuses its files)."""
    facts = PageFacts.read(source, items, attempted)
    prefetch.expect(len(items))
    upcoming = _plan(source, items[0], facts) if items else None
    for index, item in enumerate(items):
        current, upcoming = upcoming, None
        streams, fetched = None, True
        if current is not None and current.needs_streams:
            try:
                streams = prefetch.take(current.raw_id)
            except StravaBadData as exc:
                # malformed after the retries: try it again next sync; a wrong shape will not mend itself
                retry = isinstance(exc, StravaMalformed)
                _log_error(source, current.item, current.external_id, str(exc), retry=retry)
                attempted.add(current.external_id)  # not again in this sync, should a later page relist it
                fetched = False
        if index + 1 < len(items):
            upcoming = _plan(source, items[index + 1], facts)
            if upcoming is not None and upcoming.needs_streams:
                prefetch.start(upcoming.raw_id, upcoming.item)
        if (
            current is None
            or not fetched
            or not _import(source, current, streams, cursor=_cursor_after(source, item))
        ):
            _advance_cursor(source, item)
        progress.step()


def _label(item: dict) -> str:
    name = item.get("name") if isinstance(item.get("name"), str) else ""
    return f"Strava {item.get('id')}" + (f" {name}" if name else "")


def _plan(source: Source, item, facts: PageFacts) -> Planned | None:
    """Decide what to do with one listed activity: None when it is done here (already seen, linked to an
    activity imported from a file, or logged as unusable); else the plan to import it."""
    if not isinstance(item, dict):
        services.source_log(
            source=source,
            name="Strava activity list",
            status=FileStatus.ERROR,
            message=f"an activity list entry is a {type(item).__name__}, not an object; skipped",
        )
        return None
    raw_id = item.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, int):
        services.source_log(
            source=source,
            name=_label(item),
            status=FileStatus.ERROR,
            message=f"activity list entry: field 'id' is missing or not an integer ({raw_id!r}); skipped",
        )
        return None
    external_id = str(raw_id)
    if external_id in facts.logged:
        return None
    try:
        start = parse_start(item)
        sport, _sub = sport_of(item)
    except ActivityDataError as exc:
        _log_error(source, item, external_id, str(exc))
        return None
    linked = None
    if facts.may_link(start, sport):
        linked = services.activity_link_external(
            source=source, sport=sport, start=start, external_id=external_id
        )
    if linked is not None:
        services.source_log(
            source=source,
            name=f"strava-{external_id}.json",
            status=FileStatus.DUPLICATE,
            external_id=external_id,
            activity_id=linked.pk,
            message=f"{_label(item)}: linked to activity {linked.pk} imported from {linked.original_filename}",
        )
        return None
    return Planned(item=item, raw_id=raw_id, external_id=external_id, sport=sport)


def _import(
    source: Source, planned: Planned, streams: dict | Prepared | None, *, cursor: dict | None = None
) -> bool:
    """Import one activity and log it; True when `cursor` was saved with the log entry (an activity that
    cannot become a recording is logged as an error, and its caller moves the cursor). `streams` may come
    already made into a recording by the helper process."""
    if isinstance(streams, Prepared):
        if streams.problem:
            _log_error(source, planned.item, planned.external_id, streams.problem)
            return False
        recording, data = streams.recording, streams.data
    else:
        try:
            recording = to_recording(planned.item, streams)
        except ActivityDataError as exc:
            _log_error(source, planned.item, planned.external_id, str(exc))
            return False
        data = canonical_bytes(planned.item, streams)
    entry = services.source_import(
        source=source,
        data=data,
        filename=f"strava-{planned.external_id}.json",
        external_id=planned.external_id,
        recording=recording,
        name=planned.item.get("name") or "",
        sport=planned.sport,
        cursor=cursor,
    )
    if entry is None and cursor is not None:
        raise SourceRemoved
    return cursor is not None


def _log_error(source: Source, item: dict, external_id: str, problem: str, *, retry: bool = False) -> None:
    services.source_log(
        source=source,
        name=f"strava-{external_id}.json",
        status=FileStatus.ERROR,
        external_id=external_id,
        message=f"{_label(item)}: {problem}; " + ("tried again at the next sync" if retry else "skipped"),
        retry=retry,
    )


def _cursor_after(source: Source, item) -> dict | None:
    """The cursor once `item` is done; None when it has no usable start (the cursor then stays)."""
    try:
        start = parse_start(item) if isinstance(item, dict) else None
    except ActivityDataError:
        return None
    if start is None:
        return None
    # one second before: a second activity starting in the same second is listed again (and the file log
    # keeps the first from being fetched twice)
    after = max(int(source.cursor.get("after", 0)), int(start.timestamp()) - 1)
    return {**source.cursor, "after": after}


def _advance_cursor(source: Source, item) -> None:
    cursor = _cursor_after(source, item)
    if cursor is None:
        return
    source.cursor = cursor
    if not services.source_save_cursor(source=source):
        raise SourceRemoved


def _pause(source: Source, job, exc: StravaRateLimited, done: int) -> None:
    """Stop until the rate-limit window resets; a follow-up job then continues from the saved cursor."""
    from vault.jobs.tasks import run_job

    resume_at = exc.resume_at.astimezone(dt.UTC)
    reason = f"{exc}: paused until {resume_at:%H:%M} UTC, then the sync continues where it stopped"
    services.source_set_status(source=source, status=SourceStatus.SYNCING, reason=reason)
    follow_up = job_create(
        kind=SYNC_JOB_KIND,
        owner=job.owner,
        athlete=job.athlete,
        # resume_at tells the stuck-sync check that this queued job is waiting, not lost
        params={
            "source_id": source.pk,
            "action": "sync",
            "resumes_job": job.pk,
            "resume_at": resume_at.isoformat(),
        },
        enqueue=False,
    )
    transaction.on_commit(lambda: run_job.schedule((follow_up.pk,), eta=resume_at.replace(tzinfo=None)))
    job_progress(job=job, done=done, message=f"{reason} (job {follow_up.pk})")
