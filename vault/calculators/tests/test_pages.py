"""Race and calculator-result pages through Django's test client (the browser tests drive the same pages)."""

import datetime as dt

import pytest
from django.urls import reverse

from vault.calculators.models import CalculatorResult, Race
from vault.calculators.services import calculator_result_save
from vault.calculators.tests.factories import make_plan, make_race
from vault.exports.exporters import PLAN_HEADER
from vault.testing.personas import athlete_today
from vault.web.views.races import PLAN_DISPLAY, plan_display_rows

pytestmark = pytest.mark.django_db

SOON = athlete_today() + dt.timedelta(days=40)


def _form(**overrides):
    data = {"name": "Harbour Olympic", "date": SOON.isoformat(), "distance": "olympic", "priority": "A"}
    data.update(overrides)
    return data


def _signed_in(client, user):
    client.force_login(user)
    return client


def test_race_list_splits_upcoming_and_past(world, client):
    make_race(world.athlete, name="Next one", date=SOON)
    make_race(world.athlete, name="Done one", date=athlete_today() - dt.timedelta(days=20))
    page = _signed_in(client, world.coach).get(
        reverse("web:race-list", kwargs={"public_id": world.athlete.public_id})
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index("Next one") < html.index("Past") < html.index("Done one")


def test_create_a_preset_race_from_the_form(world, client):
    url = reverse("web:race-create", kwargs={"public_id": world.athlete.public_id})
    response = _signed_in(client, world.athlete.user).post(url, _form())
    race = Race.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "web:race-detail", kwargs={"race_id": race.pk}
    )
    assert (race.name, race.distance, race.priority, race.created_by) == (
        "Harbour Olympic",
        "olympic",
        "A",
        world.athlete.user,
    )
    assert race.total_distance_m == 51500


def test_create_a_custom_race_with_legs_in_km(world, client):
    url = reverse("web:race-create", kwargs={"public_id": world.athlete.public_id})
    data = _form(
        distance="custom",
        leg1_sport="run",
        leg1_km="5",
        leg2_sport="bike",
        leg2_km="21.0975",
        leg3_sport="run",
        leg3_km="2.5",
    )
    _signed_in(client, world.coach).post(url, data)
    assert Race.objects.get().legs == [
        {"sport": "run", "distance_m": 5000.0},
        {"sport": "bike", "distance_m": 21097.5},
        {"sport": "run", "distance_m": 2500.0},
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        ({"name": ""}, "name", "A race needs a name."),
        ({"date": "2019-04-01"}, "date", "more than a year ago"),
        ({"date": "31.12.2026"}, "date", "Enter a valid date."),
        ({"priority": "D"}, "priority", "Select a valid choice."),
        ({"altitude_m": "12000"}, "altitude_m", "outside the plausible range"),
        ({"altitude_m": "high"}, "altitude_m", "Enter a number."),
    ],
)
def test_bad_form_input_shows_field_errors_and_stores_nothing(world, client, overrides, field, says):
    url = reverse("web:race-create", kwargs={"public_id": world.athlete.public_id})
    response = _signed_in(client, world.coach).post(url, _form(**overrides))
    assert response.status_code == 400
    assert says in " ".join(response.context["form"].errors[field])
    assert f'data-field="{field}"' in response.content.decode()
    assert not Race.objects.exists()


def test_custom_race_without_legs_is_refused_with_a_legs_message(world, client):
    url = reverse("web:race-create", kwargs={"public_id": world.athlete.public_id})
    response = _signed_in(client, world.coach).post(url, _form(distance="custom"))
    assert response.status_code == 400
    assert "Legs: A custom race needs at least one leg" in response.content.decode()
    assert not Race.objects.exists()


def test_htmx_form_post_swaps_the_form_or_redirects(world, client):
    url = reverse("web:race-create", kwargs={"public_id": world.athlete.public_id})
    client = _signed_in(client, world.coach)
    refused = client.post(url, _form(name=""), HTTP_HX_REQUEST="true")
    assert refused.status_code == 200  # htmx swaps only successful responses
    assert "A race needs a name." in refused.content.decode()
    assert not Race.objects.exists()
    assert refused.content.decode().lstrip().startswith("<form")  # only the form, swapped in place
    saved = client.post(url, _form(), HTTP_HX_REQUEST="true")
    assert saved.status_code == 204
    assert saved["HX-Redirect"] == reverse("web:race-detail", kwargs={"race_id": Race.objects.get().pk})


def test_edit_form_is_prefilled_and_saves(world, client):
    race = make_race(
        world.athlete,
        distance="custom",
        legs=[{"sport": "swim", "distance_m": 1000}, {"sport": "run", "distance_m": 8000}],
    )
    url = reverse("web:race-edit", kwargs={"race_id": race.pk})
    client = _signed_in(client, world.athlete.user)
    form = client.get(url).context["form"]
    assert form.initial["leg2_sport"] == "run" and form.initial["leg2_km"] == 8
    client.post(
        url,
        _form(
            name="Renamed", distance="custom", leg1_sport="swim", leg1_km="1.2", expected_temperature_c="24"
        ),
    )
    race.refresh_from_db()
    assert (race.name, race.legs, race.expected_temperature_c) == (
        "Renamed",
        [{"sport": "swim", "distance_m": 1200.0}],
        24,
    )


def test_refused_edit_leaves_the_race_unchanged(world, client):
    race = make_race(world.athlete)
    before = Race.objects.filter(pk=race.pk).values().get()
    response = _signed_in(client, world.coach).post(
        reverse("web:race-edit", kwargs={"race_id": race.pk}), _form(name="", priority="A")
    )
    assert response.status_code == 400
    assert Race.objects.filter(pk=race.pk).values().get() == before


def test_race_detail_shows_the_plan_and_the_export_button(world, client):
    race = make_race(world.athlete)
    make_plan(race, types=("finish_time", "bike_plan"))
    html = (
        _signed_in(client, world.coach)
        .get(reverse("web:race-detail", kwargs={"race_id": race.pk}))
        .content.decode()
    )
    assert f'href="{reverse("api:race-plan-csv", kwargs={"race_id": race.pk})}"' in html
    assert "Export plan.csv" in html
    assert "2:19:21" in html  # projected total time, 8360.77 s
    assert "212 W" in html  # target bike power


def test_every_plan_column_has_a_display_on_the_race_page():
    identity = {"race", "date", "distance", "athlete"}
    assert set(PLAN_DISPLAY) == set(PLAN_HEADER) - identity


def test_plan_display_formats_times_paces_and_units(world):
    race = make_race(world.athlete)
    make_plan(race)
    shown = dict(plan_display_rows(race))
    assert shown["Target swim pace"] == "1:38/100m"
    assert shown["CSS"] == "1:35/100m"
    assert shown["CSS speed"] == "1.053 m/s"
    assert shown["Swim split"] == "24:30"
    assert shown["Projected bike time"] == "1:06:14"
    assert shown["CdA"] == "0.280 m²"
    assert shown["Run calories"] == "720 kcal"


def test_race_detail_without_results_says_so(world, client):
    race = make_race(world.athlete)
    html = (
        _signed_in(client, world.athlete.user)
        .get(reverse("web:race-detail", kwargs={"race_id": race.pk}))
        .content.decode()
    )
    assert "No calculator results are saved for this race yet" in html


def test_delete_from_the_page(world, client):
    race = make_race(world.athlete)
    response = _signed_in(client, world.coach).post(reverse("web:race-delete", kwargs={"race_id": race.pk}))
    assert response["Location"] == reverse("web:race-list", kwargs={"public_id": world.athlete.public_id})
    assert not Race.objects.exists()


def test_race_pages_of_someone_else_are_404(world, client):
    race = make_race(world.other_athlete)
    client = _signed_in(client, world.coach)
    for name in ("web:race-detail", "web:race-edit"):
        assert client.get(reverse(name, kwargs={"race_id": race.pk})).status_code == 404
    assert client.post(reverse("web:race-delete", kwargs={"race_id": race.pk})).status_code == 404
    assert client.get(reverse("web:race-list", kwargs={"public_id": "nobody-here"})).status_code == 404
    assert Race.objects.filter(pk=race.pk).exists()


def test_calculator_result_list_filters_and_links(world, client):
    race = make_race(world.athlete, name="Lake Olympic")
    make_plan(race, types=("css", "cda"))
    calculator_result_save(
        athlete=world.athlete, calculator_type="ftp_test", inputs={}, outputs={"ftp_w": 250}
    )
    url = reverse("web:calculator-result-list", kwargs={"public_id": world.athlete.public_id})
    client = _signed_in(client, world.coach)
    everything = client.get(url)
    assert [r.calculator_type for r, _ in everything.context["rows"]] == ["ftp_test", "cda", "css"]
    assert (
        reverse("api:calculator-results-csv", kwargs={"public_id": world.athlete.public_id})
        in everything.content.decode()
    )
    by_race = client.get(url, {"race": race.pk})
    assert {r.calculator_type for r, _ in by_race.context["rows"]} == {"cda", "css"}
    by_type = client.get(url, {"calculator_type": "ftp_test"})
    assert [r.calculator_type for r, _ in by_type.context["rows"]] == ["ftp_test"]


@pytest.mark.parametrize("query", [{"calculator_type": "astrology"}, {"race": "12345"}, {"race": "x"}])
def test_calculator_result_list_bad_filters_are_field_errors(world, client, query):
    response = _signed_in(client, world.coach).get(
        reverse("web:calculator-result-list", kwargs={"public_id": world.athlete.public_id}), query
    )
    assert response.status_code == 400
    assert set(query) <= set(response.context["form"].errors)


def test_calculator_result_detail_and_choosing_an_older_result(world, client):
    race = make_race(world.athlete)
    older = calculator_result_save(
        athlete=world.athlete,
        calculator_type="cda",
        race=race,
        inputs={"power_w": 200},
        outputs={"cda_m2": 0.3},
    )
    newer = calculator_result_save(
        athlete=world.athlete, calculator_type="cda", race=race, inputs={}, outputs={"cda_m2": 0.27}
    )
    client = _signed_in(client, world.athlete.user)
    html = client.get(
        reverse("web:calculator-result-detail", kwargs={"result_id": older.pk})
    ).content.decode()
    assert "cda_m2" in html and "0.3" in html and "power_w" in html and "Use this result for the plan" in html
    client.post(reverse("web:calculator-result-activate", kwargs={"result_id": older.pk}))
    assert list(CalculatorResult.objects.filter(is_active=True)) == [older]
    newer.refresh_from_db()
    assert not newer.is_active
