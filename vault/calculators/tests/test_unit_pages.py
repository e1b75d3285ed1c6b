"""Race and calculator-result pages in the reader's unit system: stored SI, shown in km or miles."""

from __future__ import annotations

import pytest
from django.urls import reverse

from vault.calculators.services import calculator_result_save
from vault.calculators.tests.factories import make_plan, make_race
from vault.metrics.templatetags.metric_tags import calculator_text
from vault.web.views.races import plan_display_rows

pytestmark = pytest.mark.django_db


def _imperial(athlete):
    athlete.units = "imperial"
    athlete.save(update_fields=["units"])
    return athlete


def _get(client, user, name, **kwargs) -> str:
    client.force_login(user)
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    return response.content.decode()


def test_plan_rows_in_both_systems(world):
    race = make_race(world.athlete)  # Olympic: 1.5 km swim, 40 km bike, 10 km run
    make_plan(race)
    metric = dict(plan_display_rows(race, "metric"))
    imperial = dict(plan_display_rows(race, "imperial"))
    # The bike plan's 3973.97 s over 40 km and the finish plan's 2736.8 s over 10 km.
    assert (metric["Target bike speed"], imperial["Target bike speed"]) == ("36.2 km/h", "22.5 mph")
    assert (metric["Target run pace"], imperial["Target run pace"]) == ("4:34/km", "7:20/mi")
    assert (metric["CSS"], imperial["CSS"]) == ("1:35/100m", "1:27/100yd")
    assert imperial["Target swim pace"] == "1:30/100yd"
    assert imperial["Target bike power"] == metric["Target bike power"] == "212 W"


@pytest.mark.parametrize("reader", ["athlete", "coach"])
def test_an_imperial_athletes_race_pages_read_in_miles_and_mph(client, world, reader):
    _imperial(world.athlete)
    race = make_race(world.athlete, elevation_gain_m=500)
    make_plan(race)
    user = world.user(reader)
    legs = "swim 0.93 mi / bike 24.85 mi / run 6.21 mi"

    detail = _get(client, user, "web:race-detail", race_id=race.pk)
    assert legs in detail and "22.5 mph" in detail and "7:20/mi" in detail and "1:27/100yd" in detail
    assert "1640 ft" in detail
    assert "km/h" not in detail and "/km" not in detail and "/100m<" not in detail

    crew = _get(client, user, "web:race-plan-print", race_id=race.pk)
    assert legs in crew and "<th>Target bike speed</th><td>22.5 mph</td>" in crew
    assert "<th>Target run pace</th><td>7:20/mi</td>" in crew
    assert " km" not in crew and "/km" not in crew

    wizard = _get(client, user, "web:race-plan", race_id=race.pk)
    assert legs in wizard and "1:27/100yd" in wizard and "/100m" not in wizard

    listing = _get(client, user, "web:race-list", public_id=world.athlete.public_id)
    assert "Lake Olympic" in listing


def test_a_metric_athletes_race_pages_read_in_kilometres(client, world):
    race = make_race(world.athlete, elevation_gain_m=500)
    make_plan(race)
    legs = "swim 1.5 km / bike 40 km / run 10 km"
    detail = _get(client, world.athlete.user, "web:race-detail", race_id=race.pk)
    assert legs in detail and "36.2 km/h" in detail and "4:34/km" in detail and "500 m" in detail
    assert "mph" not in detail and "/mi" not in detail and " ft" not in detail
    crew = _get(client, world.coach, "web:race-plan-print", race_id=race.pk)
    assert legs in crew and "<th>Target run pace</th><td>4:34/km</td>" in crew


def test_a_custom_race_lists_its_legs_in_the_readers_units(client, world):
    _imperial(world.athlete)
    make_race(
        world.athlete,
        name="Duathlon",
        distance="custom",
        legs=[
            {"sport": "run", "distance_m": 5000},
            {"sport": "bike", "distance_m": 20000},
            {"sport": "run", "distance_m": 2500},
        ],
    )
    listing = _get(client, world.coach, "web:race-list", public_id=world.athlete.public_id)
    assert "run 3.11 mi / bike 12.43 mi / run 1.55 mi" in listing


def test_calculator_results_show_paces_speeds_and_distances_in_the_readers_units(client, world):
    result = calculator_result_save(
        athlete=world.athlete,
        calculator_type="finish_time",
        inputs={"run_pace_s_per_km": 273.68, "swim_pace_s_per_100m": 98.0, "elevation_gain_m": 500},
        outputs={"run_pace_s_per_km": 273.68, "bike_s": 3973.97, "total_s": 8360.77},
    )
    calculator_result_save(
        athlete=world.athlete,
        calculator_type="bike_speed",
        inputs={"power_w": 200, "distance_m": 40000},
        outputs={"speed_m_per_s": 10.0, "power_w": 200},
    )
    metric = _get(client, world.athlete.user, "web:calculator-result-detail", result_id=result.pk)
    assert "4:34/km" in metric and "1:38/100m" in metric and "500 m" in metric and "2:19:21" in metric
    metric_list = _get(client, world.coach, "web:calculator-result-list", public_id=world.athlete.public_id)
    assert "36.0 km/h" in metric_list and "4:34/km" in metric_list

    _imperial(world.athlete)
    imperial = _get(client, world.athlete.user, "web:calculator-result-detail", result_id=result.pk)
    assert "7:20/mi" in imperial and "1:30/100yd" in imperial and "1640 ft" in imperial
    assert "/km" not in imperial and "/100m" not in imperial
    imperial_list = _get(client, world.coach, "web:calculator-result-list", public_id=world.athlete.public_id)
    assert "22.4 mph" in imperial_list and "7:20/mi" in imperial_list


@pytest.mark.parametrize(
    ("name", "value", "metric", "imperial"),
    [
        ("run_pace_s_per_km", 245, "4:05/km", "6:34/mi"),
        ("paces.easy", 330, "5:30/km", "8:51/mi"),  # a nested pace: the unit is its parent's
        ("css_pace_s_per_100m", 92, "1:32/100m", "1:24/100yd"),
        ("speed_m_per_s", 10, "36.0 km/h", "22.4 mph"),
        ("target_distance_m", 42195, "42.2 km", "26.22 mi"),
        ("elevation_gain_m", 350, "350 m", "1148 ft"),
        ("css_m_per_s", 1.0526, "1.053 m/s", "1.053 m/s"),  # the CSS as a speed stays the calculator's
        ("power_w", 212, "212 W", "212 W"),
        ("d1_m", 400, "400 m", "400 m"),  # a test's distance keeps the unit it was swum in
        ("cutoffs", "[]", "[]", "[]"),
    ],
)
def test_calculator_text_in_both_systems(name, value, metric, imperial):
    assert calculator_text(name, value, "metric") == metric
    assert calculator_text(name, value, "imperial") == imperial


@pytest.mark.parametrize(("units", "shown", "absent"), [("imperial", "/mi", "/km"), ("metric", "/km", "/mi")])
def test_a_calculator_preview_reads_in_the_athletes_units(client, world, units, shown, absent):
    world.athlete.units = units
    world.athlete.save(update_fields=["units"])
    client.force_login(world.user("athlete"))
    url = reverse(
        "web:calculator", kwargs={"public_id": world.athlete.public_id, "calculator_type": "training_paces"}
    )
    response = client.post(url, {"vdot": "50", "action": "preview"})
    assert response.status_code == 200
    outputs = response.content.decode().split("paces.threshold", 1)[1][:200]
    assert shown in outputs and absent not in outputs
