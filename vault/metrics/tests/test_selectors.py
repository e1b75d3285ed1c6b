import pytest

from vault.metrics import services
from vault.metrics.models import Source
from vault.metrics.selectors import (
    chart_series,
    current_values,
    metric_entry_on,
    metric_history,
    metric_value_on,
    pending_review_count,
    pending_reviews_for_coach,
    recent_changes,
    roster_overview,
)
from vault.metrics.tests.factories import days_ago, entry, fast_password_hasher, pending_entry  # noqa: F401  (autouse)

pytestmark = pytest.mark.django_db


def test_value_in_force_on_a_date(world):
    athlete = world.athlete
    entry(athlete, value=230, days=100, created_by=world.coach)
    entry(athlete, value=240, days=50, source=Source.ASSESSMENT)
    pending_entry(world, value=300, days=20)  # pending never counts
    declined = pending_entry(world, value=310, days=10)
    services.metric_review_decline(entry=declined, reviewer=world.coach)
    assert metric_value_on(athlete, "ftp", days_ago(200)) is None
    assert metric_value_on(athlete, "ftp", days_ago(100)) == 230
    assert metric_value_on(athlete, "ftp", days_ago(60)) == 230
    assert metric_value_on(athlete, "ftp", days_ago(50)) == 240
    assert metric_value_on(athlete, "ftp", days_ago(0)) == 240
    assert metric_value_on(athlete, "weight", days_ago(0)) is None
    assert metric_entry_on(athlete, "ftp", days_ago(0)).source == Source.ASSESSMENT


def test_same_day_later_entry_wins(world):
    entry(world.athlete, value=230, days=5, created_by=world.coach)
    entry(world.athlete, value=235, days=5, created_by=world.coach)
    assert metric_value_on(world.athlete, "ftp", days_ago(0)) == 235


def test_current_values_latest_of_each_type_with_age(world):
    entry(world.athlete, value=230, days=40, created_by=world.coach)
    entry(world.athlete, value=250, days=7, created_by=world.coach)
    entry(world.athlete, metric_type="weight", value=68.4, days=0, created_by=world.coach)
    entry(world.other_athlete, value=300, days=1)
    current = current_values(world.athlete)
    assert list(current) == ["ftp", "weight"]  # METRIC_TYPES order
    assert current["ftp"].value == 250 and current["ftp"].age_days() == 7
    assert current["weight"].age_days() == 0


def test_history_filters(world):
    entry(world.athlete, value=230, days=40, created_by=world.coach)
    entry(world.athlete, value=250, days=7, created_by=world.coach)
    entry(world.athlete, metric_type="weight", value=68.4, days=3, created_by=world.coach)
    assert [e.value for e in metric_history(world.athlete, metric_type="ftp")] == [250, 230]
    assert [e.value for e in metric_history(world.athlete, since=days_ago(10))] == [68.4, 250]
    assert [e.value for e in metric_history(world.athlete, until=days_ago(10))] == [230]


def test_review_queue_shows_previous_value_and_only_the_roster(world):
    entry(world.athlete, value=240, days=30, created_by=world.coach)
    waiting = pending_entry(world, value=255, days=2)
    other_waiting = entry(world.other_athlete, value=200, days=2, created_by=world.other_athlete.user)
    queue = pending_reviews_for_coach(world.coach)
    assert [c.entry.pk for c in queue] == [waiting.pk]
    assert queue[0].previous.value == 240
    assert {c.entry.pk for c in pending_reviews_for_coach(world.admin)} == {waiting.pk, other_waiting.pk}
    assert [c.entry.pk for c in pending_reviews_for_coach(world.other_coach)] == [other_waiting.pk]
    assert pending_review_count(world.athlete) == 1
    services.metric_review_request_info(entry=waiting, reviewer=world.coach, note="Which protocol?")
    assert pending_review_count(world.athlete) == 1  # asking keeps it in the queue
    services.metric_review_accept(entry=waiting, reviewer=world.coach)
    assert pending_review_count(world.athlete) == 0
    assert pending_reviews_for_coach(world.coach) == []


def test_recent_changes_and_roster(world):
    entry(world.athlete, value=240, days=200, created_by=world.coach)
    entry(world.athlete, value=250, days=5, created_by=world.coach)
    pending_entry(world, metric_type="weight", value=70, days=1)
    changes = recent_changes(world.athlete)
    assert [(c.entry.value, c.previous.value if c.previous else None) for c in changes] == [
        (70, None),
        (250, 240),
    ]
    assert changes[1].delta_text == "240 W → 250 W"
    rows = roster_overview(world.coach)
    assert [r.athlete for r in rows] == [world.athlete]
    assert rows[0].pending == 1
    assert rows[0].thresholds[0].value == 250  # ftp first
    assert len(roster_overview(world.admin)) == 2


def test_chart_series_in_plot_units(world):
    entry(world.athlete, metric_type="css_pace", value=100 / 95, days=60, created_by=world.coach)
    entry(world.athlete, metric_type="css_pace", value=100 / 92, days=5, created_by=world.coach)
    pending_entry(world, metric_type="css_pace", value=100 / 80, days=1)
    series = chart_series(world.athlete)["css_pace"]
    assert series["y"] == [95.0, 92.0]
    assert series["x"][0] < series["x"][1]
    assert series["unit"] == "s/100m" and series["lower_is_better"]
