"""Writes: connecting, removing and syncing sources, their status, and the file log."""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from vault.jobs.models import Job, JobStatus
from vault.jobs.services import job_create
from vault.sources import selectors
from vault.sources.models import (
    ConnectorSettings,
    FileStatus,
    Source,
    SourceFileLog,
    SourceKind,
    SourceStatus,
)

log = logging.getLogger(__name__)

# The importer's name for each kind of source (vault.activities.models.SourceKind)
IMPORT_SOURCE_KIND = {SourceKind.WATCHED_FOLDER: "folder", SourceKind.STRAVA: "strava", SourceKind.NRC: "nrc"}
LINK_WINDOW = dt.timedelta(seconds=60)
# A sync silent this long is dead: a live one writes its cursor after every activity, each taking seconds.
SYNC_STALE_AFTER = dt.timedelta(minutes=30)


def folder_path_problem(path: str) -> str | None:
    """Why `path` cannot be watched (absent, not a directory, unreadable), or None when it can."""
    if not path or not path.strip():
        return "enter the full path of a folder"
    if not os.path.isabs(path):
        return f"{path} is not a full path (it must start with /)"
    folder = Path(path)
    if not folder.exists():
        return f"{path} does not exist"
    if not folder.is_dir():
        return f"{path} is not a directory"
    try:
        with os.scandir(folder) as entries:
            next(entries, None)
    except PermissionError:
        return f"{path} cannot be read (permission denied)"
    except OSError as exc:
        return f"{path} cannot be read ({exc.strerror or exc})"
    return None


@transaction.atomic
def source_create(
    *, athlete, kind: str, created_by=None, path: str = "", token: str = "", refresh_token: str = ""
) -> Source:
    """Connect a source. A folder is scanned at once and an NRC token synced at once; Strava waits for the
    athlete's consent (see connectors.strava.oauth). Connecting Strava or NRC again replaces the credentials
    of the existing connection instead of adding a second one."""
    if kind == SourceKind.WATCHED_FOLDER:
        path = (path or "").strip()
        problem = folder_path_problem(path)
        if problem:
            raise ValidationError({"path": [problem]})
        path = os.path.normpath(path)
        if any(s.path == path for s in Source.objects.filter(athlete=athlete, kind=kind)):
            raise ValidationError({"path": [f"{path} is already watched for this athlete"]})
        source = Source.objects.create(
            athlete=athlete, kind=kind, config={"path": path}, created_by=created_by
        )
        source_sync_start(source=source, owner=created_by)
        return source
    if kind == SourceKind.NRC:
        token = (token or "").strip()
        if not token:
            raise ValidationError({"token": ["paste the access token from nike.com (see the steps)"]})
        source = Source.objects.filter(athlete=athlete, kind=kind).first() or Source(
            athlete=athlete, kind=kind, created_by=created_by
        )
        # a refresh token is optional: Nike's refresh breaks often, but while it works it spares re-pasting
        source.secrets = {
            "access_token": token,
            **({"refresh_token": refresh_token.strip()} if refresh_token.strip() else {}),
        }
        source.status, source.status_reason = SourceStatus.ACTIVE, ""
        source.save()
        source_sync_start(source=source, owner=created_by)
        return source
    if kind == SourceKind.STRAVA:
        client_id, client_secret = selectors.strava_credentials()
        if not (client_id and client_secret):
            raise ValidationError(
                {"kind": ["Strava is not set up: enter the Client ID and Client Secret on the Settings page"]}
            )
        source, created = Source.objects.get_or_create(
            athlete=athlete, kind=kind, defaults={"created_by": created_by}
        )
        if created or source.status == SourceStatus.RECONNECT:
            source.status = SourceStatus.RECONNECT
            source.status_reason = source.status_reason or "not connected yet: authorise on Strava"
            source.save(update_fields=["status", "status_reason"])
        return source
    raise ValidationError({"kind": [f"unknown kind {kind!r}: use watched_folder, strava or nrc"]})


def source_update_token(*, source: Source, token: str, refresh_token: str = "") -> Source:
    """A fresh NRC token after the old one expired: the next sync continues from the kept cursor."""
    if source.kind != SourceKind.NRC:
        raise ValidationError({"token": ["only a Nike Run Club connection takes a pasted token"]})
    return source_create(
        athlete=source.athlete,
        kind=SourceKind.NRC,
        token=token,
        refresh_token=refresh_token,
        created_by=source.created_by,
    )


