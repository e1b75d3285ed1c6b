"""Access rows for the race and calculator-result endpoints and pages (see vault/testing/access_matrix.py)."""

import datetime as dt

from vault.calculators.tests.factories import make_plan, make_race
from vault.testing.access_matrix import (
    Row,
    api_any_signed_in,
    api_owner_coach_admin,
    page_owner_coach_admin,
)
from vault.testing.personas import athlete_today


def _athlete(world):
    return {"public_id": world.athlete.public_id}


def _race(world):
    return {"race_id": make_race(world.athlete).pk}


def _result(world):
    plan = make_plan(make_race(world.athlete), types=("css",))
    return {"result_id": plan["css"].pk}


def _new_race(world):
    return {
        "name": "Harbour Sprint",
        "date": str(athlete_today() + dt.timedelta(days=30)),
        "distance": "sprint",
        "priority": "B",
    }


def _edited_race(world):
    return {**_new_race(world), "name": "Harbour Sprint (moved)", "priority": "C"}


def _activity(world):
    from vault.activities.services import activity_import
    from vault.activities.tests.files import gpx_bytes

    outcome = activity_import(athlete=world.athlete, data=gpx_bytes(points=30), filename="row.gpx")
    return {"activity_id": outcome.activity.pk}


def _calculator(world):
    return {"public_id": world.athlete.public_id, "calculator_type": "ftp_test"}


ROWS = [
    Row("api:calculator-type-list", api_any_signed_in()),
    Row("api:fitness", api_owner_coach_admin(), kwargs=_athlete),
    Row("api:power-curves", api_owner_coach_admin(), kwargs=_athlete),
    Row("api:activity-load", api_owner_coach_admin(), kwargs=_activity),
    Row(
        "api:activity-load",
        api_owner_coach_admin(),
        method="put",
        kwargs=_activity,
        data=lambda w: {"load": 55, "note": "matrix"},
    ),
    Row("api:assessment-list", api_owner_coach_admin(), kwargs=_athlete),
    Row(
        "api:assessment-list",
        api_owner_coach_admin(201),
        method="post",
        kwargs=_athlete,
        data=lambda w: {"kind": "ftp_test", "inputs": {"power_20min_w": 300}},
    ),
    Row(
        "api:calculator-run",
        api_owner_coach_admin(201),
        method="post",
        kwargs=_calculator,
        data=lambda w: {"power_20min_w": 300},
    ),
    Row("api:race-list", api_owner_coach_admin(), kwargs=_athlete),
    Row("api:race-list", api_owner_coach_admin(201), method="post", kwargs=_athlete, data=_new_race),
    Row("api:race-detail", api_owner_coach_admin(), kwargs=_race),
    Row(
        "api:race-detail",
        api_owner_coach_admin(),
        method="patch",
        kwargs=_race,
        data=lambda w: {"priority": "C"},
    ),
    Row("api:race-detail", api_owner_coach_admin(204), method="delete", kwargs=_race),
    Row("api:calculator-result-list", api_owner_coach_admin(), kwargs=_athlete),
    Row("api:calculator-result-detail", api_owner_coach_admin(), kwargs=_result),
    Row("web:race-list", page_owner_coach_admin(), kwargs=_athlete),
    Row("web:race-create", page_owner_coach_admin(), kwargs=_athlete),
    Row("web:race-create", page_owner_coach_admin(302), method="post", kwargs=_athlete, data=_new_race),
    Row("web:race-detail", page_owner_coach_admin(), kwargs=_race),
    Row("web:race-edit", page_owner_coach_admin(), kwargs=_race),
    Row("web:race-edit", page_owner_coach_admin(302), method="post", kwargs=_race, data=_edited_race),
    Row("web:race-delete", page_owner_coach_admin(302), method="post", kwargs=_race, data=lambda w: {}),
    Row("web:calculator-result-list", page_owner_coach_admin(), kwargs=_athlete),
    Row("web:calculator", page_owner_coach_admin(), kwargs=_calculator),
    Row(
        "web:calculator",
        page_owner_coach_admin(),
        method="post",
        kwargs=_calculator,
        data=lambda w: {"power_20min_w": "300", "action": "preview"},
    ),
    Row("web:assessment-list", page_owner_coach_admin(), kwargs=_athlete),
    Row(
        "web:assessment-list",
        page_owner_coach_admin(302),
        method="post",
        kwargs=_athlete,
        data=lambda w: {"kind": "ftp_test", "power_20min_w": "300"},
    ),
    Row("web:race-plan", page_owner_coach_admin(), kwargs=_race),
    Row(
        "web:modeled-thresholds",
        page_owner_coach_admin(302),
        method="post",
        kwargs=_athlete,
        data=lambda w: {},
    ),
    Row("web:activity-load", page_owner_coach_admin(), kwargs=_activity),
    Row(
        "web:activity-load",
        page_owner_coach_admin(302),
        method="post",
        kwargs=_activity,
        data=lambda w: {"load": "60", "note": "matrix"},
    ),
    Row("web:race-plan-print", page_owner_coach_admin(), kwargs=_race),
    Row("web:calculator-result-detail", page_owner_coach_admin(), kwargs=_result),
    Row(
        "web:calculator-result-activate",
        page_owner_coach_admin(302),
        method="post",
        kwargs=_result,
        data=lambda w: {},
    ),
]
