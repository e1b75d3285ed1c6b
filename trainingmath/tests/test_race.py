import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainingmath import InvalidInput, race, units

OLYMPIC_ATHLETE = {
    "css_pace_s_per_100m": 95.0,
    "ftp_w": 250,
    "threshold_pace_s_per_km": 260,
    "total_mass_kg": 80,
    "cda_m2": 0.28,
    "crr": 0.004,
    "rho_kg_per_m3": 1.20,
}


def test_olympic_worked_example():
    plan = race.race_plan(preset="olympic", target_if=0.85, **OLYMPIC_ATHLETE)
    assert plan["swim"]["swim_pace_s_per_100m"] == 98.0
    assert plan["swim_s"] == pytest.approx(1470.0)
    assert plan["t1_s"] == 120 and plan["t2_s"] == 60
    assert plan["bike"]["power_w"] == pytest.approx(212.5)
    assert plan["bike"]["avg_speed_m_per_s"] == pytest.approx(10.0655, abs=5e-5)
    assert plan["bike_s"] == pytest.approx(3973.97, abs=0.005)
    assert plan["bike"]["tss"] == pytest.approx(79.8, abs=0.05)
    assert plan["run"]["run_pace_s_per_km"] == pytest.approx(273.68, abs=0.005)
    assert plan["run_s"] == pytest.approx(2736.8, abs=0.05)
    assert plan["total_s"] == pytest.approx(8360.8, abs=0.05)
    assert units.format_duration(plan["total_s"]) == "2:19:21"
    assert units.format_duration(plan["swim_s"]) == "24:30"
    assert units.format_duration(plan["bike_s"]) == "1:06:14"
    assert units.format_duration(plan["run_s"]) == "45:37"


def test_preset_defaults_and_tss_cap_warning():
    assert race.race_preset("70.3")["run_m"] == 21_097.5
    plan = race.race_plan(preset="full", target_if=0.85, **OLYMPIC_ATHLETE)
    assert plan["bike"]["intensity_factor"] == pytest.approx(0.85)
    assert "guide" in plan["warnings"][0]
    default = race.race_plan(preset="sprint", **OLYMPIC_ATHLETE)
    assert default["bike"]["intensity_factor"] == pytest.approx(0.93)
    assert default["swim"]["swim_pace_s_per_100m"] == 97.0


def test_finish_time_and_cutoffs():
    result = race.finish_time(
        preset="70.3",
        swim_pace_s_per_100m=100,
        bike_speed_m_per_s=9,
        run_pace_s_per_km=300,
        cutoffs_s={"swim": 4200, "bike": 12_500, "finish": 30_000},
    )
    assert result["swim_s"] == pytest.approx(1900.0)
    assert result["bike_s"] == pytest.approx(10_000.0)
    assert result["run_s"] == pytest.approx(21.0975 * 300)
    assert result["total_s"] == pytest.approx(1900 + 240 + 10_000 + 120 + 6329.25)
    status = {entry["point"]: entry["status"] for entry in result["cutoffs"]}
    assert status == {"swim": "safe", "bike": "safe", "finish": "safe"}
    tight = race.finish_time(
        preset="70.3",
        swim_pace_s_per_100m=100,
        bike_time_s=12_000,
        run_pace_s_per_km=300,
        cutoffs_s={"bike": 12_000},
    )
    assert tight["cutoffs"][0]["status"] == "exceeded"
    assert tight["cutoffs"][0]["margin_s"] == pytest.approx(-2140.0)


def test_custom_race_without_a_swim():
    result = race.finish_time(bike_m=40_000, run_m=10_000, bike_time_s=4000, run_pace_s_per_km=250, t1_s=30)
    assert result["swim_s"] == 0 and result["t2_s"] == 0
    assert result["total_s"] == pytest.approx(30 + 4000 + 2500)


def test_hilly_bike_is_slower_and_graded_run_segments():
    flat = race.bike_plan(
        distance_m=40_000, ftp_w=250, target_if=0.85, total_mass_kg=80, cda_m2=0.28, crr=0.004
    )
    hilly = race.bike_plan(
        distance_m=40_000,
        elevation_gain_m=400,
        ftp_w=250,
        target_if=0.85,
        total_mass_kg=80,
        cda_m2=0.28,
        crr=0.004,
    )
    assert hilly["bike_time_s"] > flat["bike_time_s"]
    uphill = race.run_split(
        distance_m=1000, threshold_pace_s_per_km=300, segments=[{"distance_m": 1000, "grade": 0.05}]
    )
    assert uphill["run_s"] == pytest.approx(300 * 4.68520 / 3.6, abs=1e-3)
    no_ftp = race.bike_plan(
        distance_m=20_000, ftp_w=None, power_w=200, total_mass_kg=75, cda_m2=0.3, crr=0.004
    )
    assert no_ftp["tss"] is None and no_ftp["np_w"] == 200