def source_delete(*, source: Source) -> None:
    """Remove the connection, its cursor and log. Activities it imported stay; watchers and running syncs
    notice the row is gone and stop."""
    source.delete()


def source_sync_start(*, source: Source, owner=None) -> Job:
    """Queue a scan (folder) or sync (Strava, NRC) unless one is already queued or running for this source."""
    running = selectors.running_job(source)
    if running is not None:
        return running
    action = "scan" if source.kind == SourceKind.WATCHED_FOLDER else "sync"
    return job_create(
        kind=selectors.SYNC_JOB_KIND,
        owner=owner,
        athlete=source.athlete,
        params={"source_id": source.pk, "action": action},
    )


def source_set_status(*, source: Source, status: str, reason: str = "") -> None:
    source.status, source.status_reason = status, reason
    Source.objects.filter(pk=source.pk).update(status=status, status_reason=reason)


def source_begin_sync(*, source: Source) -> None:
    """The card shows "syncing". The status it had is kept to return to should the sync die unfinished; a
    sync that resumes one already syncing (after a rate-limit pause, or re-run after a restart) keeps the
    status from before the first."""
    if source.status != SourceStatus.SYNCING:
        source.status_before_sync = source.status
    source.status, source.heartbeat_at = SourceStatus.SYNCING, timezone.now()
    Source.objects.filter(pk=source.pk).update(
        status=source.status, status_before_sync=source.status_before_sync, heartbeat_at=source.heartbeat_at
    )


def source_save_cursor(*, source: Source) -> bool:
    """Persist `source.cursor` (and the sync's sign of life with it); False when the source was removed
    meanwhile (the caller stops)."""
    source.heartbeat_at = timezone.now()
    return (
        Source.objects.filter(pk=source.pk).update(cursor=source.cursor, heartbeat_at=source.heartbeat_at)
        == 1
    )


def source_save_secrets(*, source: Source, secrets: dict) -> None:
    source.secrets = secrets
    Source.objects.filter(pk=source.pk).update(secrets_encrypted=source.secrets_encrypted)


def source_mark_synced(*, source: Source) -> None:
    source.last_sync_at = timezone.now()
    Source.objects.filter(pk=source.pk).update(last_sync_at=source.last_sync_at)


SOURCE_EXISTS_SQL = (
    "SELECT 1 FROM sources_source WHERE id = %s"  # Source._meta.db_table (checked in the tests)
)


def source_exists(source: Source) -> bool:
    # Asked before every file or activity a connector imports: plain SQL, as building the ORM query cost
    # several times what SQLite needs to answer it.
    with connection.cursor() as cursor:
        cursor.execute(SOURCE_EXISTS_SQL, [source.pk])
        return cursor.fetchone() is not None


def _log_entry(
    *,
    source: Source,
    name: str,
    status: str,
    message: str = "",
    external_id: str = "",
    activity_id=None,
    retry: bool = False,
) -> SourceFileLog:
    return SourceFileLog(
        source_id=source.pk,
        name=name[:500],
        status=status,
        message=message,
        external_id=external_id,
        activity_id=activity_id,
        retry=retry,
    )


def source_log(
    *,
    source: Source,
    name: str,
    status: str,
    message: str = "",
    external_id: str = "",
    activity_id=None,
    retry: bool = False,
    cursor: dict | None = None,
) -> SourceFileLog | None:
    """Add a file-log entry; None if the source was removed meanwhile (the foreign key refuses the row).
    `retry` marks a transient failure the next sync fetches again (see source_log_retried). `cursor`, when
    given, is saved with the entry in one transaction (see source_save_cursor): a sync's "this activity is
    done" costs one commit, not two, and the entry and the cursor past it are never apart."""
    try:
        with transaction.atomic():
            entry = _log_entry(
                source=source,
                name=name,
                status=status,
                message=message,
                external_id=external_id,
                activity_id=activity_id,
                retry=retry,
            )
            entry.save(force_insert=True)
            if cursor is not None:
                source.cursor = cursor
                if not source_save_cursor(source=source):
                    return None  # removed: the foreign key would refuse the entry at the commit anyway
            return entry
    except IntegrityError:
        return None


def source_log_batch(*, source: Source, entries: list[SourceFileLog]) -> bool:
    """Write the entries source_import collected (its `batch`) in one transaction; False if the source was
    removed meanwhile (the foreign key refuses them, and they would have gone with it anyway)."""
    if not entries:
        return True
    try:
        with transaction.atomic():
            SourceFileLog.objects.bulk_create(entries)
    except IntegrityError:
        return False
    return True


