"""The Sources and Settings pages: server-side behaviour, and one real-browser walk through the Sources page."""

from __future__ import annotations

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
    assert card.status_code == 200 and html.startswith(
        f'<article class="card source-card" id="source-{source.pk}"'
    )
    assert 'hx-trigger="every 2s"' in html and "Waiting to start" in html  # polls while the scan is queued
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
