import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainingmath import InvalidInput, cp

TWO_EFFORTS = [{"duration_s": 180, "power_w": 400}, {"duration_s": 720, "power_w": 300}]


def test_two_parameter_worked_example():
    fit = cp.critical_power_2p(TWO_EFFORTS)
    assert fit["cp_w"] == pytest.approx(266.667, abs=5e-4)
    assert fit["w_prime_j"] == pytest.approx(24_000, abs=1e-6)
    assert fit["cp_w_inverse_time"] == pytest.approx(fit["cp_w"])
    assert fit["w_prime_j_inverse_time"] == pytest.approx(fit["w_prime_j"])
    assert fit["cp_se_w"] is None
    assert any("less certain" in warning for warning in fit["warnings"])
    t_lim = cp.time_to_exhaustion_2p(power_w=350, cp_w=fit["cp_w"], w_prime_j=fit["w_prime_j"])
    assert t_lim == pytest.approx(288.0, abs=1e-6)
    assert cp.time_to_exhaustion_2p(power_w=250, cp_w=fit["cp_w"], w_prime_j=fit["w_prime_j"]) is None


def test_three_efforts_fits_differ_and_report_errors():
    efforts = [
        {"duration_s": 120, "power_w": 420},
        {"duration_s": 480, "power_w": 320},
        {"duration_s": 900, "power_w": 290},
    ]
    fit = cp.critical_power_2p(efforts)
    times = np.array([120, 480, 900.0])
    watts = np.array([420, 320, 290.0])
    slope, intercept = np.polyfit(times, watts * times, 1)
    assert fit["cp_w"] == pytest.approx(slope) and fit["w_prime_j"] == pytest.approx(intercept)
    slope_inverse, intercept_inverse = np.polyfit(1 / times, watts, 1)
    assert fit["cp_w_inverse_time"] == pytest.approx(intercept_inverse)
    assert fit["w_prime_j_inverse_time"] == pytest.approx(slope_inverse)
    assert fit["cp_w"] != pytest.approx(fit["cp_w_inverse_time"], rel=1e-6)
    assert fit["cp_se_w"] > 0 and fit["w_prime_se_j"] > 0 and 0 < fit["r2"] <= 1
    assert fit["warnings"] == []


def test_short_efforts_are_warned_about():
    fit = cp.critical_power_2p([{"duration_s": 60, "power_w": 500}, {"duration_s": 720, "power_w": 300}])
    assert "60 s" in fit["warnings"][0]


def test_morton_worked_example():
    params = {"cp_w": 280, "w_prime_j": 20_000, "pmax_w": 1000}
    assert cp.power_for_duration_3p(duration_s=180, **params) == pytest.approx(376.26, abs=0.005)
    assert cp.power_for_duration_2p(duration_s=180, cp_w=280, w_prime_j=20_000) == pytest.approx(
        391.11, abs=0.005
    )
    assert cp.power_for_duration_3p(duration_s=1200, **params) == pytest.approx(296.29, abs=0.005)
    assert cp.time_to_exhaustion_3p(power_w=400, **params) == pytest.approx(138.89, abs=0.005)
    assert cp.time_to_exhaustion_3p(power_w=1200, **params) == 0.0
    assert cp.time_to_exhaustion_3p(power_w=200, **params) is None


def test_morton_fit_recovers_its_parameters():
    efforts = [
        {
            "duration_s": t,
            "power_w": cp.power_for_duration_3p(duration_s=t, cp_w=280, w_prime_j=20_000, pmax_w=1000),
        }
        for t in (5, 60, 180, 600, 1200)
    ]
    fit = cp.critical_power_3p(efforts)
    assert fit["cp_w"] == pytest.approx(280, rel=1e-6)
    assert fit["w_prime_j"] == pytest.approx(20_000, rel=1e-5)
    assert fit["pmax_w"] == pytest.approx(1000, rel=1e-4)
    assert fit["k_s"] == pytest.approx(27.78, abs=0.01)


def test_w_prime_tau_worked_example():
    assert cp.w_prime_recovery_time_constant(cp_w=250, mean_power_below_cp_w=150) == pytest.approx(
        516.86, abs=0.005
    )
    assert cp.w_prime_recovery_time_constant(cp_w=250, mean_power_below_cp_w=None) == pytest.approx(
        546 * math.exp(-2.5) + 316
    )


def test_w_prime_balance_differential_worked_example():
    recovery = np.full(60, 150.0)  # 100 W below CP 250
    exact = cp.w_prime_balance_differential(recovery, cp_w=250, w_prime_j=20_000, initial_balance_j=10_000)
    assert exact[-1] == pytest.approx(12_591.8, abs=0.05)
    euler = cp.w_prime_balance_differential(
        recovery, cp_w=250, w_prime_j=20_000, initial_balance_j=10_000, exact=False
    )
    assert euler[-1] == pytest.approx(12_597.4, abs=0.05)