def source_log_stop(*, source: Source, name: str, message: str) -> SourceFileLog | None:
    """Log why a whole sync or scan stopped (bad token, outage, a list that is not a list), besides the card's
    reason. The same stop repeated by every periodic sync is logged once, so it cannot push the files out of
    the 20 lines the card shows."""
    newest = SourceFileLog.objects.filter(source_id=source.pk).order_by("-created_at", "-pk").first()
    if newest is not None and (newest.name, newest.status, newest.message) == (
        name,
        FileStatus.ERROR,
        message,
    ):
        return newest
    return source_log(source=source, name=name, status=FileStatus.ERROR, message=message)


def source_log_retried(*, source: Source, external_id: str) -> None:
    """After a sync fetched a transiently failed activity again and logged the outcome: drop its earlier
    transient errors, so the log holds one line per activity with its latest outcome and a retried success is
    not also counted as an error. Had the retry been cut short (nothing new logged), the newest entry is the
    old error itself and it stays, to be tried again."""
    entries = SourceFileLog.objects.filter(source_id=source.pk, external_id=external_id)
    newest = entries.order_by("-created_at", "-pk").values_list("pk", flat=True).first()
    if newest is not None:
        entries.filter(retry=True).exclude(pk=newest).delete()


def pending_retries(source: Source) -> list[str]:
    """External ids of remote activities whose last attempt failed transiently, oldest first."""
    return list(
        SourceFileLog.objects.filter(source=source, retry=True)
        .order_by("created_at", "pk")
        .values_list("external_id", flat=True)
    )


def source_import(
    *,
    source: Source,
    data: bytes,
    filename: str,
    external_id: str = "",
    recording=None,
    name: str = "",
    sport: str = "",
    description: str = "",
    cursor: dict | None = None,
    check_source: bool = True,
    batch: list[SourceFileLog] | None = None,
) -> SourceFileLog | None:
    """Hand one file (or a connector's recording) to the import pipeline and log the outcome (with `cursor`,
    saved in the same transaction: see source_log). None if the source was removed. An unexpected failure is
    logged against the file and never stops the rest of a scan or sync.

    `check_source=False` skips the check that the source still exists, for a caller that has just shown it
    (a folder scanner whose claim the foreign key accepted). With `batch`, the entry is not written but added
    to it, unsaved, for the caller to write with others (source_log_batch)."""
    from vault.activities.services import activity_import

    if check_source and not source_exists(source):  # removed while this was fetched: import nothing more
        return None
    if batch is not None and cursor is not None:
        raise ValueError("a cursor is saved with its entry, which a batch writes only later")

    def record(**fields) -> SourceFileLog | None:
        if batch is None:
            return source_log(source=source, cursor=cursor, **fields)
        batch.append(_log_entry(source=source, **fields))
        return batch[-1]

    try:
        outcome = activity_import(
            athlete=source.athlete,
            data=data,
            filename=filename,
            source_kind=IMPORT_SOURCE_KIND[source.kind],
            source_id=source.pk,
            external_id=external_id,
            name=name,
            sport=sport,
            description=description,
            recording=recording,
            created_by=source.created_by,
        )
    except Exception as exc:  # the importer reports bad files as outcomes; anything else is logged per file
        log.exception("import of %s from source %s failed", filename, source.pk)
        return record(
            name=filename,
            status=FileStatus.ERROR,
            message=f"import failed: {type(exc).__name__}: {exc}",
            external_id=external_id,
            # a database that is busy or gone for a moment is worth another try; a bug is not
            retry=bool(external_id) and isinstance(exc, OperationalError),
        )
    activity = getattr(outcome, "activity", None)
    return record(
        name=filename,
        status=outcome.status,
        message=outcome.message or "",
        external_id=external_id,
        activity_id=getattr(activity, "pk", None),
    )


def activity_link_external(*, source: Source, sport: str, start: dt.datetime, external_id: str):
    """An activity the athlete already imported from a file (same sport, start within 60 s, no external id
    yet) takes the remote id instead of a second copy being imported. Returns it, or None."""
    from vault.activities.models import Activity

    window = (start - LINK_WINDOW, start + LINK_WINDOW)
    candidates = Activity.objects.filter(
        athlete=source.athlete, sport=sport, external_id="", start_time__range=window
    )
    if not candidates.exists():  # the common case answers without a write transaction
        return None
    with transaction.atomic():
        match = candidates.select_for_update().order_by("start_time").first()
        if match is None or Activity.objects.filter(athlete=source.athlete, external_id=external_id).exists():
            return None
        match.external_id = external_id
        match.save(update_fields=["external_id"])
    return match


