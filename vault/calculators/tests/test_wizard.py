"""The calculator pages, the seven-step race-plan wizard end to end, readiness, and the crew plan (issue 5 §4)."""

import datetime as dt

import pytest
from django.urls import reverse

from vault.calculators.calculators import WIZARD_STEPS
from vault.calculators.models import CalculatorResult
from vault.calculators.readiness import race_readiness
from vault.calculators.services import calculator_prefill_report, calculator_run
from vault.calculators.tests.factories import make_race
from vault.exports.exporters import race_plan_row
from vault.metrics.services import metric_entry_create
from vault.testing.personas import athlete_today

pytestmark = pytest.mark.django_db

TODAY = athlete_today()
EFFORTS = [
    {"duration_s": 120, "power_w": 420},
    {"duration_s": 480, "power_w": 330},
    {"duration_s": 900, "power_w": 300},
]
# What each step needs typed in; the rest comes from the metric history and the earlier steps.
STEP_INPUTS = {
    "css": {"t1_s": 170, "t2_s": 360},
    "critical_power": {"efforts": EFFORTS},
    "cda": {"power_w": 220, "speed_m_per_s": 10.0},
    "bike_plan": {},
    "finish_time": {},
    "calories": {},
    "fueling": {},
}


def _metric(athlete, metric_type, value, days_ago=3, created_by=None):
    return metric_entry_create(
        athlete=athlete,
        metric_type=metric_type,
        value=value,
        recorded_on=TODAY - dt.timedelta(days=days_ago),
        source="manual",
        created_by=created_by,
    )


@pytest.fixture
def thresholds(world):
    _metric(world.athlete, "css_pace", 100.0 / 95.0)
    _metric(world.athlete, "ftp", 270.0)
    _metric(world.athlete, "threshold_run_pace", 1000.0 / 255.0)
    _metric(world.athlete, "weight", 70.0)
    _metric(world.athlete, "cda", 0.27, days_ago=100)


def _run_all_steps(race, user):
    return {
        step: calculator_run(
            athlete=race.athlete,
            calculator_type=step,
            inputs={**STEP_INPUTS[step], "race": race.pk},
            created_by=user,
        )
        for step in WIZARD_STEPS
    }


