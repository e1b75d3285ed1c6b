import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainingmath import InvalidInput, energy


def test_cycling_worked_example():
    assert energy.cycling_kcal(work_kj=720) == pytest.approx(717.0, abs=0.05)
    low, high = energy.cycling_kcal_range(work_kj=720)
    assert low == pytest.approx(688, abs=0.5) and high == pytest.approx(860, abs=0.5)


def test_running_worked_example():
    assert energy.running_kcal_acsm(weight_kg=70, distance_m=10_000, duration_s=3000) == pytest.approx(
        761, abs=0.5
    )
    assert energy.running_kcal_acsm(
        weight_kg=70, distance_m=10_000, duration_s=3000, net=True
    ) == pytest.approx(700, abs=0.5)
    assert energy.running_kcal_minetti(weight_kg=70, distance_m=10_000) == pytest.approx(602, abs=0.5)


def test_swimming_worked_example():
    assert energy.swimming_kcal(weight_kg=70, duration_s=3600, intensity_factor=0.95) == {
        "kcal": 686.0,
        "method": "met_9.8",
    }
    assert energy.swimming_kcal(weight_kg=70, duration_s=3600)["kcal"] == pytest.approx(5.8 * 70)


def test_keytel_follows_the_paper():
    men = energy.keytel_kcal(avg_hr=150, weight_kg=70, age_years=40, sex="male", duration_s=3600)
    assert men == pytest.approx((-55.0969 + 0.6309 * 150 + 0.1988 * 70 + 0.2017 * 40) / 4.184 * 60)
    women = energy.keytel_kcal(avg_hr=150, weight_kg=70, age_years=40, sex="female", duration_s=3600)
    assert women == pytest.approx((-20.4022 + 0.4472 * 150 - 0.1263 * 70 + 0.074 * 40) / 4.184 * 60)


def test_race_calories_per_leg_methods():
    result = energy.race_calories(
        [
            {"sport": "swim", "duration_s": 1800, "intensity_factor": 0.9},
            {"sport": "bike", "duration_s": 3600, "work_kj": 720},
            {"sport": "run", "duration_s": 3000, "pace_s_per_km": 300},
        ],
        weight_kg=70,
    )
    assert [leg["method"] for leg in result["legs"]] == ["met_9.8", "work", "acsm"]
    assert result["legs"][2]["kcal"] == pytest.approx(761.25)
    assert result["total_kcal"] == pytest.approx(343 + 717.017 + 761.25, abs=0.01)
    by_hr = energy.race_calories(
        [{"sport": "run", "duration_s": 3600, "avg_hr": 150, "age_years": 40, "sex": "male"}], weight_kg=70
    )
    assert by_hr["legs"][0]["method"] == "heart_rate"
    unknown = energy.race_calories([{"sport": "bike", "duration_s": 3600}], weight_kg=70)
    assert unknown["total_kcal"] is None and unknown["legs"][0]["method"] is None


@pytest.mark.parametrize(("hours", "carbs"), [(0.4, 0), (1.0, 0), (1.5, 30), (2.25, 60), (3, 90), (10, 90)])
def test_carbohydrate_bands(hours, carbs):
    plan = energy.fueling_plan(legs=[{"sport": "bike", "duration_s": hours * 3600}], weight_kg=70)
    assert plan["carbs_g_per_h"] == carbs


def test_fluid_and_sodium():
    cool = energy.fueling_plan(legs=[{"sport": "run", "duration_s": 7200}], weight_kg=60, temperature_c=5)
    hot = energy.fueling_plan(legs=[{"sport": "run", "duration_s": 7200}], weight_kg=85, temperature_c=32)
    assert cool["fluid_ml_per_h"] == pytest.approx(400) and hot["fluid_ml_per_h"] == pytest.approx(800)
    assert cool["sodium_mg_per_h"] == pytest.approx(300) and hot["sodium_mg_per_h"] == pytest.approx(600)
    short = energy.fueling_plan(legs=[{"sport": "run", "duration_s": 2400}], weight_kg=70)
    assert short["sodium_mg_per_h"] == 0


