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


# --- weight in the metric history follows the day's entry


def _weights(athlete):
    return list(
        MetricHistory.objects.filter(athlete=athlete, metric_type="weight").values_list(
            "value", "recorded_on"
        )
    )


def test_a_changed_weight_updates_that_days_history_entry_and_clearing_it_removes_it(world):
    athlete, day = world.athlete, _today(world.athlete)
    services.wellness_entry_save(athlete=athlete, date=day, values={"weight_kg": 61.0}, by=world.coach)
    services.wellness_entry_save(athlete=athlete, date=day, values={"weight_kg": 60.4}, by=world.coach)
    assert _weights(athlete) == [(60.4, day)]
    # another day's weight is its own entry; a weight entered elsewhere is never touched
    other_entry = MetricHistory.objects.create(
        athlete=athlete, metric_type="weight", value=59.9, value_display="59.9 kg", recorded_on=day,
        source="manual", source_detail="scale at the gym",
    )  # fmt: skip
    yesterday = day - dt.timedelta(days=1)
    services.wellness_entry_save(athlete=athlete, date=yesterday, values={"weight_kg": 61.2}, by=world.coach)
    services.wellness_entry_save(athlete=athlete, date=day, values={"weight_kg": None}, by=world.coach)
    assert sorted(_weights(athlete)) == sorted([(59.9, day), (61.2, yesterday)])
    assert MetricHistory.objects.filter(pk=other_entry.pk).exists()


def test_a_refused_weight_changes_neither_the_entry_nor_the_history(world):
    athlete, day = world.athlete, _today(world.athlete)
    services.wellness_entry_save(athlete=athlete, date=day, values={"weight_kg": 61.0}, by=world.coach)
    with pytest.raises(ValidationError) as refused:
        services.wellness_entry_save(
            athlete=athlete, date=day, values={"weight_kg": 500, "mood": 3}, by=world.coach
        )
    assert "weight_kg" in refused.value.message_dict
    entry = WellnessEntry.objects.get(athlete=athlete)
    assert (entry.weight_kg, entry.mood) == (61.0, None)
    assert _weights(athlete) == [(61.0, day)]


def test_deleting_an_entry_removes_the_weight_it_wrote(world):
    athlete, day = world.athlete, _today(world.athlete)
    entry = services.wellness_entry_save(
        athlete=athlete, date=day, values={"weight_kg": 61.0}, by=world.coach
    )
    services.wellness_entry_delete(entry=entry, by=world.coach)
    assert not WellnessEntry.objects.exists() and _weights(athlete) == []


# --- one entry through the API


def test_wellness_entry_api_reads_patches_and_deletes(world, api_client):
    athlete, day = world.athlete, _today(world.athlete)
    entry = services.wellness_entry_save(
        athlete=athlete, date=day, values={"mood": 6, "weight_kg": 61.0}, by=athlete.user
    )
    url = f"/api/wellness/{entry.pk}/"
    api_client.force_authenticate(world.coach)
    assert api_client.get(url).json()["mood"] == 6
    listed = api_client.get(f"/api/athlete/{athlete.public_id}/wellness/").json()
    assert listed["results"][0]["id"] == entry.pk
    changed = api_client.patch(url, {"mood": 8, "weight_kg": 60.5}, format="json")
    assert changed.status_code == 200, changed.content
    assert (changed.json()["mood"], changed.json()["weight_kg"]) == (8, 60.5)
    assert _weights(athlete) == [(60.5, day)]

    for bad, field in (
        ({"mood": 12}, "mood"),
        ({"date": "2020-01-01"}, "date"),
        ({"sleep_hours": "a"}, "sleep_hours"),
    ):
        refused = api_client.patch(url, bad, format="json")
        assert refused.status_code == 400 and field in refused.json()["error"]["fields"], bad
    entry.refresh_from_db()
    assert (entry.mood, entry.date, entry.sleep_hours) == (8, day, None)

    api_client.force_authenticate(world.other_coach)
    assert api_client.patch(url, {"mood": 1}, format="json").status_code == 404
    assert api_client.delete(url).status_code == 404
    api_client.force_authenticate(athlete.user)
    assert api_client.delete(url).status_code == 204
    assert not WellnessEntry.objects.exists() and _weights(athlete) == []


