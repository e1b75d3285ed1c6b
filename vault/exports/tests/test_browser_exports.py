"""The export page in a real browser: a background export followed to its download."""

import json
import zipfile

import pytest
from django.urls import reverse

from vault.activities.tests.files import gpx_bytes
from vault.exports.tests.builders import imported
from vault.testing.browser import sign_in
from vault.testing.personas import PASSWORD, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_prepare_the_full_export_and_download_it(page):
    world = build_world()
    imported(world.athlete, gpx_bytes(points=30), "lunch.gpx")
    sign_in(page, world.athlete.user.username, PASSWORD)
    page.goto(reverse("web:athlete-exports", kwargs={"public_id": world.athlete.public_id}))
    assert "outside the app's protection" in page.inner_text(".privacy")
    page.get_by_role("link", name="Prepare download").click()
    download_link = page.locator("#export-status a")
    download_link.wait_for()
    with page.expect_download() as download_info:
        download_link.click()
    archive = zipfile.ZipFile(download_info.value.path())
    manifest = json.loads(archive.read("manifest.json"))
    assert [a["original"] for a in manifest["activities"]] == ["originals/2026/lunch.gpx"]


def test_delete_the_account_from_the_profile(page):
    world = build_world()
    sign_in(page, world.athlete.user.username, PASSWORD)
    page.goto(reverse("web:profile"))
    page.get_by_role("link", name="Delete account").click()
    page.get_by_role("link", name="Your exports").wait_for()  # the full export is offered first
    page.fill("input[name=password]", "not my password")
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_text("That is not your password; nothing was deleted.").wait_for()
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    page.wait_for_url(f"**{reverse('web:signin')}")
    page.get_by_text("Your account is deleted.").wait_for()
    sign_in(page, "ana_athlete", PASSWORD)
    assert page.url.endswith(reverse("web:signin"))  # no account to sign in to


def test_help_is_reached_from_the_navigation(page):
    world = build_world()
    sign_in(page, world.coach.username, PASSWORD)
    page.locator(".mainnav").get_by_role("link", name="Help").click()
    page.get_by_role("link", name="What data we collect").first.click()
    page.get_by_role("heading", name="Wellness entry").wait_for()
    page.get_by_role("link", name="Exporting your data").first.click()
    assert "outside the app's protection" in page.inner_text("article")
