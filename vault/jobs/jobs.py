"""Job kinds of the jobs app itself."""

from vault.jobs.registry import job_handler
from vault.jobs.services import job_add_result, job_progress


@job_handler("selfcheck")
def selfcheck(job) -> None:
    """A no-op job that proves a worker is consuming the queue (used by tests and `manage.py selfcheck`)."""
    job_progress(job=job, done=1, total=1, message="worker is consuming the queue")
    job_add_result(job=job, result={"pid_note": "ran in a worker"})
