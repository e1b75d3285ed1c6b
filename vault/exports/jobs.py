"""Background full exports: an athlete's archive, or a coach's roster, built into storage for download.

A finished archive is kept EXPORT_KEEP_HOURS (setting, default 72) and then deleted by `exports_purge_expired`, which
the worker runs hourly (vault/exports/tasks.py) and every export job runs before it starts.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone

from vault.accounts.access import visible_athletes
from vault.exports import zipexport
from vault.jobs.models import Job, JobStatus
from vault.jobs.registry import job_handler
from vault.jobs.services import job_progress

ATHLETE_EXPORT = "athlete_export"
ROSTER_EXPORT = "roster_export"
EXPORT_KINDS = (ATHLETE_EXPORT, ROSTER_EXPORT)
PROGRESS_EVERY_S = 0.5


def export_keep_hours() -> int:
    return settings.EXPORT_KEEP_HOURS


def export_background_above() -> int:
    """Exports with more activities than this are built by a job instead of streamed in the response."""
    return settings.EXPORT_BACKGROUND_ABOVE


def exports_purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete the files of export jobs finished more than EXPORT_KEEP_HOURS ago; returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=export_keep_hours())
    expired = Job.objects.filter(kind__in=EXPORT_KINDS, finished_at__lt=cutoff).exclude(result_file="")
    count = 0
    for job in expired:
        default_storage.delete(job.result_file)
        Job.objects.filter(pk=job.pk).update(
            result_file="", message=f"The archive was deleted after {export_keep_hours()} hours."
        )
        count += 1
    return count


def _throttled_progress(job: Job):
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - last[0] >= PROGRESS_EVERY_S:
            last[0] = now
            job_progress(job=job, done=done, total=total, message=f"{done} of {total} activities written")

    return report


def _save_archive(job: Job, chunks, filename: str) -> None:
    """Spool the archive to a temporary file (never all in memory), then into storage as the job's file."""
    with tempfile.TemporaryFile() as spool:
        for chunk in chunks:
            spool.write(chunk)
        spool.seek(0)
        name = default_storage.save(f"exports/{job.pk}/{filename}", File(spool, name=filename))
    Job.objects.filter(pk=job.pk).update(
        result_file=name,
        status=JobStatus.DONE,
        finished_at=timezone.now(),
        message=f"Ready: {filename}. Kept for {export_keep_hours()} hours.",
    )


@job_handler(ATHLETE_EXPORT)
def run_athlete_export(job: Job) -> None:
    exports_purge_expired()
    athlete = visible_athletes(job.owner).filter(pk=job.athlete_id).first()
    if athlete is None:
        raise PermissionError("the requester can no longer see this athlete")
    chunks = zipexport.athlete_export_stream(job.owner, athlete, progress=_throttled_progress(job))
    _save_archive(job, chunks, zipexport.athlete_export_filename(athlete))


@job_handler(ROSTER_EXPORT)
def run_roster_export(job: Job) -> None:
    exports_purge_expired()
    athletes = visible_athletes(job.owner).order_by("name", "pk")
    chunks = zipexport.roster_export_stream(job.owner, athletes, progress=_throttled_progress(job))
    _save_archive(job, chunks, zipexport.roster_export_filename(job.owner))


EXPORT_IMPORT = "export_import"


@job_handler(EXPORT_IMPORT)
def run_export_import(job: Job) -> None:
    """params: {"upload": storage name of the zip, "filename", "athlete_username"}. The zip is removed after."""
    from vault.exports.importer import export_import
    from vault.jobs.services import job_add_result

    upload = job.params["upload"]
    try:
        with default_storage.open(upload, "rb") as handle:
            imported = export_import(
                fileobj=handle,
                archive_name=job.params.get("filename") or "export.zip",
                athlete_username=job.params.get("athlete_username") or None,
                progress=_throttled_progress(job),
            )
    finally:
        default_storage.delete(upload)
    for result in imported:
        job_add_result(
            job=job,
            result={
                "athlete": result.athlete.name,
                "username": result.athlete.user.username,
                "public_id": result.athlete.public_id,
                "counts": result.counts,
            },
        )
    names = ", ".join(f"{r.athlete.name} ({r.athlete.user.username})" for r in imported)
    job_progress(job=job, done=job.progress_done, message=f"Imported {names}.")