def sources_recover_stuck(*, now: dt.datetime | None = None) -> list[Source]:
    """Sources left "syncing" by a sync that will never finish (its worker was killed, its queue lost) go back
    to the status they had before, so the card stops claiming a sync and the periodic sync takes them again.

    A sync is alive while its job is queued or running and it shows a sign of life within SYNC_STALE_AFTER:
    a running sync writes `heartbeat_at` with every activity's cursor; a job waiting out a rate limit counts
    from the time it is due to resume. Called on worker start and on every periodic tick."""
    now = now or timezone.now()
    stale_before = now - SYNC_STALE_AFTER
    recovered = []
    for source in Source.objects.filter(status=SourceStatus.SYNCING):
        job = selectors.running_job(source)
        if job is not None:
            if job.status == JobStatus.RUNNING:
                alive_at = max(t for t in (source.heartbeat_at, job.started_at, job.created_at) if t)
            else:
                alive_at = _resume_time(job) or job.created_at
            if alive_at >= stale_before:
                continue
            Job.objects.filter(pk=job.pk, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).update(
                status=JobStatus.FAILED,
                finished_at=now,
                message=f"abandoned: no sign of life since {alive_at:%Y-%m-%d %H:%M} UTC (was the worker stopped?)",
            )
        status = source.status_before_sync or SourceStatus.ACTIVE
        reason = "the last sync stopped without finishing (was the worker stopped?)"
        if status in (SourceStatus.ACTIVE, SourceStatus.NEEDS_ATTENTION):
            reason += "; the next sync continues where it stopped"
        updated = Source.objects.filter(pk=source.pk, status=SourceStatus.SYNCING).update(
            status=status, status_reason=reason, status_before_sync=""
        )
        if updated:
            log.warning("source %s was stuck syncing; returned to %s", source.pk, source.status_before_sync)
            recovered.append(source)
    return recovered


def _resume_time(job: Job) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(job.params["resume_at"])
    except (KeyError, TypeError, ValueError):
        return None


def sources_sync_due(*, now: dt.datetime | None = None) -> list[Job]:
    """Start the periodic sync of every connected Strava and NRC source not synced for the interval (after
    returning stuck ones to their status, so a sync that died does not keep a source out forever)."""
    now = now or timezone.now()
    sources_recover_stuck(now=now)
    cutoff = now - dt.timedelta(minutes=selectors.sync_interval_minutes())
    due = Source.objects.filter(
        kind__in=[SourceKind.STRAVA, SourceKind.NRC],
        status__in=[SourceStatus.ACTIVE, SourceStatus.NEEDS_ATTENTION],
    ).filter(Q(last_sync_at__isnull=True) | Q(last_sync_at__lt=cutoff))
    jobs = []
    for source in due.select_related("athlete"):
        with transaction.atomic():
            jobs.append(source_sync_start(source=source, owner=source.created_by))
    return jobs


def connector_settings_update(
    *,
    strava_client_id: str | None = None,
    strava_client_secret: str | None = None,
    watch_poll_seconds: int | None = None,
    sync_interval_minutes: int | None = None,
) -> ConnectorSettings:
    """Save the Settings page's connector part. An empty secret keeps the saved one (it is never shown)."""
    errors = {}
    if watch_poll_seconds is not None and watch_poll_seconds < 1:
        errors["watch_poll_seconds"] = ["must be at least 1 second"]
    if sync_interval_minutes is not None and sync_interval_minutes < 5:
        errors["sync_interval_minutes"] = ["must be at least 5 minutes"]
    if strava_client_id and not strava_client_id.strip().isdigit():
        errors["strava_client_id"] = ["the Client ID is a number (see your Strava API application)"]
    if errors:
        raise ValidationError(errors)
    saved = selectors.connector_settings()
    if strava_client_id is not None:
        saved.strava_client_id = strava_client_id.strip()
    if strava_client_secret:
        saved.strava_client_secret = strava_client_secret.strip()
    saved.watch_poll_seconds = watch_poll_seconds
    saved.sync_interval_minutes = sync_interval_minutes
    saved.save()
    return saved
