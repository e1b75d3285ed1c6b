"""The activities API: upload (files, archives, limits), list, detail, streams, original download, delete."""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from vault.activities import storage
from vault.activities.models import Activity, ImportRecord, StoredOriginal
from vault.activities.services import activity_import
from vault.activities.tests.files import gpx_bytes, tcx_bytes, zip_bytes
from vault.jobs.models import Job

pytestmark = pytest.mark.django_db


def upload(api_client, world, *files, user=None):
    api_client.force_authenticate(user or world.athlete.user)
    url = reverse("api:activity-upload", args=[world.athlete.public_id])
    return api_client.post(
        url, {"file": [SimpleUploadedFile(name, data) for name, data in files]}, format="multipart"
    )


def test_upload_several_files_answers_one_result_each(api_client, world):
    response = upload(
        api_client,
        world,
        ("a.gpx", gpx_bytes()),
        ("b.tcx", tcx_bytes()),
        ("a-again.gpx", gpx_bytes()),
        ("bad.fit", b"<html></html>"),
    )
    assert response.status_code == 200
    results = response.json()
    assert [(r["file"], r["status"]) for r in results] == [
        ("a.gpx", "imported"),
        ("b.tcx", "imported"),
        ("a-again.gpx", "duplicate"),
        ("bad.fit", "error"),
    ]
    assert results[2]["activity"] == results[0]["activity"]
    assert results[3]["activity"] is None and results[3]["message"].startswith("bad.fit: ")
    assert Activity.objects.filter(athlete=world.athlete).count() == 2
    assert Activity.objects.get(pk=results[0]["activity"]).created_by == world.athlete.user


def test_coach_uploads_for_a_roster_athlete(api_client, world):
    response = upload(api_client, world, ("a.gpx", gpx_bytes()), user=world.coach)
    assert response.status_code == 200 and response.json()[0]["status"] == "imported"
    assert Activity.objects.get().athlete == world.athlete


def test_upload_for_someone_elses_athlete_is_404(api_client, world):
    response = upload(api_client, world, ("a.gpx", gpx_bytes()), user=world.other_coach)
    assert response.status_code == 404
    assert Activity.objects.count() == 0 and ImportRecord.objects.count() == 0


def test_upload_without_files_names_the_field(api_client, world):
    api_client.force_authenticate(world.athlete.user)
    response = api_client.post(
        reverse("api:activity-upload", args=[world.athlete.public_id]), {}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]


def test_file_over_the_limit_is_413_naming_the_file(api_client, world, settings, storage_files):
    settings.MAX_UPLOAD_MB = 1
    response = upload(api_client, world, ("huge.gpx", b" " * (1024 * 1024 + 1)))
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too_large" and error["message"].startswith("huge.gpx: ")
    assert "1 MB" in error["message"]
    assert Activity.objects.count() == 0 and storage_files() == []
    [record] = ImportRecord.objects.all()  # logged like every file the upload saw
    assert (record.name, record.status) == ("huge.gpx", "error") and record.message == error["message"]


def test_one_file_over_the_limit_in_a_batch_gets_an_error_and_the_others_import(
    api_client, world, settings, storage_files
):
    settings.MAX_UPLOAD_MB = 1
    response = upload(
        api_client,
        world,
        ("a.gpx", gpx_bytes()),
        ("huge.gpx", b" " * (1024 * 1024 + 1)),
        ("b.tcx", tcx_bytes()),
    )
    assert response.status_code == 200
    results = response.json()
    assert [(r["file"], r["status"]) for r in results] == [
        ("a.gpx", "imported"),
        ("huge.gpx", "error"),
        ("b.tcx", "imported"),
    ]
    assert results[1]["message"] == f"huge.gpx: {1024 * 1024 + 1} bytes is more than the 1 MB upload limit"
    assert results[1]["activity"] is None
    assert Activity.objects.count() == 2
    assert not [name for name in storage_files() if "huge" in name]


