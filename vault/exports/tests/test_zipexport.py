"""The full export and the roster export: contents, manifest hashes, names, streaming, jobs and expiry."""

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from vault.activities import storage
from vault.exports.jobs import exports_purge_expired
from vault.exports.tests.builders import fill_athlete
from vault.exports.zipexport import SCHEMA_VERSION, _unique
from vault.jobs.models import Job

pytestmark = pytest.mark.django_db


def _zip(api_client, user, url) -> zipfile.ZipFile:
    api_client.force_authenticate(user)
    response = api_client.get(url)
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _export_url(athlete, **query) -> str:
    url = reverse("api:athlete-export", kwargs={"public_id": athlete.public_id})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _csv(archive, name) -> list[list[str]]:
    return list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"), newline="")))


def test_full_export_holds_every_csv_original_and_stream_with_hashes(world, api_client):
    made = fill_athlete(world)
    archive = _zip(api_client, world.coach, _export_url(world.athlete))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["schema_version"] == SCHEMA_VERSION
    names = set(archive.namelist()) - {"manifest.json"}
    assert names == set(manifest["files"])
    for name, info in manifest["files"].items():
        data = archive.read(name)
        assert hashlib.sha256(data).hexdigest() == info["sha256"] and len(data) == info["size"], name
    for what in ("metrics", "calculator_results", "wellness", "coach_notes", "comments", "activities"):
        assert f"csv/{what}.csv" in names
    assert {n for n in names if n.startswith("originals/")} == {
        "originals/2026/run.gpx",
        "originals/2026/run (2).gpx",
        "originals/2025/ride.tcx",
    }
    first, second, _ride = made["activities"]
    assert archive.read("originals/2026/run.gpx") == storage.original_read(first.original)
    assert archive.read("originals/2026/run (2).gpx") == storage.original_read(second.original)
    header, *samples = _csv(archive, "streams/2026/run.gpx.csv")
    assert header[0] == "timestamp" and "heart_rate" in header
    assert len(samples) == 90
    assert [int(float(row[header.index("heart_rate")])) for row in samples[:5]] == [150, 151, 152, 153, 154]
    assert manifest["counts"] == {
        "races": 1,
        "calculator_results": len(manifest["calculator_results"]),
        "metrics": len(manifest["metrics"]),
        "wellness": 2,
        "coach_notes": 2,
        "comments": 2,
        "activities": 3,
        "assessments": 1,
        "load_overrides": 1,
        "load_override_changes": 3,
    }
    assert manifest["athlete"]["username"] == "ana_athlete" and manifest["people"]["coach_carla"] == "coach"
    assert manifest["activities"][0]["original"] == "originals/2025/ride.tcx"
    assert any(entry["race"] == 0 for entry in manifest["calculator_results"])
    assert len([n for n in names if n.startswith("plans/")]) == 1


def test_full_export_for_the_athlete_leaves_out_private_notes(world, api_client):
    fill_athlete(world)
    archive = _zip(api_client, world.athlete.user, _export_url(world.athlete))
    manifest = json.loads(archive.read("manifest.json"))
    assert [note["body"] for note in manifest["coach_notes"]] == ["Shared about the tempo"]
    assert "Private" not in archive.read("csv/coach_notes.csv").decode()


def test_full_export_is_streamed_in_pieces(world, api_client, settings):
    fill_athlete(world)
    api_client.force_authenticate(world.athlete.user)
    response = api_client.get(_export_url(world.athlete))
    pieces = [piece for piece in response.streaming_content if piece]
    assert len(pieces) > 10  # one piece per file at least: nothing waits for the whole archive


def test_file_names_that_clash_get_numbers_case_insensitively():
    taken: set[str] = set()
    assert [_unique(n, taken) for n in ("a.fit", "A.FIT", "a.fit", "b.fit.gz", "b.fit.gz")] == [
        "a.fit",
        "A (2).FIT",
        "a (3).fit",
        "b.fit.gz",
        "b (2).fit.gz",
    ]


