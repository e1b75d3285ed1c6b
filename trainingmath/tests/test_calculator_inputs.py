"""The calculator inputs added after the audit: wind, power-meter location and split masses in the CdA field
test; Morton's three-parameter fit beside the two-parameter ones; age and sex for heart-rate calories; a bike
plan from a power alone (science.md §2.2, §6.1, §6.4, §8.3)."""

import math

import pytest

from trainingmath import InvalidInput, aero, cp, energy
from trainingmath.calculators import run_calculator

# science.md §6.4 worked example: 250 W at 10.5 m/s on the flat, m 80, Crr 0.004, ρ 1.225 -> 0.29055 m².
FIELD_TEST = {"power_w": 250, "speed_m_per_s": 10.5, "crr": 0.004}


def test_cda_worked_example_with_the_mass_from_its_parts():
    whole = run_calculator("cda", {**FIELD_TEST, "total_mass_kg": 80})
    parts = run_calculator(
        "cda", {**FIELD_TEST, "rider_mass_kg": 71.0, "gear_mass_kg": 1.5, "bike_mass_kg": 7.5}
    )
    assert whole["cda_m2"] == pytest.approx(0.29055, abs=5e-5)
    assert parts["cda_m2"] == pytest.approx(whole["cda_m2"], rel=1e-12)
    assert parts["total_mass_kg"] == pytest.approx(80.0)
    assert whole["drivetrain_efficiency"] == aero.DRIVETRAIN_EFFICIENCY


def test_cda_refuses_a_total_that_contradicts_its_parts_and_a_missing_rider():
    with pytest.raises(InvalidInput) as error:
        run_calculator("cda", {**FIELD_TEST, "total_mass_kg": 80, "rider_mass_kg": 60, "bike_mass_kg": 8})
    assert error.value.field == "total_mass_kg"
    with pytest.raises(InvalidInput) as error:
        run_calculator("cda", {**FIELD_TEST, "bike_mass_kg": 8})
    assert error.value.field == "rider_mass_kg"
    with pytest.raises(InvalidInput) as error:
        run_calculator("cda", {**FIELD_TEST, "rider_mass_kg": 70, "gear_mass_kg": -1})
    assert error.value.field == "gear_mass_kg"


def test_cda_wind_is_head_wind_positive_and_reaches_both_forms():
    still = run_calculator("cda", {**FIELD_TEST, "total_mass_kg": 80})["cda_m2"]
    head = run_calculator("cda", {**FIELD_TEST, "total_mass_kg": 80, "wind_m_per_s": 2.0})["cda_m2"]
    tail = run_calculator("cda", {**FIELD_TEST, "total_mass_kg": 80, "wind_m_per_s": -2.0})["cda_m2"]
    # The same power into a head wind means more air speed, so less drag area explains it.
    assert head < still < tail
    assert head == pytest.approx(
        aero.cda_from_power_speed(
            power_w=250, speed_m_per_s=10.5, total_mass_kg=80, crr=0.004, wind_m_per_s=2.0
        )
    )
    # A segment of the same speed (10.5 km in 1000 s) with the same wind gives the same answer.
    segment = run_calculator(
        "cda",
        {
            "power_w": 250,
            "distance_m": 10_500,
            "time_s": 1000,
            "total_mass_kg": 80,
            "crr": 0.004,
            "wind_m_per_s": 2,
        },
    )
    assert segment["cda_m2"] == pytest.approx(head, rel=1e-12)
    # Hand check of the §6.4 formula with v_a = v_g + v_w.
    v, va, rho, m = 10.5, 12.5, 1.225, 80
    rolling = v * 0.004 * m * aero.GRAVITY
    bearings = v * (91 + 8.7 * v) * 1e-3
    expected = (0.976 * 250 - rolling - bearings) / (0.5 * rho * va**2 * v) - aero.WHEEL_DRAG_AREA_M2
    assert head == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("meter", "efficiency"),
    [("crank", 0.976), ("pedal", 0.976), ("spider", 0.976), ("hub", 1.0), ("trainer", 1.0)],
)
def test_power_meter_location_sets_the_drivetrain_loss(meter, efficiency):
    result = run_calculator("cda", {**FIELD_TEST, "total_mass_kg": 80, "power_meter": meter})
    assert result["drivetrain_efficiency"] == efficiency
    same = run_calculator("cda", {**FIELD_TEST, "total_mass_kg": 80, "drivetrain_efficiency": efficiency})
    assert result["cda_m2"] == pytest.approx(same["cda_m2"], rel=1e-12)


def test_explicit_drivetrain_efficiency_overrides_the_meter_and_unknown_meters_are_refused():
    override = run_calculator(
        "cda", {**FIELD_TEST, "total_mass_kg": 80, "power_meter": "hub", "drivetrain_efficiency": 0.95}
    )
    assert override["drivetrain_efficiency"] == 0.95
    with pytest.raises(InvalidInput) as error:
        run_calculator("cda", {**FIELD_TEST, "total_mass_kg": 80, "power_meter": "wrist"})
    assert error.value.field == "power_meter"


