import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from trainingmath import InvalidInput
from trainingmath.summary import (
    best_power_for_duration,
    elevation_change,
    haversine_distance_m,
    merge_power_curves,
    model_cp_from_curve,
    summarize_activity,
)

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def ride(seconds=3600, watts=250.0, **extra):
    times = START + np.arange(seconds, dtype=float)
    streams = {
        "timestamp": times,
        "power": np.full(seconds, watts),
        "speed": np.full(seconds, 10.0),
        "distance": np.arange(seconds) * 10.0,
        "heart_rate": np.full(seconds, 150.0),
        "cadence": np.full(seconds, 90.0),
    }
    streams.update(extra)
    return streams


def assert_json_clean(summary):
    text = json.dumps(summary, allow_nan=False)  # raises on NaN / numpy types
    assert json.loads(text) == summary


def test_constant_power_ride():
    summary = summarize_activity(ride(), sport="cycling", ftp_w=250, threshold_hr=160)
    assert_json_clean(summary)
    assert summary["elapsed_s"] == 3600 and summary["timer_s"] == 3600 and summary["moving_s"] == 3600
    assert summary["distance_m"] == pytest.approx(35_990.0)
    assert summary["distance_source"] == "device"
    assert summary["np_w"] == pytest.approx(250.0)
    assert summary["intensity_factor"] == pytest.approx(1.0)
    assert summary["tss"] == pytest.approx(100.0)
    assert summary["variability_index"] == pytest.approx(1.0)
    assert summary["work_kj"] == pytest.approx(900.0)
    assert summary["load"] == pytest.approx(100.0) and summary["load_method"] == "power"
    assert summary["calories_kcal"] == pytest.approx(900 / 4.184 / 0.24)
    assert summary["calories_method"] == "work"
    assert summary["time_in_power_zones_s"] == [0, 0, 0, 3600, 0, 0, 0]
    assert summary["time_above_95_ftp_s"] == 3600 and summary["time_above_100_ftp_s"] == 0
    assert summary["time_in_hr_zones_s"] == [0, 0, 3600, 0, 0, 0, 0]  # 150/160 = 93.75 % (bike Z3)
    assert summary["power_curve"][0] == [1, 250.0]
    assert summary["power_curve"][-1] == [3600, 250.0]
    assert [d for d, _ in summary["power_curve"]][:4] == [1, 2, 3, 5]
    assert summary["aerobic_decoupling_percent"] == pytest.approx(0.0)
    assert summary["efficiency_factor"] == pytest.approx(250 / 150)
    assert summary["best_efforts"] is None


def test_worked_np_example_through_the_summary():
    watts = np.concatenate((np.full(600, 300.0), np.full(600, 100.0)))
    summary = summarize_activity(ride(1200, power=watts), sport="cycling", ftp_w=250)
    assert summary["np_w"] == pytest.approx(252.378, abs=5e-4)
    assert summary["tss"] == pytest.approx(33.97, abs=0.005)
    assert summary["variability_index"] == pytest.approx(1.2619, abs=5e-5)
    assert summary["work_kj"] == pytest.approx(240.0)


