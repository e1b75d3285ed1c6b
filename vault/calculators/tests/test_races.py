import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from vault.calculators.models import PRESET_LEGS, Race
from vault.calculators.services import race_create, race_delete, race_update
from vault.calculators.tests.factories import make_plan, make_race
from vault.testing.personas import athlete_today

pytestmark = pytest.mark.django_db

SOON = athlete_today() + dt.timedelta(days=45)


def _snapshot():
    return list(Race.objects.order_by("pk").values())


@pytest.mark.parametrize(
    ("distance", "legs"),
    [
        ("sprint", [("swim", 750), ("bike", 20000), ("run", 5000)]),
        ("olympic", [("swim", 1500), ("bike", 40000), ("run", 10000)]),
        ("half", [("swim", 1900), ("bike", 90000), ("run", 21097.5)]),
        ("full", [("swim", 3800), ("bike", 180000), ("run", 42195)]),
    ],
)
def test_a_preset_fills_the_standard_legs(world, distance, legs):
    race = race_create(athlete=world.athlete, name="Race", date=SOON, distance=distance)
    race.refresh_from_db()
    assert [(leg["sport"], leg["distance_m"]) for leg in race.legs] == legs
    assert race.priority == "B"


def test_custom_legs_are_kept_in_order(world):
    legs = [
        {"sport": "run", "distance_m": 5000},
        {"sport": "bike", "distance_m": 30000},
        {"sport": "run", "distance_m": 2500},
    ]
    race = race_create(
        athlete=world.athlete, name="Duathlon", date=SOON, distance="custom", legs=legs, priority="C"
    )
    race.refresh_from_db()
    assert race.legs == [{"sport": s["sport"], "distance_m": float(s["distance_m"])} for s in legs]
    assert race.leg_distance_m("run") == 7500
    assert race.leg_distance_m("swim") is None
    assert race.distance_summary == "custom: run 5 km / bike 30 km / run 2.5 km"


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        ({"name": ""}, "name", "needs a name"),
        ({"name": "   "}, "name", "needs a name"),
        ({"date": athlete_today() - dt.timedelta(days=400)}, "date", "more than a year ago"),
        ({"date": "2026-02-30"}, "date", "is not a date"),
        ({"date": None}, "date", "required"),
        ({"distance": "custom", "legs": []}, "legs", "at least one leg"),
        ({"distance": "custom", "legs": None}, "legs", "at least one leg"),
        ({"distance": "custom", "legs": [{"sport": "kayak", "distance_m": 100}]}, "legs", "kayak"),
        ({"distance": "custom", "legs": [{"sport": "run", "distance_m": 0}]}, "legs", "positive"),
        ({"distance": "custom", "legs": [{"sport": "run", "distance_m": -5}]}, "legs", "positive"),
        ({"distance": "custom", "legs": [{"sport": "swim", "distance_m": 1_500_000}]}, "legs", "longer than"),
        ({"distance": "olympic", "legs": [{"sport": "run", "distance_m": 5000}]}, "legs", "custom"),
        ({"distance": "marathon"}, "distance", "not one of"),
        ({"priority": "D"}, "priority", "A, B or C"),
        ({"priority": ""}, "priority", "A, B or C"),
        ({"elevation_gain_m": -10}, "elevation_gain_m", "outside the plausible range"),
        ({"altitude_m": 9000}, "altitude_m", "outside the plausible range"),
        ({"expected_temperature_c": 95}, "expected_temperature_c", "outside the plausible range"),
        ({"expected_temperature_c": float("nan")}, "expected_temperature_c", "not a number"),
    ],
)
def test_bad_race_input_is_refused_by_field_and_nothing_is_stored(world, overrides, field, says):
    existing = make_race(world.athlete)
    before = _snapshot()
    values = {"name": "Bad", "date": SOON, "distance": "olympic", "priority": "A", **overrides}
    with pytest.raises(ValidationError) as refused:
        race_create(athlete=world.athlete, **values)
    assert says in " ".join(refused.value.message_dict[field])
    with pytest.raises(ValidationError) as refused:
        race_update(race=existing, **overrides)
    assert says in " ".join(refused.value.message_dict[field])
    assert _snapshot() == before