def test_critical_power_reports_the_three_parameter_fit_beside_both_two_parameter_fits():
    # science.md §2.2: CP 280 W, W' 20 000 J, Pmax 1000 W; efforts exactly on that curve.
    truth = {"cp_w": 280.0, "w_prime_j": 20_000.0, "pmax_w": 1000.0}
    efforts = [
        {"duration_s": t, "power_w": cp.power_for_duration_3p(duration_s=t, **truth)}
        for t in (60, 180, 480, 1200)
    ]
    outputs = run_calculator("critical_power", {"efforts": efforts})
    assert outputs["cp_w_3p"] == pytest.approx(280.0, rel=1e-4)
    assert outputs["w_prime_j_3p"] == pytest.approx(20_000.0, rel=1e-3)
    assert outputs["pmax_w_3p"] == pytest.approx(1000.0, rel=1e-2)
    assert outputs["k_s_3p"] == pytest.approx(20_000 / 720, rel=1e-2)
    # The 2-parameter fits see a curve that is not theirs: both differ from the truth and from each other.
    assert outputs["cp_w"] != pytest.approx(outputs["cp_w_inverse_time"], rel=1e-6)
    assert outputs["method"] == "work-time"


def test_two_efforts_have_no_three_parameter_fit_and_one_note():
    two = [{"duration_s": 180, "power_w": 400}, {"duration_s": 720, "power_w": 300}]
    outputs = run_calculator("critical_power", {"efforts": two})
    assert outputs["cp_w"] == pytest.approx(266.667, abs=5e-4) and outputs["w_prime_j"] == pytest.approx(
        24_000
    )
    assert outputs["cp_w_3p"] is None and outputs["pmax_w_3p"] is None
    assert sum("less certain" in warning for warning in outputs["warnings"]) == 1


def test_a_run_leg_with_only_heart_rate_uses_keytel_with_age_and_sex():
    leg = {"sport": "run", "duration_s": 3600, "avg_hr": 150}
    result = run_calculator("calories", {"legs": [leg], "weight_kg": 70, "age_years": 40, "sex": "male"})
    expected = (-55.0969 + 0.6309 * 150 + 0.1988 * 70 + 0.2017 * 40) / 4.184 * 60  # science.md §8.3, men
    assert result["legs"][0] == {"sport": "run", "kcal": pytest.approx(expected), "method": "heart_rate"}
    women = run_calculator("calories", {"legs": [leg], "weight_kg": 70, "age_years": 40, "sex": "female"})
    assert women["total_kcal"] == pytest.approx(
        (-20.4022 + 0.4472 * 150 - 0.1263 * 70 + 0.074 * 40) / 4.184 * 60
    )
    # A leg's own age wins over the calculator's.
    own = run_calculator(
        "calories", {"legs": [{**leg, "age_years": 30}], "weight_kg": 70, "age_years": 40, "sex": "male"}
    )
    assert own["total_kcal"] == pytest.approx(expected - 0.2017 * 10 / 4.184 * 60)


@pytest.mark.parametrize(("missing", "given"), [("age_years", {"sex": "male"}), ("sex", {"age_years": 40})])
def test_heart_rate_calories_without_age_or_sex_name_the_missing_input(missing, given):
    with pytest.raises(InvalidInput) as error:
        run_calculator(
            "calories",
            {"legs": [{"sport": "run", "duration_s": 3600, "avg_hr": 150}], "weight_kg": 70, **given},
        )
    assert error.value.field == missing


def test_bike_plan_from_a_power_alone_and_a_bad_power_is_refused():
    course = {"distance_m": 40_000, "total_mass_kg": 80, "cda_m2": 0.28, "crr": 0.004, "rho_kg_per_m3": 1.2}
    plan = run_calculator("bike_plan", {**course, "power_w": 212.5})
    # science.md §7.1: 212.5 W over 40 km flat -> 3973.97 s.
    assert plan["bike_time_s"] == pytest.approx(3973.97, abs=0.05)
    assert plan["tss"] is None and plan["intensity_factor"] is None
    for bad in (0, -150):
        with pytest.raises(InvalidInput) as error:
            run_calculator("bike_plan", {**course, "power_w": bad})
        assert error.value.field == "power_w"


def test_keytel_energy_is_never_negative():
    assert energy.keytel_kcal(avg_hr=40, weight_kg=50, age_years=20, sex="female", duration_s=600) >= 0
    assert math.isfinite(
        energy.keytel_kcal(avg_hr=200, weight_kg=90, age_years=60, sex="male", duration_s=600)
    )
