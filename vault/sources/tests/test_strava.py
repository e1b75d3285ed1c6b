"""Strava: the real connector code against the fake Strava on loopback (tests/fakes/strava.py)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from vault.activities.models import Activity
from vault.activities.services import activity_import
from vault.jobs.models import Job, JobStatus
from vault.jobs.services import job_create, job_run
from vault.sources import services
from vault.sources.connectors.strava import client as strava_client
from vault.sources.connectors.strava import fetch as strava_fetch
from vault.sources.connectors.strava import sync as strava_sync_module
from vault.sources.connectors.strava.client import RateLimits, next_window_reset
from vault.sources.models import Source, SourceFileLog, SourceKind, SourceStatus
from vault.sources.selectors import SYNC_JOB_KIND
from vault.sources.tests.fakes.strava import FakeStrava, make_activity
from vault.sources.tests.files import gpx_bytes

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 1, 5, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def strava(settings, monkeypatch):
    monkeypatch.setattr(strava_client, "RETRY_DELAYS_S", (0.0, 0.0))
    # the test client's host is "testserver": that is the app's callback domain here
    with FakeStrava(callback_domain="testserver") as fake:
        settings.STRAVA_BASE_URL = fake.base_url
        settings.STRAVA_CLIENT_ID = fake.client_id
        settings.STRAVA_CLIENT_SECRET = fake.client_secret
        yield fake


@pytest.fixture(params=["thread", "process"])
def fetching(request, monkeypatch):
    """Streams fetched by the sync's prefetch thread (short syncs) or by the helper process (long ones): each
    test using this runs both ways and must end the same. The process is made to start with the first page
    and be waited for, so that it is certain to answer."""
    answers = []
    if request.param == "process":
        monkeypatch.setattr(strava_sync_module, "PROCESS_FROM", 1)
        monkeypatch.setattr(strava_sync_module, "PROCESS_READY_WAIT_S", 30.0)
        receive = strava_fetch.StreamsProcess.receive

        def counted(self):
            answers.append(receive(self))
            return answers[-1]

        monkeypatch.setattr(strava_fetch.StreamsProcess, "receive", counted)
    yield request.param
    if request.param == "process":
        assert answers and None not in answers  # the process did answer, every time


def connect(athlete, fake: FakeStrava, scopes=("read", "activity:read_all"), **token_kwargs) -> Source:
    source = Source(athlete=athlete, kind=SourceKind.STRAVA, config={"scopes": sorted(scopes)})
    source.secrets = fake.issue_tokens(set(scopes), **token_kwargs)
    source.save()
    return source


def sync(source: Source) -> Job:
    job = job_create(kind=SYNC_JOB_KIND, params={"source_id": source.pk, "action": "sync"}, enqueue=False)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    source.refresh_from_db()
    return job


def external_ids(athlete) -> list[str]:
    return sorted(Activity.objects.filter(athlete=athlete).values_list("external_id", flat=True))


def expected(ids) -> list[str]:
    return sorted(str(i) for i in ids)


# --- OAuth ---------------------------------------------------------------------------------------------------


def test_oauth_round_trip_without_a_session(strava, world, api_client, django_capture_on_commit_callbacks):
    ids = strava.seed(3, start=START)
    api_client.force_authenticate(world.athlete.user)
    answer = api_client.post(
        reverse("api:source-list", kwargs={"public_id": world.athlete.public_id}),
        {"kind": "strava"},
        format="json",
    ).json()
    assert answer["status"] == "reconnect"
    # the athlete consents on Strava (the fake approves), which redirects to our callback
    consent = httpx.get(answer["authorize_url"], follow_redirects=False)
    assert consent.status_code == 302
    callback = urlparse(consent.headers["location"])
    assert callback.path == reverse("web:strava-callback")
    anonymous = Client()  # a phone or script: no session at all, the signed state decides
    with django_capture_on_commit_callbacks(execute=True):
        page = anonymous.get(f"{callback.path}?{callback.query}")
    assert page.status_code == 200 and b"Strava is connected" in page.content
    source = Source.objects.get(pk=answer["id"])
    assert source.status == SourceStatus.ACTIVE and source.status_reason == ""
    assert source.config["scopes"] == ["activity:read_all", "read"]
    assert source.config["strava_athlete_id"] == strava.athlete_id
    tokens = source.secrets
    assert tokens["access_token"] in strava.access_tokens
    assert tokens["access_token"] not in source.secrets_encrypted
    # the first sync started by itself
    assert external_ids(world.athlete) == expected(ids)
    # the state is single use
    again = anonymous.get(f"{callback.path}?{callback.query}")
    assert again.status_code == 400 and b"already used" in again.content
    forged = anonymous.get(f"{callback.path}?state=forged&code=x")
    assert forged.status_code == 400 and b"not valid" in forged.content


def test_unticked_scopes_are_reported(strava, world, settings):
    source = Source.objects.create(
        athlete=world.athlete, kind=SourceKind.STRAVA, status=SourceStatus.RECONNECT
    )
    from vault.sources.connectors.strava.oauth import strava_authorize_url

    strava.granted_scope = "read"
    url = strava_authorize_url(source=source, redirect_uri="http://localhost/sources/strava/callback/")
    callback = urlparse(httpx.get(url, follow_redirects=False).headers["location"])
    Client().get(f"{callback.path}?{callback.query}")
    source.refresh_from_db()
    assert source.status == SourceStatus.RECONNECT
    assert (
        "missing scope activity:read_all" in source.status_reason
        and "granted only read" in source.status_reason
    )

    strava.granted_scope = "read,activity:read"
    url = strava_authorize_url(source=source, redirect_uri="http://localhost/sources/strava/callback/")
    callback = urlparse(httpx.get(url, follow_redirects=False).headers["location"])
    Client().get(f"{callback.path}?{callback.query}")
    source.refresh_from_db()
    assert source.status == SourceStatus.ACTIVE
    assert "activities visible only to you will not sync" in source.status_reason


def test_declined_authorisation_and_a_wrong_client_secret(strava, world, settings):
    from vault.sources.connectors.strava.oauth import strava_authorize_url

    source = Source.objects.create(
        athlete=world.athlete, kind=SourceKind.STRAVA, status=SourceStatus.RECONNECT
    )
    url = strava_authorize_url(source=source, redirect_uri="http://localhost/cb/")
    state = httpx.QueryParams(urlparse(url).query)["state"]
    Client().get(reverse("web:strava-callback"), {"state": state, "error": "access_denied"})
    source.refresh_from_db()
    assert source.status == SourceStatus.RECONNECT and "not granted (access_denied)" in source.status_reason

    settings.STRAVA_CLIENT_SECRET = "wrong"
    url = strava_authorize_url(source=source, redirect_uri="http://localhost/cb/")
    callback = urlparse(httpx.get(url, follow_redirects=False).headers["location"])
    page = Client().get(f"{reverse('web:strava-callback')}?{callback.query}")
    assert page.status_code == 200
    source.refresh_from_db()
    assert source.status == SourceStatus.RECONNECT
    assert (
        "Strava refused the authorization_code" in source.status_reason
        and "client_id invalid" in source.status_reason
    )


# --- syncing ------------------------------------------------------------------------------------------------


def test_full_then_incremental_sync(strava, world, fetching):
    first = strava.seed(5, start=START)
    source = connect(world.athlete, strava)
    job = sync(source)
    assert job.status == JobStatus.DONE and job.progress_done == 5
    assert external_ids(world.athlete) == expected(first)
    assert source.status == SourceStatus.ACTIVE and source.last_sync_at is not None
    later = strava.seed(2, start=START + dt.timedelta(days=10), first_id=18_000_000_001)
    sync(source)
    assert external_ids(world.athlete) == expected(first + later)
    # each activity's streams were fetched exactly once over both syncs
    streams_calls = strava.calls_to("/streams")
    assert len(streams_calls) == len(set(streams_calls)) == 7
    # the second sync asked only for what came after the cursor
    lists = [q for m, p, q in strava.requests if p == "/api/v3/athlete/activities"]
    assert lists[0]["after"] == "0" and int(lists[-1]["after"]) >= int(START.timestamp()) + 4 * 3600 - 1
    activity = Activity.objects.get(athlete=world.athlete, external_id=str(first[0]))
    assert activity.sport == "running" and activity.source_kind == "strava"
    assert activity.original_filename == f"strava-{first[0]}.json"


@pytest.mark.parametrize("count", [4, 5, 6])  # last page short, exactly full (then empty), or one over
def test_pagination_ends(strava, world, monkeypatch, count):
    monkeypatch.setattr(strava_sync_module, "PER_PAGE", 2)
    ids = strava.seed(count, start=START)
    source = connect(world.athlete, strava)
    sync(source)
    assert external_ids(world.athlete) == expected(ids)
    pages = [q["page"] for m, p, q in strava.requests if p == "/api/v3/athlete/activities"]
    assert pages == [str(n) for n in range(1, count // 2 + 2)]


def test_a_429_mid_sync_pauses_and_resumes_from_the_cursor(strava, world, fetching):
    ids = strava.seed(4, start=START)
    source = connect(world.athlete, strava)
    strava.faults[4] = "429"  # list, streams 1, streams 2, then the streams of the third: refused
    first = sync(source)
    assert first.status == JobStatus.DONE and "paused until" in first.message
    assert source.status == SourceStatus.SYNCING and "Rate Limit" not in source.status_reason
    assert "rate limit exceeded" in source.status_reason and "paused until" in source.status_reason
    assert external_ids(world.athlete) == expected(ids[:2])
    follow_up = Job.objects.get(params__resumes_job=first.pk)
    assert follow_up.status == JobStatus.QUEUED
    # pressing Sync now meanwhile does not bypass the pause: it answers the waiting job
    assert services.source_sync_start(source=source).pk == follow_up.pk
    job_run(job_id=follow_up.pk)  # the window has reset
    source.refresh_from_db()
    assert external_ids(world.athlete) == expected(ids)
    assert source.status == SourceStatus.ACTIVE
    streams_calls = strava.calls_to("/streams")
    assert sorted(set(streams_calls)) == sorted(
        streams_calls[:2] + streams_calls[3:]
    )  # only the refused one twice
    assert len([c for c in streams_calls if str(ids[2]) in c]) == 2 and len(set(streams_calls)) == 4


def test_usage_headers_are_respected_before_strava_refuses(strava, world, fetching):
    ids = strava.seed(4, start=START)
    strava.limits = {"overall": (200, 2000), "read": (3, 1000)}
    source = connect(world.athlete, strava)
    first = sync(source)
    assert "paused until" in first.message
    assert strava.api_calls == 3  # the fourth call was never made: usage said the window was used up
    assert external_ids(world.athlete) == expected(ids[:2])
    strava.advance(15 * 60)  # the fake's 15-minute window resets
    job_run(job_id=Job.objects.get(params__resumes_job=first.pk).pk)
    assert external_ids(world.athlete) == expected(ids)


def test_rate_limit_windows_and_header_parsing():
    limits = RateLimits()
    limits.update(httpx.Headers({"X-Ratelimit-Limit": "600, 30000", "X-Ratelimit-Usage": "601, 602"}))
    now = dt.datetime(2026, 3, 14, 10, 7, 30, tzinfo=dt.UTC)
    assert limits.exhausted(now) == dt.datetime(2026, 3, 14, 10, 15, tzinfo=dt.UTC)
    limits.update(httpx.Headers({"X-RateLimit-Usage": "10,30000"}))
    assert limits.exhausted(now) == dt.datetime(2026, 3, 15, tzinfo=dt.UTC)
    assert next_window_reset(dt.datetime(2026, 3, 14, 10, 59, 59, tzinfo=dt.UTC), daily=False).minute == 0


def test_tokens_refresh_before_expiry_and_the_rotated_refresh_token_is_stored(strava, world):
    ids = strava.seed(2, start=START)
    source = connect(world.athlete, strava, expires_in=120)  # expires within the refresh margin
    old = source.secrets
    sync(source)
    new = source.secrets
    assert new["access_token"] != old["access_token"] and new["refresh_token"] != old["refresh_token"]
    assert old["refresh_token"] not in strava.refresh_tokens  # rotated: the old one is dead
    assert new["refresh_token"] in strava.refresh_tokens
    assert external_ids(world.athlete) == expected(ids)
    assert [p for m, p, q in strava.requests].count("/oauth/token") == 1


def test_a_token_expiring_mid_sync_is_refreshed_and_the_sync_goes_on(strava, world, fetching):
    ids = strava.seed(4, start=START)
    source = connect(world.athlete, strava)
    strava.hooks[3] = lambda: strava.advance(7 * 3600)  # the access token dies on Strava's clock
    sync(source)
    assert external_ids(world.athlete) == expected(ids)
    assert source.status == SourceStatus.ACTIVE
    assert source.secrets["access_token"] in strava.access_tokens


def test_a_revoked_token_asks_to_reconnect_and_keeps_the_cursor(strava, world, fetching):
    ids = strava.seed(3, start=START)
    source = connect(world.athlete, strava)

    def revoke():
        strava.access_tokens.clear()
        strava.refresh_tokens.clear()

    strava.hooks[3] = revoke
    sync(source)
    assert source.status == SourceStatus.RECONNECT
    assert "Strava refused" in source.status_reason and "Connect Strava again" in source.status_reason
    assert external_ids(world.athlete) == expected(ids[:1])
    cursor = source.cursor["after"]
    # reconnecting gives new tokens; the sync continues after the cursor
    source.secrets = strava.issue_tokens({"read", "activity:read_all"})
    source.save()
    sync(source)
    assert external_ids(world.athlete) == expected(ids)
    assert [q for m, p, q in strava.requests if p == "/api/v3/athlete/activities"][-1]["after"] == str(cursor)


def test_a_5xx_with_html_is_retried_and_a_lasting_outage_keeps_the_cursor(strava, world, fetching):
    ids = strava.seed(4, start=START)
    source = connect(world.athlete, strava)
    strava.faults[2] = "html503"  # once: retried
    sync(source)
    assert external_ids(world.athlete) == expected(ids)

    more = strava.seed(3, start=START + dt.timedelta(days=3), first_id=19_000_000_001)
    base = strava.api_calls
    for n in (3, 4, 5):  # the second new activity's streams fail three times in a row: Strava is down
        strava.faults[base + n] = "html503"
    sync(source)
    assert source.status == SourceStatus.NEEDS_ATTENTION
    assert (
        "HTTP 503 with an HTML page" in source.status_reason
        and "continues from where" in source.status_reason
    )
    assert external_ids(world.athlete) == expected(ids + more[:1])
    sync(source)
    assert source.status == SourceStatus.ACTIVE
    assert external_ids(world.athlete) == expected(ids + more)


def test_malformed_json_is_retried_then_reported_for_that_activity_only(strava, world, fetching):
    ids = strava.seed(3, start=START)
    source = connect(world.athlete, strava)
    strava.faults[2] = "malformed"  # the first activity's streams once: the retry (call 3) gets good JSON
    for n in (4, 5, 6):  # the second activity's streams: broken every time, retries included
        strava.faults[n] = "malformed"
    sync(source)
    assert external_ids(world.athlete) == expected([ids[0], ids[2]])
    error = SourceFileLog.objects.get(source=source, status="error")
    assert error.external_id == str(ids[1]) and "malformed JSON" in error.message
    assert source.status == SourceStatus.ACTIVE


@pytest.mark.django_db(transaction=True)  # the fake removes the source from its own thread and connection
def test_a_source_removed_during_a_sync(strava, world, monkeypatch, fetching):
    monkeypatch.setattr(strava_sync_module, "PER_PAGE", 2)
    ids = strava.seed(5, start=START)
    source = connect(world.athlete, strava)
    # removed while the second page is being listed (call 4: list, streams, streams, list)
    strava.hooks[4] = lambda: Source.objects.filter(pk=source.pk).delete()
    job = sync_removed(source)
    assert "removed" in job.message
    # what was imported before the removal stays; nothing after it
    assert external_ids(world.athlete) == expected(ids[:2])
    assert not Source.objects.filter(pk=source.pk).exists()


def test_the_existence_check_before_each_import_asks_the_source_table():
    # services.source_exists is plain SQL (it runs before every import): it must name Source's table
    assert services.SOURCE_EXISTS_SQL.split()[3] == Source._meta.db_table


def sync_removed(source):
    job = job_create(kind=SYNC_JOB_KIND, params={"source_id": source.pk, "action": "sync"}, enqueue=False)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def test_bad_activity_data_is_logged_and_never_stops_the_sync(strava, world, fetching):
    good = strava.seed(2, start=START)
    no_start, _ = make_activity(17_100_000_001, START + dt.timedelta(days=1))
    del no_start["start_date"]
    wrong_type, streams = make_activity(17_100_000_002, START + dt.timedelta(days=2))
    wrong_type["distance"] = "ten km"
    empty, _ = make_activity(17_100_000_003, START + dt.timedelta(days=3))
    uneven, uneven_streams = make_activity(17_100_000_004, START + dt.timedelta(days=4))
    uneven_streams["heartrate"] = uneven_streams["heartrate"][:-5]
    strava.add(no_start, streams, start=START + dt.timedelta(days=1))
    for summary, body in ((wrong_type, streams), (empty, {}), (uneven, uneven_streams)):
        strava.add(summary, body)
    last = strava.seed(1, start=START + dt.timedelta(days=5), first_id=17_200_000_001)
    source = connect(world.athlete, strava)
    sync(source)
    assert external_ids(world.athlete) == expected(good + last)
    messages = dict(
        SourceFileLog.objects.filter(source=source, status="error").values_list("external_id", "message")
    )
    assert "field 'start_date' is missing" in messages["17100000001"]
    assert "field 'distance' should be a number, got str" in messages["17100000002"]
    assert "streams" in messages["17100000003"] and "empty" in messages["17100000003"]
    assert "stream 'heartrate' has 55 samples, 'time' has 60" in messages["17100000004"]
    assert source.status == SourceStatus.ACTIVE
    assert source.cursor["after"] == int((START + dt.timedelta(days=5)).timestamp()) - 1


def test_private_activities_need_read_all(strava, world):
    public = strava.seed(1, start=START)
    private, streams = make_activity(17_300_000_001, START + dt.timedelta(days=1), visibility="only_me")
    strava.add(private, streams)
    source = connect(world.athlete, strava, scopes=("read", "activity:read"))
    sync(source)
    assert external_ids(world.athlete) == expected(public)
    assert "activities visible only to you will not sync" in source.status_reason


def test_an_activity_imported_from_a_file_is_linked_not_duplicated(strava, world):
    from_file = activity_import(athlete=world.athlete, data=gpx_bytes(0), filename="watch.gpx")
    assert from_file.status == "imported"
    start = from_file.activity.start_time + dt.timedelta(seconds=20)
    summary, streams = make_activity(17_400_000_001, start)
    strava.add(summary, streams)
    other = strava.seed(1, start=START + dt.timedelta(days=20), first_id=17_400_000_002)
    source = connect(world.athlete, strava)
    sync(source)
    from_file.activity.refresh_from_db()
    assert from_file.activity.external_id == "17400000001"
    assert Activity.objects.filter(athlete=world.athlete).count() == 2
    assert external_ids(world.athlete) == expected([17_400_000_001, *other])
    entry = SourceFileLog.objects.get(source=source, external_id="17400000001")
    assert (
        entry.status == "duplicate" and "linked to activity" in entry.message and "watch.gpx" in entry.message
    )
    assert "17400000001" not in strava.calls_to("/streams")[0]


def test_manual_activities_import_with_their_summary(strava, world):
    summary, _ = make_activity(17_500_000_001, START, manual=True)
    strava.add(summary, None)
    source = connect(world.athlete, strava)
    sync(source)
    entry = SourceFileLog.objects.get(source=source)
    assert not strava.calls_to("/streams")  # manual: no streams to ask for
    assert entry.status == "imported", entry.message
    activity = Activity.objects.get(pk=entry.activity_id)
    assert activity.external_id == "17500000001" and activity.sport == "running"


def test_periodic_sync_starts_only_due_sources(strava, world, settings):
    settings.SYNC_INTERVAL_MINUTES = 60
    due = connect(world.athlete, strava)
    fresh = connect(world.other_athlete, strava)
    Source.objects.filter(pk=fresh.pk).update(last_sync_at=dt.datetime.now(dt.UTC))
    jobs = services.sources_sync_due()
    assert [job.params["source_id"] for job in jobs] == [due.pk]


# --- webhook -------------------------------------------------------------------------------------------------


def test_webhook_subscription_check_needs_the_verify_token(db):
    from vault.sources.connectors.strava.webhook import verify_token

    url = reverse("web:strava-webhook")
    good = Client().get(
        url, {"hub.mode": "subscribe", "hub.challenge": "15f7d1a91c1f40", "hub.verify_token": verify_token()}
    )
    assert good.status_code == 200 and good.json() == {"hub.challenge": "15f7d1a91c1f40"}
    bad = Client().get(url, {"hub.mode": "subscribe", "hub.challenge": "x", "hub.verify_token": "STRAVA"})
    assert bad.status_code == 403


def test_webhook_events_start_a_sync_and_deauthorisation_asks_to_reconnect(
    strava, world, django_capture_on_commit_callbacks
):
    ids = strava.seed(2, start=START)
    source = connect(world.athlete, strava)
    source.config = {**source.config, "strava_athlete_id": strava.athlete_id}
    source.save()
    url = reverse("web:strava-webhook")
    event = {
        "aspect_type": "create",
        "event_time": 1773468000,
        "object_id": ids[1],
        "object_type": "activity",
        "owner_id": strava.athlete_id,
        "subscription_id": 120475,
        "updates": {},
    }
    with django_capture_on_commit_callbacks(execute=True):
        answer = Client().post(url, event, content_type="application/json")
    assert answer.status_code == 200 and "sync started for 1" in answer.json()["done"]
    assert external_ids(world.athlete) == expected(ids)

    deauth = {
        "aspect_type": "update",
        "event_time": 1773468100,
        "object_id": strava.athlete_id,
        "object_type": "athlete",
        "owner_id": strava.athlete_id,
        "subscription_id": 120475,
        "updates": {"authorized": "false"},
    }
    assert Client().post(url, deauth, content_type="application/json").status_code == 200
    source.refresh_from_db()
    assert source.status == SourceStatus.RECONNECT and "deauthorised" in source.status_reason
    assert source.secrets == {}
    malformed = Client().post(url, b"[1, 2", content_type="application/json")
    assert malformed.status_code == 400 and "not a Strava event" in malformed.json()["error"]
    wrong = Client().post(url, {"object_type": "club", "owner_id": "x"}, content_type="application/json")
    assert wrong.status_code == 400 and "owner_id" in wrong.json()["error"]


def test_streams_become_a_recording_with_gaps_as_nan():
    import math

    from vault.sources.connectors.strava.recording import ActivityDataError, to_recording

    summary, streams = make_activity(1, START, sport_type="VirtualRide", samples=4)
    streams["watts"] = [200, None, 210, 220]
    streams["latlng"][1] = None
    recording = to_recording(
        summary, {k: {"data": v} for k, v in streams.items()}
    )  # keyed, as Strava answers
    assert (recording.sport, recording.sub_sport) == ("cycling", "virtual_activity")
    assert list(recording.streams["timestamp"]) == [START.timestamp() + i for i in range(4)]
    assert math.isnan(recording.streams["power"][1]) and recording.streams["power"][2] == 210
    assert math.isnan(recording.streams["lat"][1]) and recording.streams["lon"][0] == pytest.approx(12.3441)
    assert recording.streams["speed"][0] == 8.0 and recording.sessions[0]["distance_m"] == 24.0
    streams["heartrate"] = [[1, 2]] * 4
    with pytest.raises(ActivityDataError, match="stream 'heartrate' holds lists where numbers belong"):
        to_recording(summary, {k: {"data": v} for k, v in streams.items()})


# --- what the fake must also do (strava.md §16) and how the connector reacts --------------------------------


def _authorize(fake: FakeStrava, **overrides) -> httpx.Response:
    query = {
        "client_id": fake.client_id,
        "redirect_uri": "http://localhost/sources/strava/callback/",
        "response_type": "code",
        "scope": "read,activity:read_all",
        "state": "s1",
        **overrides,
    }
    return httpx.get(f"{fake.base_url}/oauth/authorize", params=query, follow_redirects=False)


def test_fake_checks_the_client_id_and_the_callback_domain(strava):
    strava.callback_domain = "vault.example.org"
    assert _authorize(strava).status_code == 302  # localhost is always allowed
    assert _authorize(strava, redirect_uri="https://sync.vault.example.org/cb/").status_code == 302
    wrong_host = _authorize(strava, redirect_uri="https://evil.example.com/cb/")
    assert wrong_host.status_code == 400
    assert wrong_host.json()["errors"][0]["field"] == "redirect_uri"
    wrong_app = _authorize(strava, client_id="999")
    assert wrong_app.status_code == 403 and wrong_app.json()["message"] == "Authorization Error"
    assert "x-ratelimit-limit" not in wrong_app.headers  # never on /oauth/*


def test_a_wrong_client_id_is_reported_on_the_card_and_in_the_log(strava, world, settings):
    from vault.sources.connectors.strava.oauth import strava_authorize_url

    settings.STRAVA_CLIENT_ID = "999"
    pending = Source.objects.create(
        athlete=world.athlete, kind=SourceKind.STRAVA, status=SourceStatus.RECONNECT
    )
    url = strava_authorize_url(source=pending, redirect_uri="http://localhost/sources/strava/callback/")
    refused = httpx.get(url, follow_redirects=False)  # Strava shows its error page; nobody comes back
    assert refused.status_code == 403 and "forbidden" in refused.text

    ids = strava.seed(2, start=START)
    other = connect(
        world.other_athlete, strava, expires_in=60
    )  # its token needs a refresh: that needs the app
    sync(other)
    assert other.status == SourceStatus.RECONNECT
    assert (
        "Strava refused the refresh_token" in other.status_reason
        and "client_id invalid" in other.status_reason
    )
    entry = SourceFileLog.objects.get(source=other)
    assert entry.name == "Strava sync" and entry.status == "error" and "client_id invalid" in entry.message
    settings.STRAVA_CLIENT_ID = strava.client_id  # fixed on the Settings page: the sync goes on
    other.secrets = strava.issue_tokens({"read", "activity:read_all"}, athlete_id=strava.athlete_id)
    other.save()
    sync(other)
    assert external_ids(world.other_athlete) == expected(ids)


def test_access_denied_on_strava_is_reported_on_the_card(strava, world):
    client = Client()
    client.force_login(world.athlete.user)
    strava.deny = True
    started = client.post(reverse("web:source-add"), {"athlete": world.athlete.public_id, "kind": "strava"})
    consent = httpx.get(started["Location"], follow_redirects=False)
    callback = urlparse(consent.headers["location"])
    assert "error=access_denied" in callback.query and "code=" not in callback.query
    back = client.get(f"{callback.path}?{callback.query}", follow=True)
    html = back.content.decode()
    source = Source.objects.get(athlete=world.athlete, kind=SourceKind.STRAVA)
    assert source.status == SourceStatus.RECONNECT and "access_denied" in source.status_reason
    assert "you pressed Cancel" in html  # the card (and the message) say what happened
    assert SourceFileLog.objects.get(source=source).name == "Strava authorisation"


def test_reconnecting_after_missing_scopes_forces_the_consent_screen(strava, world):
    from vault.sources.connectors.strava.oauth import strava_authorize_url

    fresh = Source.objects.create(athlete=world.athlete, kind=SourceKind.STRAVA)
    query = httpx.QueryParams(
        urlparse(strava_authorize_url(source=fresh, redirect_uri="http://localhost/")).query
    )
    assert query["approval_prompt"] == "auto"
    for scopes in (["read"], ["activity:read", "read"]):
        fresh.config = {"scopes": scopes}
        fresh.save()
        url = strava_authorize_url(source=fresh, redirect_uri="http://localhost/")
        assert httpx.QueryParams(urlparse(url).query)["approval_prompt"] == "force"
    fresh.config = {"scopes": ["activity:read_all", "read"]}
    fresh.save()
    url = strava_authorize_url(source=fresh, redirect_uri="http://localhost/")
    assert httpx.QueryParams(urlparse(url).query)["approval_prompt"] == "auto"


def test_deauthorize_revokes_only_that_athletes_tokens(strava, world):
    mine = strava.seed(2, start=START)
    theirs = strava.seed(2, start=START, first_id=17_900_000_001, athlete_id=555)
    a = connect(world.athlete, strava)
    b = Source(
        athlete=world.other_athlete, kind=SourceKind.STRAVA, config={"scopes": ["activity:read_all", "read"]}
    )
    b.secrets = strava.issue_tokens({"read", "activity:read_all"}, athlete_id=555)
    b.save()
    token = a.secrets["access_token"]
    answer = httpx.post(f"{strava.base_url}/oauth/deauthorize", params={"access_token": token})
    assert answer.status_code == 200 and answer.json() == {"access_token": token}
    assert strava.deauthorized == [strava.athlete_id]
    again = httpx.post(
        f"{strava.base_url}/api/v3/oauth/deauthorize", headers={"Authorization": f"Bearer {token}"}
    )
    assert again.status_code == 401
    sync(a)
    sync(b)
    assert a.status == SourceStatus.RECONNECT and not external_ids(world.athlete)
    assert b.status == SourceStatus.ACTIVE and external_ids(world.other_athlete) == expected(theirs)
    assert not set(expected(mine)) & set(external_ids(world.other_athlete))  # each sees only their own


def test_every_api_answer_carries_rate_limit_headers_with_the_default_limits(strava):
    token = strava.issue_tokens({"read", "activity:read_all"})["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    first = httpx.get(f"{strava.base_url}/api/v3/athlete/activities", headers=headers)
    refused = httpx.get(f"{strava.base_url}/api/v3/athlete/activities")  # no token: 401, still counted
    missing = httpx.get(f"{strava.base_url}/api/v3/activities/1", headers=headers)
    for response in (first, refused, missing):
        assert response.headers["X-RateLimit-Limit"] == "200,2000"
        assert response.headers["X-ReadRateLimit-Limit"] == "100,1000"
    assert (first.status_code, refused.status_code, missing.status_code) == (200, 401, 404)
    assert [r.headers["X-ReadRateLimit-Usage"] for r in (first, refused, missing)] == ["1,1", "2,2", "3,3"]
    token_answer = httpx.post(f"{strava.base_url}/oauth/token", data={"client_id": "x"})
    assert "X-RateLimit-Limit" not in token_answer.headers


def test_slow_answers_time_out_are_retried_then_reported(strava, world, monkeypatch, fetching):
    monkeypatch.setattr(strava_client, "TIMEOUT", httpx.Timeout(0.3))
    strava.slow_s = 1.0
    ids = strava.seed(3, start=START)
    source = connect(world.athlete, strava)
    strava.faults[2] = "slow"  # the first streams: the retry gets them
    sync(source)
    assert external_ids(world.athlete) == expected(ids)
    more = strava.seed(2, start=START + dt.timedelta(days=5), first_id=19_500_000_001)
    base = strava.api_calls
    for n in (2, 3, 4):  # the first new activity's streams time out every time
        strava.faults[base + n] = "slow"
    sync(source)
    assert source.status == SourceStatus.NEEDS_ATTENTION and "timed out" in source.status_reason
    assert "timed out" in SourceFileLog.objects.get(source=source, name="Strava sync").message
    sync(source)
    assert source.status == SourceStatus.ACTIVE
    assert external_ids(world.athlete) == expected(ids + more)


# --- transient failures are retried; permanent ones are reported once --------------------------------------


def test_transient_failures_are_retried_next_sync_without_refetching_the_rest(strava, world, fetching):
    ids = strava.seed(4, start=START)
    strava.streams[ids[2]] = {}  # decodes to nothing: permanent
    source = connect(world.athlete, strava)
    for n in (3, 4, 5):  # list, streams of #0, then #1's streams: malformed three times
        strava.faults[n] = "malformed"
    sync(source)
    assert external_ids(world.athlete) == expected([ids[0], ids[3]])
    errors = {e.external_id: e for e in SourceFileLog.objects.filter(source=source, status="error")}
    assert errors[str(ids[1])].retry and "tried again at the next sync" in errors[str(ids[1])].message
    assert not errors[str(ids[2])].retry and "empty" in errors[str(ids[2])].message
    cursor = source.cursor["after"]
    assert cursor == int((START + dt.timedelta(hours=3)).timestamp()) - 1  # moved past both

    page = Client()
    page.force_login(world.athlete.user)
    html = page.get(reverse("web:sources")).content.decode()
    assert "Latest error" in html and "2 errors" in html

    sync(source)
    assert external_ids(world.athlete) == expected(ids[:2] + ids[3:])
    entries = list(SourceFileLog.objects.filter(source=source, external_id=str(ids[1])))
    assert [e.status for e in entries] == ["imported"]  # the transient error was replaced
    assert SourceFileLog.objects.filter(source=source, external_id=str(ids[2])).count() == 1
    calls = strava.calls_to("/streams")
    assert calls.count(f"/api/v3/activities/{ids[1]}/streams") == 4  # three broken, one good
    assert calls.count(f"/api/v3/activities/{ids[2]}/streams") == 1  # permanent: never again
    assert calls.count(f"/api/v3/activities/{ids[0]}/streams") == 1
    assert strava.calls_to(f"/api/v3/activities/{ids[1]}").count(f"/api/v3/activities/{ids[1]}") == 1
    sync(source)
    assert len(strava.calls_to("/streams")) == len(calls)  # a third sync fetches nothing
    assert Activity.objects.filter(athlete=world.athlete).count() == 3


# --- bad input (issue §9) -------------------------------------------------------------------------------------


def test_a_list_that_is_not_an_array_stops_the_sync_with_a_logged_reason(strava, world):
    ids = strava.seed(2, start=START)
    source = connect(world.athlete, strava)
    strava.faults[1] = b'{"activities": []}'
    sync(source)
    assert source.status == SourceStatus.NEEDS_ATTENTION and "not a JSON array" in source.status_reason
    entry = SourceFileLog.objects.get(source=source)
    assert entry.name == "Strava sync" and "not a JSON array" in entry.message
    assert source.cursor.get("after", 0) == 0
    sync(source)  # the same stop again would be logged once; this time the list is fine
    assert external_ids(world.athlete) == expected(ids)


def test_the_same_stop_is_logged_once_per_change(strava, world):
    source = connect(world.athlete, strava)
    strava.faults[1] = strava.faults[2] = b'"not a list"'
    sync(source)
    sync(source)
    assert SourceFileLog.objects.filter(source=source, name="Strava sync").count() == 1


def test_list_entries_with_missing_or_bad_ids_are_logged_and_skipped(strava, world):
    import json

    good = strava.seed(2, start=START)
    first, second = (strava.activities[i] for i in good)
    nameless = {**first, "name": "no id here"}
    del nameless["id"]
    broken = [first, nameless, {**first, "id": "17000000001x"}, {**first, "id": True}, "a string", second]
    source = connect(world.athlete, strava)
    strava.faults[1] = json.dumps(broken).encode()
    sync(source)
    assert external_ids(world.athlete) == expected(good)
    messages = list(
        SourceFileLog.objects.filter(source=source, status="error").values_list("message", flat=True)
    )
    assert len(messages) == 4
    assert sum("field 'id' is missing or not an integer" in m for m in messages) == 3
    assert any("is a str, not an object" in m for m in messages)
    page = Client()
    page.force_login(world.athlete.user)
    html = page.get(reverse("web:sources")).content.decode()
    assert "4 errors" in html and "Latest error" in html and "field &#x27;id&#x27;" in html
    assert source.status == SourceStatus.ACTIVE


def test_a_token_answer_without_access_token(strava, world):
    from vault.sources.connectors.strava.oauth import strava_authorize_url

    source = Source.objects.create(
        athlete=world.athlete, kind=SourceKind.STRAVA, status=SourceStatus.RECONNECT
    )
    strava.token_answer = {"token_type": "Bearer", "expires_at": 1}
    url = strava_authorize_url(source=source, redirect_uri="http://localhost/sources/strava/callback/")
    callback = urlparse(httpx.get(url, follow_redirects=False).headers["location"])
    Client().get(f"{callback.path}?{callback.query}")
    source.refresh_from_db()
    assert source.status == SourceStatus.RECONNECT and "has no access_token" in source.status_reason
    assert "has no access_token" in SourceFileLog.objects.get(source=source).message

    ids = strava.seed(1, start=START)
    other = connect(world.other_athlete, strava, expires_in=60)
    strava.token_answer = {"token_type": "Bearer", "access_token": None}  # the refresh answers nonsense
    sync(other)
    assert other.status == SourceStatus.NEEDS_ATTENTION and "has no access_token" in other.status_reason
    assert other.secrets["access_token"] in strava.access_tokens  # the stored tokens were not overwritten
    sync(other)
    assert external_ids(world.other_athlete) == expected(ids)


@pytest.mark.parametrize(
    ("offset_s", "sport_type", "linked"),
    [
        (20, "Run", True),
        (60, "Run", True),
        (-60, "Run", True),
        (61, "Run", False),
        (-90, "Run", False),
        (5, "Ride", False),
    ],
)
def test_linking_needs_the_same_sport_within_60_seconds(strava, world, offset_s, sport_type, linked):
    from_file = activity_import(athlete=world.athlete, data=gpx_bytes(0), filename="watch.gpx")
    start = from_file.activity.start_time + dt.timedelta(seconds=offset_s)
    summary, streams = make_activity(17_600_000_001, start, sport_type=sport_type)
    strava.add(summary, streams)
    source = connect(world.athlete, strava)
    sync(source)
    from_file.activity.refresh_from_db()
    entry = SourceFileLog.objects.get(source=source, external_id="17600000001")
    if linked:
        assert from_file.activity.external_id == "17600000001" and entry.status == "duplicate"
        assert Activity.objects.filter(athlete=world.athlete).count() == 1
        assert not strava.calls_to("/streams")
    else:
        assert from_file.activity.external_id == "" and entry.status == "imported"
        assert Activity.objects.filter(athlete=world.athlete).count() == 2
