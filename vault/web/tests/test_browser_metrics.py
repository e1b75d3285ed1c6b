"""The review queue, the athlete page's export and the metric-history page in a real browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from vault.metrics.models import ReviewStatus
from vault.metrics.selectors import current_values
from vault.metrics.tests.factories import entry, fast_password_hasher, pending_entry  # noqa: F401  (autouse)
from vault.testing.browser import sign_in
from vault.testing.personas import PASSWORD, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_review_queue_approves_an_entry(page):
    world = build_world()
    entry(world.athlete, value=240, days=30, created_by=world.coach)
    waiting = pending_entry(world, value=255, days=2)
    doubtful = pending_entry(world, metric_type="weight", value=90, days=1)
    sign_in(page, world.coach.username, PASSWORD)

    page.goto(reverse("web:review-queue"))
    item = page.locator(f"#review-{waiting.pk}")
    assert "255 W" in item.inner_text() and "240 W" in item.inner_text()  # beside the previous value
    item.get_by_role("button", name="Accept").click()
    page.locator(f"#review-{waiting.pk}[data-status=accepted]").wait_for()  # swapped in place by htmx

    declining = page.locator(f"#review-{doubtful.pk}")
    declining.get_by_text("Decline…").click()
    declining.locator(".review-decline input[name=note]").fill("Scale was off")
    declining.get_by_role("button", name="Decline").click()
    page.locator(f"#review-{doubtful.pk}[data-status=declined]").wait_for()

    waiting.refresh_from_db()
    doubtful.refresh_from_db()
    assert (doubtful.review_status, doubtful.review_note) == (ReviewStatus.DECLINED, "Scale was off")
    assert waiting.review_status == ReviewStatus.ACCEPTED
    assert current_values(world.athlete)["ftp"].pk == waiting.pk
    page.goto(reverse("web:athlete-detail", kwargs={"public_id": world.athlete.public_id}))
    assert "255 W" in page.locator(".metric-current[data-metric=ftp]").inner_text()


def test_coach_opens_athlete_from_roster_and_downloads_metrics_csv_with_bom(page):
    world = build_world()
    entry(world.athlete, metric_type="weight", value=68.4, days=3, created_by=world.coach)
    sign_in(page, world.coach.username, PASSWORD)

    page.goto(reverse("web:dashboard"))
    page.locator("table.roster").get_by_role("link", name=world.athlete.name).click()
    page.wait_for_url(f"**{reverse('web:athlete-detail', kwargs={'public_id': world.athlete.public_id})}")
    with page.expect_download() as download_info:
        page.locator(".exports").get_by_role("link", name="metrics.csv").click()
    data = Path(download_info.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"68.4 kg" in data


def test_history_page_draws_charts_and_shows_field_errors(page):
    world = build_world()
    entry(world.athlete, metric_type="css_pace", value=100 / 95, days=60, created_by=world.coach)
    entry(world.athlete, metric_type="css_pace", value=100 / 92, days=5, created_by=world.coach)
    sign_in(page, world.athlete.user.username, PASSWORD)

    page.goto(reverse("web:metric-history", kwargs={"public_id": world.athlete.public_id}))
    page.locator("#trend-css_pace canvas").first.wait_for()
    page.select_option("select[name=metric_type]", "css_pace")
    page.fill("input[name=value]", "1:75")
    page.fill("input[name=recorded_on]", "2020-01-01")
    page.get_by_role("button", name="Save entry").click()
    error = page.locator(".field-error[data-field=value]")
    assert "expected a pace as m:ss" in error.inner_text()
    page.fill("input[name=value]", "1:30")
    page.get_by_role("button", name="Save entry").click()
    page.locator("table.metric-history").get_by_text("1:30/100m").wait_for()
    assert "waiting for review" in page.locator("table.metric-history").inner_text()
