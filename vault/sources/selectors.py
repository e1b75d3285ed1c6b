"""Reads: the sources a user may see, their counts and file logs, and the effective connector settings."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from vault.accounts.access import visible_athletes
from vault.jobs.models import Job, JobStatus
from vault.sources.models import ConnectorSettings, FileStatus, Source, SourceFileLog

SYNC_JOB_KIND = "source_sync"
FILE_LOG_LENGTH = 20


def sources_visible_to(user) -> QuerySet[Source]:
    return Source.objects.filter(athlete__in=visible_athletes(user))


def sources_of(athlete) -> QuerySet[Source]:
    """An athlete's sources with their imported/duplicate/error counts."""
    return Source.objects.filter(athlete=athlete).annotate(
        imported_count=Count("file_log", filter=Q(file_log__status=FileStatus.IMPORTED)),
        duplicate_count=Count("file_log", filter=Q(file_log__status=FileStatus.DUPLICATE)),
        error_count=Count("file_log", filter=Q(file_log__status=FileStatus.ERROR)),
    )


def source_for(user, source_id: int) -> Source:
    """The source if `user` may see its athlete; otherwise Http404 (whether or not it exists)."""
    source = sources_visible_to(user).select_related("athlete").filter(pk=source_id).first()
    if source is None:
        raise Http404("No source here.")
    return sources_of(source.athlete).get(pk=source.pk)


def file_log(source: Source, *, limit: int | None = FILE_LOG_LENGTH) -> QuerySet[SourceFileLog]:
    entries = SourceFileLog.objects.filter(source=source).order_by("-created_at", "-pk")
    return entries[:limit] if limit else entries


def latest_error(source: Source) -> SourceFileLog | None:
    """The newest error entry, shown on the card with its message (older than the 20 log lines or not)."""
    return (
        SourceFileLog.objects.filter(source=source, status=FileStatus.ERROR)
        .order_by("-created_at", "-pk")
        .first()
    )


def running_job(source: Source) -> Job | None:
    """The queued or running sync/scan of this source, if any."""
    return (
        Job.objects.filter(
            kind=SYNC_JOB_KIND, params__source_id=source.pk, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
        )
        .order_by("-created_at")
        .first()
    )


def connector_settings() -> ConnectorSettings:
    return ConnectorSettings.objects.filter(pk=1).first() or ConnectorSettings(pk=1)


def strava_credentials() -> tuple[str, str]:
    """(client id, client secret): the Settings page's when saved, else the environment's; ("", "") if neither."""
    saved = connector_settings()
    if saved.strava_client_id and saved.strava_client_secret_encrypted:
        return saved.strava_client_id, saved.strava_client_secret
    return settings.STRAVA_CLIENT_ID or "", settings.STRAVA_CLIENT_SECRET or ""


def watch_poll_seconds() -> int:
    return connector_settings().watch_poll_seconds or settings.WATCH_POLL_SECONDS


def sync_interval_minutes() -> int:
    return connector_settings().sync_interval_minutes or settings.SYNC_INTERVAL_MINUTES


def unlinked_activities(athlete, first_start, last_start) -> list[tuple]:
    """(start_time, sport) of the athlete's activities without an external id that start within a minute of
    [first_start, last_start]: those a synced activity may be linked to instead of imported again."""
    from vault.activities.models import Activity

    margin = dt.timedelta(seconds=60)
    return list(
        Activity.objects.filter(
            athlete=athlete, external_id="", start_time__range=(first_start - margin, last_start + margin)
        ).values_list("start_time", "sport")
    )
