"""Race and calculator-result pages in a real browser."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from vault.calculators.models import Race
from vault.calculators.tests.factories import make_plan, make_race
from vault.metrics.services import metric_entry_create
from vault.testing.browser import sign_in
from vault.testing.personas import PASSWORD, athlete_today, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coach_adds_a_race_fixing_a_field_error_then_exports_its_plan(page):
    world = build_world()
    sign_in(page, world.coach.username, PASSWORD)
    page.goto(reverse("web:race-list", kwargs={"public_id": world.athlete.public_id}))
    page.get_by_role("link", name="Add a race").click()

    page.fill("input[name=date]", (athlete_today() + dt.timedelta(days=50)).isoformat())
    page.select_option("select[name=distance]", "half")
    page.click(".race-form button[type=submit]")
    error = page.locator('.field-error[data-field="name"]')
    error.wait_for()  # the form was swapped in place by htmx
    assert "A race needs a name." in error.inner_text()
    assert not Race.objects.exists()

    page.fill("input[name=name]", "Harbour 70.3")
    page.click(".race-form button[type=submit]")
    page.wait_for_url(re.compile(r"/races/\d+/$"))  # the detail page, via HX-Redirect
    race = Race.objects.get()
    assert race.legs[2] == {"sport": "run", "distance_m": 21097.5}
    assert "Harbour 70.3" in page.locator("h1").inner_text()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export plan.csv").click()
    download = download_info.value
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbfrace,date,distance,athlete,")
    assert "Harbour 70.3" in data.decode("utf-8-sig")
    today = timezone.localdate(timezone=world.athlete.tzinfo)
    assert download.suggested_filename == f"ana-athlete-harbour-70-3-plan-{today}.csv"


def test_athlete_browses_saved_results_and_chooses_an_older_one(page):
    world = build_world()
    race = make_race(world.athlete, name="Lake Olympic")
    older = make_plan(race, types=("cda",))["cda"]
    make_plan(race, types=("cda",))
    sign_in(page, world.athlete.user.username, PASSWORD)

    page.goto(reverse("web:calculator-result-list", kwargs={"public_id": world.athlete.public_id}))
    assert page.locator("table.calculator-results tbody tr").count() == 2
    page.locator(f'tr[data-result="{older.pk}"] a').first.click()
    page.get_by_role("button", name="Use this result for the plan").click()
    page.locator(".badge.ok").wait_for()
    older.refresh_from_db()
    assert older.is_active


def test_result_filter_swaps_the_list_in_place(page):
    world = build_world()
    race = make_race(world.athlete, name="Lake Olympic")
    make_plan(race, types=("css", "cda", "fueling"))
    sign_in(page, world.coach.username, PASSWORD)
    page.goto(reverse("web:calculator-result-list", kwargs={"public_id": world.athlete.public_id}))
    assert page.locator("table.calculator-results tbody tr").count() == 3
    page.select_option("select[name=calculator_type]", "fueling")
    page.wait_for_url("**calculator_type=fueling**")
    assert page.locator("table.calculator-results tbody tr").count() == 1
    assert "Fueling" in page.locator("table.calculator-results tbody").inner_text()


def test_athlete_adds_a_custom_duathlon_with_leg_rows(page):
    world = build_world()
    sign_in(page, world.athlete.user.username, PASSWORD)
    page.goto(reverse("web:race-create", kwargs={"public_id": world.athlete.public_id}))
    assert page.locator("fieldset.legs").is_hidden()  # a preset needs no legs
    page.fill("input[name=name]", "Spring Duathlon")
    page.fill("input[name=date]", (athlete_today() + dt.timedelta(days=20)).isoformat())
    page.select_option("select[name=distance]", "custom")
    assert page.locator("fieldset.legs").is_visible()
    for number, (sport, km) in enumerate((("run", "5"), ("bike", "20"), ("run", "2.5")), start=1):
        page.select_option(f"select[name=leg{number}_sport]", sport)
        page.fill(f"input[name=leg{number}_km]", km)
    page.click(".race-form button[type=submit]")
    page.wait_for_url(re.compile(r"/races/\d+/$"))
    assert "run 5 km / bike 20 km / run 2.5 km" in page.locator(".race-facts").inner_text()
    assert Race.objects.get().total_distance_m == 27500


def test_coach_runs_a_wizard_step_with_a_stale_warning_and_prints_the_plan(page):
    world = build_world()
    metric_entry_create(
        athlete=world.athlete,
        metric_type="weight",
        value=70.0,
        recorded_on=athlete_today() - dt.timedelta(days=200),
        source="manual",
    )
    race = make_race(world.athlete, distance="sprint")
    sign_in(page, world.coach.username, PASSWORD)
    page.goto(reverse("web:race-plan", kwargs={"race_id": race.pk}))
    css_step = page.locator("#step-css")
    assert "pending" in css_step.inner_text()
    css_step.get_by_role("link", name="Run this step").click()
    page.fill("input[name=t1_s]", "170")
    page.fill("input[name=t2_s]", "360")
    page.get_by_role("button", name="Preview").click()
    assert "1:35/100m" in page.locator("table.outputs").inner_text()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf"/races/{race.pk}/plan/$"))
    assert "done" in page.locator("#step-css").inner_text()

    calories = page.locator("#step-calories")
    assert "Weight 70.0 kg, 200 days old" in calories.inner_text()
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    calories.get_by_role("link", name="Run this step").click()
    assert dialogs and "stale value" in dialogs[0]
    assert page.url.endswith(f"/races/{race.pk}/plan/")  # dismissed: stayed on the plan

    page.get_by_role("link", name="Printable crew plan").click()
    crew_plan = page.locator(".crew-plan").inner_text()
    assert "CSS\t1:35/100m" in crew_plan and "Not planned yet: Critical power" in crew_plan
