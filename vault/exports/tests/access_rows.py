"""Access rows for the exports (see vault/testing/access_matrix.py)."""

from vault.calculators.tests.factories import make_plan, make_race
from vault.testing.access_matrix import (
    Row,
    api_owner_coach_admin,
    expect,
    page_any_signed_in,
    page_owner_coach_admin,
)
from vault.testing.personas import PASSWORD


def _athlete(world):
    return {"public_id": world.athlete.public_id}


def _race_with_plan(world):
    race = make_race(world.athlete)
    make_plan(race)
    return {"race_id": race.pk}


ROWS = [
    Row("api:metrics-csv", api_owner_coach_admin(), kwargs=_athlete),
    Row("api:calculator-results-csv", api_owner_coach_admin(), kwargs=_athlete),
    Row("api:race-plan-csv", api_owner_coach_admin(), kwargs=_race_with_plan),
    Row("api:wellness-csv", api_owner_coach_admin(), kwargs=_athlete),
    Row("api:coach-notes-csv", api_owner_coach_admin(), kwargs=_athlete),
    Row("api:comments-csv", api_owner_coach_admin(), kwargs=_athlete),
    Row("api:activities-csv", api_owner_coach_admin(), kwargs=_athlete),
    Row("api:athlete-export", api_owner_coach_admin(), kwargs=_athlete),
    Row(
        "api:roster-export",
        expect(athlete=404, coach=200, other_coach=200, other_athlete=404, admin=200, anonymous=401),
    ),
    # Each persona deletes their own account; the only admin of an instance may not (400).
    Row(
        "api:me-delete",
        expect(athlete=200, coach=200, other_coach=200, other_athlete=200, admin=400, anonymous=401),
        method="post",
        data=lambda world: {"password": PASSWORD},
    ),
    # An athlete is sent on to their own exports; coaches and admin pick an athlete or the roster.
    Row(
        "web:exports",
        expect(athlete=302, coach=200, other_coach=200, other_athlete=302, admin=200, anonymous=302),
    ),
    Row("web:athlete-exports", page_owner_coach_admin(), kwargs=_athlete),
    Row("web:account-delete", page_any_signed_in()),
    # As the API: each deletes their own account (302 to sign-in); the only admin is refused (200, form error).
    Row(
        "web:account-delete",
        expect(athlete=302, coach=302, other_coach=302, other_athlete=302, admin=200, anonymous=302),
        method="post",
        data=lambda world: {"password": PASSWORD},
    ),
    Row("web:help-index", page_any_signed_in()),
    Row("web:help-exporting", page_any_signed_in()),
    Row("web:help-sources", page_any_signed_in()),
    Row("web:help-access", page_any_signed_in()),
    Row("web:help-data", page_any_signed_in()),
]
