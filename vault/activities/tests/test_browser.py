"""The upload page and the activity page in a real browser (Debian's Chromium through Playwright)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from vault.activities.models import Activity
from vault.activities.tests.files import gpx_bytes, zip_bytes
from vault.testing.browser import sign_in
from vault.testing.personas import PASSWORD, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_two_files_one_imports_one_duplicate(page, tmp_path):
    world = build_world()
    first, second = tmp_path / "morning.gpx", tmp_path / "same-again.gpx"
    first.write_bytes(gpx_bytes())
    second.write_bytes(gpx_bytes())
    sign_in(page, world.coach.username, PASSWORD)  # a coach uploading for a roster athlete

    page.goto(reverse("web:activity-upload", args=[world.athlete.public_id]))
    page.set_input_files("#file-input", [str(first), str(second)])

    items = page.locator("#upload-list li")
    items.nth(1).locator(".result").wait_for()
    assert items.count() == 2
    assert items.nth(0).locator("[data-status]").get_attribute("data-status") == "imported"
    assert "✓ imported" in items.nth(0).inner_text()
    assert items.nth(1).locator("[data-status]").get_attribute("data-status") == "duplicate"
    assert "already imported" in items.nth(1).inner_text()
    assert items.nth(0).locator("progress").evaluate("p => p.value === p.max")
    page.locator("#recent-imports").get_by_role(
        "cell", name="same-again.gpx", exact=True
    ).wait_for()  # log redrawn
    activity = Activity.objects.get()
    assert activity.athlete == world.athlete

    # the imported file links to its activity page, which draws the charts and the route without tiles
    items.nth(0).locator("a").click()
    page.wait_for_url(f"**{reverse('web:activity-detail', args=[activity.pk])}")
    page.locator(".chart[data-channel=heart_rate] canvas").wait_for()
    page.locator("#route-map[data-points]").wait_for()
    assert int(page.locator("#route-map").get_attribute("data-points")) == 120
    page.locator("input[name=x-axis][value=distance]").check()
    page.locator(".chart[data-channel=heart_rate] canvas").wait_for()

    # dragging across a chart loads that stretch at full detail; the button zooms back out
    assert page.locator("#zoom-reset").is_hidden()
    chart = page.locator(".chart[data-channel=heart_rate] .u-over")
    chart.scroll_into_view_if_needed()
    over = chart.bounding_box()
    y = over["y"] + over["height"] / 2
    page.mouse.move(over["x"] + over["width"] * 0.25, y)
    page.mouse.down()
    page.mouse.move(over["x"] + over["width"] * 0.5, y, steps=5)
    page.mouse.up()
    page.locator("#charts-status", has_text="Zoomed in").wait_for()
    page.locator("#zoom-reset").click()
    page.locator("#zoom-reset").wait_for(state="hidden")
    assert "Zoomed" not in page.locator("#charts-status").inner_text()

    # deleting asks first, then lands on the (now empty) list
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#delete-activity").click()
    page.wait_for_url(f"**{reverse('web:activity-list', args=[world.athlete.public_id])}")
    assert not Activity.objects.exists()


def test_upload_a_strava_archive_shows_job_progress_and_results(page, tmp_path):
    world = build_world()
    archive = tmp_path / "export_1.zip"
    archive.write_bytes(zip_bytes({"activities/1.gpx": gpx_bytes(), "activities/2.fit": b"not a fit file"}))
    sign_in(page, world.athlete.user.username, PASSWORD)

    page.goto(reverse("web:activity-upload", args=[world.athlete.public_id]))
    page.set_input_files("#file-input", str(archive))

    item = page.locator("#upload-list li").first
    item.locator(".job-status", has_text="done").wait_for()
    assert item.locator("[data-status=imported]").count() == 1
    error = item.locator(".result", has=page.locator("[data-status=error]"))
    assert "activities/2.fit" in error.inner_text()
    assert Activity.objects.filter(athlete=world.athlete).count() == 1


def test_the_page_applies_the_file_limit_to_files_and_the_archive_limit_to_zips(page, tmp_path, settings):
    """A zip over the file limit but under the archive limit is sent and imported; a plain file over the
    file limit and a zip over the archive limit are refused in the page, never sent."""
    import zipfile

    settings.MAX_UPLOAD_MB, settings.MAX_ARCHIVE_MB = 1, 2
    world = build_world()
    big_file = tmp_path / "big.gpx"
    big_file.write_bytes(gpx_bytes(points=5000))  # ~1.1 MB: over the 1 MB file limit
    # stored, two ~0.7 MB entries (each under the file limit): over the file limit, under the archive limit
    entries = {f"activities/{i}.gpx": gpx_bytes(points=3000, heart_rate=100 + i) for i in range(4)}
    archive = tmp_path / "export.zip"
    archive.write_bytes(zip_bytes(dict(list(entries.items())[:2]), compression=zipfile.ZIP_STORED))
    huge = tmp_path / "renamed.bin"  # a zip under another name, ~2.7 MB: over the archive limit
    huge.write_bytes(zip_bytes(entries, compression=zipfile.ZIP_STORED))
    assert big_file.stat().st_size > 1 << 20 and 1 << 20 < archive.stat().st_size < 2 << 20
    assert huge.stat().st_size > 2 << 20
    sign_in(page, world.athlete.user.username, PASSWORD)
    requests = []
    page.on("request", lambda r: requests.append(r.url) if r.method == "POST" else None)

    page.goto(reverse("web:activity-upload", args=[world.athlete.public_id]))
    page.set_input_files("#file-input", [str(big_file), str(archive), str(huge)])

    items = page.locator("#upload-list li")
    items.nth(1).locator(".job-status", has_text="done").wait_for()
    items.nth(2).locator(".result").wait_for()
    assert "more than the 1 MB upload limit" in items.nth(0).inner_text()
    assert items.nth(1).locator("[data-status=imported]").count() == 2
    assert "more than the 2 MB archive limit" in items.nth(2).inner_text()
    upload_url = reverse("api:activity-upload", args=[world.athlete.public_id])
    assert [url for url in requests if url.endswith(upload_url)] == requests and len(requests) == 1
    assert Activity.objects.filter(athlete=world.athlete).count() == 2