@given(st.floats(min_value=0.5, max_value=1.05), st.floats(min_value=0.5, max_value=1.05))
def test_harder_bike_is_faster(if_a, if_b):
    low, high = sorted((if_a, if_b))
    common = {"distance_m": 40_000, "ftp_w": 250, "total_mass_kg": 80, "cda_m2": 0.28, "crr": 0.004}
    assert (
        race.bike_plan(target_if=high, **common)["bike_time_s"]
        <= race.bike_plan(target_if=low, **common)["bike_time_s"] + 1e-6
    )


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: race.finish_time(), "preset"),
        (lambda: race.finish_time(swim_m=0, bike_m=0, run_m=0), "preset"),
        (lambda: race.finish_time(preset="ultra"), "preset"),
        (
            lambda: race.finish_time(preset="sprint", bike_speed_m_per_s=10, run_pace_s_per_km=300),
            "swim_pace_s_per_100m",
        ),
        (
            lambda: race.finish_time(preset="sprint", swim_pace_s_per_100m=100, run_pace_s_per_km=300),
            "bike_speed_m_per_s",
        ),
        (
            lambda: race.finish_time(preset="sprint", swim_pace_s_per_100m=100, bike_speed_m_per_s=10),
            "run_pace_s_per_km",
        ),
        (
            lambda: race.finish_time(
                preset="sprint",
                swim_pace_s_per_100m=100,
                bike_speed_m_per_s=10,
                run_pace_s_per_km=300,
                t1_s=-5,
            ),
            "t1_s",
        ),
        (
            lambda: race.finish_time(
                preset="sprint",
                swim_pace_s_per_100m=100,
                bike_speed_m_per_s=10,
                run_pace_s_per_km=300,
                cutoffs_s={"t1": 5},
            ),
            "cutoffs_s",
        ),
        (lambda: race.finish_time(swim_m=-100, run_m=5000, run_pace_s_per_km=300), "swim_m"),
        (
            lambda: race.bike_plan(distance_m=40_000, ftp_w=250, total_mass_kg=80, cda_m2=0.28, crr=0.004),
            "target_if",
        ),
        (
            lambda: race.bike_plan(
                distance_m=40_000, ftp_w=None, target_if=0.8, total_mass_kg=80, cda_m2=0.28, crr=0.004
            ),
            "ftp_w",
        ),
        (
            lambda: race.bike_plan(
                distance_m=0, ftp_w=250, target_if=0.8, total_mass_kg=80, cda_m2=0.28, crr=0.004
            ),
            "distance_m",
        ),
        (
            lambda: race.bike_plan(
                distance_m=1000,
                elevation_gain_m=400,
                ftp_w=250,
                target_if=0.8,
                total_mass_kg=80,
                cda_m2=0.28,
                crr=0.004,
            ),
            "elevation_gain_m",
        ),
        (
            lambda: race.bike_plan(
                distance_m=1000, ftp_w=250, power_w=0, total_mass_kg=80, cda_m2=0.28, crr=0.004
            ),
            "power_w",
        ),
        (
            lambda: race.bike_plan(
                distance_m=1000, ftp_w=250, target_if=0.8, total_mass_kg=80, cda_m2=0.9, crr=0.004
            ),
            "cda_m2",
        ),
        (
            lambda: race.bike_plan(
                distance_m=1000,
                ftp_w=250,
                target_if=0.8,
                total_mass_kg=80,
                cda_m2=0.3,
                crr=0.004,
                segments=[{"distance_m": 500, "grade": 0.4}],
            ),
            "segments",
        ),
        (
            lambda: race.swim_split(distance_m=1500, css_pace_s_per_100m=95, offset_s_per_100m=-100),
            "swim_offset_s_per_100m",
        ),
        (lambda: race.run_split(distance_m=10_000, threshold_pace_s_per_km=0), "threshold_pace_s_per_km"),
    ],
)
def test_invalid_inputs(call, field):
    with pytest.raises(InvalidInput) as error:
        call()
    assert error.value.field == field
