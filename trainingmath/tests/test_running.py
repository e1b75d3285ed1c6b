import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainingmath import InvalidInput, running, units


def test_riegel_worked_example():
    half = running.riegel_time(distance_m=10_000, time_s=2400, target_distance_m=21_097.5)
    assert half == pytest.approx(5295.4, abs=0.05)
    marathon = running.riegel_time(distance_m=10_000, time_s=2400, target_distance_m=42_195)
    assert marathon == pytest.approx(11_040.5, abs=0.05)
    assert units.format_duration(half) == "1:28:15"
    assert units.format_duration(marathon) == "3:04:00"


def test_vdot_worked_example():
    assert running.vdot(distance_m=5000, time_s=1200) == pytest.approx(49.806, abs=5e-4)
    assert running.oxygen_cost(250) == pytest.approx(47.4645, abs=5e-5)
    # science.md prints the intermediate as 0.952976 (its e^-0.25556 is rounded to 0.774466; the exact
    # value is 0.774483); the formula as written gives 0.952983 and the same VDOT to the stated precision.
    assert running.fraction_of_vo2max(20) == pytest.approx(0.952983, abs=5e-7)
    assert running.vvo2max_m_per_s(50) * 60 == pytest.approx(260.708, abs=5e-4)
    assert running.training_paces(50)["threshold"] == pytest.approx(255.71, abs=0.005)


def test_vdot_race_time_inverts_vdot():
    score = running.vdot(distance_m=5000, time_s=1200)
    assert running.vdot_race_time(vdot_value=score, distance_m=5000) == pytest.approx(1200, abs=1e-6)


def test_run_prediction_outputs():
    result = running.run_prediction(distance_m=10_000, time_s=2400, target_distance_m=42_195)
    assert result["riegel_time_s"] == pytest.approx(11_040.5, abs=0.05)
    assert result["vdot"] == pytest.approx(running.vdot(distance_m=10_000, time_s=2400))
    assert running.vdot(distance_m=42_195, time_s=result["vdot_time_s"]) == pytest.approx(result["vdot"])
    assert result["warnings"] == []
    far = running.run_prediction(distance_m=1000, time_s=200, target_distance_m=42_195)
    assert any("optimistic" in warning for warning in far["warnings"])
    assert any("3.5" in warning for warning in far["warnings"])


def test_threshold_pace_by_vo2_fraction_is_close_to_the_default():
    by_vo2 = running.training_paces(50, threshold_method="vo2")["threshold"]
    assert by_vo2 == pytest.approx(255.71, abs=1.0)  # "almost the same T pace" (science.md §4.2)
    assert running.oxygen_cost(running.speed_at_oxygen_cost(44.0) * 60) == pytest.approx(44.0)
    with pytest.raises(InvalidInput) as error:
        running.training_paces(50, threshold_method="lactate")
    assert error.value.field == "threshold_method"


def test_training_paces_order():
    paces = running.training_paces(50)
    assert list(paces) == ["easy", "marathon", "threshold", "interval", "repetition"]
    assert paces["easy"] > paces["marathon"] > paces["threshold"] > paces["interval"] > paces["repetition"]


def test_threshold_pace_sources():
    assert running.threshold_speed_from_30min_test(7800) == pytest.approx(7800 / 1800)
    # A 60-min race is its own threshold.
    assert running.threshold_speed_from_race(distance_m=15_000, time_s=3600) == pytest.approx(15_000 / 3600)
    assert running.threshold_speed_from_vdot(50) * 60 == pytest.approx(0.9 * 260.708, abs=1e-3)
    hr = np.concatenate((np.full(600, 150.0), np.full(1200, 165.0)))
    assert running.threshold_hr_from_30min_test(hr) == pytest.approx(165.0)


def test_minetti_gap_worked_example():
    assert running.minetti_cost(0.05) == pytest.approx(4.68520, abs=5e-6)
    assert running.minetti_cost(0.10) == pytest.approx(5.96821, abs=5e-6)
    assert running.minetti_cost(-0.10) == pytest.approx(2.15171, abs=5e-6)
    assert running.grade_adjusted_pace(300, 0.05) == pytest.approx(230.51, abs=0.005)
    assert running.minetti_cost(0.9) == running.minetti_cost(0.45)


def test_rtss_worked_example():
    tss = running.running_training_stress(
        duration_s=3600, ngp_speed_m_per_s=1000 / 300, threshold_speed_m_per_s=1000 / 260
    )
    assert tss == pytest.approx(75.11, abs=0.005)


def test_ngp_flat_constant_speed_is_that_speed():
    assert running.normalized_graded_speed(np.full(100, 3.5)) == pytest.approx(3.5)
    uphill = running.normalized_graded_speed(np.full(100, 3.0), np.full(100, 0.05))
    assert uphill == pytest.approx(3.0 * 4.68520 / 3.6, abs=1e-5)
    assert running.normalized_graded_speed(np.full(10, 3.0)) is None


def test_grade_series():
    distance = np.arange(0, 1000, 5.0)
    altitude = 100 + 0.04 * distance
    grade = running.grade_series(distance, altitude)
    assert grade == pytest.approx(np.full(distance.size, 0.04))
    altitude[3] = np.nan
    assert np.isnan(running.grade_series(distance, altitude)[3])


