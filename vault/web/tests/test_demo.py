import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from vault.accounts.access import visible_athletes
from vault.accounts.models import AthleteProfile, CoachAthleteLink, User
from vault.calculators.models import CalculatorResult, Race
from vault.metrics.models import MetricHistory, Source
from vault.metrics.tests.factories import fast_password_hasher  # noqa: F401  (autouse)
from vault.metrics.types import METRIC_TYPES

pytestmark = pytest.mark.django_db
PASSWORD = "demo-password-1"


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (User, AthleteProfile, CoachAthleteLink, MetricHistory, CalculatorResult, Race)
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


def test_demo_refuses_a_short_password(db):
    with pytest.raises(CommandError, match="at least 8"):
        call_command("demo", password="short")
    assert not User.objects.exists()
