"""Small factories for races and saved results, shared by the calculators and exports tests."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from vault.calculators.models import CalculatorResult, Race
from vault.calculators.services import calculator_result_save, race_create
from vault.testing.personas import athlete_today

# Plausible outputs of each plan step, in the output names of design.md §6 (the Olympic worked example).
PLAN_OUTPUTS = {
    "css": {"css_m_per_s": 1.0526, "css_pace_s_per_100m": 95.0, "sdi_percent": 3.1, "zones": {"z1": 105.0}},
    "critical_power": {"cp_w": 262.0, "w_prime_j": 18500.0},
    "cda": {"cda_m2": 0.28},
    "bike_plan": {"bike_time_s": 3973.97, "power_w": 212.5, "np_w": 215.0, "tss": 79.8},
    "finish_time": {
        "swim_s": 1470.0,
        "t1_s": 120.0,
        "bike_s": 3973.97,
        "t2_s": 60.0,
        "run_s": 2736.8,
        "total_s": 8360.77,
        "cutoffs": [],
    },
    "calories": {
        "legs": [
            {"sport": "swim", "kcal": 380.0, "method": "pace"},
            {"sport": "bike", "kcal": 850.0, "method": "power"},
            {"sport": "run", "kcal": 720.0, "method": "pace"},
        ],
        "total_kcal": 1950.0,
    },
    "fueling": {
        "carbs_g_per_h": 75.0,
        "fluid_ml_per_h": 700.0,
        "sodium_mg_per_h": 600.0,
        "schedule": [{"hour": 1, "carbs_g": 75}, {"hour": 2, "carbs_g": 75}],
    },
}


def make_race(athlete, **overrides) -> Race:
    values = {
        "name": "Lake Olympic",
        "date": athlete_today() + dt.timedelta(days=60),
        "distance": "olympic",
        "priority": "A",
    }
    values.update(overrides)
    return race_create(athlete=athlete, **values)


def make_plan(race: Race, *, types=tuple(PLAN_OUTPUTS)) -> dict[str, CalculatorResult]:
    """Save one result per plan step for the race (each becomes the active one)."""
    return {
        calculator_type: calculator_result_save(
            athlete=race.athlete,
            calculator_type=calculator_type,
            race=race,
            inputs={"from": "test"},
            outputs=PLAN_OUTPUTS[calculator_type],
        )
        for calculator_type in types
    }


def run_calculator_api(api_client, world, calculator_type, inputs, *, user=None, query=""):
    """POST the persona athlete's calculator endpoint (as the coach unless `user` is given)."""
    api_client.force_authenticate(user or world.coach)
    url = reverse(
        "api:calculator-run",
        kwargs={"public_id": world.athlete.public_id, "calculator_type": calculator_type},
    )
    return api_client.post(url + query, inputs, format="json")