def test_decoupling_worked_example():
    hr = np.concatenate((np.full(1800, 140.0), np.full(1800, 145.0)))
    watts = np.concatenate((np.full(1800, 200.0), np.full(1800, 195.0)))
    summary = summarize_activity(
        ride(3600, power=watts, heart_rate=hr), sport="cycling", decoupling_warmup_s=0
    )
    assert summary["aerobic_decoupling_percent"] == pytest.approx(5.86, abs=0.005)
    # With a variable second half NP and mean power differ; the GoldenCheetah option uses the mean.
    watts[1800:] = np.where((np.arange(1800) // 60) % 2 == 0, 95.0, 295.0)  # minute on, minute off: mean 195
    by_mean = summarize_activity(
        ride(3600, power=watts, heart_rate=hr),
        sport="cycling",
        decoupling_warmup_s=0,
        decoupling_measure="mean",
    )
    assert by_mean["aerobic_decoupling_percent"] == pytest.approx(5.86, abs=0.005)
    by_np = summarize_activity(ride(3600, power=watts, heart_rate=hr), sport="cycling", decoupling_warmup_s=0)
    assert by_np["aerobic_decoupling_percent"] < 5.86
    with pytest.raises(InvalidInput) as error:
        summarize_activity(ride(60), sport="cycling", decoupling_measure="median")
    assert error.value.field == "decoupling_measure"


def test_pause_is_removed_and_short_gap_filled():
    times = np.concatenate((np.arange(0, 600.0), np.arange(1200, 1800.0)))  # a 10-min stop
    times = np.delete(times, [100, 101, 102])  # a 3-s recording hole while riding
    n = times.size
    streams = {
        "timestamp": START + times,
        "power": np.full(n, 200.0),
        "speed": np.full(n, 8.0),
        "heart_rate": np.full(n, 140.0),
    }
    summary = summarize_activity(streams, sport="cycling", ftp_w=200)
    assert summary["elapsed_s"] == 1800
    assert summary["timer_s"] == 1200
    assert summary["moving_s"] == 1200
    # The 3-s hole is 0 W (never interpolated), so mean power drops by 3 samples' worth.
    assert summary["avg_power_w"] == pytest.approx(200 * 1197 / 1200)
    assert summary["avg_heart_rate"] == pytest.approx(140.0)
    # The curve fills the stop with 0 W: no window straddling it reaches 200 W.
    curve = dict(summary["power_curve"])
    assert curve[1200] < 200 * 1197 / 1200
    assert curve[300] == pytest.approx(200.0)
    assert summary["distance_source"] == "speed"
    assert summary["distance_m"] == pytest.approx(8.0 * 1200)


def test_moving_time_worked_example():
    speeds = np.array([0, 0, 1.5, 3, 3, 0.3, 0, 2.5])
    summary = summarize_activity({"timestamp": START + np.arange(8.0), "speed": speeds}, sport="running")
    assert summary["moving_s"] == 4
    assert summary["elapsed_s"] == 8


def test_missing_channels_give_none():
    summary = summarize_activity(
        {"timestamp": START + np.arange(600.0), "heart_rate": np.full(600, 130.0)}, sport="walking"
    )
    assert_json_clean(summary)
    for key in (
        "np_w",
        "tss",
        "power_curve",
        "distance_m",
        "avg_speed_m_per_s",
        "elevation_gain_m",
        "load",
        "calories_kcal",
        "best_efforts",
    ):
        assert summary[key] is None, key
    assert summary["moving_s"] == 600
    assert summary["avg_heart_rate"] == 130.0


def test_empty_streams():
    summary = summarize_activity({}, sport="generic")
    assert_json_clean(summary)
    assert summary["elapsed_s"] is None and summary["np_w"] is None


def test_nan_samples_and_no_timestamp():
    power = np.full(120, 300.0)
    power[10:20] = np.nan
    hr = np.full(120, 150.0)
    hr[50:100] = np.nan  # a long strap drop-out stays missing
    summary = summarize_activity({"power": power, "heart_rate": hr}, sport="cycling")
    assert_json_clean(summary)
    assert summary["elapsed_s"] == 120
    assert summary["work_kj"] == pytest.approx(300 * 110 / 1000)
    assert summary["avg_heart_rate"] == 150.0


def test_run_pace_load_best_efforts_and_calories():
    seconds = 3600
    speed = np.full(seconds, 1000 / 300)  # 5:00/km
    distance = np.concatenate(([0.0], np.cumsum(speed[1:])))
    streams = {
        "timestamp": START + np.arange(seconds, dtype=float),
        "speed": speed,
        "distance": distance,
        "altitude": np.full(seconds, 20.0),
        "heart_rate": np.full(seconds, 150.0),
    }
    summary = summarize_activity(
        streams,
        sport="running",
        threshold_pace_s_per_km=260,
        threshold_hr=170,
        resting_hr=50,
        max_hr=190,
        weight_kg=70,
    )
    assert summary["avg_pace_s_per_km"] == pytest.approx(300.0, rel=1e-3)
    assert summary["ngp_speed_m_per_s"] == pytest.approx(1000 / 300)
    assert summary["load_method"] == "pace"
    assert summary["load"] == pytest.approx(75.11, abs=0.005)
    assert summary["best_efforts"]["1km"] == pytest.approx(300.0)
    assert summary["best_efforts"]["10km"] == pytest.approx(3000.0)
    assert "half_marathon" not in summary["best_efforts"]
    assert summary["calories_method"] == "acsm"
    assert summary["trimp"] == pytest.approx(108.10, abs=0.01)
    assert summary["time_in_hr_zones_s"][1] == 3600  # 150/170 = 88 %: run Z2


def test_heart_rate_load_when_no_pace_threshold():
    streams = {
        "timestamp": START + np.arange(3600.0),
        "heart_rate": np.full(3600, 150.0),
        "speed": np.full(3600, 3.0),
    }
    summary = summarize_activity(streams, sport="running", threshold_hr=170, resting_hr=50, max_hr=190)
    assert summary["load_method"] == "heart_rate"
    assert summary["load"] == pytest.approx(63.34, abs=0.005)
    without_rest = summarize_activity(streams, sport="running", threshold_hr=170)
    assert without_rest["load"] is None and without_rest["load_method"] is None


def test_pool_swim_lengths():
    lengths = [{"elapsed_s": 25.0, "strokes": 15, "kind": "active"} for _ in range(40)]
    lengths.insert(20, {"elapsed_s": 60.0, "strokes": 0, "kind": "idle"})
    streams = {"timestamp": START + np.arange(1060.0), "heart_rate": np.full(1060, 130.0)}
    summary = summarize_activity(
        streams, sport="swimming", lengths=lengths, pool_length_m=25, css_m_per_s=1.0, weight_kg=70
    )
    assert_json_clean(summary)
    assert summary["lengths"] == 40
    assert summary["pool_length_m"] == 25.0
    assert summary["distance_m"] == 1000.0 and summary["distance_source"] == "lengths"
    assert summary["strokes"] == 600
    assert summary["swolf"] == pytest.approx(40.0)
    assert summary["moving_s"] == pytest.approx(1000.0)
    assert summary["load_method"] == "swim"
    assert summary["load"] == pytest.approx(1.0**3 * 1000 / 3600 * 100)
    assert summary["calories_method"] == "met_9.8"


def test_elevation_hysteresis_worked_example():
    altitude = [100, 101, 102, 101, 104, 103, 106, 105, 100, 104, 108]
    gain, loss = elevation_change(altitude)
    assert gain == pytest.approx(12.0)
    assert loss == pytest.approx(
        4.0
    )  # the reference sits at 104 (106 is within 3 m of it), then drops to 100
    summary = summarize_activity({"altitude": np.array(altitude, dtype=float)}, sport="running")
    assert summary["elevation_gain_m"] == pytest.approx(12.0)


def test_haversine_worked_example():
    assert haversine_distance_m(np.array([52.0, 52.001]), np.array([4.0, 4.001])) == pytest.approx(
        130.58, abs=0.005
    )
    summary = summarize_activity(
        {"lat": np.array([52.0, 52.001]), "lon": np.array([4.0, 4.001])}, sport="running"
    )
    assert summary["distance_source"] == "gps" and summary["distance_m"] == pytest.approx(130.58, abs=0.005)


def test_power_curve_helpers():
    assert best_power_for_duration([100, 300, 200, 400, 100], 2) == pytest.approx(300.0)
    merged = merge_power_curves([[[1, 500], [60, 300]], [[1, 450], [60, 320], [300, 280]]])
    assert merged == [[1, 500.0], [60, 320.0], [300, 280.0]]
    model = model_cp_from_curve([[d, 260 + 15_000 / d] for d in (60, 180, 300, 600, 1200)])
    assert model["cp_w"] == pytest.approx(260.0) and model["eftp_w"] == pytest.approx(260 + 15_000 / 3600)


def test_w_prime_balance_and_cp_anchor():
    watts = np.concatenate((np.full(600, 150.0), np.full(120, 400.0), np.full(600, 150.0)))
    summary = summarize_activity(
        ride(1320, power=watts), sport="cycling", ftp_w=240, cp_w=250, w_prime_j=20_000
    )
    assert summary["w_prime_balance_min_j"] == pytest.approx(20_000 - 150 * 120)
    assert summary["time_above_100_ftp_s"] == 120  # anchored on CP 250 W
    assert len(summary["time_in_power_bands_s"]) == 8


def test_invalid_streams():
    with pytest.raises(InvalidInput) as error:
        summarize_activity({"timestamp": np.arange(5.0), "power": np.arange(4.0)}, sport="cycling")
    assert error.value.field == "streams"
    with pytest.raises(InvalidInput) as error:
        summarize_activity({"power": np.ones((2, 2))}, sport="cycling")
    assert error.value.field == "streams"


@settings(max_examples=40, deadline=None)
@given(
    watts=hnp.arrays(float, st.integers(1, 300), elements=st.one_of(st.floats(0, 1500), st.just(math.nan))),
)
def test_summary_is_always_json_clean_and_consistent(watts):
    summary = summarize_activity({"power": watts}, sport="cycling", ftp_w=250)
    assert_json_clean(summary)
    clean = np.nan_to_num(watts)
    if clean.max() > 0:
        assert summary["work_kj"] == pytest.approx(clean.sum() / 1000)
        curve = summary["power_curve"]
        assert curve[0][1] == pytest.approx(clean.max())
        assert curve[-1] == [watts.size, pytest.approx(clean.mean())]


def test_sparse_recording_is_not_one_long_pause():
    # An open-water swim logging every 50 s (with one real 10-min stop) keeps its time between samples.
    times = np.concatenate((np.arange(0, 3000, 50.0), np.arange(3600, 4800, 50.0)))
    streams = {"timestamp": START + times, "distance": times * 1.0, "heart_rate": np.full(times.size, 140.0)}
    summary = summarize_activity(streams, sport="swimming", css_m_per_s=1.0)
    assert summary["elapsed_s"] == 4751
    assert summary["timer_s"] == 4751 - 649
    assert summary["load_method"] == "swim"


def test_corrupt_far_future_timestamp_costs_no_memory():
    times = START + np.arange(600.0)
    times[-1] = START + 10 * 365 * 86_400.0  # one sample ten years later
    summary = summarize_activity({"timestamp": times, "power": np.full(600, 200.0)}, sport="cycling")
    assert summary["timer_s"] == 600  # the stray sample itself counts as one second
    assert summary["elapsed_s"] == 10 * 365 * 86_400 + 1
    # The stop between them stays 0 W on the curve's grid, so no 600-s window holds 200 W.
    assert summary["power_curve"][-1] == [600, pytest.approx(200.0 * 599 / 600)]


def test_warnings_for_the_coach():
    lat = 52.0 + np.arange(600) * 1e-4  # ~11.1 m per step north
    streams = {
        "timestamp": START + np.arange(600.0),
        "lat": lat,
        "lon": np.full(600, 4.0),
        "distance": np.arange(600) * 10.0,
    }
    summary = summarize_activity(streams, sport="running")
    assert summary["distance_source"] == "device"
    assert summary["gps_distance_m"] == pytest.approx(599 * 11.1195, rel=1e-3)
    assert "differ by more than 2 %" in summary["warnings"][0]
    fast_swim = {"timestamp": START + np.arange(1800.0), "distance": np.arange(1800) * 1.5}
    assert (
        "CSS is probably out of date"
        in summarize_activity(fast_swim, sport="swimming", css_m_per_s=1.0)["warnings"][0]
    )
    watts = np.concatenate((np.full(300, 450.0), np.full(300, 100.0)))
    over = summarize_activity(ride(600, power=watts), sport="cycling", cp_w=250, w_prime_j=20_000)
    assert over["w_prime_balance_min_j"] < 0 and "below zero" in over["warnings"][0]
    assert summarize_activity(ride(), sport="cycling")["warnings"] == []


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(
        st.one_of(st.just(1.0), st.floats(0.2, 4.0), st.floats(6.0, 900.0)), min_size=1, max_size=400
    ),
    speed=st.floats(0.0, 15.0),
    watts=st.floats(0.0, 600.0),
)
def test_time_invariants_with_gaps(steps, speed, watts):
    times = START + np.concatenate(([0.0], np.cumsum(steps)))
    n = times.size
    streams = {
        "timestamp": times,
        "speed": np.full(n, speed),
        "power": np.full(n, watts),
        "heart_rate": np.full(n, 140.0),
    }
    summary = summarize_activity(streams, sport="cycling", ftp_w=250)
    assert_json_clean(summary)
    assert summary["elapsed_s"] >= summary["timer_s"] >= summary["moving_s"] >= 0
    assert summary["elapsed_s"] == round(times[-1] - times[0]) + 1
    if watts > 0:
        assert summary["max_power_w"] == pytest.approx(watts)
        assert summary["work_kj"] <= watts * summary["timer_s"] / 1000 + 1e-9
