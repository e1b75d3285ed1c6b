"""Create, run and report on jobs. The row is the truth; a crash or restart resumes from it."""

from __future__ import annotations

import logging
import traceback

from django.db import transaction
from django.utils import timezone

from vault.jobs.models import Job, JobResult, JobStatus
from vault.jobs.registry import handler_for

log = logging.getLogger(__name__)


def job_create(
    *, kind: str, owner=None, athlete=None, params: dict | None = None, enqueue: bool = True
) -> Job:
    job = Job.objects.create(kind=kind, owner=owner, athlete=athlete, params=params or {})
    if enqueue:
        transaction.on_commit(lambda: job_enqueue(job_id=job.pk))
    return job


def job_enqueue(*, job_id: int) -> None:
    from vault.jobs.tasks import run_job

    run_job(job_id)


def job_progress(*, job: Job, done: int, total: int | None = None, message: str | None = None) -> None:
    job.progress_done = done
    fields = ["progress_done"]
    if total is not None:
        job.progress_total = total
        fields.append("progress_total")
    if message is not None:
        job.message = message
        fields.append("message")
    Job.objects.filter(pk=job.pk).update(**{f: getattr(job, f) for f in fields})


def job_add_result(*, job: Job, result: dict) -> None:
    """Append one result: a single INSERT, whatever the job reported before (see JobResult)."""
    JobResult.objects.create(job=job, data=result)


def job_run(*, job_id: int) -> Job | None:
    """Run a queued (or interrupted) job to the end. Safe to call twice: a finished job is left alone."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return job
        job.status = JobStatus.RUNNING
        job.started_at = job.started_at or timezone.now()
        job.attempts += 1
        job.save(update_fields=["status", "started_at", "attempts"])
    try:
        handler_for(job.kind)(job)
    except Exception as exc:  # a job's failure is recorded on its row, never lost in a log
        log.exception("job %s failed", job.pk)
        job.status = JobStatus.FAILED
        job.message = f"{type(exc).__name__}: {exc}"
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "message", "finished_at"])
        log.debug("%s", traceback.format_exc())
        return job
    job.refresh_from_db()
    if not job.is_finished:
        job.status = JobStatus.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at"])
    return job


def jobs_resume_interrupted() -> int:
    """Re-enqueue jobs a crash or restart left queued or running; called when a worker starts."""
    ids = list(
        Job.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).values_list("pk", flat=True)
    )
    for job_id in ids:
        job_enqueue(job_id=job_id)
    return len(ids)
