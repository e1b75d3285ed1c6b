"""Access rows for the activities API and pages (vault/testing/access_matrix.py)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from vault.activities.services import activity_import
from vault.activities.tests.files import gpx_bytes
from vault.testing.access_matrix import Row, api_owner_coach_admin, page_owner_coach_admin


def _athlete(world):
    return {"public_id": world.athlete.public_id}


def _activity(world):
    outcome = activity_import(athlete=world.athlete, data=gpx_bytes(points=30), filename="row.gpx")
    return {"activity_id": outcome.activity.pk}


def _upload(world):
    return {"file": SimpleUploadedFile("row.gpx", gpx_bytes(points=30))}


ROWS = [
    Row("api:activity-list", api_owner_coach_admin(200), kwargs=_athlete),
    Row(
        "api:activity-upload",
        api_owner_coach_admin(200),
        method="post",
        kwargs=_athlete,
        data=_upload,
        multipart=True,
    ),
    Row("api:activity-detail", api_owner_coach_admin(200), kwargs=_activity),
    Row("api:activity-detail", api_owner_coach_admin(204), method="delete", kwargs=_activity),
    Row("api:activity-streams", api_owner_coach_admin(200), kwargs=_activity, query="max_points=10"),
    Row("api:activity-source", api_owner_coach_admin(200), kwargs=_activity),
    Row("web:activity-list", page_owner_coach_admin(200), kwargs=_athlete),
    Row("web:activity-upload", page_owner_coach_admin(200), kwargs=_athlete),
    Row("web:activity-detail", page_owner_coach_admin(200), kwargs=_activity),
]
