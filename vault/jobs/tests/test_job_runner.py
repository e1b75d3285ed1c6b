"""The job row is the truth: handlers run from it, failures are recorded on it, interrupted jobs resume."""

import pytest

from vault.jobs import services
from vault.jobs.models import Job, JobStatus
from vault.jobs.registry import _HANDLERS, job_handler


@pytest.fixture
def handlers():
    before = dict(_HANDLERS)
    yield _HANDLERS
    _HANDLERS.clear()
    _HANDLERS.update(before)


@pytest.mark.django_db
def test_a_job_runs_its_handler_and_reports_progress(handlers):
    @job_handler("test_count")
    def count(job):
        for i in range(3):
            services.job_progress(job=job, done=i + 1, total=3)
            services.job_add_result(job=job, result={"n": i})

    job = services.job_create(kind="test_count", enqueue=False)
    services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert (job.progress_done, job.progress_total) == (3, 3)
    assert job.results == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert job.finished_at is not None


@pytest.mark.django_db
def test_a_failing_handler_marks_the_job_failed_with_the_reason(handlers):
    @job_handler("test_fail")
    def fail(job):
        raise ValueError("archive.zip: not a zip file")

    job = services.job_create(kind="test_fail", enqueue=False)
    services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.message == "ValueError: archive.zip: not a zip file"


@pytest.mark.django_db
def test_a_finished_job_is_not_run_again(handlers):
    calls = []
    job_handler("test_once")(lambda job: calls.append(job.pk))
    job = services.job_create(kind="test_once", enqueue=False)
    services.job_run(job_id=job.pk)
    services.job_run(job_id=job.pk)
    assert calls == [job.pk]


@pytest.mark.django_db
def test_unknown_kind_fails_the_job_with_a_clear_message(handlers):
    job = services.job_create(kind="no_such_kind", enqueue=False)
    services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "no handler registered for job kind 'no_such_kind'" in job.message


@pytest.mark.django_db
def test_interrupted_jobs_are_resumed_when_a_worker_starts(handlers):
    done = []
    job_handler("test_resume")(lambda job: done.append(job.pk))
    queued = services.job_create(kind="test_resume", enqueue=False)
    crashed = services.job_create(kind="test_resume", enqueue=False)
    Job.objects.filter(pk=crashed.pk).update(status=JobStatus.RUNNING)  # a worker died mid-run
    finished = services.job_create(kind="test_resume", enqueue=False)
    Job.objects.filter(pk=finished.pk).update(status=JobStatus.DONE)

    assert services.jobs_resume_interrupted() == 2  # Huey runs inline in tests
    assert sorted(done) == sorted([queued.pk, crashed.pk])
    assert Job.objects.get(pk=crashed.pk).attempts == 1


@pytest.mark.django_db
def test_job_create_enqueues_after_commit(handlers, django_capture_on_commit_callbacks):
    ran = []
    job_handler("test_commit")(lambda job: ran.append(job.pk))
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(kind="test_commit")
        assert ran == []  # nothing runs before the row is committed
    assert ran == [job.pk]
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE
