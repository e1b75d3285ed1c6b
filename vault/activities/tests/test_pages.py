"""Activity pages: list with filters and pages, the activity page, the upload page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from vault.activities.services import activity_import
from vault.activities.tests.files import gpx_bytes, tcx_bytes

pytestmark = pytest.mark.django_db


def test_list_filters_and_pages(client, world, monkeypatch):
    monkeypatch.setattr("vault.web.views.activities.PAGE_SIZE", 2)
    for day in range(1, 4):
        activity_import(
            athlete=world.athlete,
            data=gpx_bytes(start=dt.datetime(2026, 3, day, 7, tzinfo=dt.UTC)),
            filename=f"run{day}.gpx",
            name=f"Run {day}",
        )
    activity_import(athlete=world.athlete, data=tcx_bytes(), filename="ride.tcx", name="Ride one")
    client.force_login(world.coach)
    url = reverse("web:activity-list", args=[world.athlete.public_id])

    first = client.get(url).content.decode()
    assert "Run 3" in first and "Run 2" in first and "Run 1" not in first
    assert "Page 1 of 2" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert "Run 1" in second and "Ride one" in second
    rides = client.get(url, {"sport": "cycling"}).content.decode()
    assert "Ride one" in rides and "Run 3" not in rides
    dated = client.get(url, {"since": "2026-03-02", "until": "2026-03-02"}).content.decode()
    assert "Run 2" in dated and "Run 3" not in dated and "Run 1" not in dated


def test_detail_page_shows_summary_laps_download_and_map_setting(client, world, settings):
    settings.MAP_TILE_URL = "https://tiles.example.test/{z}/{x}/{y}.png"
    activity = activity_import(
        athlete=world.athlete, data=tcx_bytes(points=90), filename="ride.tcx", name="Ride one"
    ).activity
    client.force_login(world.athlete.user)
    response = client.get(reverse("web:activity-detail", args=[activity.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ride one" in page and "Elapsed time" in page
    assert reverse("api:activity-source", args=[activity.pk]) in page and 'download="ride.tcx"' in page
    assert reverse("api:activity-streams", args=[activity.pk]) in page
    assert 'data-tile-url="https://tiles.example.test/{z}/{x}/{y}.png"' in page
    assert response.context["map_tile_url"] == settings.MAP_TILE_URL
    assert "0.71 km" in page  # the lap's distance


def test_upload_page_lists_recent_imports_with_warnings(client, world):
    whole = gpx_bytes(points=200)
    activity_import(athlete=world.athlete, data=whole[: len(whole) // 2], filename="cut.gpx")
    activity_import(athlete=world.athlete, data=b"", filename="empty.fit")
    client.force_login(world.coach)
    page = client.get(reverse("web:activity-upload", args=[world.athlete.public_id])).content.decode()
    assert reverse("api:activity-upload", args=[world.athlete.public_id]) in page
    assert "cut.gpx" in page and "cut off" in page
    assert "empty.fit" in page and "empty file" in page


def test_pages_of_others_are_404(client, world):
    activity = activity_import(athlete=world.athlete, data=gpx_bytes(), filename="a.gpx").activity
    client.force_login(world.other_coach)
    assert client.get(reverse("web:activity-detail", args=[activity.pk])).status_code == 404
    assert client.get(reverse("web:activity-list", args=[world.athlete.public_id])).status_code == 404
    assert client.get(reverse("web:activity-upload", args=[world.athlete.public_id])).status_code == 404


def test_detail_page_keeps_the_files_own_summary_beside_the_computed_one(client, world):
    from vault.activities.tests.files import ride_recording

    recording = ride_recording(seconds=600)
    recording.sessions = [
        {
            "start_time": recording.start_time,
            "elapsed_s": 600.0,
            "distance_m": 5000.0,
            "avg_heart_rate": 149.0,
        }
    ]
    activity = activity_import(
        athlete=world.athlete, data=b"own", filename="own.json", recording=recording
    ).activity
    assert activity.file_summary["sessions"][0]["distance_m"] == 5000.0
    client.force_login(world.athlete.user)
    response = client.get(reverse("web:activity-detail", args=[activity.pk]))
    rows = {label: (computed, own) for label, computed, own in response.context["file_rows"]}
    assert rows["Distance"] == ("5.39 km", "5.00 km")  # 599 s at 9 m/s computed; the file claims 5 km
    assert rows["Average heart rate"] == ("150 bpm", "149 bpm")
    assert "Compared with the file" in response.content.decode()
