"""Access rows for a job's state and its file: the owner, anyone who may see the job's athlete, admin."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from vault.jobs.models import Job, JobStatus
from vault.testing.access_matrix import Row, api_owner_coach_admin


def _athlete_job(world):
    stored = default_storage.save("exports/ana-export.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    job = Job.objects.create(
        kind="export",
        owner=world.athlete.user,
        athlete=world.athlete,
        status=JobStatus.DONE,
        result_file=stored,
    )
    return {"job_id": job.pk}


ROWS = [
    Row("api:job-detail", api_owner_coach_admin(200), kwargs=_athlete_job),
    Row("api:job-download", api_owner_coach_admin(200), kwargs=_athlete_job),
]
