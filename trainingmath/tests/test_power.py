import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from trainingmath import InvalidInput, power

TWO_BLOCKS = np.concatenate((np.full(600, 300.0), np.full(600, 100.0)))
power_samples = hnp.arrays(
    float, st.integers(1, 400), elements=st.floats(min_value=0, max_value=2000, allow_nan=False)
)


def test_np_if_tss_vi_work_worked_example():
    np_w = power.normalized_power(TWO_BLOCKS)
    assert np_w == pytest.approx(252.378, abs=5e-4)
    assert power.normalized_power(TWO_BLOCKS, variant="zero_padded") == pytest.approx(251.426, abs=5e-4)
    intensity = power.intensity_factor(np_w=np_w, ftp_w=250)
    assert intensity == pytest.approx(1.00951, abs=5e-6)
    assert power.training_stress_score(duration_s=1200, np_w=np_w, ftp_w=250) == pytest.approx(
        33.97, abs=0.005
    )
    assert power.variability_index(np_w=np_w, avg_power_w=TWO_BLOCKS.mean()) == pytest.approx(
        1.2619, abs=5e-5
    )
    assert power.work_kj(TWO_BLOCKS) == pytest.approx(240.0)


def test_tss_sanity_values():
    assert power.training_stress_score(duration_s=3600, np_w=250, ftp_w=250) == pytest.approx(100.0)
    assert power.intensity_factor(np_w=230, ftp_w=260) == pytest.approx(0.8846, abs=5e-5)
    assert power.training_stress_score(duration_s=5400, np_w=230, ftp_w=260) == pytest.approx(
        117.38, abs=0.005
    )


def test_np_variants_on_short_and_constant_rides():
    assert power.normalized_power(np.full(29, 200.0)) is None
    assert power.normalized_power(np.full(29, 200.0), variant="min_count") == pytest.approx(200.0)
    assert power.normalized_power(np.full(30, 200.0)) == pytest.approx(200.0)
    # At 2 s sampling the 30 s window is 15 samples.
    assert power.normalized_power(np.full(15, 180.0), sample_interval_s=2) == pytest.approx(180.0)
    assert power.normalized_power(np.full(14, 180.0), sample_interval_s=2) is None


def test_nan_dropouts_count_as_zero_watts():
    assert power.work_kj([100.0, np.nan, 300.0]) == pytest.approx(0.4)


def test_coggan_zones_for_ftp_250():
    zones = power.coggan_power_zones(250)
    assert [zone["min_w"] for zone in zones] == pytest.approx([0, 137.5, 187.5, 225, 262.5, 300, 375])
    assert [zone["max_w"] for zone in zones[:6]] == pytest.approx([137.5, 187.5, 225, 262.5, 300, 375])
    assert zones[6]["max_w"] is None


def test_time_in_zone_half_open_boundaries():
    upper = power.zone_upper_bounds(power.coggan_power_zones(100), key="max_w")
    samples = [0, 55, 55.5, 75, 105, 150, 151, np.nan]
    assert power.time_in_zones(samples, upper) == [2, 2, 0, 1, 0, 1, 1]
    assert power.time_in_zones([85, 89.9, 90], [85, 90], upper_inclusive=False) == [0, 2, 1]
    assert power.time_in_zones([100, 100], [50], sample_interval_s=2) == [0, 4]


def test_time_in_zone_with_3s_smoothing():
    spikes = [100, 100, 400, 100, 100, 100]
    assert power.time_in_zones(spikes, [200]) == [5, 1]
    assert power.time_in_zones(spikes, [200], smoothing_s=3) == [6, 0]  # the spike averages to 200 at most


def test_time_above_is_strict():
    assert power.time_above([94, 95, 96, 100, 101, np.nan], 95) == 3