def test_a_race_exactly_a_year_ago_is_still_accepted(world):
    race = race_create(
        athlete=world.athlete,
        name="Last year",
        date=athlete_today() - dt.timedelta(days=365),
        distance="sprint",
    )
    assert race.pk


def test_update_changes_fields_and_a_preset_switch_resets_legs(world):
    race = make_race(world.athlete, distance="custom", legs=[{"sport": "run", "distance_m": 8000}])
    race_update(race=race, distance="half", name="  Harbour 70.3 ", elevation_gain_m=850)
    race.refresh_from_db()
    assert (race.name, race.distance, race.elevation_gain_m) == ("Harbour 70.3", "half", 850)
    assert race.legs == PRESET_LEGS["half"]


def test_editing_an_old_race_without_touching_its_date_is_allowed(world):
    race = make_race(world.athlete)
    Race.objects.filter(pk=race.pk).update(date=athlete_today() - dt.timedelta(days=800))
    race.refresh_from_db()
    race_update(race=race, notes="Finished in 2:21")
    race.refresh_from_db()
    assert race.notes == "Finished in 2:21"


def test_update_refuses_fields_that_are_not_race_fields(world):
    race = make_race(world.athlete)
    with pytest.raises(ValidationError) as refused:
        race_update(race=race, athlete=world.other_athlete)
    assert "athlete" in refused.value.message_dict


def test_deleting_a_race_deletes_its_saved_results(world):
    race = make_race(world.athlete)
    make_plan(race, types=("css", "cda"))
    race_delete(race=race)
    assert not Race.objects.exists()
    assert not world.athlete.calculator_results.exists()


# --- API