def test_sweat_rate_personalises_fluid():
    rate = energy.sweat_rate_l_per_h(
        pre_mass_kg=70.0, post_mass_kg=69.2, fluid_drunk_l=0.5, urine_l=0.1, duration_s=7200
    )
    assert rate == pytest.approx(0.6)
    plan = energy.fueling_plan(
        legs=[{"sport": "run", "duration_s": 7200}], weight_kg=70, temperature_c=35, sweat_rate_l_per_h=rate
    )
    assert plan["fluid_ml_per_h"] == pytest.approx(600)
    light = energy.fueling_plan(
        legs=[{"sport": "run", "duration_s": 7200}], weight_kg=70, sweat_rate_l_per_h=0.3
    )
    assert light["fluid_ml_per_h"] == pytest.approx(300)  # never more than the sweat loss
    assert plan["pre_exercise_fluid_ml"] == pytest.approx([350, 490])
    with pytest.raises(InvalidInput) as error:
        energy.sweat_rate_l_per_h(pre_mass_kg=70, post_mass_kg=71, fluid_drunk_l=0, duration_s=3600)
    assert error.value.field == "post_mass_kg"


def test_schedule_skips_the_swim():
    plan = energy.fueling_plan(
        legs=[{"sport": "swim", "duration_s": 1800}, {"sport": "bike", "duration_s": 9000}],
        weight_kg=70,
        temperature_c=20,
    )
    first, last = plan["schedule"][0], plan["schedule"][-1]
    assert len(plan["schedule"]) == 3
    assert first["carbs_g"] == pytest.approx(45.0) and first["feeds"] == 1
    assert last["carbs_g"] == pytest.approx(90.0) and last["carbs_g_per_feed"] == pytest.approx(30.0)
    assert sum(row["carbs_g"] for row in plan["schedule"]) == pytest.approx(90 * 2.5)


@given(st.floats(min_value=0, max_value=5000), st.floats(min_value=0.2, max_value=0.25))
def test_metabolic_energy_times_efficiency_is_the_work(work, efficiency):
    kcal = energy.cycling_kcal(work_kj=work, gross_efficiency=efficiency)
    assert kcal * efficiency * 4.184 == pytest.approx(work)
    low, high = energy.cycling_kcal_range(work_kj=work)
    assert low - 1e-9 <= kcal <= high + 1e-9


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: energy.cycling_kcal(work_kj=-1), "work_kj"),
        (lambda: energy.cycling_kcal(work_kj=100, gross_efficiency=0.9), "gross_efficiency"),
        (lambda: energy.running_kcal_acsm(weight_kg=0, distance_m=1000, duration_s=300), "weight_kg"),
        (lambda: energy.running_kcal_acsm(weight_kg=70, distance_m=1000, duration_s=0), "duration_s"),
        (
            lambda: energy.keytel_kcal(avg_hr=150, weight_kg=70, age_years=40, sex="other", duration_s=60),
            "sex",
        ),
        (
            lambda: energy.keytel_kcal(avg_hr=400, weight_kg=70, age_years=40, sex="male", duration_s=60),
            "avg_hr",
        ),
        (lambda: energy.race_calories([], weight_kg=70), "legs"),
        (lambda: energy.race_calories([{"sport": "rowing", "duration_s": 60}], weight_kg=70), "legs"),
        (lambda: energy.race_calories([{"sport": "run", "duration_s": -60}], weight_kg=70), "duration_s"),
        (lambda: energy.race_calories([{"sport": "run", "duration_s": 60}], weight_kg=0), "weight_kg"),
        (lambda: energy.fueling_plan(legs=[], weight_kg=70), "legs"),
        (
            lambda: energy.fueling_plan(
                legs=[{"sport": "bike", "duration_s": 600}], weight_kg=70, temperature_c=80
            ),
            "temperature_c",
        ),
    ],
)
def test_invalid_inputs(call, field):
    with pytest.raises(InvalidInput) as error:
        call()
    assert error.value.field == field