def test_w_prime_balance_expenditure_and_no_clamping():
    effort = np.full(100, 450.0)  # 200 W over CP for 100 s = 20 kJ, then 10 kJ more
    for function in (cp.w_prime_balance_differential, cp.w_prime_balance_integral):
        balance = function(np.concatenate((effort, np.full(50, 450.0))), cp_w=250, w_prime_j=20_000)
        assert balance[-1] < 0
    at_cp = cp.w_prime_balance_differential(np.full(10, 250.0), cp_w=250, w_prime_j=20_000)
    assert at_cp.tolist() == [20_000.0] * 10
    assert cp.w_prime_balance_integral([300], cp_w=None, w_prime_j=20_000) is None
    assert cp.w_prime_balance_differential([300], cp_w=250, w_prime_j=None) is None


def test_w_prime_balance_integral_matches_the_skiba_sum():
    rng = np.random.default_rng(3)
    samples = rng.uniform(100, 400, 300)
    balance = cp.w_prime_balance_integral(samples, cp_w=250, w_prime_j=20_000)
    tau = cp.w_prime_recovery_time_constant(cp_w=250, mean_power_below_cp_w=samples[samples < 250].mean())
    expended = np.maximum(samples - 250, 0)
    t = np.arange(samples.size)
    naive = [
        20_000 - np.sum(expended[: i + 1] * np.exp(-(i - t[: i + 1]) / tau)) for i in range(samples.size)
    ]
    assert balance == pytest.approx(naive, rel=1e-9)
    truncated = cp.w_prime_balance_integral(samples, cp_w=250, w_prime_j=20_000, truncate_tau=True)
    assert truncated[-1] != pytest.approx(balance[-1], rel=1e-9)


def test_ftp_tests():
    assert cp.ftp_from_20min_test(300) == pytest.approx(285)
    assert cp.ftp_from_8min_test(320) == pytest.approx(288)
    assert cp.ftp_from_ramp_test(400) == pytest.approx(300)


def test_model_cp_from_curve():
    curve = [[d, 270 + 18_000 / d] for d in (1, 5, 60, 180, 300, 600, 1200, 1800, 3600)]
    model = cp.model_cp_from_curve(curve)
    assert model["cp_w"] == pytest.approx(270)
    assert model["w_prime_j"] == pytest.approx(18_000)
    assert model["eftp_w"] == pytest.approx(275)
    assert model["points_used"] == 5
    assert cp.model_cp_from_curve([[60, 400], [300, 300]]) is None


@given(
    cp_w=st.floats(min_value=100, max_value=450),
    w_prime=st.floats(min_value=5_000, max_value=40_000),
    durations=st.lists(st.integers(120, 1800), min_size=2, max_size=5, unique=True),
)
def test_exact_model_efforts_give_back_cp_and_w_prime(cp_w, w_prime, durations):
    efforts = [{"duration_s": d, "power_w": cp_w + w_prime / d} for d in durations]
    fit = cp.critical_power_2p(efforts)
    assert fit["cp_w"] == pytest.approx(cp_w, rel=1e-6)
    assert fit["w_prime_j"] == pytest.approx(w_prime, rel=1e-6)
    assert fit["cp_w_inverse_time"] == pytest.approx(cp_w, rel=1e-6)
    for effort in efforts:
        t_lim = cp.time_to_exhaustion_2p(power_w=effort["power_w"], cp_w=cp_w, w_prime_j=w_prime)
        assert t_lim == pytest.approx(effort["duration_s"], rel=1e-9)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: cp.critical_power_2p([]), "efforts"),
        (lambda: cp.critical_power_2p([{"duration_s": 180, "power_w": 400}]), "efforts"),
        (
            lambda: cp.critical_power_2p(
                [{"duration_s": 180, "power_w": 400}, {"duration_s": 180, "power_w": 380}]
            ),
            "efforts",
        ),
        (
            lambda: cp.critical_power_2p(
                [{"duration_s": 180, "power_w": 300}, {"duration_s": 720, "power_w": 400}]
            ),
            "efforts",
        ),
        (
            lambda: cp.critical_power_2p(
                [{"duration_s": -180, "power_w": 300}, {"duration_s": 720, "power_w": 200}]
            ),
            "efforts",
        ),
        (
            lambda: cp.critical_power_2p(
                [{"duration_s": 180, "power_w": 0}, {"duration_s": 720, "power_w": 200}]
            ),
            "efforts",
        ),
        (lambda: cp.critical_power_2p([{"time": 180}, {"duration_s": 720, "power_w": 200}]), "efforts"),
        (lambda: cp.critical_power_3p(TWO_EFFORTS), "efforts"),
        (lambda: cp.power_for_duration_3p(duration_s=60, cp_w=300, w_prime_j=20_000, pmax_w=250), "pmax_w"),
        (lambda: cp.power_for_duration_2p(duration_s=0, cp_w=300, w_prime_j=20_000), "duration_s"),
        (lambda: cp.time_to_exhaustion_2p(power_w=-1, cp_w=300, w_prime_j=20_000), "power_w"),
        (lambda: cp.w_prime_balance_differential([100], cp_w=0, w_prime_j=20_000), "cp_w"),
        (lambda: cp.w_prime_balance_integral([100], cp_w=250, w_prime_j=-5), "w_prime_j"),
        (lambda: cp.ftp_from_20min_test(-300), "power_20min_w"),
    ],
)
def test_invalid_inputs(call, field):
    with pytest.raises(InvalidInput) as error:
        call()
    assert error.value.field == field