def test_the_seven_steps_chain_into_a_plan_the_csv_reads(world, thresholds):
    race = make_race(world.athlete, distance="olympic", expected_temperature_c=24.0)
    results = _run_all_steps(race, world.coach)
    bike, finish = results["bike_plan"].outputs, results["finish_time"].outputs
    assert results["cda"].inputs["total_mass_kg"] == pytest.approx(79.0)
    assert bike["power_w"] == pytest.approx(0.88 * 270.0)
    assert results["bike_plan"].inputs["cda_m2"] == pytest.approx(results["cda"].outputs["cda_m2"])
    assert finish["bike_s"] == pytest.approx(bike["bike_time_s"])
    assert finish["swim_s"] == pytest.approx(1500 / 100 * (95.0 + 3.0))  # CSS pace + the Olympic offset
    assert finish["total_s"] == pytest.approx(
        finish["swim_s"] + finish["t1_s"] + finish["bike_s"] + finish["t2_s"] + finish["run_s"]
    )
    legs = results["calories"].inputs["legs"]
    assert [leg["sport"] for leg in legs] == ["swim", "bike", "run"]
    assert legs[1]["duration_s"] == pytest.approx(bike["bike_time_s"])
    assert results["calories"].outputs["total_kcal"] > 0
    hours = results["fueling"].outputs["schedule"]
    assert len(hours) == int(finish["total_s"] // 3600) + 1
    row = race_plan_row(race)
    assert row and any(value == pytest.approx(bike["power_w"]) for value in row if isinstance(value, float))


def test_rerunning_a_step_makes_it_active_and_keeps_the_old_one(world, thresholds):
    race = make_race(world.athlete)
    first = calculator_run(
        athlete=world.athlete, calculator_type="css", inputs={"race": race.pk, **STEP_INPUTS["css"]}
    )
    second = calculator_run(
        athlete=world.athlete, calculator_type="css", inputs={"race": race.pk, "t1_s": 168, "t2_s": 355}
    )
    first.refresh_from_db()
    assert second.is_active and not first.is_active
    assert CalculatorResult.objects.filter(race=race, calculator_type="css").count() == 2


def test_wizard_page_shows_done_and_pending_steps(world, thresholds, client):
    race = make_race(world.athlete)
    calculator_run(
        athlete=world.athlete, calculator_type="css", inputs={"race": race.pk, **STEP_INPUTS["css"]}
    )
    client.force_login(world.athlete.user)
    html = client.get(reverse("web:race-plan", kwargs={"race_id": race.pk})).content.decode()
    css_step = html[html.index('id="step-css"') : html.index('id="step-critical_power"')]
    assert "done" in css_step and "1:35/100m" in css_step
    cp_step = html[html.index('id="step-critical_power"') : html.index('id="step-cda"')]
    assert "pending" in cp_step


def test_readiness_marks_each_metric_by_its_age(world, thresholds):
    race = make_race(world.athlete, distance="olympic")
    readiness = race_readiness(race)
    status = {metric.metric: metric.status for metric in readiness["metrics"]}
    assert status == {
        "css": "fresh",
        "ftp": "fresh",
        "cda": "fresh",
        "weight": "fresh",
        "threshold_pace": "fresh",
    }
    _metric(world.athlete, "critical_power", 280.0, days_ago=1)
    assert "cp" in {metric.metric for metric in race_readiness(race)["metrics"]}  # the newer bike threshold


def test_readiness_windows_are_settings_and_stale_values_warn(world, thresholds, settings, client):
    settings.READINESS_WINDOWS_DAYS = {"weight": (1, 2)}
    race = make_race(world.athlete, distance="sprint")
    readiness = race_readiness(race)
    weight = next(metric for metric in readiness["metrics"] if metric.metric == "weight")
    assert weight.status == "stale" and weight.age_days == 3
    assert readiness["score"] == pytest.approx(4 / 5)
    bike_plan = calculator_prefill_report(athlete=world.athlete, calculator_type="bike_plan", race=race)
    assert [metric.metric for metric in bike_plan.stale()] == ["weight"]
    assert calculator_prefill_report(athlete=world.athlete, calculator_type="css", race=race).stale() == []
    client.force_login(world.coach)
    html = client.get(reverse("web:race-plan", kwargs={"race_id": race.pk})).content.decode()
    fueling_step = html[html.index('id="step-fueling"') :]
    assert "stale value" in fueling_step and "confirm(" in fueling_step


def test_a_never_measured_metric_is_stale(world):
    race = make_race(world.athlete, distance="custom", legs=[{"sport": "run", "distance_m": 10000}])
    readiness = race_readiness(race)
    assert [(m.metric, m.status, m.entry) for m in readiness["metrics"]] == [
        ("threshold_pace", "stale", None)
    ]


def test_crew_plan_prints_targets_splits_and_fueling(world, thresholds, client):
    race = make_race(world.athlete, expected_temperature_c=28.0)
    _run_all_steps(race, world.coach)
    client.force_login(world.coach)
    page = client.get(reverse("web:race-plan-print", kwargs={"race_id": race.pk}))
    html = page.content.decode()
    assert page.status_code == 200
    assert '<style media="print">' in html
    for text in (
        "Target swim pace",
        "Target bike power",
        "Target run pace",
        "Bike split",
        "Fueling hour by hour",
    ):
        assert text in html
    assert "Not planned yet" not in html


def test_calculator_page_previews_then_saves(world, client):
    client.force_login(world.athlete.user)
    url = reverse(
        "web:calculator", kwargs={"public_id": world.athlete.public_id, "calculator_type": "ftp_test"}
    )
    assert client.get(url).status_code == 200
    preview = client.post(url, {"power_20min_w": "300", "action": "preview"})
    assert preview.status_code == 200 and "285 W" in preview.content.decode()
    assert not CalculatorResult.objects.exists()
    saved = client.post(url, {"power_20min_w": "300", "action": "save"})
    result = CalculatorResult.objects.get()
    assert saved.status_code == 302 and saved["Location"].endswith(f"/calculator-results/{result.pk}/")


def test_calculator_page_shows_field_errors_and_prefills(world, client):
    _metric(world.athlete, "vdot", 52.0)
    client.force_login(world.coach)
    url = reverse(
        "web:calculator", kwargs={"public_id": world.athlete.public_id, "calculator_type": "training_paces"}
    )
    assert 'placeholder="52"' in client.get(url).content.decode()
    cp_url = reverse(
        "web:calculator", kwargs={"public_id": world.athlete.public_id, "calculator_type": "critical_power"}
    )
    broken = client.post(cp_url, {"efforts": "[{duration_s: 1}", "action": "save"})
    assert broken.status_code == 400 and "is not valid JSON" in broken.content.decode()
    bad = client.post(cp_url, {"efforts": '[{"duration_s": 180, "power_w": 0}]', "action": "save"})
    assert bad.status_code == 400
    assert not CalculatorResult.objects.exists()


def test_wizard_step_saved_from_the_page_returns_to_the_plan(world, thresholds, client):
    race = make_race(world.athlete)
    client.force_login(world.coach)
    url = reverse("web:calculator", kwargs={"public_id": world.athlete.public_id, "calculator_type": "css"})
    response = client.post(
        url, {"race": str(race.pk), "next": "plan", "t1_s": "170", "t2_s": "360", "action": "save"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("web:race-plan", kwargs={"race_id": race.pk})
    assert CalculatorResult.objects.get().race == race


def test_athlete_page_links_every_calculator_and_the_tests(world, client):
    client.force_login(world.athlete.user)
    html = client.get(
        reverse("web:athlete-detail", kwargs={"public_id": world.athlete.public_id})
    ).content.decode()
    for key in ("css", "zones", "fueling"):
        assert (
            reverse("web:calculator", kwargs={"public_id": world.athlete.public_id, "calculator_type": key})
            in html
        )
    assert reverse("web:assessment-list", kwargs={"public_id": world.athlete.public_id}) in html
