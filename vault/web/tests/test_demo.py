import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from vault.accounts.access import visible_athletes
from vault.accounts.models import AthleteProfile, CoachAthleteLink, User
from vault.activities.models import Activity
from vault.calculators.models import CalculatorResult, Race
from vault.coaching import selectors as coaching
from vault.coaching.models import ActivityComment, CoachNote, NoteTemplate, WellnessEntry
from vault.metrics.models import MetricHistory, Source
from vault.metrics.tests.factories import fast_password_hasher  # noqa: F401  (autouse)
from vault.metrics.types import METRIC_TYPES

pytestmark = pytest.mark.django_db
PASSWORD = "demo-password-1"


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            AthleteProfile,
            CoachAthleteLink,
            MetricHistory,
            CalculatorResult,
            Race,
            Activity,
            WellnessEntry,
            CoachNote,
            ActivityComment,
            NoteTemplate,
        )
    }


def rows():
    return sorted(
        MetricHistory.objects.values_list(
            "athlete__user__username", "metric_type", "value", "recorded_on", "source_detail", "review_status"
        )
    )


@pytest.fixture
def demo():
    call_command("demo", password=PASSWORD, stdout=io.StringIO())


def test_demo_is_idempotent(demo):
    before, history = counts(), rows()
    call_command("demo", password=PASSWORD, stdout=io.StringIO())
    assert counts() == before
    assert rows() == history


def test_demo_people_roster_and_logins(demo):
    coach, coach2 = User.objects.get(username="coach"), User.objects.get(username="coach2")
    assert sorted(a.user.username for a in visible_athletes(coach)) == ["ana", "ben"]
    assert [a.user.username for a in visible_athletes(coach2)] == ["cleo"]
    assert User.objects.get(username="admin").is_admin_role
    for username in ("admin", "coach", "coach2", "ana", "ben", "cleo"):
        assert Client().login(username=username, password=PASSWORD), username
    assert not Client().login(username="ana", password="wrong-password")


@pytest.mark.parametrize("username", ["ana", "ben", "cleo"])
def test_each_athlete_has_history_results_and_a_planned_race(demo, username):
    athlete = AthleteProfile.objects.get(user__username=username)
    history = MetricHistory.objects.filter(athlete=athlete)
    assert history.count() >= 20
    assert set(history.values_list("source", flat=True)) == set(Source.values)
    assert len(set(history.values_list("metric_type", flat=True))) >= 5
    assert set(history.values_list("metric_type", flat=True)) <= set(METRIC_TYPES)
    assert history.filter(needs_review=True).count() >= 2
    assert history.filter(review_status="declined").exclude(review_note="").exists()
    dates = sorted(history.values_list("recorded_on", flat=True))
    assert (dates[-1] - dates[0]).days >= 300
    assert CalculatorResult.objects.filter(athlete=athlete).count() >= 5
    race = Race.objects.get(athlete=athlete)
    plan = {r.calculator_type: r.outputs for r in CalculatorResult.objects.filter(race=race, is_active=True)}
    assert {"css", "critical_power", "cda", "bike_plan", "finish_time", "calories", "fueling"} <= set(plan)
    finish = plan["finish_time"]
    assert finish["total_s"] == sum(finish[k] for k in ("swim_s", "t1_s", "bike_s", "t2_s", "run_s"))
    assert 0.15 < plan["cda"]["cda_m2"] < 0.35 and 150 < plan["bike_plan"]["power_w"] < 320
    assert plan["calories"]["total_kcal"] == sum(leg["kcal"] for leg in plan["calories"]["legs"])


def _wellness_rows():
    return sorted(
        WellnessEntry.objects.values_list("athlete__user__username", "date", "hrv_rmssd_ms", "mood")
    )


def test_the_conversation_is_the_same_on_a_second_run(demo):
    before = (_wellness_rows(), sorted(CoachNote.objects.values_list("body", flat=True)))
    call_command("demo", password=PASSWORD, stdout=io.StringIO())
    assert (_wellness_rows(), sorted(CoachNote.objects.values_list("body", flat=True))) == before


@pytest.mark.parametrize("username", ["ana", "ben", "cleo"])
def test_each_athlete_has_activities_a_wellness_log_notes_and_threads(demo, username):
    athlete = AthleteProfile.objects.get(user__username=username)
    coach = CoachAthleteLink.objects.active().get(athlete=athlete).coach
    assert sorted(athlete.activities.values_list("sport", flat=True)) == ["cycling", "running"]
    assert WellnessEntry.objects.filter(athlete=athlete).count() >= 20
    flagged = [row for row in coaching.wellness_with_flags(athlete, days=21) if row["flags"]]
    assert flagged  # some days raise the science.md §11 flags
    notes = CoachNote.objects.filter(athlete=athlete)
    assert notes.filter(visible_to_athlete=True).exists() and notes.filter(visible_to_athlete=False).exists()
    assert notes.filter(activity__isnull=False).exists() and notes.filter(race__isnull=False).exists()
    assert ActivityComment.objects.filter(activity__athlete=athlete).count() == 4
    assert coaching.unread_comment_counts(coach)[athlete.pk] == 1  # the athlete's reply
    assert coaching.unread_comment_counts(athlete.user)[athlete.pk] == 1  # the coach's word on the ride
    assert NoteTemplate.objects.filter(coach=coach).count() == 2


def test_one_concerning_note_reaches_ana_and_marks_her_on_the_roster(demo):
    concerning = CoachNote.objects.get(concerning=True)
    assert concerning.athlete.user.username == "ana" and concerning.visible_to_athlete
    ana = concerning.athlete
    assert coaching.unseen_concerns(ana).count() == 1
    coach = User.objects.get(username="coach")
    rows = coaching.roster_coaching(coach, [ana])
    assert rows[ana.pk]["concerns"] == 1 and rows[ana.pk]["wellness_flags"]  # today's HRV drop
    cleo = AthleteProfile.objects.get(user__username="cleo")
    assert (
        coaching.roster_coaching(User.objects.get(username="coach2"), [cleo])[cleo.pk]["wellness_flags"]
        is None
    )


def test_demo_refuses_a_short_password(db):
    with pytest.raises(CommandError, match="at least 8"):
        call_command("demo", password="short")
    assert not User.objects.exists()
