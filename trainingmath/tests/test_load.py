import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainingmath import InvalidInput, load


def test_one_day_worked_example():
    assert load.load_step(50, 120, days=42) == pytest.approx(51.667, abs=5e-4)
    assert load.load_step(60, 120, days=7) == pytest.approx(68.571, abs=5e-4)
    assert load.load_step(50, 120, days=42, rule="exponential") == pytest.approx(51.647, abs=5e-4)
    assert load.load_step(60, 120, days=7, rule="exponential") == pytest.approx(67.987, abs=5e-4)


def test_series_tsb_is_yesterdays_by_default():
    days = load.training_load_series([120, 0], start_ctl=50, start_atl=60)
    assert days[0]["tsb"] == pytest.approx(-10.0)
    assert days[1]["tsb"] == pytest.approx(51.667 - 68.571, abs=1e-3)
    same_day = load.training_load_series([120], start_ctl=50, start_atl=60, form_day="same_day")
    assert same_day[0]["tsb"] == pytest.approx(-16.90, abs=5e-3)


def test_ramp_rate_is_ctl_change_over_seven_days():
    days = load.training_load_series([100] * 10)
    ctl = [day["ctl"] for day in days]
    assert days[9]["ramp_rate"] == pytest.approx(ctl[9] - ctl[2])
    assert days[3]["ramp_rate"] == pytest.approx(ctl[3] - 0.0)


def test_by_date_steps_rest_days():
    start = dt.date(2026, 1, 1)
    rows = load.training_load_by_date(
        {start: 100, start + dt.timedelta(days=3): 50}, start=start, end=start + dt.timedelta(days=4)
    )
    assert [row["load"] for row in rows] == [100, 0, 0, 50, 0]
    assert rows[4]["date"] == dt.date(2026, 1, 5)
    assert rows[2]["ctl"] < rows[1]["ctl"]


@pytest.mark.parametrize(
    ("tsb", "band"),
    [
        (30, "very_fresh"),
        (25, "fresh"),
        (10, "fresh"),
        (5, "neutral"),
        (0, "neutral"),
        (-5, "neutral"),
        (-10, "productive"),
        (-20, "productive"),
        (-25, "heavy"),
        (-30, "heavy"),
        (-31, "unsustainable"),
    ],
)
def test_form_bands(tsb, band):
    assert load.form_band(tsb)["band"] == band


def test_load_method_rule():
    base = dict(
        has_power=False,
        ftp_w=None,
        has_speed=False,
        threshold_speed_m_per_s=None,
        has_heart_rate=False,
        threshold_hr=None,
    )
    assert (
        load.load_method(
            sport="cycling",
            **{**base, "has_power": True, "ftp_w": 250, "has_heart_rate": True, "threshold_hr": 160},
        )
        == "power"
    )
    assert (
        load.load_method(
            sport="cycling", **{**base, "has_power": True, "has_heart_rate": True, "threshold_hr": 160}
        )
        == "heart_rate"
    )
    assert (
        load.load_method(
            sport="running",
            **{
                **base,
                "has_speed": True,
                "threshold_speed_m_per_s": 4,
                "has_heart_rate": True,
                "threshold_hr": 160,
            },
        )
        == "pace"
    )
    assert (
        load.load_method(sport="cycling", **{**base, "has_speed": True, "threshold_speed_m_per_s": 4}) is None
    )
    assert load.load_method(sport="swimming", css_m_per_s=1.1, has_distance=True, **base) == "swim"
    assert load.load_method(sport="running", **base) is None


def test_override_wins():
    assert load.effective_load(computed=80.0, override=65.0) == 65.0
    assert load.effective_load(computed=80.0, override=None) == 80.0
    assert load.effective_load(computed=None, override=0.0) == 0.0


@given(
    st.lists(st.floats(min_value=0, max_value=400), min_size=1, max_size=60), st.sampled_from(load.LOAD_RULES)
)
def test_loads_stay_within_the_daily_range(loads, rule):
    for day in load.training_load_series(loads, rule=rule):
        assert 0 <= day["ctl"] <= max(loads) + 1e-9
        assert 0 <= day["atl"] <= max(loads) + 1e-9


@given(st.floats(min_value=0, max_value=300), st.integers(1, 200))
def test_constant_load_converges_from_below(value, days):
    series = load.training_load_series([value] * days)
    ctl = [day["ctl"] for day in series]
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(ctl))


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: load.load_step(1, 1, days=0), "days"),
        (lambda: load.load_step(1, 1, days=42, rule="other"), "rule"),
        (lambda: load.training_load_series([1], form_day="tomorrow"), "form_day"),
        (lambda: load.training_load_series([-5]), "daily_loads"),
        (lambda: load.training_load_series([5], start_ctl=-1), "start_ctl"),
        (lambda: load.training_load_series([5], atl_days=0), "atl_days"),
        (lambda: load.training_load_by_date({}, start=dt.date(2026, 2, 1), end=dt.date(2026, 1, 1)), "end"),
        (lambda: load.form_band(float("nan")), "tsb"),
        (lambda: load.effective_load(computed=1, override=-3), "override"),
    ],
)
def test_invalid_inputs(call, field):
    with pytest.raises(InvalidInput) as error:
        call()
    assert error.value.field == field
