"""Running calculators through the API: outputs, prefills from the metric history and the race, previews,
and refused inputs (issue 5 §2, §7)."""

import datetime as dt

import pytest
from django.urls import reverse

from vault.calculators.calculators import CALCULATORS
from vault.calculators.models import CalculatorResult
from vault.calculators.tests.factories import make_race, run_calculator_api
from vault.metrics.services import metric_entry_create
from vault.testing.personas import athlete_today

pytestmark = pytest.mark.django_db

TODAY = athlete_today()


def _metric(world, metric_type, value, days_ago=1):
    return metric_entry_create(
        athlete=world.athlete,
        metric_type=metric_type,
        value=value,
        recorded_on=TODAY - dt.timedelta(days=days_ago),
        source="manual",
        created_by=world.coach,
    )


def test_css_answers_the_worked_example_and_saves_a_result(world, api_client):
    response = run_calculator_api(
        api_client, world, "css", {"d1_m": 200, "t1_s": 170, "d2_m": 400, "t2_s": 360}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= {"id", "calculator_type", "inputs", "outputs", "race"}
    assert body["outputs"]["css_m_per_s"] == pytest.approx(1.0526, abs=1e-4)
    assert body["outputs"]["css_pace_s_per_100m"] == pytest.approx(95.0)
    assert body["outputs"]["sdi_percent"] == pytest.approx(5.88, abs=0.01)
    saved = CalculatorResult.objects.get(pk=body["id"])
    assert saved.created_by == world.coach and saved.is_active
    assert saved.outputs["css_pace_s_per_100m"] == pytest.approx(95.0)


def test_css_takes_the_400_first_and_defaults_the_distances(world, api_client):
    swapped = run_calculator_api(
        api_client, world, "css", {"d1_m": 400, "t1_s": 360, "d2_m": 200, "t2_s": 170}
    )
    assert swapped.json()["outputs"]["css_pace_s_per_100m"] == pytest.approx(95.0)
    defaulted = run_calculator_api(api_client, world, "css", {"t1_s": 170, "t2_s": 360})
    assert defaulted.status_code == 201
    assert defaulted.json()["inputs"]["d1_m"] == 200 and defaulted.json()["inputs"]["d2_m"] == 400


def test_preview_saves_nothing(world, api_client):
    response = run_calculator_api(api_client, world, "ftp_test", {"power_20min_w": 300}, query="?save=false")
    assert response.status_code == 200
    assert response.json()["id"] is None
    assert response.json()["outputs"]["ftp_w"] == pytest.approx(285.0)
    assert not CalculatorResult.objects.exists()


def test_critical_power_reports_both_fits_and_notes_two_efforts(world, api_client):
    three = [
        {"duration_s": 180, "power_w": 400},
        {"duration_s": 600, "power_w": 320},
        {"duration_s": 1200, "power_w": 290},
    ]
    outputs = run_calculator_api(api_client, world, "critical_power", {"efforts": three}).json()["outputs"]
    assert 250 < outputs["cp_w"] < 300 and outputs["w_prime_j"] > 0
    assert outputs["cp_w_inverse_time"] > 0 and outputs["w_prime_j_inverse_time"] > 0
    two = run_calculator_api(api_client, world, "critical_power", {"efforts": three[:2]}).json()["outputs"]
    assert any("two efforts" in warning for warning in two["warnings"])


def test_omitted_inputs_come_from_the_metric_history_as_of_on_date(world, api_client):
    _metric(world, "vdot", 50.0, days_ago=30)
    _metric(world, "vdot", 55.0, days_ago=2)
    now = run_calculator_api(api_client, world, "training_paces", {}).json()
    assert now["inputs"]["vdot"] == 55.0
    earlier = run_calculator_api(
        api_client, world, "training_paces", {"on_date": str(TODAY - dt.timedelta(days=10))}
    ).json()
    assert earlier["inputs"]["vdot"] == 50.0
    assert earlier["outputs"]["paces"]["easy"] > now["outputs"]["paces"]["easy"]


def test_missing_input_without_history_is_a_field_error(world, api_client):
    response = run_calculator_api(api_client, world, "training_paces", {})
    assert response.status_code == 400
    assert "vdot" in response.json()["error"]["fields"]


def test_bike_plan_prefills_from_race_and_metrics(world, api_client):
    _metric(world, "ftp", 280.0)
    _metric(world, "weight", 70.0)
    _metric(world, "cda", 0.28)
    race = make_race(world.athlete, distance="half", altitude_m=600.0, expected_temperature_c=25.0)
    response = run_calculator_api(api_client, world, "bike_plan", {"race": race.pk})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["race"] == race.pk
    assert body["inputs"]["distance_m"] == 90000.0
    assert body["inputs"]["total_mass_kg"] == pytest.approx(79.0)
    assert body["inputs"]["target_if"] == pytest.approx(0.78)
    assert body["inputs"]["rho_kg_per_m3"] < 1.2  # warm and above sea level
    assert body["outputs"]["power_w"] == pytest.approx(0.78 * 280.0)
    assert 2 * 3600 < body["outputs"]["bike_time_s"] < 3 * 3600


def test_cda_field_test_takes_the_weather(world, api_client):
    test = {"power_w": 250, "speed_m_per_s": 10.5, "total_mass_kg": 80, "crr": 0.004}
    sea = run_calculator_api(api_client, world, "cda", test, query="?save=false").json()
    alps = run_calculator_api(
        api_client, world, "cda", {**test, "altitude_m": 2000, "temperature_c": 10}, query="?save=false"
    ).json()
    assert alps["inputs"]["rho_kg_per_m3"] < sea["inputs"].get("rho_kg_per_m3", 1.225)
    assert (
        alps["outputs"]["cda_m2"] > sea["outputs"]["cda_m2"]
    )  # thinner air: the same power means more drag area
    humid = run_calculator_api(
        api_client,
        world,
        "cda",
        {**test, "pressure_pa": 101325, "temperature_c": 30, "relative_humidity_percent": 90},
        query="?save=false",
    ).json()
    assert humid["inputs"]["rho_kg_per_m3"] < 1.17
    explicit = run_calculator_api(
        api_client, world, "cda", {**test, "altitude_m": 2000, "rho_kg_per_m3": 1.2}, query="?save=false"
    ).json()
    assert explicit["inputs"]["rho_kg_per_m3"] == 1.2
    bad = run_calculator_api(api_client, world, "cda", {**test, "relative_humidity_percent": 120})
    assert bad.status_code == 400 and "relative_humidity_percent" in bad.json()["error"]["fields"]


def test_zones_anchor_on_cp_before_ftp(world, api_client):
    _metric(world, "ftp", 250.0)
    assert run_calculator_api(api_client, world, "zones", {}).json()["outputs"]["power_anchor"] == "ftp"
    _metric(world, "critical_power", 270.0)
    outputs = run_calculator_api(api_client, world, "zones", {"threshold_hr": 170}).json()["outputs"]
    assert outputs["power_anchor"] == "cp"
    assert outputs["power_zones"][1]["max_w"] == pytest.approx(0.75 * 270.0)
    assert outputs["hr_zones"] and outputs["power_zones_eight_band"]


def test_run_pace_zones_follow_the_threshold_pace(world, api_client):
    zones = run_calculator_api(api_client, world, "zones", {"threshold_pace_s_per_km": 250}).json()[
        "outputs"
    ]["run_pace_zones"]
    threshold = next(zone for zone in zones if zone["zone"] == "Z5a")
    assert threshold["slow_pace_s_per_km"] == pytest.approx(250.0)
    assert threshold["fast_pace_s_per_km"] == pytest.approx(250.0 / 1.03)
    assert zones[0]["slow_pace_s_per_km"] is None and zones[-1]["fast_pace_s_per_km"] is None


@pytest.mark.parametrize(
    ("calculator_type", "inputs", "field", "why"),
    [
        ("css", {"d1_m": 200, "t1_s": 0, "d2_m": 400, "t2_s": 360}, "t1_s", "greater than zero"),
        ("css", {"d1_m": 200, "t1_s": -5, "d2_m": 400, "t2_s": 360}, "t1_s", "greater than zero"),
        ("css", {"d1_m": 200, "t1_s": 190, "d2_m": 400, "t2_s": 360}, "t2_s", "faster pace"),
        (
            "critical_power",
            {"efforts": [{"duration_s": 180, "power_w": 200}, {"duration_s": 600, "power_w": 320}]},
            "efforts",
            "W'",
        ),
        ("ftp_test", {"power_20min_w": 0}, "power_20min_w", "greater than zero"),
        ("ftp_test", {"power_20min_w": -100}, "power_20min_w", "greater than zero"),
        (
            "bike_speed",
            {"power_w": 200, "total_mass_kg": 80, "cda_m2": 0.7, "crr": 0.004},
            "cda_m2",
            "between 0.1 and 0.6",
        ),
        (
            "bike_speed",
            {"power_w": 200, "total_mass_kg": 80, "cda_m2": 0.3, "crr": 0.004, "grade": 0.35},
            "grade",
            "±30 %",
        ),
        (
            "cda",
            {"power_w": 200, "speed_m_per_s": 5, "total_mass_kg": 80, "crr": 0.004},
            "cda_m2",
            "outside the 0.1-0.6",
        ),
        ("fueling", {"legs": [], "weight_kg": 70}, "legs", "no legs"),
        ("finish_time", {"swim_m": 0, "bike_m": 0, "run_m": 0}, "preset", "no legs"),
        ("ftp_test", {"power_20min_w": "lots"}, "power_20min_w", "number"),
        ("zones", {}, "ftp_w", "at least one anchor"),
        ("zones", {"css_pace_s_per_100m": -90}, "css_pace_s_per_100m", "greater than zero"),
        ("finish_time", {"preset": "ironman-ish"}, "preset", "valid choice"),
        (
            "finish_time",
            {
                "preset": "sprint",
                "swim_pace_s_per_100m": 95,
                "bike_time_s": 2400,
                "run_pace_s_per_km": 270,
                "cutoffs_s": {"lunch": 100},
            },
            "cutoffs_s",
            "unknown cut-off point",
        ),
        ("critical_power", {"efforts": [{"duration_s": 180}]}, "efforts.0.power_w", "required"),
        (
            "air_density",
            {"temperature_c": 20, "relative_humidity_percent": 140},
            "relative_humidity_percent",
            "between",
        ),
        ("ftp_test", {"watts": 300}, "watts", "not an input"),
        ("css", {"race": 999999, "t1_s": 170, "t2_s": 360}, "race", "not a race"),
    ],
)
def test_bad_input_is_a_field_error_and_saves_nothing(world, api_client, calculator_type, inputs, field, why):
    response = run_calculator_api(api_client, world, calculator_type, inputs)
    assert response.status_code == 400, response.json()
    fields = response.json()["error"]["fields"]
    assert field in fields, fields
    assert why in " ".join(fields[field])
    assert not CalculatorResult.objects.exists()


def test_another_athletes_race_is_refused(world, api_client):
    theirs = make_race(world.other_athlete)
    response = run_calculator_api(api_client, world, "css", {"race": theirs.pk, "t1_s": 170, "t2_s": 360})
    assert response.status_code == 400
    assert "race" in response.json()["error"]["fields"]


def test_finish_time_reports_cutoffs(world, api_client):
    inputs = {
        "preset": "olympic",
        "swim_pace_s_per_100m": 100,
        "bike_speed_m_per_s": 10,
        "run_pace_s_per_km": 300,
        "cutoffs_s": {"swim": 1200, "finish": 9000},
    }
    outputs = run_calculator_api(api_client, world, "finish_time", inputs).json()["outputs"]
    assert outputs["swim_s"] == pytest.approx(1500) and outputs["bike_s"] == pytest.approx(4000)
    assert outputs["total_s"] == pytest.approx(1500 + 120 + 4000 + 60 + 3000)
    status = {cutoff["point"]: cutoff["status"] for cutoff in outputs["cutoffs"]}
    assert status == {"swim": "exceeded", "finish": "safe"}


def test_unknown_calculator_is_404(world, api_client):
    assert run_calculator_api(api_client, world, "warp_drive", {}).status_code == 404


def test_calculator_list_names_inputs_and_outputs_with_units(world, api_client):
    api_client.force_authenticate(world.athlete.user)
    body = api_client.get(reverse("api:calculator-type-list")).json()
    types = {entry["calculator_type"]: entry for entry in body["results"]}
    assert set(types) == set(CALCULATORS)
    css_inputs = {field["name"]: field["unit"] for field in types["css"]["inputs"]}
    assert css_inputs["t1_s"] == "s" and css_inputs["d1_m"] == "m"
    outputs = {field["name"]: field["unit"] for field in types["css"]["outputs"]}
    assert outputs["css_pace_s_per_100m"] == "s/100m" and outputs["css_m_per_s"] == "m/s"


def test_openapi_document_has_every_calculators_inputs_and_outputs(world, api_client):
    api_client.force_authenticate(world.admin)
    schema = api_client.get(reverse("api:schema"), {"format": "json"}).json()
    components = schema["components"]["schemas"]
    for calculator in CALCULATORS.values():
        assert calculator.inputs.__name__.removesuffix("Serializer") in components
        assert calculator.outputs.__name__.removesuffix("Serializer") in components
    assert "s/100m" in components["CssOutput"]["properties"]["css_pace_s_per_100m"]["description"]
    assert "/api/athlete/{public_id}/calculators/{calculator_type}/" in schema["paths"]
