"""Calculator prefills and warnings closed after the audit: the finish-time preset without a race, the CdA
field test's wind, power meter and masses, heart-rate calories from the profile, the bike plan from a power
alone, the critical-power fits and curve periods, readiness of a wizard step's own result, stale-value
warnings on the page and in the API, and units in the OpenAPI document (issue 5 §2, §4, §7)."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework import serializers

from trainingmath import aero
from vault.activities.services import activity_import
from vault.activities.tests.files import ride_recording
from vault.calculators.calculators import CALCULATORS, unit_of
from vault.calculators.models import CalculatorResult
from vault.calculators.readiness import race_readiness
from vault.calculators.services import calculator_prefill, calculator_run
from vault.calculators.tests.factories import make_race, run_calculator_api
from vault.metrics.services import metric_entry_create
from vault.testing.personas import athlete_today, make_athlete

pytestmark = pytest.mark.django_db

TODAY = athlete_today()


def _metric(athlete, metric_type, value, days_ago=1):
    return metric_entry_create(
        athlete=athlete,
        metric_type=metric_type,
        value=value,
        recorded_on=TODAY - dt.timedelta(days=days_ago),
        source="manual",
    )


def _refused(response, field, why=""):
    assert response.status_code == 400, response.json()
    fields = response.json()["error"]["fields"]
    assert field in fields, fields
    assert why in " ".join(fields[field])
    assert not CalculatorResult.objects.exists()


# --- 1. finish time from the chosen preset -------------------------------------------------------------------


def test_finish_time_takes_the_chosen_presets_offset_and_run_factor_without_a_race(world, api_client):
    _metric(world.athlete, "css_pace", 100 / 95)  # CSS 1:35/100 m
    _metric(world.athlete, "threshold_run_pace", 1000 / 260)  # threshold 4:20/km
    body = run_calculator_api(
        api_client, world, "finish_time", {"preset": "olympic", "bike_time_s": 3973.97}
    ).json()
    outputs = body["outputs"]
    # science.md §7.1 worked example: swim 98 s/100 m -> 1470 s; run 273.68 s/km -> 2736.8 s.
    assert body["inputs"]["swim_pace_s_per_100m"] == pytest.approx(98.0)
    assert outputs["swim_s"] == pytest.approx(1470.0, abs=0.05)
    assert outputs["run_s"] == pytest.approx(2736.8, abs=0.05)
    assert outputs["t1_s"] == 120 and outputs["t2_s"] == 60
    assert outputs["total_s"] == pytest.approx(8360.8, abs=0.1)
    sprint = run_calculator_api(
        api_client, world, "finish_time", {"preset": "sprint", "bike_time_s": 2000}
    ).json()["outputs"]
    assert sprint["swim_s"] == pytest.approx(750 / 100 * (95 + 2))
    assert sprint["run_s"] == pytest.approx(5 * 260 / 0.97)


def test_a_typed_bike_speed_is_not_overridden_by_the_bike_plan_step(world, api_client):
    race = make_race(world.athlete, distance="olympic")
    calculator_run(
        athlete=world.athlete,
        calculator_type="bike_plan",
        inputs={"race": race.pk, "power_w": 200, "total_mass_kg": 80, "cda_m2": 0.3, "crr": 0.004},
    )
    inputs = {
        "race": race.pk,
        "swim_pace_s_per_100m": 100,
        "run_pace_s_per_km": 300,
        "bike_speed_m_per_s": 10,
    }
    outputs = run_calculator_api(api_client, world, "finish_time", inputs).json()["outputs"]
    assert outputs["bike_s"] == pytest.approx(4000.0)


# --- 3. the CdA field test: wind, power meter, masses --------------------------------------------------------

FIELD_TEST = {"power_w": 250, "speed_m_per_s": 10.5, "crr": 0.004}


def test_cda_masses_are_rider_gear_and_bike_summed(world, api_client):
    _metric(world.athlete, "weight", 70.0)
    body = run_calculator_api(api_client, world, "cda", FIELD_TEST, query="?save=false").json()
    assert body["inputs"]["rider_mass_kg"] == 70.0
    assert body["inputs"]["gear_mass_kg"] + body["inputs"]["bike_mass_kg"] == pytest.approx(9.0)
    assert body["inputs"]["total_mass_kg"] == pytest.approx(79.0) == body["outputs"]["total_mass_kg"]
    light = run_calculator_api(
        api_client, world, "cda", {**FIELD_TEST, "bike_mass_kg": 6.8, "gear_mass_kg": 1.2}
    ).json()
    assert light["inputs"]["total_mass_kg"] == pytest.approx(78.0)
    # science.md §6.4: 80 kg total gives 0.29055 m², whether typed as a total or as its parts.
    total = run_calculator_api(
        api_client, world, "cda", {**FIELD_TEST, "total_mass_kg": 80}, query="?save=false"
    ).json()
    assert "rider_mass_kg" not in total["inputs"]
    assert total["outputs"]["cda_m2"] == pytest.approx(0.29055, abs=5e-5)
    parts = {**FIELD_TEST, "rider_mass_kg": 71, "gear_mass_kg": 1, "bike_mass_kg": 8}
    assert run_calculator_api(api_client, world, "cda", parts, query="?save=false").json()["outputs"][
        "cda_m2"
    ] == pytest.approx(total["outputs"]["cda_m2"])


def test_cda_wind_and_power_meter_location(world, api_client):
    test = {**FIELD_TEST, "total_mass_kg": 80}
    still = run_calculator_api(api_client, world, "cda", test, query="?save=false").json()["outputs"]
    head = run_calculator_api(
        api_client, world, "cda", {**test, "wind_m_per_s": 2}, query="?save=false"
    ).json()["outputs"]
    assert head["cda_m2"] == pytest.approx(
        aero.cda_from_power_speed(
            power_w=250, speed_m_per_s=10.5, total_mass_kg=80, crr=0.004, wind_m_per_s=2
        )
    )
    assert head["cda_m2"] < still["cda_m2"]
    hub = run_calculator_api(
        api_client, world, "cda", {**test, "power_meter": "hub"}, query="?save=false"
    ).json()["outputs"]
    assert hub["drivetrain_efficiency"] == 1.0 and still["drivetrain_efficiency"] == 0.976
    assert hub["cda_m2"] > still["cda_m2"]  # nothing lost in the chain: more power left for the air
    override = {**test, "power_meter": "hub", "drivetrain_efficiency": 0.97}
    assert run_calculator_api(api_client, world, "cda", override, query="?save=false").json()["outputs"][
        "drivetrain_efficiency"
    ] == pytest.approx(0.97)


@pytest.mark.parametrize(
    ("inputs", "field", "why"),
    [
        ({**FIELD_TEST, "power_meter": "wrist"}, "power_meter", "valid choice"),
        (
            {**FIELD_TEST, "total_mass_kg": 80, "rider_mass_kg": 60, "bike_mass_kg": 8},
            "total_mass_kg",
            "give one",
        ),
        ({**FIELD_TEST, "total_mass_kg": 80, "wind_m_per_s": 55}, "wind_m_per_s", "between"),
        ({**FIELD_TEST, "bike_mass_kg": 8}, "rider_mass_kg", "rider's mass"),
    ],
)
def test_bad_cda_inputs_are_field_errors_and_save_nothing(world, api_client, inputs, field, why):
    _refused(run_calculator_api(api_client, world, "cda", inputs), field, why)


# --- 4. heart-rate calories from the profile -----------------------------------------------------------------


def test_heart_rate_calories_take_age_on_race_day_and_sex_from_the_profile(world, api_client):
    race = make_race(world.athlete, distance="custom", legs=[{"sport": "run", "distance_m": 10_000}])
    # Forty ten days before the race, so still 39 today (the race is 60 days ahead).
    world.athlete.birth_date = race.date.replace(year=race.date.year - 40) - dt.timedelta(days=10)
    world.athlete.sex = "female"
    world.athlete.save()
    _metric(world.athlete, "weight", 60.0)
    leg = {"sport": "run", "duration_s": 3600, "avg_hr": 160}
    body = run_calculator_api(api_client, world, "calories", {"race": race.pk, "legs": [leg]}).json()
    assert body["inputs"]["age_years"] == 40 and body["inputs"]["sex"] == "female"
    expected = (-20.4022 + 0.4472 * 160 - 0.1263 * 60 + 0.074 * 40) / 4.184 * 60  # science.md §8.3, women
    assert body["outputs"]["legs"][0]["method"] == "heart_rate"
    assert body["outputs"]["total_kcal"] == pytest.approx(expected)
    today = run_calculator_api(api_client, world, "calories", {"legs": [leg]}, query="?save=false").json()
    assert today["inputs"]["age_years"] == 39
    typed = run_calculator_api(
        api_client, world, "calories", {"legs": [leg], "age_years": 30, "sex": "male"}
    ).json()
    assert typed["outputs"]["total_kcal"] == pytest.approx(
        (-55.0969 + 0.6309 * 160 + 0.1988 * 60 + 0.2017 * 30) / 4.184 * 60
    )


def test_heart_rate_calories_without_a_birth_date_name_the_missing_age(world, api_client):
    _metric(world.athlete, "weight", 60.0)
    inputs = {"legs": [{"sport": "run", "duration_s": 3600, "avg_hr": 160}], "sex": "male"}
    _refused(run_calculator_api(api_client, world, "calories", inputs), "age_years", "heart rate")


# --- 7. the bike plan from a power alone ---------------------------------------------------------------------

COURSE = {"distance_m": 40_000, "total_mass_kg": 80, "cda_m2": 0.28, "crr": 0.004, "rho_kg_per_m3": 1.2}


def test_bike_plan_from_a_power_without_any_ftp(world, api_client):
    response = run_calculator_api(api_client, world, "bike_plan", {**COURSE, "power_w": 212.5})
    assert response.status_code == 201, response.json()
    outputs = response.json()["outputs"]
    assert outputs["bike_time_s"] == pytest.approx(3973.97, abs=0.05)  # science.md §7.1
    assert outputs["power_w"] == 212.5 and outputs["tss"] is None


@pytest.mark.parametrize("power", [0, -120])
def test_bike_plan_refuses_a_power_that_is_not_positive(world, api_client, power):
    _metric(world.athlete, "ftp", 250.0)
    _refused(
        run_calculator_api(api_client, world, "bike_plan", {**COURSE, "power_w": power}),
        "power_w",
        "greater than zero",
    )


# --- 9. critical power: one note, three fits, the curve period -----------------------------------------------


def test_critical_power_notes_two_efforts_once_and_reports_the_three_parameter_fit(world, api_client):
    two = [{"duration_s": 180, "power_w": 400}, {"duration_s": 720, "power_w": 300}]
    outputs = run_calculator_api(api_client, world, "critical_power", {"efforts": two}).json()["outputs"]
    assert sum("less certain" in warning for warning in outputs["warnings"]) == 1
    assert outputs["cp_w_3p"] is None
    three = [
        {"duration_s": 60, "power_w": 280 + 20_000 / (60 + 20_000 / 720)},
        {"duration_s": 300, "power_w": 280 + 20_000 / (300 + 20_000 / 720)},
        {"duration_s": 1200, "power_w": 280 + 20_000 / (1200 + 20_000 / 720)},
    ]
    outputs = run_calculator_api(api_client, world, "critical_power", {"efforts": three}).json()["outputs"]
    assert outputs["cp_w_3p"] == pytest.approx(280, rel=1e-3)
    assert outputs["pmax_w_3p"] == pytest.approx(1000, rel=2e-2)
    assert outputs["cp_w"] > 0 and outputs["cp_w_inverse_time"] > 0


def test_the_cp_prefill_reads_the_chosen_power_curve_period(world, api_client):
    on = dt.date(2026, 6, 1)
    rides = {  # start day -> steady power for 15 minutes
        dt.date(2025, 12, 1): 300.0,  # all time only
        dt.date(2026, 2, 15): 280.0,  # this season, not the last 90 days
        dt.date(2026, 4, 1): 270.0,  # the last 90 days, not 42
        dt.date(2026, 5, 20): 250.0,  # the last 42 days
    }
    for day, watts in rides.items():
        start = dt.datetime.combine(day, dt.time(8), dt.UTC)
        activity_import(
            athlete=world.athlete,
            data=f"ride {day}".encode(),
            filename=f"{day}.fit",
            recording=ride_recording(seconds=900, power_w=watts, start=start),
        )
    for period, watts in (("42d", 250.0), ("90d", 270.0), ("season", 280.0), ("all", 300.0), (None, 270.0)):
        given = {"power_curve_period": period} if period else {}
        efforts = calculator_prefill(
            athlete=world.athlete, calculator_type="critical_power", on_date=on, given=given
        )["efforts"]
        assert [effort["duration_s"] for effort in efforts] == [120.0, 480.0, 900.0]
        assert {effort["power_w"] for effort in efforts} == {watts}, period
    _refused(
        run_calculator_api(api_client, world, "critical_power", {"power_curve_period": "decade"}),
        "power_curve_period",
    )


# --- 5. readiness and the wizard's own steps -----------------------------------------------------------------


@pytest.fixture
def stale_cda_and_css(world):
    _metric(world.athlete, "cda", 0.32, days_ago=800)  # stale after 730 days
    _metric(world.athlete, "css_pace", 100 / 100, days_ago=120)  # stale after 84 days
    _metric(world.athlete, "ftp", 260.0)
    _metric(world.athlete, "weight", 70.0)
    _metric(world.athlete, "threshold_run_pace", 1000 / 260)


def test_a_stale_value_a_step_uses_is_warned_about_in_the_api(world, api_client, stale_cda_and_css):
    race = make_race(world.athlete, distance="olympic")
    body = run_calculator_api(api_client, world, "bike_plan", {"race": race.pk}).json()
    assert [warning.split(",")[0] for warning in body["warnings"]] == ["stale value used: CdA 0.320 m²"]
    assert "800 days old" in body["warnings"][0]
    # A typed value is not the history's: nothing to warn about.
    assert (
        run_calculator_api(api_client, world, "bike_plan", {"race": race.pk, "cda_m2": 0.3}).json()[
            "warnings"
        ]
        == []
    )


def test_the_races_own_cda_and_css_steps_count_for_readiness_and_silence_later_steps(
    world, api_client, stale_cda_and_css
):
    race = make_race(world.athlete, distance="olympic")
    status = {metric.metric: metric.status for metric in race_readiness(race)["metrics"]}
    assert status["cda"] == "stale" and status["css"] == "stale"
    run_calculator_api(api_client, world, "cda", {**FIELD_TEST, "race": race.pk})
    run_calculator_api(api_client, world, "css", {"race": race.pk, "t1_s": 170, "t2_s": 360})
    readiness = {metric.metric: metric for metric in race_readiness(race)["metrics"]}
    assert readiness["cda"].status == "fresh" and readiness["cda"].result is not None
    assert readiness["cda"].age_days == 0 and readiness["cda"].measured_on == TODAY
    assert readiness["css"].status == "fresh" and readiness["css"].value_display == "1:35/100m"
    bike = run_calculator_api(api_client, world, "bike_plan", {"race": race.pk}).json()
    assert bike["warnings"] == [] and bike["inputs"]["cda_m2"] != 0.32
    finish = run_calculator_api(api_client, world, "finish_time", {"race": race.pk}).json()
    assert finish["warnings"] == [] and finish["inputs"]["swim_pace_s_per_100m"] == pytest.approx(98.0)
    # Another race has no such step: its plan still warns about the history's stale CdA.
    other = make_race(world.athlete, name="Other", distance="olympic")
    assert run_calculator_api(api_client, world, "bike_plan", {"race": other.pk}, query="?save=false").json()[
        "warnings"
    ]


def test_the_stale_warning_is_on_the_steps_calculator_page_and_the_plan(world, client, stale_cda_and_css):
    race = make_race(world.athlete, distance="olympic")
    client.force_login(world.coach)
    url = reverse(
        "web:calculator", kwargs={"public_id": world.athlete.public_id, "calculator_type": "bike_plan"}
    )
    page = client.get(url, {"race": race.pk, "next": "plan"}).content.decode()
    assert "stale-warning" in page and "CdA 0.320 m², 800 days old" in page
    typed = client.post(url, {"race": race.pk, "cda_m2": "0.3", "action": "preview"}).content.decode()
    assert "stale-warning" not in typed
    previewed = client.post(url, {"race": race.pk, "action": "preview"}).content.decode()
    assert "CdA 0.320 m², 800 days old" in previewed
    plan = client.get(reverse("web:race-plan", kwargs={"race_id": race.pk})).content.decode()
    bike_step = plan[plan.index('id="step-bike_plan"') : plan.index('id="step-finish_time"')]
    assert "CdA 0.320" in bike_step
    calculator_run(
        athlete=world.athlete,
        calculator_type="cda",
        inputs={**FIELD_TEST, "race": race.pk},
        created_by=world.coach,
    )
    plan = client.get(reverse("web:race-plan", kwargs={"race_id": race.pk})).content.decode()
    bike_step = plan[plan.index('id="step-bike_plan"') : plan.index('id="step-finish_time"')]
    assert "stale value" not in bike_step, bike_step
    assert "this race's step" in plan


# --- 6. units in the OpenAPI document and the calculator list ------------------------------------------------


def _serializer_names() -> set[str]:
    names = set()
    for calculator in CALCULATORS.values():
        for serializer_class in (calculator.inputs, calculator.outputs):
            names.add(serializer_class.__name__)
            for serializer_field in serializer_class().fields.values():
                child = getattr(serializer_field, "child", None)
                if isinstance(child, serializers.Serializer):
                    names.add(type(child).__name__)
    return {name.removesuffix("Serializer") for name in names}


def test_every_calculator_field_in_the_openapi_document_has_a_unit_or_is_unitless(world, api_client):
    api_client.force_authenticate(world.admin)
    components = api_client.get(reverse("api:schema"), {"format": "json"}).json()["components"]["schemas"]
    names = _serializer_names()
    assert {"Effort", "RaceLegInput"} <= names
    checked = 0
    for name in names:
        for component in (name, f"{name}Request"):
            if component not in components:
                continue
            for prop, schema in components[component]["properties"].items():
                description = schema.get("description", "")
                assert "Unit: " in description or "Unitless" in description, (component, prop, description)
                checked += 1
    assert checked > 150
    properties = components["CriticalPowerOutput"]["properties"]
    assert "Unit: W." in properties["cp_w_inverse_time"]["description"]
    assert "Unit: s." in components["EffortRequest"]["properties"]["duration_s"]["description"]
    assert "Unit: bpm." in components["RaceLegInputRequest"]["properties"]["avg_hr"]["description"]


def test_the_calculator_list_reports_every_unit(world, api_client):
    api_client.force_authenticate(world.athlete.user)
    types = {
        entry["calculator_type"]: entry
        for entry in api_client.get(reverse("api:calculator-type-list")).json()["results"]
    }
    cp_outputs = {field["name"]: field["unit"] for field in types["critical_power"]["outputs"]}
    assert cp_outputs["cp_w_inverse_time"] == "W" and cp_outputs["w_prime_j_inverse_time"] == "J"
    assert cp_outputs["cp_w_3p"] == "W" and cp_outputs["k_s_3p"] == "s"
    fueling_inputs = {field["name"]: field["unit"] for field in types["fueling"]["inputs"]}
    assert fueling_inputs["sweat_rate_l_per_h"] == "L/h"
    for entry in types.values():
        for field in entry["inputs"] + entry["outputs"]:
            assert field["unit"] or "Unitless" in field["description"], (entry["calculator_type"], field)
    assert unit_of("age_years") == "years" and unit_of("avg_hr") == "bpm"


# --- 9. the assessment page without a coach ------------------------------------------------------------------


def test_an_uncoached_athletes_test_does_not_say_it_waits_for_a_coach(db, client):
    solo = make_athlete("sam_solo", name="Sam Solo")
    client.force_login(solo.user)
    url = reverse("web:assessment-list", kwargs={"public_id": solo.public_id})
    assert "waits for the coach" not in client.get(url).content.decode()
    html = client.post(url, {"kind": "ftp_test", "power_20min_w": "300"}, follow=True).content.decode()
    assert " recorded." in html and "waits for the coach" not in html


# --- 9. settings and the CdA metric's range ------------------------------------------------------------------


def test_readiness_windows_and_modeled_margin_are_environment_settings(monkeypatch):
    from pathlib import Path

    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from config.env import env_day_windows, env_float
    from trainingmath.readiness import FRESHNESS_DAYS

    monkeypatch.setenv("X_WINDOWS", "css=30/60, weight=7/14")
    windows = env_day_windows("X_WINDOWS", FRESHNESS_DAYS)
    assert windows["css"] == (30, 60) and windows["weight"] == (7, 14) and windows["cda"] == (365, 730)
    for bad in ("vo2=1/2", "css=60/30", "css=soon"):
        monkeypatch.setenv("X_WINDOWS", bad)
        with pytest.raises(ImproperlyConfigured, match="X_WINDOWS"):
            env_day_windows("X_WINDOWS", FRESHNESS_DAYS)
    monkeypatch.setenv("X_MARGIN", "0.1")
    assert env_float("X_MARGIN", 0.05, minimum=0, maximum=1) == 0.1
    monkeypatch.setenv("X_MARGIN", "lots")
    with pytest.raises(ImproperlyConfigured, match="X_MARGIN"):
        env_float("X_MARGIN", 0.05)
    assert set(settings.READINESS_WINDOWS_DAYS) == set(FRESHNESS_DAYS)
    assert 0 <= settings.MODELED_REVIEW_MARGIN <= 1
    example = (Path(settings.BASE_DIR) / ".env.example").read_text()
    assert "\nREADINESS_WINDOWS_DAYS=" in example and "\nMODELED_REVIEW_MARGIN=0.05" in example
    default_line = next(line for line in example.splitlines() if line.startswith("READINESS_WINDOWS_DAYS="))
    monkeypatch.setenv("X_WINDOWS", default_line.partition("=")[2])
    assert env_day_windows("X_WINDOWS", FRESHNESS_DAYS) == FRESHNESS_DAYS  # the example shows the defaults


@pytest.mark.parametrize(("value", "accepted"), [(0.1, True), (0.6, True), (0.05, False), (0.65, False)])
def test_the_cda_metric_accepts_what_the_calculators_accept(world, value, accepted):
    from django.core.exceptions import ValidationError

    if accepted:
        assert _metric(world.athlete, "cda", value).value == value
    else:
        with pytest.raises(ValidationError):
            _metric(world.athlete, "cda", value)
