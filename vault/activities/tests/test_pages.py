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


def test_detail_page_shows_best_efforts_time_in_hr_zones_and_ngp_for_a_run(client, world):
    from vault.metrics.services import metric_entry_create

    metric_entry_create(
        athlete=world.athlete,
        metric_type="threshold_hr",
        value=180,
        recorded_on=dt.date(2026, 1, 1),
        source="manual",
    )
    run = activity_import(athlete=world.athlete, data=gpx_bytes(points=600), filename="run.gpx").activity
    client.force_login(world.coach)
    response = client.get(reverse("web:activity-detail", args=[run.pk]))
    page = response.content.decode()

    efforts = {row["key"]: row for row in response.context["best_efforts"]}
    assert set(efforts) == {"400m", "1km", "1mile"}  # 1.8 km run: the longer distances are not covered
    assert efforts["1km"]["time"] == "5:33" and efforts["1km"]["pace"] == "5:33/km"  # 3 m/s
    assert 'id="best-efforts"' in page and "1 mile" in page
    zones = response.context["hr_zones"]
    assert [z["zone"] for z in zones] == ["Z1", "Z2", "Z3", "Z4", "Z5a", "Z5b", "Z5c"]
    assert zones[0]["name"] == "Recovery" and sum(z["percent"] for z in zones) in (99, 100, 101)
    assert zones[0]["percent"] == 100  # 140-144 bpm is all below 85 % of a 180 bpm threshold
    assert 'id="hr-zones"' in page and 'id="power-zones"' not in page
    assert "Normalized graded pace" in page
    assert response.context["power_curve"] == [] and 'id="power-curve"' not in page


def test_detail_page_shows_power_zones_and_the_power_curve_for_a_ride(client, world):
    from vault.activities.tests.files import ride_recording
    from vault.metrics.services import metric_entry_create

    metric_entry_create(
        athlete=world.athlete, metric_type="ftp", value=300, recorded_on=dt.date(2026, 1, 1), source="manual"
    )
    recording = ride_recording(seconds=1800, power_w=200)
    recording.streams["power"][600:900] = 400  # five hard minutes
    ride = activity_import(
        athlete=world.athlete, data=b"ride", filename="ride.json", recording=recording
    ).activity
    client.force_login(world.athlete.user)
    response = client.get(reverse("web:activity-detail", args=[ride.pk]))
    page = response.content.decode()

    zones = {z["zone"]: z for z in response.context["power_zones"]}
    assert zones["Z2"]["name"] == "Endurance" and zones["Z2"]["time"] == "25:00"  # 200 W: 67 % of FTP
    assert zones["Z6"]["time"] == "5:00"  # 400 W: 133 %
    curve = {point["duration"]: point["watts"] for point in response.context["power_curve"]}
    assert curve["5 min"] == "400 W" and curve["20 min"] == "250 W"
    assert list(curve)[-1] == "whole activity" and curve["whole activity"] == "233 W"
    assert 'id="power-curve"' in page and 'id="power-zones"' in page and 'id="best-efforts"' not in page


def test_list_shows_the_athletes_best_effort_per_distance(client, world):
    slow = activity_import(
        athlete=world.athlete,
        data=gpx_bytes(points=700, step_m=2.5),
        filename="slow.gpx",
        name="Slow jog",
    ).activity
    fast = activity_import(
        athlete=world.athlete,
        data=gpx_bytes(points=400, step_m=4.0, start=dt.datetime(2026, 3, 5, 7, tzinfo=dt.UTC)),
        filename="fast.gpx",
        name="Fast intervals",
    ).activity
    activity_import(athlete=world.athlete, data=tcx_bytes(), filename="ride.tcx")  # a ride has none
    client.force_login(world.coach)
    response = client.get(reverse("web:activity-list", args=[world.athlete.public_id]))
    page = response.content.decode()

    bests = {best["key"]: best for best in response.context["personal_bests"]}
    assert set(bests) == {"400m", "1km", "1mile"}  # the slow run covers the mile, the fast one 1.6 km only
    assert (bests["400m"]["activity_id"], bests["400m"]["time"]) == (fast.pk, "1:40")  # 4 m/s
    assert bests["1km"]["activity_id"] == fast.pk and bests["1km"]["pace"] == "4:10/km"
    assert bests["1mile"]["activity_id"] == slow.pk  # only it went that far
    assert 'id="personal-bests"' in page and "Fast intervals" in page
    assert reverse("web:activity-detail", args=[fast.pk]) in page


def test_list_without_runs_has_no_best_efforts_section(client, world):
    activity_import(athlete=world.athlete, data=tcx_bytes(), filename="ride.tcx")
    client.force_login(world.athlete.user)
    response = client.get(reverse("web:activity-list", args=[world.athlete.public_id]))
    assert response.context["personal_bests"] == [] and 'id="personal-bests"' not in response.content.decode()
