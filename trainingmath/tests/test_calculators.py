import subprocess
import sys
from pathlib import Path

import pytest

from trainingmath import InvalidInput
from trainingmath.calculators import CALCULATORS, run_calculator

REPO = Path(__file__).resolve().parents[2]

# design.md §6: the fixed output names of each calculator.
EXAMPLES = {
    "css": (
        {"d1_m": 200, "t1_s": 170, "d2_m": 400, "t2_s": 360},
        {"css_m_per_s", "css_pace_s_per_100m", "sdi_percent", "zones"},
    ),
    "critical_power": (
        {"efforts": [{"duration_s": 180, "power_w": 400}, {"duration_s": 720, "power_w": 300}]},
        {"cp_w", "w_prime_j", "cp_w_inverse_time", "w_prime_j_inverse_time"},
    ),
    "ftp_test": ({"power_20min_w": 300}, {"ftp_w"}),
    "air_density": (
        {"temperature_c": 20, "pressure_pa": 101_325, "relative_humidity_percent": 50},
        {"rho_kg_per_m3"},
    ),
    "bike_speed": (
        {"power_w": 250, "total_mass_kg": 80, "cda_m2": 0.3, "crr": 0.004, "grade": 0.05},
        {"speed_m_per_s", "power_w"},
    ),
    "cda": ({"power_w": 250, "speed_m_per_s": 10.5, "total_mass_kg": 80, "crr": 0.004}, {"cda_m2"}),
    "bike_plan": (
        {
            "distance_m": 40_000,
            "elevation_gain_m": 0,
            "target_if": 0.85,
            "ftp_w": 250,
            "total_mass_kg": 80,
            "cda_m2": 0.28,
            "crr": 0.004,
            "rho_kg_per_m3": 1.2,
        },
        {"bike_time_s", "power_w", "np_w", "tss"},
    ),
    "finish_time": (
        {
            "preset": "olympic",
            "swim_pace_s_per_100m": 98,
            "bike_speed_m_per_s": 10,
            "run_pace_s_per_km": 270,
            "cutoffs_s": {"finish": 9000},
        },
        {"swim_s", "t1_s", "bike_s", "t2_s", "run_s", "total_s", "cutoffs"},
    ),
    "run_prediction": (
        {"distance_m": 10_000, "time_s": 2400, "target_distance_m": 21_097.5},
        {"riegel_time_s", "vdot", "vdot_time_s"},
    ),
    "training_paces": ({"vdot": 50}, {"paces"}),
    "calories": (
        {"legs": [{"sport": "bike", "duration_s": 3600, "work_kj": 720}], "weight_kg": 70},
        {"legs", "total_kcal"},
    ),
    "fueling": (
        {"legs": [{"sport": "run", "duration_s": 7200}], "weight_kg": 70, "temperature_c": 25},
        {"carbs_g_per_h", "fluid_ml_per_h", "sodium_mg_per_h", "schedule"},
    ),
}


def test_every_calculator_has_an_example():
    assert set(EXAMPLES) == set(CALCULATORS)


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_calculator_outputs_use_the_fixed_names(kind):
    inputs, outputs = EXAMPLES[kind]
    assert outputs <= set(run_calculator(kind, inputs))


def test_calculator_values():
    assert run_calculator("css", EXAMPLES["css"][0])["css_pace_s_per_100m"] == pytest.approx(95.0)
    assert run_calculator("bike_speed", EXAMPLES["bike_speed"][0])["speed_m_per_s"] == pytest.approx(
        5.1487, abs=5e-5
    )
    assert run_calculator(
        "bike_speed", {"speed_m_per_s": 10, "total_mass_kg": 80, "cda_m2": 0.3, "crr": 0.004}
    )["power_w"] == pytest.approx(225.01, abs=0.005)
    crawl = run_calculator(
        "bike_speed", {"power_w": 20, "grade": 0.3, "total_mass_kg": 120, "cda_m2": 0.4, "crr": 0.01}
    )
    assert crawl["speed_m_per_s"] < 1 and "slower" in crawl["warnings"][0]
    assert run_calculator("cda", EXAMPLES["cda"][0])["cda_m2"] == pytest.approx(0.29055, abs=5e-6)
    segment = {"power_w": 250, "distance_m": 10_500, "time_s": 1000, "total_mass_kg": 80, "crr": 0.004}
    assert run_calculator("cda", segment)["cda_m2"] == pytest.approx(0.29055, abs=5e-6)
    assert run_calculator("cda", {**segment, "grade": 0.01})["cda_m2"] == pytest.approx(
        run_calculator("cda", {**segment, "elevation_gain_m": 105})["cda_m2"]
    )
    assert run_calculator("bike_plan", EXAMPLES["bike_plan"][0])["bike_time_s"] == pytest.approx(
        3973.97, abs=0.005
    )
    assert run_calculator("air_density", {"altitude_m": 1000})["rho_kg_per_m3"] == pytest.approx(
        1.11165, abs=5e-6
    )
    assert run_calculator("training_paces", {"vdot": 50})["paces"]["threshold"] == pytest.approx(
        255.71, abs=0.005
    )


@pytest.mark.parametrize(
    ("kind", "inputs", "field"),
    [
        ("vo2max", {}, "type"),
        ("ftp_test", {}, "power_20min_w"),
        ("ftp_test", {"power_20min_w": 300, "power_w": 1}, "power_w"),
        ("ftp_test", {"power_20min_w": "fast"}, "power_20min_w"),
        ("bike_speed", {"total_mass_kg": 80, "cda_m2": 0.3, "crr": 0.004}, "power_w"),
        ("cda", {"power_w": 250, "total_mass_kg": 80, "crr": 0.004}, "speed_m_per_s"),
        (
            "cda",
            {"power_w": 250, "speed_m_per_s": 10, "elevation_gain_m": 5, "total_mass_kg": 80, "crr": 0.004},
            "grade",
        ),
        ("finish_time", {"swim_m": 0}, "preset"),
        ("css", {"d1_m": 200, "t1_s": 170, "d2_m": 400, "t2_s": 160}, "t2_s"),
        ("critical_power", {"efforts": [{"duration_s": 180, "power_w": 400}]}, "efforts"),
    ],
)
def test_calculator_errors_name_the_field(kind, inputs, field):
    with pytest.raises(InvalidInput) as error:
        run_calculator(kind, inputs)
    assert error.value.field == field


def test_trainingmath_imports_only_stdlib_and_numpy():
    # design.md §2: trainingmath never imports Django (or anything but the stdlib and numpy).
    script = (
        "import sys, pkgutil, importlib\n"
        "sys.modules['django'] = None\n"
        "import trainingmath\n"
        "for info in pkgutil.iter_modules(trainingmath.__path__):\n"
        "    importlib.import_module('trainingmath.' + info.name)\n"
        "roots = {name.split('.')[0] for name, module in sys.modules.items() if module is not None}\n"
        "extra = sorted(roots - set(sys.stdlib_module_names) - {'numpy', 'trainingmath', '__main__'})\n"
        "extra = [name for name in extra if not name.startswith('_')]\n"
        "print(','.join(extra))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