def test_large_export_runs_as_a_job_with_progress_and_a_download(
    world, api_client, settings, django_capture_on_commit_callbacks
):
    fill_athlete(world)
    settings.EXPORT_BACKGROUND_ABOVE = 2
    api_client.force_authenticate(world.coach)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.get(_export_url(world.athlete))
    assert response.status_code == 202
    detail = api_client.get(reverse("api:job-detail", kwargs={"job_id": response.json()["job"]})).json()
    assert detail["status"] == "done", detail
    assert detail["kind"] == "athlete_export" and detail["progress"] == {"done": 3, "total": 3}
    download = api_client.get(detail["download_url"])
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert len(json.loads(archive.read("manifest.json"))["activities"]) == 3
    api_client.force_authenticate(world.other_coach)
    assert api_client.get(detail["download_url"]).status_code == 404


def test_export_archives_are_deleted_after_the_keep_time(
    world, api_client, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_KEEP_HOURS = 24
    api_client.force_authenticate(world.athlete.user)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = api_client.get(_export_url(world.athlete, background="true")).json()["job"]
    job = Job.objects.get(pk=job_id)
    assert job.result_file and default_storage.exists(job.result_file)
    assert exports_purge_expired(now=timezone.now() + dt.timedelta(hours=23)) == 0
    assert exports_purge_expired(now=timezone.now() + dt.timedelta(hours=25)) == 1
    assert not default_storage.exists(job.result_file)
    job.refresh_from_db()
    assert job.result_file == "" and "deleted after 24 hours" in job.message


def test_roster_export_has_a_folder_per_athlete_of_the_roster_only(world, api_client):
    from vault.testing.personas import make_athlete

    fill_athlete(world)
    make_athlete("bea_b", name="Bea B", coach=world.coach)
    archive = _zip(api_client, world.coach, reverse("api:roster-export"))
    bea = world.coach.roster_links.get(athlete__name="Bea B").athlete
    folders = {name.split("/")[0] for name in archive.namelist()}
    assert folders == {f"ana-athlete-{world.athlete.public_id}", f"bea-b-{bea.public_id}"}
    ana = f"ana-athlete-{world.athlete.public_id}"
    manifest = json.loads(archive.read(f"{ana}/manifest.json"))
    assert manifest["athlete"]["public_id"] == world.athlete.public_id
    for name, info in manifest["files"].items():
        assert hashlib.sha256(archive.read(f"{ana}/{name}")).hexdigest() == info["sha256"]
    assert "Oscar" not in " ".join(archive.namelist())


def test_export_of_someone_you_cannot_see_is_404_and_athletes_have_no_roster(world, api_client):
    api_client.force_authenticate(world.other_coach)
    assert api_client.get(_export_url(world.athlete)).status_code == 404
    api_client.force_authenticate(world.athlete.user)
    response = api_client.get(reverse("api:roster-export"))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_roster_export_in_the_background_counts_every_athletes_activities(
    world, api_client, django_capture_on_commit_callbacks
):
    from vault.activities.tests.files import gpx_bytes
    from vault.exports.tests.builders import imported
    from vault.testing.personas import make_athlete

    fill_athlete(world)
    bea = make_athlete("bea_b", name="Bea B", coach=world.coach)
    imported(bea, gpx_bytes(points=20), "bea.gpx")
    api_client.force_authenticate(world.coach)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.get(reverse("api:roster-export") + "?background=true")
    job = api_client.get(reverse("api:job-detail", kwargs={"job_id": response.json()["job"]})).json()
    assert job["status"] == "done" and job["kind"] == "roster_export"
    assert job["progress"] == {"done": 4, "total": 4}
    archive = zipfile.ZipFile(io.BytesIO(b"".join(api_client.get(job["download_url"]).streaming_content)))
    assert f"bea-b-{bea.public_id}/originals/2026/bea.gpx" in archive.namelist()