def test_trimp_and_hrtss_worked_example():
    value = running.trimp_from_average(duration_s=3600, avg_hr=150, resting_hr=50, max_hr=190)
    assert value == pytest.approx(108.10, abs=0.005)
    at_threshold = running.trimp_from_average(duration_s=3600, avg_hr=170, resting_hr=50, max_hr=190)
    assert at_threshold == pytest.approx(170.65, abs=0.005)
    hrtss = running.heart_rate_training_stress(trimp_value=value, threshold_hr=170, resting_hr=50, max_hr=190)
    assert hrtss == pytest.approx(63.34, abs=0.005)
    samples = running.trimp(np.full(3600, 150.0), resting_hr=50, max_hr=190)
    assert samples == pytest.approx(value)


def test_trimp_variants_and_edges():
    mixed = np.concatenate((np.full(1800, 120.0), np.full(1800, 180.0)))
    assert running.trimp(mixed, resting_hr=50, max_hr=190) > running.trimp_from_average(
        duration_s=3600, avg_hr=150, resting_hr=50, max_hr=190
    )
    assert running.trimp([40, 45, np.nan], resting_hr=50, max_hr=190) == 0.0
    assert running.trimp([150], resting_hr=None, max_hr=190) is None
    women = running.trimp_from_average(duration_s=3600, avg_hr=150, resting_hr=50, max_hr=190, sex="female")
    x = 100 / 140
    assert women == pytest.approx(60 * x * 0.86 * np.exp(1.67 * x))
    gc = running.trimp_from_average(
        duration_s=3600, avg_hr=150, resting_hr=50, max_hr=190, sex="female", female_variant="goldencheetah"
    )
    assert gc == pytest.approx(60 * x * 0.64 * np.exp(1.67 * x))


def test_friel_zones_worked_example():
    zones = running.friel_hr_zones(170)
    starts = [zone["min_bpm"] for zone in zones[1:]]
    assert starts == pytest.approx([144.5, 153.0, 161.5, 170.0, 175.1, 180.2])
    assert zones[-1]["max_bpm"] is None
    bike = running.friel_hr_zones(170, sport="bike")
    assert bike[1]["min_bpm"] == pytest.approx(0.81 * 170)


def test_best_efforts_interpolates_and_skips_uncovered():
    times = np.arange(0, 1201.0)
    # 3 m/s for 600 s, then 5 m/s for 600 s: 4800 m in total.
    speed = np.where(times < 600, 3.0, 5.0)
    distance = np.concatenate(([0.0], np.cumsum(speed[1:])))
    efforts = running.best_efforts(distance, times)
    assert efforts["400m"] == pytest.approx(80.0)
    assert efforts["1km"] == pytest.approx(200.0)
    assert efforts["1mile"] == pytest.approx(1609.344 / 5)
    assert "5km" not in efforts
    assert running.best_efforts([0.0], [0.0]) == {}


@given(st.floats(min_value=1.0, max_value=7.0), st.floats(min_value=-0.45, max_value=0.45))
def test_gap_pace_and_speed_are_consistent(speed, grade):
    gap_speed = running.grade_adjusted_speed(speed, grade)
    assert running.grade_adjusted_pace(1000 / speed, grade) == pytest.approx(1000 / gap_speed)


@given(st.floats(min_value=0.0, max_value=0.45), st.floats(min_value=0.0, max_value=0.45))
def test_uphill_costs_more_the_steeper(grade_a, grade_b):
    low, high = sorted((grade_a, grade_b))
    assert running.minetti_cost(high) >= running.minetti_cost(low) - 1e-12


@given(st.floats(min_value=1000, max_value=21_000), st.floats(min_value=2.0, max_value=6.0))
def test_longer_races_take_longer_and_score_consistently(distance, speed):
    time = distance / speed
    longer = running.riegel_time(distance_m=distance, time_s=time, target_distance_m=distance * 2)
    assert longer > 2 * time  # b > 1: slower per km over a longer race


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: running.riegel_time(distance_m=0, time_s=2400, target_distance_m=5000), "distance_m"),
        (lambda: running.riegel_time(distance_m=10_000, time_s=-1, target_distance_m=5000), "time_s"),
        (
            lambda: running.riegel_time(distance_m=10_000, time_s=2400, target_distance_m=5000, exponent=1.0),
            "exponent",
        ),
        (lambda: running.vdot(distance_m=5000, time_s=0), "time_s"),
        (lambda: running.training_paces(0), "vdot"),
        (lambda: running.vdot_race_time(vdot_value=0, distance_m=5000), "vdot"),
        (lambda: running.trimp([150], resting_hr=60, max_hr=50), "max_hr"),
        (lambda: running.trimp([150], resting_hr=60, max_hr=190, sex="x"), "sex"),
        (
            lambda: running.heart_rate_training_stress(
                trimp_value=50, threshold_hr=0, resting_hr=50, max_hr=190
            ),
            "threshold_hr",
        ),
        (lambda: running.friel_hr_zones(170, sport="swim"), "sport"),
        (lambda: running.friel_hr_zones(-1), "threshold_hr"),
        (
            lambda: running.running_training_stress(
                duration_s=60, ngp_speed_m_per_s=3, threshold_speed_m_per_s=0
            ),
            "threshold_speed_m_per_s",
        ),
        (lambda: running.normalized_graded_speed([-1] * 40), "speed_m_per_s"),
        (lambda: running.threshold_hr_from_30min_test([np.nan] * 10), "heart_rate"),
        (lambda: running.best_efforts([0, 1], [0]), "distance_m"),
        (lambda: running.grade_adjusted_pace(0, 0.1), "pace_s"),
    ],
)
def test_invalid_inputs(call, field):
    with pytest.raises(InvalidInput) as error:
        call()
    assert error.value.field == field
