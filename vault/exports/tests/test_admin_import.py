"""The admin page that imports a full export (as a job) and lists past imports with their outcome."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from vault.accounts.models import AthleteProfile
from vault.exports.tests.builders import fill_athlete
from vault.exports.zipexport import athlete_export_stream
from vault.jobs.models import Job

pytestmark = pytest.mark.django_db


def _post(client, data: bytes, name="ana.zip", username="ana_copy"):
    return client.post(
        reverse("admin:exports_exportimport_add"),
        {"archive": SimpleUploadedFile(name, data), "athlete_username": username},
    )


def test_admin_imports_an_export_in_the_background(world, client, django_capture_on_commit_callbacks):
    fill_athlete(world)
    archive = b"".join(athlete_export_stream(world.coach, world.athlete))
    client.force_login(world.admin)
    assert client.get(reverse("admin:exports_exportimport_add")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, archive)
    assert response.status_code == 302
    job = Job.objects.get(kind="export_import")
    assert job.status == "done", job.message
    copy = AthleteProfile.objects.get(user__username="ana_copy")
    assert copy.activities.count() == 3
    assert job.results[0]["username"] == "ana_copy" and job.results[0]["counts"]["activities"] == 3
    listing = client.get(reverse("admin:exports_exportimport_changelist"))
    assert b"Imported Ana Athlete (ana_copy)" in listing.content


def test_admin_import_of_a_damaged_archive_fails_with_the_reason(
    world, client, django_capture_on_commit_callbacks
):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as broken:
        broken.writestr("notes.txt", "no manifest here")
    client.force_login(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, buffer.getvalue())
    job = Job.objects.get(kind="export_import")
    assert job.status == "failed"
    assert "ana.zip: no manifest.json found" in job.message
    assert not AthleteProfile.objects.filter(user__username="ana_copy").exists()


def test_admin_import_form_refuses_a_file_that_is_not_a_zip(world, client):
    client.force_login(world.admin)
    response = _post(client, b"x", name="ana.csv")
    assert response.status_code == 200
    assert "ana.csv: a full export is a .zip file." in response.content.decode()
    assert not Job.objects.filter(kind="export_import").exists()


def test_only_admins_reach_the_import_page(world, client):
    client.force_login(world.coach)
    response = client.get(reverse("admin:exports_exportimport_add"))
    assert response.status_code == 302 and "/login/" in response["Location"]
