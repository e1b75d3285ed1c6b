"""The Sources and Settings pages: server-side behaviour, and one real-browser walk through the Sources page."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from vault.sources import crypto
from vault.sources.models import ConnectorSettings, Source, SourceKind, SourceStatus
from vault.sources.tests.files import gpx_bytes
from vault.testing.browser import sign_in
from vault.testing.personas import PASSWORD


@pytest.fixture
def athlete_client(world):
    client = Client()
    client.force_login(world.athlete.user)
    return client


@pytest.mark.django_db
def test_sources_page_shows_cards_and_the_add_forms(athlete_client, world, tmp_path):
    source = Source.objects.create(
        athlete=world.athlete,
        kind=SourceKind.WATCHED_FOLDER,
        config={"path": str(tmp_path)},
        status=SourceStatus.NEEDS_ATTENTION,
        status_reason=f"{tmp_path} does not exist",
    )
    html = athlete_client.get(reverse("web:sources")).content.decode()
    assert f'id="source-{source.pk}"' in html and "Needs attention" in html and "does not exist" in html
    assert "Watch a local folder" in html and "Connect Nike Run Club" in html
    assert "paid Strava subscription" in html and "localhost" in html and "developer tools" in html
    assert "0 imported" in html and "0 duplicate" in html and "0 errors" in html


@pytest.mark.django_db
def test_adding_a_bad_folder_on_the_page_says_why(athlete_client, world, tmp_path):
    (tmp_path / "a-file.fit").write_bytes(b"x")
    response = athlete_client.post(
        reverse("web:source-add"),
        {"athlete": world.athlete.public_id, "kind": "watched_folder", "path": str(tmp_path / "a-file.fit")},
        follow=True,
    )
    assert "is not a directory" in response.content.decode()
    assert not Source.objects.exists()


@pytest.mark.django_db
def test_htmx_scan_answers_the_card_and_remove_answers_nothing(athlete_client, world, tmp_path):
    source = Source.objects.create(
        athlete=world.athlete, kind=SourceKind.WATCHED_FOLDER, config={"path": str(tmp_path)}
    )
    card = athlete_client.post(reverse("web:source-run", args=[source.pk]), HTTP_HX_REQUEST="true")
    html = card.content.decode()
    # the live part only (the file log's <details> is never replaced), plus the log's rows out of band
    assert card.status_code == 200 and html.startswith(
        f'<div class="source-live" id="source-{source.pk}-live"'
    )
    assert "<details" not in html and f'id="source-{source.pk}-log" hx-swap-oob="innerHTML"' in html
    assert (
        'hx-trigger="every 2s"' in html and "Waiting to start" in html
    )  # polls often while the scan is queued
    gone = athlete_client.post(reverse("web:source-remove", args=[source.pk]), HTTP_HX_REQUEST="true")
    assert gone.status_code == 200 and gone.content == b""
    assert not Source.objects.exists()


@pytest.mark.django_db
def test_settings_admin_saves_strava_credentials_masked(world):
    admin = Client()
    admin.force_login(world.admin)
    response = admin.post(
        reverse("web:settings"),
        {
            "part": "connectors",
            "strava_client_id": "4242",
            "strava_client_secret": "abcdef123456",
            "watch_poll_seconds": "60",
            "sync_interval_minutes": "",
        },
    )
    assert response.status_code == 302
    saved = ConnectorSettings.objects.get()
    assert saved.strava_client_secret == "abcdef123456" and saved.watch_poll_seconds == 60
    page = admin.get(reverse("web:settings")).content.decode()
    assert "abcdef123456" not in page and crypto.mask("abcdef123456") in page
    bad = admin.post(
        reverse("web:settings"),
        {"part": "connectors", "strava_client_id": "x", "watch_poll_seconds": "often"},
    )
    assert bad.status_code == 400 and "is not a whole number" in bad.content.decode()


@pytest.mark.django_db
def test_settings_connectors_are_admin_only_but_units_are_the_athletes(athlete_client, world):
    refused = athlete_client.post(reverse("web:settings"), {"part": "connectors", "strava_client_id": "1"})
    assert refused.status_code == 404 and not ConnectorSettings.objects.exists()
    saved = athlete_client.post(
        reverse("web:settings"), {"part": "athlete", "units": "imperial", "time_zone": "America/Denver"}
    )
    assert saved.status_code == 302
    world.athlete.refresh_from_db()
    assert (world.athlete.units, world.athlete.time_zone) == ("imperial", "America/Denver")
    bad = athlete_client.post(
        reverse("web:settings"), {"part": "athlete", "units": "imperial", "time_zone": "Mars/Olympus"}
    )
    assert bad.status_code == 400 and "not a known time zone" in bad.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sources_page_in_a_browser(page, tmp_path):
    from vault.testing.personas import make_athlete

    athlete = make_athlete("browser_bea")
    (tmp_path / "first.gpx").write_bytes(gpx_bytes(60))
    sign_in(page, "browser_bea", PASSWORD)
    page.goto("/sources/")
    page.fill("#folder-path", str(tmp_path))
    page.click("text=Watch folder")
    card = page.locator(".source-card").first
    card.locator("summary").click()
    card.locator("tr.log-imported", has_text="first.gpx").wait_for()
    assert "1 imported" in card.inner_text()

    (tmp_path / "second.gpx").write_bytes(gpx_bytes(61))
    card.locator("text=Scan now").click()
    page.locator(".source-card .count-imported", has_text="2 imported").wait_for()

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".source-card button.danger").click()
    page.locator(".source-card").wait_for(state="detached")
    assert not Source.objects.filter(athlete=athlete).exists()


@pytest.mark.django_db
def test_cards_offer_the_way_back_when_a_connection_needs_it(athlete_client, world, settings):
    settings.STRAVA_CLIENT_ID, settings.STRAVA_CLIENT_SECRET = "4242", "s"
    nrc = Source(
        athlete=world.athlete,
        kind=SourceKind.NRC,
        status=SourceStatus.RECONNECT,
        status_reason="token expired: get a fresh token",
    )
    nrc.secrets = {"access_token": "eyJ.expired-token-value.sig"}
    nrc.save()
    Source.objects.create(
        athlete=world.athlete,
        kind=SourceKind.STRAVA,
        status=SourceStatus.RECONNECT,
        status_reason="missing scope activity:read_all",
    )
    html = athlete_client.get(reverse("web:sources")).content.decode()
    assert "token expired: get a fresh token" in html and "Save token and continue" in html
    assert reverse("web:source-token", args=[nrc.pk]) in html
    assert (
        "missing scope activity:read_all" in html and html.count("Connect Strava") >= 2
    )  # the card's and the add form's
    assert "expired-token-value" not in html  # the token itself never appears
    added = athlete_client.post(
        reverse("web:source-add"), {"athlete": world.athlete.public_id, "kind": "strava"}
    )
    assert added.status_code == 302 and added["Location"].startswith(
        "https://www.strava.com/oauth/authorize?client_id=4242"
    )


# --- live updates (issue §1) ---------------------------------------------------------------------------------


def _live_url(html: str, source) -> str:
    match = re.search(rf'id="source-{source.pk}-live"[^>]*hx-get="([^"]+)"', html, re.S)
    assert match, "the card's live part polls"
    return match.group(1).replace("&amp;", "&")


@pytest.mark.django_db
def test_the_live_part_answers_204_until_the_watcher_imports_a_file(
    athlete_client, world, tmp_path, monkeypatch
):
    from vault.sources.connectors.folder import scan

    monkeypatch.setattr(scan, "STABLE_SECONDS", 0.0)
    source = Source.objects.create(
        athlete=world.athlete, kind=SourceKind.WATCHED_FOLDER, config={"path": str(tmp_path)}
    )
    page = athlete_client.get(reverse("web:sources")).content.decode()
    live = _live_url(page, source)
    assert 'hx-trigger="every 5s"' in page  # idle, no job: still asks, the watcher imports without one
    assert athlete_client.get(live).status_code == 204  # nothing changed: nothing to swap
    (tmp_path / "new.gpx").write_bytes(gpx_bytes(62))
    scanner = scan.FolderScanner(source)  # what the watcher does: no Job involved
    scanner.discover()
    assert scanner.import_ready() == 1
    update = athlete_client.get(live)
    html = update.content.decode()
    assert update.status_code == 200 and "1 imported" in html
    assert "<details" not in html  # an open file log stays open
    assert f'id="source-{source.pk}-log" hx-swap-oob="innerHTML"' in html and "new.gpx" in html
    assert athlete_client.get(_live_url(html, source)).status_code == 204


@pytest.mark.django_db
def test_a_periodic_sync_starting_shows_up_on_an_open_page(athlete_client, world):
    source = Source(athlete=world.athlete, kind=SourceKind.NRC)
    source.secrets = {"access_token": "t"}
    source.save()
    live = _live_url(athlete_client.get(reverse("web:sources")).content.decode(), source)
    assert athlete_client.get(live).status_code == 204
    from vault.sources import services

    (_job,) = services.sources_sync_due()  # the worker's periodic tick (the job waits in the queue here)
    update = athlete_client.get(live).content.decode()
    assert "Waiting to start" in update and 'hx-trigger="every 2s"' in update
    Source.objects.filter(pk=source.pk).update(status=SourceStatus.SYNCING)
    assert "Syncing" in athlete_client.get(_live_url(update, source)).content.decode()


@pytest.mark.django_db
def test_the_card_shows_the_last_20_files_and_the_latest_error(athlete_client, world, tmp_path):
    from vault.sources.models import SourceFileLog

    source = Source.objects.create(
        athlete=world.athlete, kind=SourceKind.WATCHED_FOLDER, config={"path": str(tmp_path)}
    )
    SourceFileLog.objects.create(
        source=source, name="broken.fit", status="error", message="truncated at byte 12"
    )
    for index in range(24):
        SourceFileLog.objects.create(source=source, name=f"f{index:02}.gpx", status="imported")
    html = athlete_client.get(reverse("web:sources")).content.decode()
    assert html.count('<tr class="log-') == 20
    assert "f23.gpx" in html and "f04.gpx" in html and "f03.gpx" not in html  # newest first, 20 of them
    assert "24 imported" in html and "1 error" in html
    # the error is older than the 20 lines, and still shown with its message
    assert "Latest error" in html and "broken.fit: truncated at byte 12" in html
    card = athlete_client.get(reverse("web:source-card", args=[source.pk])).content.decode()
    assert card.count('<tr class="log-') == 20


@pytest.mark.django_db
def test_settings_is_in_the_main_nav_for_those_who_can_use_it(world):
    settings_url = reverse("web:settings")
    for user, shown in ((world.athlete.user, True), (world.admin, True), (world.coach, False)):
        client = Client()
        client.force_login(user)
        html = client.get(reverse("web:sources")).content.decode()
        nav = html.split('<nav class="mainnav">', 1)[1].split("</nav>", 1)[0]
        assert (f'href="{settings_url}"' in nav) is shown, user


@pytest.mark.django_db
def test_reconnect_after_missing_scopes_forces_strava_consent(athlete_client, world, settings):
    settings.STRAVA_CLIENT_ID, settings.STRAVA_CLIENT_SECRET = "4242", "s"
    Source.objects.create(
        athlete=world.athlete,
        kind=SourceKind.STRAVA,
        status=SourceStatus.RECONNECT,
        config={"scopes": ["read"]},
        status_reason="missing scope activity:read_all",
    )
    answer = athlete_client.post(
        reverse("web:source-add"), {"athlete": world.athlete.public_id, "kind": "strava"}
    )
    assert answer.status_code == 302 and "approval_prompt=force" in answer["Location"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_live_updates_in_a_browser_keep_the_file_log_open(page, tmp_path, settings, monkeypatch):
    import threading

    from django.db import connection

    from vault.sources import services
    from vault.sources.connectors.folder import scan
    from vault.sources.connectors.folder.watcher import FolderWatcher
    from vault.sources.connectors.nrc import client as nrc_client
    from vault.sources.tests.fakes.nrc import FakeNrc
    from vault.testing.personas import make_athlete
    from vault.web.views import sources as source_views

    monkeypatch.setattr(source_views, "IDLE_POLL_SECONDS", 1)
    monkeypatch.setattr(source_views, "BUSY_POLL_SECONDS", 1)
    monkeypatch.setattr(scan, "STABLE_SECONDS", 0.3)
    monkeypatch.setattr(nrc_client, "REQUEST_SPACING_S", 0.0)
    athlete = make_athlete("browser_bo")
    folder = Source.objects.create(
        athlete=athlete, kind=SourceKind.WATCHED_FOLDER, config={"path": str(tmp_path)}
    )
    with FakeNrc() as nrc:
        settings.NRC_BASE_URL = nrc.base_url
        nrc.seed(1, start=folder.created_at)
        nrc.faults[1] = "slow"  # the periodic sync's first call takes a while: long enough to be seen
        nrc.slow_s = 3.0
        nrc_source = Source(athlete=athlete, kind=SourceKind.NRC)
        nrc_source.secrets = {"access_token": nrc.token()}
        nrc_source.save()
        watcher = FolderWatcher(poll_seconds=3600).start()
        try:
            sign_in(page, "browser_bo", PASSWORD)
            page.goto("/sources/")
            card = page.locator(f"#source-{folder.pk}")
            card.locator("summary").click()
            details = card.locator("details.file-log")
            assert details.evaluate("d => d.open")
            deadline = time.monotonic() + 15
            while not (folder.pk in watcher.watched and watcher.watched[folder.pk].watch is not None):
                assert time.monotonic() < deadline, "the watcher did not pick the folder up"
                time.sleep(0.05)
            (tmp_path / "arrived.gpx").write_bytes(gpx_bytes(63))  # the watcher imports it: no Job, no reload
            card.locator("tr.log-imported", has_text="arrived.gpx").wait_for()
            card.locator(".count-imported", has_text="1 imported").wait_for()
            assert details.evaluate("d => d.open"), "polling closed the open file log"

            def periodic_tick():
                try:
                    services.sources_sync_due()  # the worker's tick; the job runs inline here
                finally:
                    connection.close()

            tick = threading.Thread(target=periodic_tick)
            tick.start()
            nrc_card = page.locator(f"#source-{nrc_source.pk}")
            nrc_card.locator(".source-status", has_text="Syncing").wait_for()
            nrc_card.locator(".count-imported", has_text="1 imported").wait_for(timeout=30_000)
            nrc_card.locator(".source-status", has_text="Active").wait_for()
            tick.join(30)
            assert details.evaluate("d => d.open")
        finally:
            watcher.stop()
