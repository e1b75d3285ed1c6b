"""The athlete's units preference applies at display time only (design.md §8): the history stays SI, pages and
the API's value_display read in metric or imperial, and forms take values in the units the page shows."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import reverse

from vault.metrics.models import MetricHistory
from vault.metrics.selectors import chart_series, display_units
from vault.metrics.tests.factories import days_ago, entry, fast_password_hasher  # noqa: F401  (autouse)
from vault.metrics.types import (
    METRIC_TYPES,
    display_distance,
    display_elevation,
    display_mass,
    display_pace,
    display_speed,
    display_value,
)

RUN_PACE_4_05 = 1000 / 245  # 4:05/km as a speed
CSS_1_32 = 100 / 92  # 1:32/100m


@pytest.mark.parametrize(
    ("metric_type", "value", "metric", "imperial"),
    [
        ("weight", 68.4, "68.4 kg", "150.8 lb"),
        ("lean_mass", 55.0, "55.0 kg", "121.3 lb"),
        ("threshold_run_pace", RUN_PACE_4_05, "4:05/km", "6:34/mi"),
        ("css_pace", CSS_1_32, "1:32/100m", "1:24/100yd"),
        ("height", 1.75, "1.75 m", "5 ft 9 in"),
        # No imperial reading: power, heart rate, energy, CdA and ratios read the same everywhere.
        ("critical_power", 285.0, "285 W", "285 W"),
        ("threshold_hr", 168.0, "168 bpm", "168 bpm"),
        ("w_prime", 20500.0, "20.5 kJ", "20.5 kJ"),
        ("cda", 0.25, "0.250 m²", "0.250 m²"),
    ],
)
def test_display_value_in_both_systems(metric_type, value, metric, imperial):
    assert display_value(metric_type, value, "metric") == metric
    assert display_value(metric_type, value, "imperial") == imperial
    assert display_value(metric_type, value) == metric  # the default is the stored system
    assert display_value(metric_type, value, "") == metric  # no preference known: metric, never an error


@pytest.mark.parametrize(
    ("metric_type", "typed", "stored"),
    [
        ("weight", "150.8", 68.4),
        ("threshold_run_pace", "6:34", RUN_PACE_4_05),
        ("css_pace", "1:24", CSS_1_32),
        ("height", "5'9", 1.7526),
        ("height", "69", 1.7526),
        ("ftp", "250", 250.0),
    ],
)
def test_imperial_input_is_stored_si(metric_type, typed, stored):
    assert METRIC_TYPES[metric_type].parse(typed, "imperial") == pytest.approx(stored, rel=2e-3)


@pytest.mark.parametrize("metric_type", ["weight", "threshold_run_pace", "css_pace", "height", "ftp"])
@pytest.mark.parametrize("system", ["metric", "imperial"])
def test_input_text_round_trips_in_each_system(metric_type, system):
    info = METRIC_TYPES[metric_type]
    value = (info.min_value + info.max_value) / 2
    again = info.parse(info.input_text(value, system), system)
    assert again == pytest.approx(value, rel=1e-2)


def test_quantities_in_both_systems():
    assert display_distance(10_000) == "10.00 km"
    assert display_distance(10_000, "imperial") == "6.21 mi"
    assert display_pace(RUN_PACE_4_05) == "4:05/km"
    assert display_pace(RUN_PACE_4_05, "imperial") == "6:34/mi"
    assert display_pace(CSS_1_32, "imperial", swim=True) == "1:24/100yd"
    assert display_pace(0, "imperial") == "–"
    assert display_speed(10.0) == "36.0 km/h"
    assert display_speed(10.0, "imperial") == "22.4 mph"
    assert display_elevation(350.0, "imperial") == "1148 ft"
    assert display_mass(68.4, "imperial") == "150.8 lb"


def test_template_filters():
    template = Template(
        "{% load metric_tags %}{{ d|distance:units }} | {{ s|pace:units }} | {{ s|swim_pace:units }} | "
        "{{ s|speed:units }} | {{ e|elevation:units }} | {{ none|distance:units }}"
    )
    values = {"d": 42195, "s": RUN_PACE_4_05, "e": 350, "none": None}
    assert template.render(Context({**values, "units": "metric"})) == (
        "42.20 km | 4:05/km | 0:24/100m | 14.7 km/h | 350 m | –"
    )
    assert template.render(Context({**values, "units": "imperial"})) == (
        "26.22 mi | 6:34/mi | 0:22/100yd | 9.1 mph | 1148 ft | –"
    )


@pytest.mark.django_db
def test_metric_value_filter_falls_back_to_the_athletes_units(world):
    weight = entry(world.athlete, metric_type="weight", value=68.4)
    template = Template("{% load metric_tags %}{{ e|metric_value }} / {{ e|metric_value:'metric' }}")
    world.athlete.units = "imperial"
    world.athlete.save()
    weight.refresh_from_db()
    assert template.render(Context({"e": weight})) == "150.8 lb / 68.4 kg"


@pytest.mark.django_db
def test_display_units_follow_the_athlete(world):
    world.athlete.units = "imperial"
    world.athlete.save()
    assert display_units(world.athlete.user, world.athlete) == "imperial"
    # Coaches and admins have no preference of their own: they read the athlete's units.
    assert display_units(world.coach, world.athlete) == "imperial"
    assert display_units(world.admin, world.athlete) == "imperial"
    assert display_units(world.coach, world.other_athlete) == "metric"


def _imperial(athlete):
    athlete.units = "imperial"
    athlete.save()


def _history(world, athlete=None):
    athlete = athlete or world.athlete
    entry(athlete, metric_type="weight", value=68.4, days=20, created_by=world.coach)
    entry(athlete, metric_type="weight", value=67.9, days=3, created_by=world.coach)
    entry(athlete, metric_type="threshold_run_pace", value=RUN_PACE_4_05, days=5, created_by=world.coach)
    entry(athlete, metric_type="ftp", value=250.0, days=4, created_by=world.coach)


def _page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("units", "weight", "previous_weight", "pace"),
    [("metric", "67.9 kg", "68.4 kg", "4:05/km"), ("imperial", "149.7 lb", "150.8 lb", "6:34/mi")],
)
def test_pages_show_the_athletes_units(world, client, units, weight, previous_weight, pace):
    world.athlete.units = units
    world.athlete.save()
    _history(world)
    other = {"metric": "lb", "imperial": "kg"}[units]
    public_id = world.athlete.public_id
    for user, url, has_changes in [
        (world.athlete.user, reverse("web:dashboard"), True),
        (world.athlete.user, reverse("web:athlete-detail", kwargs={"public_id": public_id}), True),
        (world.coach, reverse("web:athlete-detail", kwargs={"public_id": public_id}), True),
        (world.athlete.user, reverse("web:metric-history", kwargs={"public_id": public_id}), False),
    ]:
        html = _page(client, user, url)
        assert weight in html and pace in html, url
        if has_changes:  # "what changed lately", beside the previous value
            assert f"{previous_weight} → " in html, url
        else:  # the full table has both entries
            assert previous_weight in html, url
        assert f" {other}<" not in html and f" {other} " not in html, url
        assert "250 W" in html, url
    # The coach's roster row, too.
    assert weight in _page(client, world.coach, reverse("web:dashboard"))


@pytest.mark.django_db
def test_roster_reads_each_athlete_in_their_own_units(world, client):
    from vault.accounts.models import CoachAthleteLink

    CoachAthleteLink.objects.create(coach=world.coach, athlete=world.other_athlete)
    _imperial(world.athlete)
    entry(world.athlete, metric_type="weight", value=68.4, created_by=world.coach)
    entry(world.other_athlete, metric_type="weight", value=71.0, created_by=world.coach)
    html = _page(client, world.coach, reverse("web:dashboard"))
    assert "150.8 lb" in html and "71.0 kg" in html


@pytest.mark.django_db
def test_review_queue_shows_imperial_entries_in_lb(world, client):
    _imperial(world.athlete)
    entry(world.athlete, metric_type="weight", value=68.4, days=30, created_by=world.coach)
    entry(world.athlete, metric_type="weight", value=67.0, days=1, created_by=world.athlete.user)
    html = _page(client, world.coach, reverse("web:review-queue"))
    assert "147.7 lb" in html and "150.8 lb" in html


@pytest.mark.django_db
def test_chart_is_in_the_athletes_units(world):
    _history(world)
    assert chart_series(world.athlete)["weight"]["unit"] == "kg"
    _imperial(world.athlete)
    series = chart_series(world.athlete)
    assert series["weight"]["unit"] == "lb"
    assert series["weight"]["y"] == [pytest.approx(150.8, abs=0.05), pytest.approx(149.7, abs=0.05)]
    assert series["threshold_run_pace"]["unit"] == "s/mi"


@pytest.mark.django_db
def test_an_imperial_athlete_types_pounds_and_miles_and_the_history_stays_si(world, client):
    _imperial(world.athlete)
    client.force_login(world.athlete.user)
    url = reverse("web:metric-history", kwargs={"public_id": world.athlete.public_id})
    page = client.get(url).content.decode()
    assert "per mile" in page and "lb" in page  # the form says how to type
    response = client.post(
        url, {"metric_type": "weight", "value": "150.8", "recorded_on": days_ago(1).isoformat()}, follow=True
    )
    assert response.status_code == 200
    stored = MetricHistory.objects.get(athlete=world.athlete, metric_type="weight")
    assert stored.value == pytest.approx(68.4, abs=0.01)
    assert stored.value_display == "68.4 kg"  # stored as the canonical (metric) text, like every export
    assert "Saved Weight 150.8 lb" in response.content.decode()
    client.post(
        url,
        {"metric_type": "threshold_run_pace", "value": "6:34", "recorded_on": days_ago(1).isoformat()},
    )
    pace = MetricHistory.objects.get(athlete=world.athlete, metric_type="threshold_run_pace")
    assert pace.value == pytest.approx(RUN_PACE_4_05, rel=2e-3)


@pytest.mark.django_db
def test_the_edit_form_offers_the_value_in_the_athletes_units(world, client):
    _imperial(world.athlete)
    weight = entry(world.athlete, metric_type="weight", value=68.4, created_by=world.athlete.user)
    client.force_login(world.athlete.user)
    url = reverse("web:metric-edit", kwargs={"public_id": world.athlete.public_id, "entry_id": weight.pk})
    html = client.get(url).content.decode()
    assert 'value="150.8"' in html and "Weight (pounds)" in html
    # Saving the unchanged text keeps the stored value exactly (no rounding through pounds).
    client.post(url, {"value": "150.8", "recorded_on": weight.recorded_on.isoformat(), "source_detail": "x"})
    weight.refresh_from_db()
    assert weight.value == 68.4 and weight.source_detail == "x"


@pytest.mark.django_db
@pytest.mark.parametrize(("units", "shown"), [("metric", "68.4 kg"), ("imperial", "150.8 lb")])
def test_api_keeps_si_values_and_displays_in_the_callers_units(world, api_client, units, shown):
    world.athlete.units = units
    world.athlete.save()
    made = entry(world.athlete, metric_type="weight", value=68.4, created_by=world.coach)
    base = f"/api/athlete/{world.athlete.public_id}/metrics/"
    for user in (world.athlete.user, world.coach):
        api_client.force_authenticate(user)
        row = api_client.get(base).json()["results"][0]
        assert (row["value"], row["unit"]) == (68.4, "kg")
        assert (row["value_display"], row["display_units"]) == (shown, units)
        one = api_client.get(f"{base}{made.pk}/").json()
        assert one["value_display"] == shown
    api_client.force_authenticate(world.athlete.user)
    created = api_client.post(
        base, {"metric_type": "weight", "value": 70.0, "recorded_on": days_ago(0).isoformat()}, format="json"
    ).json()
    assert created["value"] == 70.0
    assert created["value_display"] == {"metric": "70.0 kg", "imperial": "154.3 lb"}[units]
