"""A real Huey consumer in another process takes a job from the real queue (SQLite file or Redis)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from huey.contrib.djhuey import HUEY

from vault.jobs import services
from vault.jobs.models import Job, JobStatus

ROOT = Path(settings.BASE_DIR)


def _database_url_for_subprocess() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    auth = f"{user}:{db['PASSWORD']}@" if db.get("PASSWORD") else (f"{user}@" if user else "")
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_runs_a_queued_job(tmp_path):
    HUEY.immediate = False
    try:
        job = services.job_create(
            kind="selfcheck"
        )  # enqueued on commit (autocommit here) into the real queue
    finally:
        HUEY.immediate = True
    env = {**os.environ, "DATABASE_URL": _database_url_for_subprocess(), "HUEY_IMMEDIATE": "0"}
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "run_huey", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = Job.objects.get(pk=job.pk).status
            if status in (JobStatus.DONE, JobStatus.FAILED):
                break
            time.sleep(0.25)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=20)[0].decode(errors="replace")
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, (
        f"job ended {job.status}: {job.message}\nworker output:\n{output[-3000:]}"
    )
    assert job.message == "worker is consuming the queue"
