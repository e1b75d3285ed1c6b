"""An athlete with something of every kind the full export carries, built through the real services."""

from __future__ import annotations

import datetime as dt

from django.core.files.storage import default_storage

from vault.activities.load import activity_load_set
from vault.activities.models import Activity
from vault.activities.services import activity_import
from vault.activities.tests.files import gpx_bytes, tcx_bytes
from vault.calculators.assessments import assessment_record
from vault.calculators.models import CalculatorResult
from vault.calculators.tests.factories import make_plan, make_race
from vault.coaching.services import coach_note_create, comment_create, wellness_entry_save
from vault.metrics.services import metric_entry_create


def imported(athlete, data: bytes, filename: str, **extra):
    outcome = activity_import(athlete=athlete, data=data, filename=filename, **extra)
    assert outcome.status == "imported", outcome.message
    return outcome.activity


def fill_athlete(world) -> dict:
    """Metric history and a threshold test first (so activities are measured against them), then activities
    (one corrected to a trainer ride, two with load overrides), plans, the log and talk.

    Two originals share the name run.gpx in one year (the archive must keep both); one ride is in another year.
    """
    athlete, coach = world.athlete, world.coach
    metric_entry_create(
        athlete=athlete,
        metric_type="threshold_hr",
        value=172.0,
        recorded_on=dt.date(2025, 1, 5),
        source="assessment",
        source_detail="lab test",
        created_by=coach,
    )
    metric_entry_create(
        athlete=athlete,
        metric_type="ftp",
        value=240.0,
        recorded_on=dt.date(2025, 1, 6),
        source="manual",
    )
    assessment_record(
        athlete=athlete,
        kind="ftp_test",
        inputs={"power_20min_w": 255},
        tested_on=dt.date(2025, 1, 7),
        notes="on the trainer",
        created_by=coach,
    )
    first = imported(
        athlete,
        gpx_bytes(points=90, heart_rate=150),
        "run.gpx",
        name="Tempo",
        gear="Shoes A",
        description="=felt good",
    )
    second = imported(
        athlete,
        gpx_bytes(points=60, heart_rate=131, start=dt.datetime(2026, 3, 2, 7, tzinfo=dt.UTC)),
        "run.gpx",
        source_kind="cli",
        external_id="watch-77",
    )
    ride = imported(
        athlete, tcx_bytes(points=40, start=dt.datetime(2025, 6, 1, 6, tzinfo=dt.UTC)), "ride.tcx"
    )
    # The ride was on a trainer the file does not mention: corrected by hand, so no import could recompute it.
    Activity.objects.filter(pk=ride.pk).update(sub_sport="indoor_cycling", trainer=True)
    activity_load_set(activity=first, load=85.0, changed_by=coach, note="felt harder than it scored")
    activity_load_set(activity=second, load=40.0, changed_by=athlete.user)
    activity_load_set(activity=second, load=None, changed_by=coach, note="back to the computed load")
    race = make_race(athlete)
    make_plan(race)
    CalculatorResult.objects.create(
        athlete=athlete,
        calculator_type="ftp_test",
        inputs={"power_20min_w": 260},
        outputs={"ftp_w": 247.0},
        created_by=coach,
    )
    wellness_entry_save(
        athlete=athlete,
        date=dt.date(2026, 3, 1),
        values={"sleep_hours": 7.5, "mood": 7, "weight_kg": 61.2},
        by=athlete.user,
    )
    wellness_entry_save(
        athlete=athlete,
        date=dt.date(2026, 3, 2),
        values={"illness": True, "illness_note": "cold"},
        by=athlete.user,
    )
    coach_note_create(
        athlete=athlete,
        author=coach,
        body="Shared about the tempo",
        activity=first,
        visible_to_athlete=True,
    )
    coach_note_create(athlete=athlete, author=coach, body="Private: race focus", race=race, concerning=True)
    comment_create(activity=first, author=athlete.user, body="Legs heavy")
    comment_create(activity=first, author=coach, body="Rest tomorrow")
    return {"activities": [first, second, ride], "race": race}


def stored_files(folder: str = "") -> set[str]:
    """Every file name in the default storage under `folder`."""
    folders, files = default_storage.listdir(folder) if default_storage.exists(folder or ".") else ([], [])
    found = {f"{folder}/{name}".lstrip("/") for name in files}
    for sub in folders:
        found |= stored_files(f"{folder}/{sub}".lstrip("/"))
    return found
