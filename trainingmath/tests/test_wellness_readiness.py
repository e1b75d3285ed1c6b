import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainingmath import InvalidInput, readiness, wellness

DAY = dt.date(2026, 3, 1)


def codes(flags):
    return [flag["code"] for flag in flags]


def test_each_wellness_flag_at_its_threshold():
    assert codes(wellness.wellness_flags(illness=True)) == ["illness"]
    assert codes(wellness.wellness_flags(sleep_s=4.9 * 3600)) == ["short_sleep"]
    assert wellness.wellness_flags(sleep_s=5 * 3600) == []
    assert codes(wellness.wellness_flags(stress=8, soreness=7)) == ["high_stress"]
    assert codes(wellness.wellness_flags(stress=7, soreness=8)) == ["high_soreness"]
    assert codes(wellness.wellness_flags(hrv_ms=85, hrv_baseline_ms=100)) == ["low_hrv"]
    assert wellness.wellness_flags(hrv_ms=86, hrv_baseline_ms=100) == []
    assert codes(wellness.wellness_flags(resting_hr=55, resting_hr_baseline=50)) == ["high_resting_hr"]
    assert wellness.wellness_flags(resting_hr=54, resting_hr_baseline=50) == []
    assert wellness.wellness_flags() == []
    assert "15 %" in wellness.wellness_flags(hrv_ms=85, hrv_baseline_ms=100)[0]["message"]


def test_flags_by_date_use_the_previous_14_days():
    entries = {DAY - dt.timedelta(days=back): {"hrv_ms": 100.0, "resting_hr": 50.0} for back in range(1, 15)}
    entries[DAY - dt.timedelta(days=20)] = {"hrv_ms": 10.0}  # outside the window: ignored
    entries[DAY] = {"hrv_ms": 80.0, "resting_hr": 56.0, "sleep_s": 4 * 3600}
    flags = wellness.wellness_flags_by_date(entries)
    assert codes(flags[DAY]) == ["short_sleep", "low_hrv", "high_resting_hr"]
    first = min(entries)
    assert flags[first] == []  # no baseline yet


def test_baseline_needs_three_values():
    assert wellness.baseline([50, None, 60]) is None
    assert wellness.baseline([50, 55, 60, None]) == pytest.approx(55)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"stress": 11}, "stress"),
        ({"soreness": 0}, "soreness"),
        ({"sleep_s": -1}, "sleep_s"),
        ({"hrv_ms": 0, "hrv_baseline_ms": 50}, "hrv_ms"),
        ({"resting_hr": 300, "resting_hr_baseline": 50}, "resting_hr"),
    ],
)
def test_wellness_invalid_inputs(kwargs, field):
    with pytest.raises(InvalidInput) as error:
        wellness.wellness_flags(**kwargs)
    assert error.value.field == field


@pytest.mark.parametrize(
    ("metric", "age", "status"),
    [
        ("css", 56, "fresh"),
        ("css", 57, "getting_old"),
        ("css", 84, "getting_old"),
        ("css", 85, "stale"),
        ("ftp", 42, "fresh"),
        ("cp", 43, "getting_old"),
        ("threshold_pace", 60, "getting_old"),
        ("threshold_hr", 90, "fresh"),
        ("threshold_hr", 181, "stale"),
        ("cda", 365, "fresh"),
        ("cda", 700, "getting_old"),
        ("weight", 14, "fresh"),
        ("weight", 31, "stale"),
    ],
)
def test_freshness_windows(metric, age, status):
    result = readiness.freshness(metric, measured_on=DAY - dt.timedelta(days=age), on=DAY)
    assert result == {"metric": metric, "status": status, "age_days": age}


def test_readiness_score():
    needed = readiness.metrics_needed(swim_m=1500, bike_m=40_000, run_m=10_000)
    assert needed == ["css", "ftp", "cda", "weight", "threshold_pace"]
    measured = {
        "css": DAY - dt.timedelta(days=10),
        "ftp": DAY - dt.timedelta(days=60),
        "cda": DAY,
        "weight": DAY,
    }
    result = readiness.readiness(needed, measured_on=measured, on=DAY)
    assert result["score"] == pytest.approx(3 / 5)
    assert {m["metric"]: m["status"] for m in result["metrics"]}["threshold_pace"] == "stale"
    assert readiness.readiness([], measured_on={}, on=DAY)["score"] is None
    assert readiness.metrics_needed(run_m=5000) == ["threshold_pace"]


@given(st.lists(st.sampled_from(sorted(readiness.FRESHNESS_DAYS)), min_size=1), st.integers(0, 1000))
def test_score_is_a_fraction(metrics, age):
    measured = {metric: DAY - dt.timedelta(days=age) for metric in metrics}
    score = readiness.readiness(metrics, measured_on=measured, on=DAY)["score"]
    assert 0 <= score <= 1


def test_readiness_invalid_inputs():
    with pytest.raises(InvalidInput) as error:
        readiness.freshness("vo2", measured_on=DAY, on=DAY)
    assert error.value.field == "metric"
    with pytest.raises(InvalidInput) as error:
        readiness.freshness("css", measured_on=DAY + dt.timedelta(days=1), on=DAY)
    assert error.value.field == "measured_on"
    with pytest.raises(InvalidInput) as error:
        readiness.metrics_needed(swim_m=-1)
    assert error.value.field == "swim_m"
