from huey.contrib.djhuey import db_task, on_startup

from vault.jobs import services


@db_task(retries=2, retry_delay=10)
def run_job(job_id: int) -> None:
    services.job_run(job_id=job_id)


@on_startup()
def resume_interrupted_jobs() -> None:
    services.jobs_resume_interrupted()
