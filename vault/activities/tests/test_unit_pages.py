"""Activity pages in the reader's unit system: stored SI, shown in km or miles (design.md §8)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from vault.activities.services import activity_import
from vault.activities.tests.files import gpx_bytes, tcx_bytes

pytestmark = pytest.mark.django_db


def _imperial(athlete):
    athlete.units = "imperial"
    athlete.save(update_fields=["units"])
    return athlete


def _run(athlete):
    # 700 s heading north at 2.5 m/s: about 1.75 km, long enough for a best mile.
    return activity_import(
        athlete=athlete, data=gpx_bytes(points=700, step_m=2.5), filename="run.gpx", name="Easy run"
    ).activity


def _chart_units(page: str) -> dict:
    start = page.index('<script id="chart-units" type="application/json">') + len(
        '<script id="chart-units" type="application/json">'
    )
    return json.loads(page[start : page.index("</script>", start)])


@pytest.mark.parametrize("reader", ["athlete", "coach", "admin"])
def test_an_imperial_athletes_list_reads_in_miles_for_them_and_their_coach(client, world, reader):
    _imperial(world.athlete)
    run = _run(world.athlete)
    client.force_login(world.user(reader))
    response = client.get(reverse("web:activity-list", args=[world.athlete.public_id]))
    page = response.content.decode()

    miles = run.summary["distance_m"] / 1609.344
    assert f"<td>{miles:.2f} mi</td>" in page
    assert [row["distance"] for row in response.context["rows"]] == [f"{miles:.2f} mi"]
    bests = {best["key"]: best for best in response.context["personal_bests"]}
    assert bests["1km"]["label"] == "1 km"  # best efforts keep their standard distance's name
    assert bests["1km"]["pace"].endswith("/mi") and bests["1mile"]["pace"].endswith("/mi")
    assert "/km" not in page


def test_a_metric_athlete_reads_kilometres(client, world):
    run = _run(world.athlete)
    client.force_login(world.athlete.user)
    response = client.get(reverse("web:activity-list", args=[world.athlete.public_id]))
    page = response.content.decode()
    assert f"<td>{run.summary['distance_m'] / 1000:.2f} km</td>" in page
    assert response.context["personal_bests"][0]["pace"].endswith("/km")
    assert " mi</td>" not in page and "/mi" not in page


def test_the_imperial_activity_page_shows_miles_paces_feet_and_charts_in_miles(client, world):
    _imperial(world.athlete)
    run = _run(world.athlete)
    client.force_login(world.coach)
    response = client.get(reverse("web:activity-detail", args=[run.pk]))
    page = response.content.decode()
    shown = dict(response.context["summary_rows"])

    assert shown["Distance"] == f"{run.summary['distance_m'] / 1609.344:.2f} mi"
    assert shown["Average pace"] == "10:45/mi"  # about 2.5 m/s
    assert shown["Elevation gain"].endswith(" ft")
    assert all(effort["pace"].endswith("/mi") for effort in response.context["best_efforts"])
    assert 'data-units="imperial"' in page
    units = _chart_units(page)
    assert (units["distance"], units["pace"], units["speed"], units["elevation"]) == ("mi", "mi", "mph", "ft")
    assert units["distance_m"] == pytest.approx(1609.344)


def test_the_imperial_ride_page_shows_mph_and_lap_miles(client, world):
    _imperial(world.athlete)
    ride = activity_import(
        athlete=world.athlete, data=tcx_bytes(points=90), filename="ride.tcx", name="Ride one"
    ).activity
    client.force_login(world.athlete.user)
    response = client.get(reverse("web:activity-detail", args=[ride.pk]))
    page = response.content.decode()
    shown = dict(response.context["summary_rows"])
    assert shown["Average speed"] == "17.9 mph"  # 8 m/s
    assert "0.44 mi" in page  # the lap's 712 m
    assert "km/h" not in page and "0.71 km" not in page


def test_the_metric_activity_page_keeps_kilometres(client, world):
    ride = activity_import(
        athlete=world.athlete, data=tcx_bytes(points=90), filename="ride.tcx", name="Ride one"
    ).activity
    run = _run(world.athlete)
    client.force_login(world.coach)
    ride_page = client.get(reverse("web:activity-detail", args=[ride.pk]))
    assert dict(ride_page.context["summary_rows"])["Average speed"] == "28.8 km/h"
    assert "0.71 km" in ride_page.content.decode()
    run_page = client.get(reverse("web:activity-detail", args=[run.pk]))
    shown = dict(run_page.context["summary_rows"])
    assert shown["Average pace"] == "6:41/km" and shown["Elevation gain"].endswith(" m")
    assert _chart_units(run_page.content.decode())["distance"] == "km"
