"""Background jobs of the activities app: importing an uploaded archive."""

from __future__ import annotations

from django.core.files.storage import default_storage

from vault.activities.archive import ArchiveError, archive_import
from vault.jobs.registry import job_handler
from vault.jobs.services import job_add_result, job_progress

STRAVA_ARCHIVE = "strava_archive"


@job_handler(STRAVA_ARCHIVE)
def run_strava_archive(job) -> None:
    """params: {"upload": storage name of the zip, "filename": its name as uploaded}. The zip is removed after."""
    upload, filename = job.params["upload"], job.params.get("filename") or "archive.zip"
    done_before = {result.get("file") for result in job.results}  # a resumed job skips what it reported

    def on_result(done: int, total: int, result: dict) -> None:
        if result.get("file") not in done_before:
            job_add_result(job=job, result=result)
        job_progress(job=job, done=done, total=total, message=result.get("message", ""))

    try:
        with default_storage.open(upload, "rb") as handle:
            results = archive_import(
                athlete=job.athlete,
                fileobj=handle,
                archive_name=filename,
                created_by=job.owner,
                on_result=on_result,
            )
    except ArchiveError as exc:
        job_add_result(
            job=job,
            result={
                "file": filename,
                "status": "error",
                "activity": None,
                "message": str(exc),
                "warnings": [],
            },
        )
        raise
    finally:
        default_storage.delete(upload)
    counts = {
        status: sum(r["status"] == status for r in results)
        for status in ("imported", "duplicate", "error", "skipped")
    }
    job_progress(
        job=job,
        done=len(results),
        total=len(results),
        message=", ".join(f"{n} {status}" for status, n in counts.items() if n)
        or "the archive holds no activity files",
    )


ACTIVITIES_RECOMPUTE = "activities_recompute"


@job_handler(ACTIVITIES_RECOMPUTE)
def run_activities_recompute(job) -> None:
    """params: {"since": "YYYY-MM-DD", "metric_type": ...}: recompute the derived values (summary, load) of
    the athlete's activities from that local day on, after a governing threshold changed."""
    import datetime as dt

    from vault.activities.load import modeled_thresholds_update
    from vault.activities.models import Activity
    from vault.activities.services import activity_reprocess

    since = dt.date.fromisoformat(job.params["since"])
    activities = list(
        Activity.objects.filter(athlete=job.athlete, start_time__date__gte=since - dt.timedelta(days=1))
        .select_related("athlete", "original")
        .order_by("start_time")
    )
    activities = [a for a in activities if a.start_time.astimezone(job.athlete.tzinfo).date() >= since]
    failed = 0
    for done, activity in enumerate(activities, start=1):
        try:
            activity_reprocess(activity=activity)
        except Exception as exc:  # one unreadable original must not stop the others; the job reports it
            failed += 1
            job_add_result(job=job, result={"activity": activity.pk, "status": "error", "message": str(exc)})
        job_progress(
            job=job, done=done, total=len(activities), message=f"recomputed {done} of {len(activities)}"
        )
    if job.params.get("metric_type") != "ftp":  # a modeled eFTP is itself an FTP change: no loop
        modeled_thresholds_update(athlete=job.athlete)
    job_progress(
        job=job,
        done=len(activities),
        total=len(activities),
        message=f"recomputed {len(activities) - failed} activities"
        + (f", {failed} failed" if failed else "")
        + f" from {since}",
    )