def test_eight_band_zones():
    zones = power.eight_band_power_zones(300, w_prime_j=20_000)
    assert [zone["zone"] for zone in zones] == ["Z1", "Z2", "Z3a", "Z3b", "Z4", "Z5", "Z6", "Z7"]
    assert [zone["max_w"] for zone in zones[:5]] == pytest.approx([180, 225, 258, 288, 303])
    assert zones[5]["max_w"] == pytest.approx(300 + 20_000 / 480)
    assert zones[6]["max_w"] == pytest.approx(300 + 20_000 / 180)
    assert zones[7]["min_w"] == zones[6]["max_w"] and zones[7]["max_w"] is None
    fallback = power.eight_band_power_zones(300)
    assert [fallback[5]["max_w"], fallback[6]["max_w"]] == pytest.approx([360, 450])
    tiny = power.eight_band_power_zones(300, w_prime_j=100)
    assert tiny[5]["min_w"] <= tiny[5]["max_w"] <= tiny[6]["max_w"]


def test_mmp_worked_example():
    assert power.mean_maximal_power([100, 300, 200, 400, 100]).tolist() == pytest.approx(
        [400, 300, 300, 250, 220]
    )
    assert power.mean_maximal_power([100, 300, 200, 400, 100], [5, 2, 2]).tolist() == pytest.approx(
        [220, 300, 300]
    )


def test_mmp_is_not_always_non_increasing():
    # science.md §3.5 claims MMP never rises with duration; this counter-example shows the exact curve can.
    assert power.mean_maximal_power([10, 0, 10]).tolist() == pytest.approx([10, 5, 20 / 3])


def test_best_power_for_duration():
    assert power.best_power_for_duration(TWO_BLOCKS, 600) == pytest.approx(300.0)
    assert power.best_power_for_duration(TWO_BLOCKS, 1201) is None


@settings(max_examples=60, deadline=None)
@given(power_samples)
def test_mmp_matches_brute_force_and_its_bounds(samples):
    curve = power.mean_maximal_power(samples)
    n = samples.size
    windows = [np.lib.stride_tricks.sliding_window_view(samples, d).mean(axis=1) for d in range(1, n + 1)]
    brute = [window.max() for window in windows]
    assert curve == pytest.approx(brute, rel=1e-9, abs=1e-9)
    assert curve[0] == pytest.approx(samples.max())
    assert curve[-1] == pytest.approx(samples.mean())
    # The best total energy never falls with duration, and doubling a duration never raises the mean.
    energy = curve * np.arange(1, n + 1)
    assert np.all(np.diff(energy) >= -1e-6)
    for d in range(1, n // 2 + 1):
        assert curve[2 * d - 1] <= curve[d - 1] + 1e-9


@settings(max_examples=60, deadline=None)
@given(power_samples)
def test_np_between_mean_rolling_power_and_max(samples):
    np_w = power.normalized_power(samples)
    if samples.size < 30:
        assert np_w is None
        return
    rolling = np.convolve(samples, np.ones(30) / 30, mode="valid")
    assert rolling.mean() - 1e-6 <= np_w <= samples.max() + 1e-6


@given(st.floats(min_value=0, max_value=2000), st.integers(30, 500))
def test_constant_power_np_equals_that_power(watts, n):
    assert power.normalized_power(np.full(n, watts)) == pytest.approx(watts)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: power.normalized_power([100, -5] * 20), "power"),
        (lambda: power.normalized_power([[1, 2]]), "power"),
        (lambda: power.normalized_power([100] * 40, variant="other"), "variant"),
        (lambda: power.intensity_factor(np_w=200, ftp_w=0), "ftp_w"),
        (lambda: power.training_stress_score(duration_s=-1, np_w=200, ftp_w=200), "duration_s"),
        (lambda: power.coggan_power_zones(-250), "ftp_w"),
        (lambda: power.eight_band_power_zones(0), "anchor_w"),
        (lambda: power.eight_band_power_zones(250, w_prime_j=-1), "w_prime_j"),
        (lambda: power.mean_maximal_power([]), "power"),
        (lambda: power.mean_maximal_power([1, 2, 3], [4]), "durations_s"),
        (lambda: power.mean_maximal_power([1, 2, 3], [0]), "durations_s"),
        (lambda: power.mean_maximal_power([1, 2, 3], [1.5]), "durations_s"),
        (lambda: power.best_power_for_duration([1, 2, 3], 0), "seconds"),
        (lambda: power.time_in_zones([1], [5, 3]), "upper_bounds"),
        (lambda: power.work_kj([1, np.inf]), "power"),
    ],
)
def test_invalid_inputs(call, field):
    with pytest.raises(InvalidInput) as error:
        call()
    assert error.value.field == field