def test_every_file_over_the_limit_is_413_listing_each(api_client, world, settings):
    settings.MAX_UPLOAD_MB = 1
    big = b" " * (1024 * 1024 + 1)
    response = upload(api_client, world, ("one.gpx", big), ("two.fit", big))
    assert response.status_code == 413
    error = response.json()["error"]
    assert [m.split(":")[0] for m in error["fields"]["file"]] == ["one.gpx", "two.fit"]
    assert ImportRecord.objects.filter(status="error").count() == 2 and Activity.objects.count() == 0


def test_a_body_larger_than_any_limit_is_refused_before_it_is_read(api_client, world, settings, monkeypatch):
    """Content-Length alone decides: the multipart body is never parsed (or spooled to disk)."""
    from rest_framework.request import Request

    settings.MAX_UPLOAD_MB, settings.MAX_ARCHIVE_MB = 1, 2

    def never(self):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(Request, "_load_data_and_files", never)
    api_client.force_authenticate(world.athlete.user)
    response = api_client.post(
        reverse("api:activity-upload", args=[world.athlete.public_id]),
        data=b"x" * 16,
        content_type="multipart/form-data; boundary=zzz",
        CONTENT_LENGTH=str(3 * 1024 * 1024 + 1),
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too_large"
    assert f"{3 * 1024 * 1024 + 1} bytes" in error["message"] and "2 MB for an archive" in error["message"]


def test_an_archive_has_its_own_larger_limit(
    api_client, world, settings, storage_files, django_capture_on_commit_callbacks
):
    settings.MAX_UPLOAD_MB, settings.MAX_ARCHIVE_MB = 1, 3
    # stored (no compression): 2 MB of activity files, over the file limit, under the archive limit
    files = {f"activities/{i}.gpx": gpx_bytes(points=2400, heart_rate=100 + i) for i in range(2)}
    archive = zip_bytes(files, compression=zipfile.ZIP_STORED)
    assert 1024 * 1024 < len(archive) < 3 * 1024 * 1024
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api_client, world, ("export.zip", archive))
    assert response.status_code == 202, response.json()
    assert Job.objects.get().status == "done" and Activity.objects.count() == 2

    settings.MAX_ARCHIVE_MB = 1
    response = upload(api_client, world, ("export-2.zip", archive))
    assert response.status_code == 413
    assert response.json()["error"]["message"] == (
        f"export-2.zip: {len(archive)} bytes is more than the 1 MB archive limit"
    )
    assert Job.objects.count() == 1


def test_an_archive_reaches_storage_from_a_temporary_file_not_memory(
    api_client, world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    import vault.api.activities as api_activities

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # as any archive beyond the (10 MB) default does
    seen = []
    real = api_activities._queue_archive

    def spy(**kwargs):
        seen.append(type(kwargs["upload"]))
        return real(**kwargs)

    monkeypatch.setattr(api_activities, "_queue_archive", spy)
    archive = zip_bytes(
        {f"activities/{i}.gpx": gpx_bytes(heart_rate=100 + i) for i in range(4)},
        compression=zipfile.ZIP_STORED,
    )
    assert len(archive) > 64 * 1024
    api_client.force_authenticate(world.athlete.user)
    with (
        tempfile.NamedTemporaryFile(suffix=".zip") as handle,
        django_capture_on_commit_callbacks(execute=True),
    ):
        handle.write(archive)
        handle.seek(0)
        response = api_client.post(
            reverse("api:activity-upload", args=[world.athlete.public_id]),
            {"file": handle},
            format="multipart",
        )
    assert response.status_code == 202
    assert seen == [TemporaryUploadedFile]
    assert Activity.objects.count() == 4


def test_job_results_are_rows_appended_one_insert_each(world, django_assert_num_queries):
    from vault.jobs.models import JobResult
    from vault.jobs.services import job_add_result, job_create

    job = job_create(kind="strava_archive", athlete=world.athlete, enqueue=False)
    for i in range(50):
        job_add_result(job=job, result={"file": f"{i}.gpx", "status": "imported"})
    with django_assert_num_queries(1):  # the 51st costs what the first did: no rewrite of the others
        job_add_result(job=job, result={"file": "last.gpx", "status": "error"})
    assert JobResult.objects.filter(job=job).count() == 51
    job.refresh_from_db()
    assert job.results[0] == {"file": "0.gpx", "status": "imported"}
    assert job.results[-1] == {"file": "last.gpx", "status": "error"}


def test_archive_upload_runs_as_a_job(api_client, world, storage_files, django_capture_on_commit_callbacks):
    archive = zip_bytes(
        {"activities/1.gpx": gpx_bytes(), "activities/2.tcx": tcx_bytes(), "activities/3.fit": b"junk"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api_client, world, ("export_1.zip", archive))
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job"])
    assert (job.kind, job.owner, job.athlete) == ("strava_archive", world.athlete.user, world.athlete)
    assert job.status == "done", job.message
    assert (job.progress_done, job.progress_total) == (3, 3)
    assert sorted((r["file"], r["status"]) for r in job.results) == [
        ("activities/1.gpx", "imported"),
        ("activities/2.tcx", "imported"),
        ("activities/3.fit", "error"),
    ]
    assert Activity.objects.count() == 2
    assert not [name for name in storage_files() if name.startswith("uploads/")]  # the zip is gone afterwards


def test_archive_with_too_many_entries_is_refused_at_once(api_client, world, monkeypatch, storage_files):
    monkeypatch.setattr("vault.activities.archive.MAX_ENTRIES", 2)
    archive = zip_bytes(
        {"a.gpx": gpx_bytes(), "b.gpx": gpx_bytes(heart_rate=100), "c.gpx": gpx_bytes(heart_rate=101)}
    )
    response = upload(api_client, world, ("export.zip", archive))
    assert response.status_code == 200
    [result] = response.json()
    assert result["status"] == "error" and result["message"].startswith("export.zip: has 3 entries")
    assert Job.objects.count() == 0 and storage_files() == []
    [record] = ImportRecord.objects.all()
    assert (record.name, record.status, record.message) == ("export.zip", "error", result["message"])


@pytest.fixture
def imported(world):
    outcome = activity_import(athlete=world.athlete, data=tcx_bytes(points=100), filename="Ride 2026.tcx")
    assert outcome.status == "imported", outcome.message
    return outcome.activity


def test_list_filters_by_sport_and_date(api_client, world, imported):
    run = activity_import(
        athlete=world.athlete,
        data=gpx_bytes(start=dt.datetime(2026, 4, 2, 7, tzinfo=dt.UTC)),
        filename="run.gpx",
    ).activity
    api_client.force_authenticate(world.coach)
    url = reverse("api:activity-list", args=[world.athlete.public_id])

    body = api_client.get(url).json()
    assert body["count"] == 2 and [a["id"] for a in body["results"]] == [run.pk, imported.pk]
    assert [a["id"] for a in api_client.get(url, {"sport": "cycling"}).json()["results"]] == [imported.pk]
    assert [a["id"] for a in api_client.get(url, {"since": "2026-04-01"}).json()["results"]] == [run.pk]
    assert [a["id"] for a in api_client.get(url, {"until": "2026-03-31"}).json()["results"]] == [imported.pk]
    bad = api_client.get(url, {"since": "yesterday"})
    assert bad.status_code == 400 and "since" in bad.json()["error"]["fields"]


def test_detail_has_summary_and_laps(api_client, world, imported):
    api_client.force_authenticate(world.athlete.user)
    body = api_client.get(reverse("api:activity-detail", args=[imported.pk])).json()
    assert body["id"] == imported.pk and body["athlete"] == world.athlete.public_id
    assert body["summary"] == imported.summary
    assert body["laps"][0]["index"] == 0 and body["laps"][0]["distance_m"] == 792.0
    assert body["original_filename"] == "Ride 2026.tcx"


def test_streams_are_json_per_channel_with_nan_as_null_and_downsampling(api_client, world, imported):
    api_client.force_authenticate(world.athlete.user)
    url = reverse("api:activity-streams", args=[imported.pk])
    body = api_client.get(url).json()
    assert body["sample_count"] == body["returned"] == 100
    assert body["streams"]["heart_rate"][:2] == [150.0, 150.0]
    assert body["streams"]["speed"][0] is None  # no speed before the second sample: NaN in the file
    assert len(body["streams"]["timestamp"]) == 100

    thin = api_client.get(url, {"max_points": 10}).json()
    assert thin["returned"] == 10 and thin["sample_count"] == 100
    assert all(len(values) == 10 for values in thin["streams"].values())
    stored = storage.streams_read(imported.streams_file)["timestamp"]
    assert thin["streams"]["timestamp"][0] == stored[0] and thin["streams"]["timestamp"][-1] == stored[-1]
    assert api_client.get(url, {"max_points": "lots"}).status_code == 400


def test_source_downloads_the_original_with_its_name_and_type(api_client, world, imported):
    api_client.force_authenticate(world.coach)
    response = api_client.get(reverse("api:activity-source", args=[imported.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.garmin.tcx+xml"
    assert 'filename="Ride 2026.tcx"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == tcx_bytes(points=100)


def test_delete_removes_the_activity_and_its_files(
    api_client, world, imported, storage_files, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(world.athlete.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.delete(reverse("api:activity-detail", args=[imported.pk]))
    assert response.status_code == 204
    assert not Activity.objects.exists() and not StoredOriginal.objects.exists()
    assert storage_files() == []


@pytest.mark.parametrize("name", ["api:activity-detail", "api:activity-streams", "api:activity-source"])
def test_activities_of_others_are_404(api_client, world, imported, name):
    for user in (world.other_coach, world.other_athlete.user):
        api_client.force_authenticate(user)
        response = api_client.get(reverse(name, args=[imported.pk]))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    api_client.force_authenticate(world.other_coach)
    assert api_client.delete(reverse("api:activity-detail", args=[imported.pk])).status_code == 404
    assert Activity.objects.filter(pk=imported.pk).exists()


def test_streams_of_a_large_activity_thin_to_the_requested_points(api_client, world):
    from vault.activities.tests.files import ride_recording

    outcome = activity_import(
        athlete=world.athlete, data=b"big", filename="big.json", recording=ride_recording(seconds=100_000)
    )
    api_client.force_authenticate(world.athlete.user)
    body = api_client.get(
        reverse("api:activity-streams", args=[outcome.activity.pk]), {"max_points": 4000}
    ).json()
    assert body["sample_count"] == 100_000 and body["returned"] == 4000
    assert np.all(np.diff(body["streams"]["timestamp"]) > 0)


def test_date_filters_use_the_athletes_calendar_day(api_client, world):
    # Ana lives in Madrid: 23:30 UTC on 1 March is 00:30 on 2 March for her.
    late = activity_import(
        athlete=world.athlete,
        data=gpx_bytes(start=dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)),
        filename="late.gpx",
    ).activity
    api_client.force_authenticate(world.athlete.user)
    url = reverse("api:activity-list", args=[world.athlete.public_id])
    assert [
        a["id"] for a in api_client.get(url, {"since": "2026-03-02", "until": "2026-03-02"}).json()["results"]
    ] == [late.pk]
    assert api_client.get(url, {"until": "2026-03-01"}).json()["count"] == 0


def test_streams_window_for_a_zoomed_chart(api_client, world, imported):
    api_client.force_authenticate(world.athlete.user)
    url = reverse("api:activity-streams", args=[imported.pk])
    start = storage.streams_read(imported.streams_file)["timestamp"][0]

    body = api_client.get(url, {"from_s": 10, "to_s": 29.5}).json()
    assert body["sample_count"] == 100 and body["window_count"] == body["returned"] == 20
    assert body["streams"]["timestamp"][0] == start + 10 and body["streams"]["timestamp"][-1] == start + 29
    thin = api_client.get(url, {"from_s": 10, "to_s": 29.5, "max_points": 5}).json()
    assert thin["window_count"] == 20 and thin["returned"] == 5
    assert thin["streams"]["timestamp"][-1] == start + 29

    backwards = api_client.get(url, {"from_s": 30, "to_s": 10})
    assert backwards.status_code == 400 and "to_s" in backwards.json()["error"]["fields"]
    assert "max_points" in api_client.get(url, {"max_points": "lots"}).json()["error"]["fields"]
