import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainingmath import InvalidInput, swim


def test_css_400_200_worked_example():
    css = swim.critical_swim_speed(d1_m=200, t1_s=170, d2_m=400, t2_s=360)
    assert css == pytest.approx(1.052632, abs=1e-6)
    assert 100 / css == pytest.approx(95.00, abs=0.005)


def test_sdi_worked_example():
    assert swim.speed_drop_off_index(d1_m=200, t1_s=170, d2_m=400, t2_s=360) == pytest.approx(5.88, abs=0.005)


def test_css_short_protocol_and_fit_agree_for_two_trials():
    css = swim.critical_swim_speed(d1_m=100, t1_s=80, d2_m=500, t2_s=450)
    assert css == pytest.approx(400 / 370)
    assert swim.critical_swim_speed_fit(distances_m=[100, 500], times_s=[80, 450]) == pytest.approx(css)


def test_css_fit_three_trials_is_least_squares_slope():
    # Exact line d = 1.2 t + 10 gives slope 1.2.
    assert swim.critical_swim_speed_fit(
        distances_m=[130, 250, 490], times_s=[100, 200, 400]
    ) == pytest.approx(1.2)


def test_zone_boundaries_worked_example():
    zones = swim.swim_zones(100 / 95.0)
    fast_paces = [zone["fast_pace_s_per_100m"] for zone in zones[:-1]]
    assert fast_paces == pytest.approx([102.15, 97.94, 95.96, 93.14, 87.16], abs=0.005)
    assert zones[0]["slow_pace_s_per_100m"] is None
    assert zones[-1]["max_speed_m_per_s"] is None
    assert zones[1]["slow_pace_s_per_100m"] == pytest.approx(102.15, abs=0.005)


def test_css_test_outputs_and_plausibility_warning():
    result = swim.css_test(d1_m=200, t1_s=170, d2_m=400, t2_s=360)
    assert result["css_pace_s_per_100m"] == pytest.approx(95.0)
    assert result["sdi_percent"] == pytest.approx(5.882, abs=1e-3)
    assert len(result["zones"]) == 6
    assert result["warnings"] == []
    slow_400 = swim.css_test(d1_m=200, t1_s=170, d2_m=400, t2_s=400)
    assert "maximal" in slow_400["warnings"][0]


def test_stss_worked_example():
    assert swim.swim_training_stress(
        distance_m=3000, moving_time_s=55 * 60, threshold_speed_m_per_s=1.0
    ) == pytest.approx(68.87, abs=0.005)


def test_stss_undefined_without_distance_or_time():
    assert swim.swim_training_stress(distance_m=0, moving_time_s=600, threshold_speed_m_per_s=1) is None
    assert swim.swim_training_stress(distance_m=500, moving_time_s=0, threshold_speed_m_per_s=1) is None


def test_offset_zones():
    zones = swim.swim_zones_from_offsets(95.0, [("Recovery", 30, 15), ("Threshold", 2, -2)])
    assert zones[1] == {"name": "Threshold", "slow_pace_s_per_100m": 97.0, "fast_pace_s_per_100m": 93.0}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"d1_m": 0, "t1_s": 170, "d2_m": 400, "t2_s": 360}, "d1_m"),
        ({"d1_m": 200, "t1_s": -1, "d2_m": 400, "t2_s": 360}, "t1_s"),
        ({"d1_m": 200, "t1_s": 170, "d2_m": 200, "t2_s": 360}, "d2_m"),
        ({"d1_m": 400, "t1_s": 170, "d2_m": 200, "t2_s": 360}, "d2_m"),
        ({"d1_m": 200, "t1_s": 170, "d2_m": 400, "t2_s": 170}, "t2_s"),
        ({"d1_m": 200, "t1_s": 170, "d2_m": 400, "t2_s": 330}, "t2_s"),  # 400 faster per 100 m than the 200
        ({"d1_m": 200, "t1_s": 170, "d2_m": 400, "t2_s": 0}, "t2_s"),
    ],
)
def test_css_invalid_inputs(kwargs, field):
    for function in (swim.critical_swim_speed, swim.speed_drop_off_index, swim.css_test):
        with pytest.raises(InvalidInput) as error:
            function(**kwargs)
        assert error.value.field == field


def test_other_invalid_inputs():
    with pytest.raises(InvalidInput) as error:
        swim.swim_zones(0)
    assert error.value.field == "css_m_per_s"
    with pytest.raises(InvalidInput) as error:
        swim.critical_swim_speed_fit(distances_m=[100, 200], times_s=[90, 90])
    assert error.value.field == "times_s"
    with pytest.raises(InvalidInput) as error:
        swim.swim_training_stress(distance_m=-5, moving_time_s=60, threshold_speed_m_per_s=1)
    assert error.value.field == "distance_m"
    with pytest.raises(InvalidInput) as error:
        swim.swim_zones_from_offsets(95, [("bad", -2, 5)])
    assert error.value.field == "offsets_s"


@given(
    t1=st.floats(min_value=30, max_value=600),
    pace_ratio=st.floats(min_value=1.0, max_value=1.5),
    d1=st.sampled_from([50.0, 100.0, 200.0]),
    factor=st.sampled_from([2.0, 4.0, 5.0]),
)
def test_css_lies_between_the_two_trial_speeds(t1, pace_ratio, d1, factor):
    d2 = d1 * factor
    t2 = t1 * factor * pace_ratio
    css = swim.critical_swim_speed(d1_m=d1, t1_s=t1, d2_m=d2, t2_s=t2)
    # The marginal speed of the extra distance is no faster than the longer trial's average.
    assert css <= d2 / t2 * (1 + 1e-12)
    assert swim.speed_drop_off_index(d1_m=d1, t1_s=t1, d2_m=d2, t2_s=t2) == pytest.approx(
        (pace_ratio - 1) * 100
    )
