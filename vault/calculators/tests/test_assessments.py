"""Threshold tests: raw inputs and outputs kept, thresholds written to the metric history, review rules."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from vault.calculators.assessments import assessment_record
from vault.calculators.models import Assessment
from vault.metrics.models import MetricHistory
from vault.metrics.selectors import metric_value_on
from vault.testing.personas import athlete_today

pytestmark = pytest.mark.django_db

TODAY = athlete_today()


def test_a_coachs_css_test_writes_css_pace_in_force_at_once(world):
    assessment = assessment_record(
        athlete=world.athlete,
        kind="css_test",
        inputs={"t1_s": 170, "t2_s": 360},
        tested_on=TODAY - dt.timedelta(days=1),
        created_by=world.coach,
    )
    assert assessment.inputs == {"d1_m": 200.0, "d2_m": 400.0, "t1_s": 170.0, "t2_s": 360.0}
    assert assessment.outputs["css_pace_s_per_100m"] == pytest.approx(95.0)
    entry = MetricHistory.objects.get(athlete=world.athlete, metric_type="css_pace")
    assert entry.source == "assessment" and not entry.needs_review
    assert entry.source_detail == assessment.source_detail and f"#{assessment.pk}" in entry.source_detail
    assert metric_value_on(world.athlete, "css_pace", TODAY) == pytest.approx(100 / 95)


def test_an_athletes_own_cp_test_waits_for_the_coach(world):
    efforts = [
        {"duration_s": 120, "power_w": 420},
        {"duration_s": 480, "power_w": 330},
        {"duration_s": 900, "power_w": 300},
    ]
    assessment_record(
        athlete=world.athlete, kind="cp_test", inputs={"efforts": efforts}, created_by=world.athlete.user
    )
    entries = MetricHistory.objects.filter(athlete=world.athlete).order_by("metric_type")
    assert [entry.metric_type for entry in entries] == ["critical_power", "w_prime"]
    assert all(entry.needs_review and entry.review_status == "pending" for entry in entries)
    assert metric_value_on(world.athlete, "critical_power", TODAY) is None  # pending is not in force


def test_run_threshold_test_gives_pace_and_threshold_hr(world):
    assessment = assessment_record(
        athlete=world.athlete,
        kind="run_threshold_test",
        inputs={"distance_m": 7200, "avg_hr_last_20min_bpm": 172},
        created_by=world.coach,
    )
    assert assessment.outputs["threshold_pace_s_per_km"] == pytest.approx(250.0)
    assert metric_value_on(world.athlete, "threshold_run_pace", TODAY) == pytest.approx(4.0)
    assert metric_value_on(world.athlete, "threshold_hr", TODAY) == pytest.approx(172)


@pytest.mark.parametrize(
    ("kind", "inputs", "field"),
    [
        ("ftp_test", {"power_20min_w": 0}, "power_20min_w"),
        ("ftp_test", {"power_20min_w": 5000}, "ftp_w"),  # outside FTP's valid range
        ("css_test", {"t1_s": 190, "t2_s": 360}, "t2_s"),
        ("run_threshold_test", {"distance_m": -1}, "distance_m"),
        ("cp_test", {"efforts": [{"duration_s": 180}]}, "efforts.0.power_w"),
        ("vo2_test", {}, "kind"),
    ],
)
def test_bad_tests_are_refused_and_store_nothing(world, kind, inputs, field):
    with pytest.raises(ValidationError) as refused:
        assessment_record(athlete=world.athlete, kind=kind, inputs=inputs, created_by=world.coach)
    assert field in refused.value.message_dict
    assert not Assessment.objects.exists() and not MetricHistory.objects.exists()


def test_assessment_api_records_and_lists(world, api_client):
    api_client.force_authenticate(world.coach)
    url = reverse("api:assessment-list", kwargs={"public_id": world.athlete.public_id})
    created = api_client.post(url, {"kind": "ftp_test", "inputs": {"power_20min_w": 300}}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["outputs"]["ftp_w"] == pytest.approx(285.0)
    listed = api_client.get(url).json()
    assert [row["id"] for row in listed["results"]] == [created.json()["id"]]
    refused = api_client.post(url, {"kind": "ftp_test", "inputs": {"power_20min_w": -3}}, format="json")
    assert refused.status_code == 400
    assert "power_20min_w" in refused.json()["error"]["fields"]


def test_assessment_page_records_a_test_and_shows_refusals(world, client):
    client.force_login(world.athlete.user)
    url = reverse("web:assessment-list", kwargs={"public_id": world.athlete.public_id})
    assert "power_20min_w" in client.get(url + "?kind=ftp_test").content.decode()
    refused = client.post(url, {"kind": "ftp_test", "power_20min_w": "-5"})
    assert refused.status_code == 400 and "greater than zero" in refused.content.decode()
    recorded = client.post(url, {"kind": "ftp_test", "power_20min_w": "300"}, follow=True)
    html = recorded.content.decode()
    assert "waits for the coach" in html and "285 W" in html
    assert MetricHistory.objects.get(metric_type="ftp").needs_review
