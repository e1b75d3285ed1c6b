import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from rest_framework.test import APIClient

from vault.jobs.models import Job, JobStatus
from vault.jobs.services import job_add_result, job_progress

pytestmark = pytest.mark.django_db


def as_user(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_running_job_reports_status_progress_and_results(world):
    job = Job.objects.create(
        kind="import", owner=world.athlete.user, athlete=world.athlete, status=JobStatus.RUNNING
    )
    job_progress(job=job, done=3, total=10, message="3 of 10 files")
    job_add_result(job=job, result={"file": "a.fit", "status": "imported"})
    body = as_user(world.coach).get(reverse("api:job-detail", kwargs={"job_id": job.pk})).json()
    assert body["status"] == "running"
    assert body["progress"] == {"done": 3, "total": 10}
    assert body["message"] == "3 of 10 files"
    assert body["results"] == [{"file": "a.fit", "status": "imported"}]
    assert body["download_url"] is None


def test_finished_job_with_a_file_gives_its_download(world):
    stored = default_storage.save("exports/ana.zip", ContentFile(b"zip bytes"))
    job = Job.objects.create(
        kind="export", owner=world.athlete.user, status=JobStatus.DONE, result_file=stored
    )
    api = as_user(world.athlete.user)
    body = api.get(reverse("api:job-detail", kwargs={"job_id": job.pk})).json()
    assert body["download_url"].endswith(reverse("api:job-download", kwargs={"job_id": job.pk}))
    download = api.get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"zip bytes"
    assert download["Content-Disposition"].startswith("attachment")
    assert "ana" in download["Content-Disposition"]


def test_job_of_someone_else_is_404_and_unknown_job_too(world):
    job = Job.objects.create(kind="export", owner=world.other_athlete.user, athlete=world.other_athlete)
    api = as_user(world.athlete.user)
    assert api.get(reverse("api:job-detail", kwargs={"job_id": job.pk})).status_code == 404
    assert api.get(reverse("api:job-detail", kwargs={"job_id": job.pk + 1000})).status_code == 404


def test_download_of_a_job_without_a_file_is_404(world):
    job = Job.objects.create(kind="import", owner=world.athlete.user)
    response = as_user(world.athlete.user).get(reverse("api:job-download", kwargs={"job_id": job.pk}))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