# --- the page


def _page(athlete):
    return f"/athletes/{athlete.public_id}/wellness/"


def test_the_check_in_is_grouped_for_a_phone_with_the_cycle_folded_away(world, client):
    from vault.web.views.coaching import CYCLE_FIELDS, WELLNESS_SECTIONS

    client.force_login(world.athlete.user)
    response = client.get(_page(world.athlete))
    assert response.status_code == 200
    html = response.content.decode()
    grouped = [name for _key, _title, names in WELLNESS_SECTIONS for name in names] + list(CYCLE_FIELDS)
    assert sorted(grouped) == sorted(services.WELLNESS_FIELDS)  # every measure, each once
    positions = [html.index(f'id="wellness-{key}"') for key in ("sleep", "body", "mind", "other", "cycle")]
    assert positions == sorted(positions)
    start = html.index('<details class="wellness-section" id="wellness-cycle">')  # folded: nothing entered
    cycle = html[start : html.index("</details>", start)]
    for name in CYCLE_FIELDS:
        assert f'name="{name}"' in cycle
    assert 'inputmode="decimal"' in html and 'inputmode="numeric"' in html


def test_posting_the_check_in_saves_the_day(world, client):
    client.force_login(world.athlete.user)
    day = _today(world.athlete)
    response = client.post(
        _page(world.athlete),
        {"date": day.isoformat(), "sleep_hours": "7.5", "mood": "7", "weight_kg": "61", "cycle_day": "12"},
    )
    assert response.status_code == 302
    entry = WellnessEntry.objects.get()
    assert (entry.date, entry.sleep_hours, entry.mood, entry.cycle_day) == (day, 7.5, 7, 12)
    assert _weights(world.athlete) == [(61.0, day)]
    page = client.get(_page(world.athlete)).content.decode()
    assert "Wellness saved." in page
    assert 'id="wellness-cycle" open' in page  # it holds a value now


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mood", "11", "less than or equal to 10"),
        ("sleep_hours", "25", "less than or equal to 24"),
        ("resting_hr", "10", "greater than or equal to 20"),
        ("cycle_day", "0", "greater than or equal to 1"),
        ("weight_kg", "heavy", "Enter a number"),
    ],
)
def test_an_out_of_range_value_is_shown_next_to_its_field_and_nothing_is_saved(
    world, client, field, value, message
):
    day = _today(world.athlete)
    services.wellness_entry_save(athlete=world.athlete, date=day, values={"mood": 5}, by=world.athlete.user)
    client.force_login(world.athlete.user)
    response = client.post(_page(world.athlete), {"date": day.isoformat(), "stress": "4", field: value})
    assert response.status_code == 400
    html = response.content.decode()
    start = html.index(f'id="field-{field}"')
    field_html = html[start : html.index("</div>", start)]
    assert 'class="field-error"' in field_html and message in field_html
    assert list(response.context["form"].errors) == [field]
    entry = WellnessEntry.objects.get()
    assert (entry.mood, entry.stress) == (5, None)
    if field == "cycle_day":
        assert 'id="wellness-cycle" open' in html  # unfolded so the error is seen


def test_the_coach_sees_the_log_and_an_unrelated_coach_does_not(world, client):
    services.wellness_entry_save(
        athlete=world.athlete, date=_today(world.athlete), values={"illness": True}, by=world.athlete.user
    )
    client.force_login(world.coach)
    html = client.get(_page(world.athlete)).content.decode()
    assert "illness reported" in html
    client.force_login(world.other_coach)
    assert client.get(_page(world.athlete)).status_code == 404
