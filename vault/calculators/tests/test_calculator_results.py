import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from vault.calculators.models import CalculatorResult
from vault.calculators.services import calculator_result_activate, calculator_result_save
from vault.calculators.tests.factories import make_race

pytestmark = pytest.mark.django_db


def _save(athlete, calculator_type="css", race=None, **outputs):
    return calculator_result_save(
        athlete=athlete,
        calculator_type=calculator_type,
        race=race,
        inputs={"d1_m": 400},
        outputs=outputs or {"x": 1},
    )


def _active(race, calculator_type):
    return list(CalculatorResult.objects.filter(race=race, calculator_type=calculator_type, is_active=True))


def test_a_new_result_becomes_active_and_older_ones_stay_as_history(world):
    race = make_race(world.athlete)
    first = _save(world.athlete, race=race, css_pace_s_per_100m=98)
    second = _save(world.athlete, race=race, css_pace_s_per_100m=95)
    other_type = _save(world.athlete, "cda", race=race, cda_m2=0.28)
    assert _active(race, "css") == [second]
    first.refresh_from_db()
    assert not first.is_active and first.outputs == {"css_pace_s_per_100m": 98}
    assert _active(race, "cda") == [other_type]


def test_results_without_a_race_have_their_own_active_one(world):
    race = make_race(world.athlete)
    in_race = _save(world.athlete, race=race)
    loose_old, loose_new = _save(world.athlete), _save(world.athlete)
    assert [r.pk for r in CalculatorResult.objects.filter(is_active=True).order_by("pk")] == [
        in_race.pk,
        loose_new.pk,
    ]
    loose_old.refresh_from_db()
    assert not loose_old.is_active


def test_an_older_result_can_be_chosen_again(world):
    race = make_race(world.athlete)
    first, second = _save(world.athlete, race=race), _save(world.athlete, race=race)
    calculator_result_activate(result=first)
    assert _active(race, "css") == [first]
    second.refresh_from_db()
    assert not second.is_active


def test_the_database_refuses_two_active_results_for_one_race_step(world):
    race = make_race(world.athlete)
    _save(world.athlete, race=race)
    with pytest.raises(IntegrityError), transaction.atomic():
        CalculatorResult.objects.create(
            athlete=world.athlete, calculator_type="css", race=race, is_active=True
        )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"calculator_type": "astrology"}, "calculator_type"),
        ({"inputs": ["not", "an", "object"]}, "inputs"),
        ({"outputs": "42"}, "outputs"),
    ],
)
def test_bad_results_are_refused_and_the_active_one_is_kept(world, kwargs, field):
    race = make_race(world.athlete)
    kept = _save(world.athlete, race=race)
    values = {
        "athlete": world.athlete,
        "calculator_type": "css",
        "race": race,
        "inputs": {},
        "outputs": {},
        **kwargs,
    }
    with pytest.raises(ValidationError) as refused:
        calculator_result_save(**values)
    assert field in refused.value.message_dict
    assert list(CalculatorResult.objects.all()) == [kept]
    assert _active(race, "css") == [kept]


def test_a_result_cannot_be_saved_for_another_athletes_race(world):
    race = make_race(world.other_athlete)
    with pytest.raises(ValidationError) as refused:
        _save(world.athlete, race=race)
    assert "another athlete" in refused.value.message_dict["race"][0]
    assert not CalculatorResult.objects.exists()


# --- API


def _list(api_client, user, athlete, query=""):
    api_client.force_authenticate(user)
    return api_client.get(
        reverse("api:calculator-result-list", kwargs={"public_id": athlete.public_id}) + query
    )


def test_api_lists_results_newest_first_with_filters(world, api_client):
    race = make_race(world.athlete)
    css = _save(world.athlete, race=race)
    cda = _save(world.athlete, "cda", race=race)
    loose = _save(world.athlete, "ftp_test", ftp_w=250)
    _save(world.other_athlete)
    body = _list(api_client, world.coach, world.athlete).json()
    assert body["count"] == 3 and body["next"] is None
    assert [r["id"] for r in body["results"]] == [loose.pk, cda.pk, css.pk]
    assert body["results"][0]["outputs"] == {"ftp_w": 250}
    assert body["results"][1]["race"] == race.pk and body["results"][1]["race_name"] == race.name
    assert [
        r["id"]
        for r in _list(api_client, world.coach, world.athlete, "?calculator_type=cda").json()["results"]
    ] == [cda.pk]
    assert [
        r["id"] for r in _list(api_client, world.coach, world.athlete, f"?race={race.pk}").json()["results"]
    ] == [cda.pk, css.pk]


def test_api_list_paginates(world, api_client):
    for _ in range(3):
        _save(world.athlete)
    body = _list(api_client, world.athlete.user, world.athlete, "?page_size=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2 and "page=2" in body["next"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("?calculator_type=astrology", "calculator_type"), ("?race=abc", "race"), ("?race=999999", "race")],
)
def test_api_bad_filters_are_field_errors(world, api_client, query, field):
    response = _list(api_client, world.coach, world.athlete, query)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_api_race_filter_of_another_athletes_race_is_refused(world, api_client):
    race = make_race(world.other_athlete)
    response = _list(api_client, world.admin, world.athlete, f"?race={race.pk}")
    assert response.status_code == 400


def test_api_detail_and_404_for_strangers(world, api_client):
    result = _save(world.athlete, cp_w=262)
    url = reverse("api:calculator-result-detail", kwargs={"result_id": result.pk})
    api_client.force_authenticate(world.athlete.user)
    body = api_client.get(url).json()
    assert (body["calculator_type"], body["outputs"], body["is_active"], body["athlete"]) == (
        "css",
        {"cp_w": 262},
        True,
        world.athlete.public_id,
    )
    api_client.force_authenticate(world.other_coach)
    assert api_client.get(url).status_code == 404
    assert _list(api_client, world.other_coach, world.athlete).status_code == 404
