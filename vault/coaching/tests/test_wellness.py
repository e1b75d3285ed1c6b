import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from vault.coaching import selectors, services
from vault.coaching.models import WellnessEntry
from vault.metrics.models import MetricHistory


def _today(athlete):
    return timezone.now().astimezone(athlete.tzinfo).date()


def test_a_day_has_one_entry_and_saving_again_updates_it(world):
    athlete = world.athlete
    day = _today(athlete)
    services.wellness_entry_save(
        athlete=athlete, date=day, values={"sleep_hours": 7.5, "mood": 7}, by=athlete.user
    )
    services.wellness_entry_save(athlete=athlete, date=day, values={"mood": 4}, by=athlete.user)
    entry = WellnessEntry.objects.get(athlete=athlete)
    assert (entry.sleep_hours, entry.mood) == (7.5, 4)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mood", 11),
        ("stress", 0),
        ("sleep_hours", 25),
        ("hrv_rmssd_ms", -3),
        ("resting_hr", 250),
        ("body_battery", 101),
    ],
)
def test_out_of_range_values_are_refused_naming_the_field_and_nothing_changes(world, field, value):
    athlete = world.athlete
    day = _today(athlete)
    services.wellness_entry_save(athlete=athlete, date=day, values={"mood": 6, "stress": 3}, by=athlete.user)
    with pytest.raises(ValidationError) as refused:
        services.wellness_entry_save(
            athlete=athlete, date=day, values={field: value, "motivation": 2}, by=athlete.user
        )
    assert field in refused.value.message_dict
    entry = WellnessEntry.objects.get(athlete=athlete)
    assert (entry.mood, entry.stress, entry.motivation) == (6, 3, None)


def test_a_future_day_and_unknown_fields_are_refused(world):
    athlete = world.athlete
    with pytest.raises(ValidationError, match="in the future"):
        services.wellness_entry_save(
            athlete=athlete, date=_today(athlete) + dt.timedelta(days=2), values={"mood": 5}, by=athlete.user
        )
    with pytest.raises(ValidationError) as refused:
        services.wellness_entry_save(
            athlete=athlete, date=_today(athlete), values={"vibes": 5}, by=athlete.user
        )
    assert "vibes" in refused.value.message_dict
    assert not WellnessEntry.objects.exists()


def test_weight_is_written_to_the_metric_history_as_manual(world):
    athlete = world.athlete
    day = _today(athlete)
    services.wellness_entry_save(athlete=athlete, date=day, values={"weight_kg": 68.4}, by=world.coach)
    entry = MetricHistory.objects.get(athlete=athlete, metric_type="weight")
    assert (entry.value, entry.source, entry.recorded_on) == (68.4, "manual", day)
    # saving the same weight again does not add a second history entry
    services.wellness_entry_save(
        athlete=athlete, date=day, values={"weight_kg": 68.4, "mood": 5}, by=world.coach
    )
    assert MetricHistory.objects.filter(athlete=athlete, metric_type="weight").count() == 1


def test_flags_follow_the_product_rules(world):
    athlete = world.athlete
    day = _today(athlete)
    for back in range(1, 15):
        services.wellness_entry_save(
            athlete=athlete,
            date=day - dt.timedelta(days=back),
            values={"hrv_rmssd_ms": 80.0, "resting_hr": 50, "sleep_hours": 8},
            by=athlete.user,
        )
    services.wellness_entry_save(
        athlete=athlete,
        date=day,
        values={"hrv_rmssd_ms": 66.0, "resting_hr": 56, "sleep_hours": 4.5, "stress": 8, "illness": True},
        by=athlete.user,
    )
    flags = selectors.latest_wellness_flags(athlete, on_date=day)
    assert flags is not None and len(flags) == 5, (
        flags
    )  # illness, sleep, stress, HRV -17.5 %, resting HR +12 %
    assert selectors.latest_wellness_flags(athlete, on_date=day + dt.timedelta(days=1)) is None


def test_wellness_api_posts_and_lists_with_field_errors(world, api_client):
    athlete = world.athlete
    api_client.force_authenticate(athlete.user)
    url = f"/api/athlete/{athlete.public_id}/wellness/"
    day = _today(athlete).isoformat()
    created = api_client.post(url, {"date": day, "sleep_hours": 7, "soreness": 3}, format="json")
    assert created.status_code == 201, created.content
    bad = api_client.post(url, {"date": day, "soreness": 42}, format="json")
    assert bad.status_code == 400
    assert "soreness" in bad.json()["error"]["fields"]
    no_date = api_client.post(url, {"soreness": 2}, format="json")
    assert no_date.status_code == 400 and "date" in no_date.json()["error"]["fields"]
    listed = api_client.get(url).json()
    assert listed["count"] == 1 and listed["results"][0]["soreness"] == 3
    assert api_client.get(url + "?since=yesterday").status_code == 400


def test_coach_sees_wellness_but_an_unrelated_coach_gets_404(world, api_client):
    url = f"/api/athlete/{world.athlete.public_id}/wellness/"
    api_client.force_authenticate(world.coach)
    assert api_client.get(url).status_code == 200
    api_client.force_authenticate(world.other_coach)
    assert api_client.get(url).status_code == 404
    assert api_client.post(url, {"date": "2026-01-01", "mood": 5}, format="json").status_code == 404
    assert not WellnessEntry.objects.exists()