def _client(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def test_api_lists_races_paginated_with_ids(world, api_client):
    first, second = (
        make_race(world.athlete, name="Early", date=SOON),
        make_race(world.athlete, name="Late", date=SOON + dt.timedelta(days=30)),
    )
    make_race(world.other_athlete, name="Not mine")
    body = (
        _client(api_client, world.coach)
        .get(reverse("api:race-list", kwargs={"public_id": world.athlete.public_id}))
        .json()
    )
    assert body["count"] == 2 and body["next"] is None
    assert [r["id"] for r in body["results"]] == [second.pk, first.pk]
    assert body["results"][0]["legs"][1] == {"sport": "bike", "distance_m": 40000.0}
    assert body["results"][0]["plan_csv_url"] == f"/api/race/{second.pk}/plan.csv"


def test_api_creates_a_custom_race(world, api_client):
    url = reverse("api:race-list", kwargs={"public_id": world.athlete.public_id})
    payload = {
        "name": "Aquabike",
        "date": SOON.isoformat(),
        "distance": "custom",
        "legs": [{"sport": "swim", "distance_m": 2000}, {"sport": "bike", "distance_m": 60000}],
        "altitude_m": 1200,
        "expected_temperature_c": 28.5,
        "priority": "A",
    }
    response = _client(api_client, world.athlete.user).post(url, payload, format="json")
    assert response.status_code == 201, response.json()
    race = Race.objects.get(pk=response.json()["id"])
    assert (race.athlete, race.created_by, race.total_distance_m) == (
        world.athlete,
        world.athlete.user,
        62000,
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"date": SOON.isoformat(), "distance": "sprint"}, "name"),
        ({"name": "X", "date": "23/11/2026", "distance": "sprint"}, "date"),
        ({"name": "X", "date": "2019-05-01", "distance": "sprint"}, "date"),
        ({"name": "X", "date": SOON.isoformat(), "distance": "custom"}, "legs"),
        ({"name": "X", "date": SOON.isoformat(), "distance": "sprint", "priority": "Z"}, "priority"),
        ({"name": "X", "date": SOON.isoformat(), "distance": "sprint", "altitude_m": "high"}, "altitude_m"),
    ],
)
def test_api_refuses_bad_races_with_field_errors(world, api_client, payload, field):
    url = reverse("api:race-list", kwargs={"public_id": world.athlete.public_id})
    response = _client(api_client, world.coach).post(url, payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert not Race.objects.exists()


def test_api_distant_past_date_says_why(world, api_client):
    url = reverse("api:race-list", kwargs={"public_id": world.athlete.public_id})
    response = _client(api_client, world.coach).post(
        url, {"name": "Old", "date": "2019-05-01", "distance": "sprint"}, format="json"
    )
    assert "more than a year ago" in response.json()["error"]["fields"]["date"][0]


def test_api_unknown_public_id_is_404_and_nothing_is_stored(world, api_client):
    url = reverse("api:race-list", kwargs={"public_id": "no-such-athlete"})
    response = _client(api_client, world.admin).post(
        url, {"name": "X", "date": SOON.isoformat(), "distance": "sprint"}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not Race.objects.exists()


def test_a_stranger_gets_404_even_for_an_invalid_body(world, api_client):
    url = reverse("api:race-list", kwargs={"public_id": world.athlete.public_id})
    response = _client(api_client, world.other_coach).post(url, {}, format="json")
    assert response.status_code == 404


def test_api_patch_changes_only_what_is_sent_and_bad_patch_changes_nothing(world, api_client):
    race = make_race(world.athlete, notes="keep")
    url = reverse("api:race-detail", kwargs={"race_id": race.pk})
    client = _client(api_client, world.athlete.user)
    response = client.patch(url, {"priority": "C", "expected_temperature_c": 31}, format="json")
    assert response.status_code == 200
    race.refresh_from_db()
    assert (race.priority, race.expected_temperature_c, race.notes, race.distance) == (
        "C",
        31,
        "keep",
        "olympic",
    )
    before = _snapshot()
    response = client.patch(url, {"name": "", "priority": "Q"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"name", "priority"}
    assert _snapshot() == before


def test_race_of_an_athlete_you_cannot_see_is_404_for_every_method(world, api_client):
    race = make_race(world.other_athlete)
    url = reverse("api:race-detail", kwargs={"race_id": race.pk})
    client = _client(api_client, world.coach)
    assert client.get(url).status_code == 404
    assert client.patch(url, {"name": "Mine now"}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    race.refresh_from_db()
    assert race.name == "Lake Olympic"


def test_api_delete(world, api_client):
    race = make_race(world.athlete)
    response = _client(api_client, world.coach).delete(
        reverse("api:race-detail", kwargs={"race_id": race.pk})
    )
    assert response.status_code == 204
    assert not Race.objects.exists()


def test_writes_follow_can_manage_athlete(world, api_client, client, monkeypatch):
    """Seeing an athlete is not enough to change their races if access.py ever says so."""
    race = make_race(world.athlete)
    monkeypatch.setattr("vault.api.races.can_manage_athlete", lambda user, athlete: False)
    monkeypatch.setattr("vault.web.views.races.can_manage_athlete", lambda user, athlete: False)
    api = _client(api_client, world.coach)
    assert api.get(reverse("api:race-detail", kwargs={"race_id": race.pk})).status_code == 200
    assert (
        api.patch(
            reverse("api:race-detail", kwargs={"race_id": race.pk}), {"name": "New"}, format="json"
        ).status_code
        == 403
    )
    assert api.delete(reverse("api:race-detail", kwargs={"race_id": race.pk})).status_code == 403
    new = {"name": "X", "date": SOON.isoformat(), "distance": "sprint"}
    assert (
        api.post(
            reverse("api:race-list", kwargs={"public_id": world.athlete.public_id}), new, format="json"
        ).status_code
        == 403
    )
    client.force_login(world.coach)
    assert (
        client.post(reverse("web:race-edit", kwargs={"race_id": race.pk}), {"name": "New"}).status_code == 403
    )
    assert client.post(reverse("web:race-delete", kwargs={"race_id": race.pk})).status_code == 403
    assert list(Race.objects.values_list("name", flat=True)) == ["Lake Olympic"]
