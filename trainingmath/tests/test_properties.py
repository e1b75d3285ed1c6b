"""Hypothesis properties the physics and the definitions demand (issue 5 §1): W' balance, air density,
sTSS/rTSS/hrTSS/TRIMP, zones, the fuelling plan and Morton's three-parameter model."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from trainingmath import aero, cp, energy, power, running, swim

cp_values = st.floats(min_value=150, max_value=400)
w_prime_values = st.floats(min_value=8_000, max_value=35_000)
ride = st.lists(st.floats(min_value=0, max_value=900), min_size=1, max_size=300)


# --- W' balance (science.md §2.3) ----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(cp_w=cp_values, w_prime=w_prime_values, samples=ride)
def test_w_prime_balance_never_exceeds_w_prime_and_falls_by_the_work_above_cp(cp_w, w_prime, samples):
    for balance in (
        cp.w_prime_balance_differential(samples, cp_w=cp_w, w_prime_j=w_prime),
        cp.w_prime_balance_integral(samples, cp_w=cp_w, w_prime_j=w_prime),
    ):
        assert np.all(balance <= w_prime + 1e-6)
        # Nothing can be spent but the work above CP, so the balance never drops below W' minus that total.
        above = np.cumsum(np.maximum(np.asarray(samples) - cp_w, 0.0))
        assert np.all(balance >= w_prime - above - 1e-6)


@settings(max_examples=60, deadline=None)
@given(cp_w=cp_values, w_prime=w_prime_values, samples=ride, extra=st.floats(min_value=0, max_value=200))
def test_harder_riding_never_leaves_more_w_prime(cp_w, w_prime, samples, extra):
    easy = cp.w_prime_balance_differential(samples, cp_w=cp_w, w_prime_j=w_prime)
    hard = cp.w_prime_balance_differential([p + extra for p in samples], cp_w=cp_w, w_prime_j=w_prime)
    assert np.all(hard <= easy + 1e-6)


@given(cp_w=cp_values, w_prime=w_prime_values, over=st.floats(1, 300), seconds=st.integers(1, 200))
def test_constant_power_above_cp_spends_exactly_its_excess_in_the_differential_form(
    cp_w, w_prime, over, seconds
):
    balance = cp.w_prime_balance_differential([cp_w + over] * seconds, cp_w=cp_w, w_prime_j=w_prime)
    assert balance[-1] == pytest.approx(w_prime - over * seconds, rel=1e-9, abs=1e-6)
    integral = cp.w_prime_balance_integral([cp_w + over] * seconds, cp_w=cp_w, w_prime_j=w_prime)
    # The integral form lets earlier expenditure recover while riding on, so it never shows less left.
    assert integral[-1] >= balance[-1] - 1e-6


@given(cp_w=cp_values, w_prime=w_prime_values, below=st.floats(1, 150), seconds=st.integers(1, 300))
def test_recovery_below_cp_rises_towards_w_prime_and_never_passes_it(cp_w, w_prime, below, seconds):
    balance = cp.w_prime_balance_differential(
        [cp_w - below] * seconds, cp_w=cp_w, w_prime_j=w_prime, initial_balance_j=w_prime / 2
    )
    assert np.all(np.diff(balance) >= -1e-9) and np.all(balance <= w_prime)


# --- air density (§6.2) --------------------------------------------------------------------------------------


@given(
    temperature=st.floats(-20, 40),
    low=st.floats(0, 4000),
    rise=st.floats(1, 3000),
    humidity=st.floats(0, 100),
)
def test_air_thins_with_altitude_heat_and_humidity(temperature, low, rise, humidity):
    def rho(**kwargs):
        return aero.air_density(**{"temperature_c": temperature, "altitude_m": low, **kwargs})

    assert rho(altitude_m=low + rise) < rho()
    assert rho(temperature_c=temperature + 5) < rho()
    assert rho(relative_humidity_percent=humidity) <= rho() + 1e-12
    # Dry air is the ideal gas: ρ·R·T = p.
    pressure = aero.pressure_at_altitude_pa(low)
    assert rho() * aero.DRY_AIR_GAS_CONSTANT * (temperature + 273.15) == pytest.approx(pressure, rel=1e-12)


# --- training stress (§1.3, §4.5, §4.6) ----------------------------------------------------------------------


@given(
    speed=st.floats(0.3, 2.0),
    threshold=st.floats(0.5, 2.0),
    minutes=st.floats(5, 240),
    factor=st.floats(1.01, 2),
)
def test_stss_is_if_cubed_times_hours_and_grows_with_speed(speed, threshold, minutes, factor):
    seconds = minutes * 60
    score = swim.swim_training_stress(
        distance_m=speed * seconds, moving_time_s=seconds, threshold_speed_m_per_s=threshold
    )
    assert score == pytest.approx((speed / threshold) ** 3 * minutes / 60 * 100, rel=1e-9)
    faster = swim.swim_training_stress(
        distance_m=speed * factor * seconds, moving_time_s=seconds, threshold_speed_m_per_s=threshold
    )
    assert faster == pytest.approx(score * factor**3, rel=1e-9)


@given(minutes=st.floats(1, 600), threshold=st.floats(2, 6), ratio=st.floats(0.3, 1.3))
def test_rtss_is_100_per_hour_at_threshold_and_quadratic_in_intensity(minutes, threshold, ratio):
    at_threshold = running.running_training_stress(
        duration_s=minutes * 60, ngp_speed_m_per_s=threshold, threshold_speed_m_per_s=threshold
    )
    assert at_threshold == pytest.approx(100 * minutes / 60)
    other = running.running_training_stress(
        duration_s=minutes * 60, ngp_speed_m_per_s=threshold * ratio, threshold_speed_m_per_s=threshold
    )
    assert other == pytest.approx(at_threshold * ratio**2)


hr_setup = st.tuples(st.floats(40, 70), st.floats(170, 205)).flatmap(
    lambda pair: st.tuples(
        st.just(pair[0]),
        st.just(pair[1]),
        st.floats(pair[0] + 20, pair[1] - 5),  # LTHR
        st.lists(st.floats(pair[0], pair[1]), min_size=1, max_size=200),
    )
)


@settings(max_examples=60, deadline=None)
@given(setup=hr_setup, sex=st.sampled_from(["male", "female"]))
def test_trimp_and_hrtss(setup, sex):
    rest, top, lthr, samples = setup
    summed = running.trimp(samples, resting_hr=rest, max_hr=top, sex=sex)
    from_mean = running.trimp_from_average(
        duration_s=len(samples), avg_hr=float(np.mean(samples)), resting_hr=rest, max_hr=top, sex=sex
    )
    # The per-sample form is at least the session-mean form: x·a·e^(bx) is convex on the reserve (§4.6).
    assert summed >= from_mean - 1e-9
    hour_at_lthr = running.trimp_from_average(
        duration_s=3600, avg_hr=lthr, resting_hr=rest, max_hr=top, sex=sex
    )
    assert running.heart_rate_training_stress(
        trimp_value=hour_at_lthr, threshold_hr=lthr, resting_hr=rest, max_hr=top, sex=sex
    ) == pytest.approx(100.0)
    higher = running.trimp([min(hr + 5, top) for hr in samples], resting_hr=rest, max_hr=top, sex=sex)
    assert higher >= summed - 1e-9


# --- zones (§1.2, §3.3, §4.7, §11) ----------------------------------------------------------------------------


def _contiguous(zones, low, high):
    for before, after in itertools.pairwise(zones):
        assert after[low] == pytest.approx(before[high])
        assert before[high] is None or before[low] is None or before[high] >= before[low]


@given(
    anchor=st.floats(50, 500), w_prime=st.one_of(st.none(), st.floats(1_000, 40_000)), scale=st.floats(0.5, 2)
)
def test_power_zones_tile_the_range_and_scale_with_the_anchor(anchor, w_prime, scale):
    coggan = power.coggan_power_zones(anchor)
    _contiguous(coggan, "min_w", "max_w")
    assert coggan[0]["min_w"] == 0 and coggan[-1]["max_w"] is None
    scaled = power.coggan_power_zones(anchor * scale)
    for zone, bigger in zip(coggan[:-1], scaled[:-1]):
        assert bigger["max_w"] == pytest.approx(zone["max_w"] * scale)
    eight = power.eight_band_power_zones(anchor, w_prime_j=w_prime)
    assert len(eight) == 8
    _contiguous(eight, "min_w", "max_w")


@given(css=st.floats(0.5, 2.2))
def test_swim_zones_tile_the_speeds_and_their_paces_match(css):
    zones = swim.swim_zones(css)
    _contiguous(zones, "min_speed_m_per_s", "max_speed_m_per_s")
    for zone in zones:
        if zone["max_speed_m_per_s"] is not None:
            assert zone["fast_pace_s_per_100m"] == pytest.approx(100 / zone["max_speed_m_per_s"])
    threshold = next(zone for zone in zones if zone["zone"] == "Z4")
    assert threshold["min_speed_m_per_s"] <= css <= threshold["max_speed_m_per_s"]


@given(lthr=st.floats(120, 200), sport=st.sampled_from(["run", "bike"]))
def test_heart_rate_zones_rise_and_put_lthr_at_the_bottom_of_5a(lthr, sport):
    zones = running.friel_hr_zones(lthr, sport=sport)
    _contiguous(zones[1:], "min_bpm", "max_bpm")
    bottoms = [zone["min_bpm"] for zone in zones]
    assert bottoms == sorted(bottoms)
    assert next(zone for zone in zones if zone["zone"] == "Z5a")["min_bpm"] == pytest.approx(lthr)


# --- fuelling (§8.4) ------------------------------------------------------------------------------------------


legs = st.lists(
    st.tuples(st.sampled_from(["swim", "bike", "run"]), st.floats(300, 6 * 3600)), min_size=1, max_size=4
)


@settings(max_examples=60, deadline=None)
@given(legs=legs, weight=st.floats(45, 110), temperature=st.floats(-5, 40), longer=st.floats(0, 3 * 3600))
def test_fueling_plan_stays_in_the_guidance(legs, weight, temperature, longer):
    plan = energy.fueling_plan(
        legs=[{"sport": sport, "duration_s": seconds} for sport, seconds in legs],
        weight_kg=weight,
        temperature_c=temperature,
    )
    total = sum(seconds for _, seconds in legs)
    assert 400 <= plan["fluid_ml_per_h"] <= 800
    assert plan["carbs_g_per_h"] in (0.0, 30.0, 60.0, 90.0)
    assert (plan["sodium_mg_per_h"] > 0) == (total > 3600)
    assert len(plan["schedule"]) == math.ceil(total / 3600)
    feeding = sum(seconds for sport, seconds in legs if sport != "swim")
    assert sum(hour["carbs_g"] for hour in plan["schedule"]) == pytest.approx(
        plan["carbs_g_per_h"] * feeding / 3600
    )
    for hour in plan["schedule"]:
        assert hour["carbs_g"] <= plan["carbs_g_per_h"] + 1e-9
    # A longer race never asks for less carbohydrate per hour.
    extended = energy.fueling_plan(
        legs=[{"sport": "bike", "duration_s": total + longer}], weight_kg=weight, temperature_c=temperature
    )
    assert extended["carbs_g_per_h"] >= plan["carbs_g_per_h"]


@given(sweat=st.floats(0.05, 4.0), temperature=st.floats(-5, 40))
def test_fluid_never_exceeds_the_measured_sweat_rate(sweat, temperature):
    plan = energy.fueling_plan(
        legs=[{"sport": "run", "duration_s": 7200}],
        weight_kg=70,
        temperature_c=temperature,
        sweat_rate_l_per_h=sweat,
    )
    assert plan["fluid_ml_per_h"] <= sweat * 1000 + 1e-9


# --- Morton's three-parameter model (§2.2) -------------------------------------------------------------------


three_p = st.tuples(cp_values, w_prime_values, st.floats(300, 1500)).filter(lambda p: p[2] > p[0] + 50)


@given(params=three_p, duration=st.floats(1, 3600))
def test_three_parameter_power_and_time_to_exhaustion_invert(params, duration):
    cp_w, w_prime, pmax = params
    watts = cp.power_for_duration_3p(duration_s=duration, cp_w=cp_w, w_prime_j=w_prime, pmax_w=pmax)
    assert cp_w < watts < pmax
    assert cp.time_to_exhaustion_3p(
        power_w=watts, cp_w=cp_w, w_prime_j=w_prime, pmax_w=pmax
    ) == pytest.approx(duration, rel=1e-9)
    # A finite Pmax always predicts less than the 2-parameter model for the same CP and W'.
    assert watts < cp.power_for_duration_2p(duration_s=duration, cp_w=cp_w, w_prime_j=w_prime)


@given(params=three_p, a=st.floats(1, 3600), b=st.floats(1, 3600))
def test_three_parameter_power_falls_with_duration(params, a, b):
    assume(abs(a - b) > 1e-6)
    cp_w, w_prime, pmax = params
    short, long = sorted((a, b))
    assert cp.power_for_duration_3p(duration_s=long, cp_w=cp_w, w_prime_j=w_prime, pmax_w=pmax) < (
        cp.power_for_duration_3p(duration_s=short, cp_w=cp_w, w_prime_j=w_prime, pmax_w=pmax)
    )


@settings(max_examples=30, deadline=None)
@given(params=three_p)
def test_three_parameter_fit_recovers_the_model_it_was_drawn_from(params):
    cp_w, w_prime, pmax = params
    efforts = [
        {
            "duration_s": t,
            "power_w": cp.power_for_duration_3p(duration_s=t, cp_w=cp_w, w_prime_j=w_prime, pmax_w=pmax),
        }
        for t in (30, 120, 300, 720, 1200)
    ]
    fit = cp.critical_power_3p(efforts)
    assert fit["cp_w"] == pytest.approx(cp_w, rel=1e-3)
    assert fit["w_prime_j"] == pytest.approx(w_prime, rel=1e-2)
    assert fit["rmse_w"] < 0.5
