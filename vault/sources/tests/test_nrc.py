"""Nike Run Club: the real connector code against the fake NRC on loopback (tests/fakes/nrc.py)."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import numpy as np
import pytest

from vault.activities.models import Activity
from vault.jobs.services import job_create, job_run
from vault.sources import services
from vault.sources.connectors.nrc import client as nrc_client
from vault.sources.connectors.nrc.recording import ActivityDataError, to_recording
from vault.sources.models import Source, SourceFileLog, SourceKind, SourceStatus
from vault.sources.selectors import SYNC_JOB_KIND
from vault.sources.tests.fakes.nrc import FakeNrc, make_run

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 2, 1, 7, 0, tzinfo=dt.UTC)


@pytest.fixture
def nrc(settings, monkeypatch):
    monkeypatch.setattr(nrc_client, "REQUEST_SPACING_S", 0.0)
    monkeypatch.setattr(nrc_client, "RETRY_DELAYS_S", (0.0, 0.0))
    with FakeNrc() as fake:
        settings.NRC_BASE_URL = fake.base_url
        yield fake


def connect(athlete, fake: FakeNrc) -> Source:
    source = Source(athlete=athlete, kind=SourceKind.NRC)
    source.secrets = {"access_token": fake.token()}
    source.save()
    return source


def sync(source: Source):
    job = job_create(kind=SYNC_JOB_KIND, params={"source_id": source.pk, "action": "sync"}, enqueue=False)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    source.refresh_from_db()
    return job


def external_ids(athlete) -> list[str]:
    return sorted(Activity.objects.filter(athlete=athlete).values_list("external_id", flat=True))


def test_full_then_incremental_sync_with_every_kind_of_feed_item(nrc, world):
    runs = nrc.seed(3, start=START)
    treadmill = nrc.add(make_run(START + dt.timedelta(days=5), kind="treadmill"))["id"]
    manual = nrc.add(make_run(START + dt.timedelta(days=6), kind="manual"))["id"]
    nrc.add(make_run(START + dt.timedelta(days=7), kind="ntc"))
    nrc.add(make_run(START + dt.timedelta(days=8), kind="jogging"))
    nrc.add(make_run(START + dt.timedelta(days=9), kind="deleted"))
    source = connect(world.athlete, nrc)
    sync(source)
    assert source.status == SourceStatus.ACTIVE
    assert external_ids(world.athlete) == sorted([*runs, treadmill, manual])
    assert manual == manual.upper()  # uppercase ids are kept as they are

    gps = Activity.objects.get(external_id=runs[0])
    assert gps.sport == "running" and gps.source_kind == "nrc" and gps.name == "Outdoor run"
    assert Activity.objects.get(external_id=treadmill).sub_sport == "treadmill"

    later = nrc.seed(2, start=START + dt.timedelta(days=30))
    before = len(nrc.detail_calls())
    sync(source)
    assert external_ids(world.athlete) == sorted([*runs, treadmill, manual, *later])
    assert sorted(nrc.detail_calls()[before:]) == sorted(later)  # only the new runs were fetched
    assert len(nrc.detail_calls()) == len(set(nrc.detail_calls()))


@pytest.mark.parametrize("style", ["empty_paging", "null", "empty_string", "trailing_empty_page"])
def test_every_style_of_last_page_ends_the_list(nrc, world, style):
    nrc.last_page_style = style
    runs = nrc.seed(65, start=START, kind="manual")  # three pages of 30, 30, 5
    source = connect(world.athlete, nrc)
    job = sync(source)
    assert external_ids(world.athlete) == sorted(runs)
    pages = [path for path, q in nrc.requests if "/before_id/" in path]
    assert len(pages) == (4 if style == "trailing_empty_page" else 3)
    assert all(q["limit"] == "30" for path, q in nrc.requests if "/before_id/" in path)
    assert job.progress_done == 65


def test_a_repeating_cursor_stops_the_list(nrc, world, monkeypatch):
    runs = nrc.seed(2, start=START, kind="manual")
    original = nrc._list

    def stuck(cursor, query):
        page = original("*", query)
        page["paging"] = {"before_id": "same-cursor"}
        return page

    monkeypatch.setattr(nrc, "_list", stuck)
    source = connect(world.athlete, nrc)
    sync(source)
    assert external_ids(world.athlete) == sorted(runs)
    assert len([p for p, q in nrc.requests if "/before_id/" in p]) == 2


def test_series_become_streams(nrc):
    detail = make_run(START, samples=20)
    recording = to_recording(detail)
    streams = recording.streams
    assert recording.sport == "running" and recording.start_time == START
    assert len(streams["timestamp"]) == 20 and streams["timestamp"][0] == START.timestamp()
    assert np.allclose(streams["lat"][:2], [51.33, 51.3301]) and np.allclose(
        streams["lon"][:2], [12.34, 12.3401]
    )
    assert streams["distance"][0] == 0 and streams["distance"][-1] == pytest.approx(19 * 15.0)
    assert np.allclose(streams["speed"][1:-1], 3.0)  # 10.8 km/h
    assert np.allclose(streams["cadence"][1:-1], 14 / (5 / 60) / 2)
    assert streams["heart_rate"][0] == 120 and streams["altitude"][10] == pytest.approx(101.0)
    assert recording.sessions[0]["distance_m"] == pytest.approx(300.0)
    treadmill = to_recording(make_run(START, kind="treadmill"))
    assert "lat" not in treadmill.streams and treadmill.sub_sport == "treadmill"
    manual = to_recording(make_run(START, kind="manual"))
    assert manual.streams == {} and manual.sessions[0]["elapsed_s"] == 150


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: d.pop("start_epoch_ms"), "field 'start_epoch_ms' is missing"),
        (lambda d: d.update(metrics="none"), "field 'metrics' is not a list"),
        (lambda d: d["metrics"][1]["values"][0].update(value="fast"), "holds a value that is not a number"),
        (lambda d: d.update(metrics=[]), "no metric series"),
        (lambda d: d.update(tags=["outdoors"]), "field 'tags' is not an object"),
    ],
)
def test_bad_details_name_the_field(damage, message):
    detail = make_run(START)
    damage(detail)
    with pytest.raises(ActivityDataError, match=message):
        to_recording(detail)


def test_bad_details_are_logged_and_the_sync_goes_on(nrc, world):
    good = nrc.seed(2, start=START)
    broken = make_run(START + dt.timedelta(days=3))
    broken["metrics"] = [{"type": "heart_rate", "values": [{"start_epoch_ms": "soon", "value": 1}]}]
    nrc.add(broken)
    empty = make_run(START + dt.timedelta(days=4))
    empty["metrics"] = []
    nrc.add(empty)
    source = connect(world.athlete, nrc)
    sync(source)
    assert external_ids(world.athlete) == sorted(good)
    errors = dict(
        SourceFileLog.objects.filter(source=source, status="error").values_list("external_id", "message")
    )
    assert "heart_rate.start_epoch_ms" in errors[broken["id"]]
    assert "no metric series" in errors[empty["id"]]
    assert source.status == SourceStatus.ACTIVE


def test_an_expired_token_stops_keeps_the_cursor_and_a_fresh_one_continues(nrc, world):
    runs = nrc.seed(40, start=START, kind="manual")  # two pages
    source = connect(world.athlete, nrc)
    nrc.faults[35] = "expire"  # the token runs out during the second page
    sync(source)
    assert source.status == SourceStatus.RECONNECT
    assert source.status_reason.startswith("token expired: get a fresh token")
    assert "developer tools" in source.status_reason
    imported_before = set(external_ids(world.athlete))
    assert 30 < len(imported_before) < 40
    assert source.cursor["pass_before_id"] != "*"
    services.source_update_token(source=source, token=nrc.token())
    source.refresh_from_db()
    sync(source)
    assert source.status == SourceStatus.ACTIVE
    assert external_ids(world.athlete) == sorted(runs)
    assert len(nrc.served) == len(set(nrc.served)) == 40  # nothing fetched twice
    assert len(nrc.detail_calls()) == 41  # the one call refused for the expired token was asked again


def test_a_wrong_token_says_so(nrc, world):
    nrc.seed(1, start=START)
    source = Source(athlete=world.athlete, kind=SourceKind.NRC)
    source.secrets = {"access_token": "not-a-token"}
    source.save()
    sync(source)
    assert (
        source.status == SourceStatus.RECONNECT and "token expired: get a fresh token" in source.status_reason
    )
    assert not Activity.objects.exists()


def test_5xx_and_429_are_retried_and_a_lasting_outage_keeps_the_cursor(nrc, world):
    runs = nrc.seed(4, start=START)
    source = connect(world.athlete, nrc)
    nrc.faults[2] = "500"
    nrc.faults[4] = "429"
    sync(source)
    assert external_ids(world.athlete) == sorted(runs)

    more = nrc.seed(3, start=START + dt.timedelta(days=20))
    base = nrc.calls
    for n in (3, 4, 5):  # list, first detail, then the second detail fails three times
        nrc.faults[base + n] = "500"
    sync(source)
    assert (
        source.status == SourceStatus.NEEDS_ATTENTION and "HTTP 502 with an HTML page" in source.status_reason
    )
    assert len(external_ids(world.athlete)) == 5
    sync(source)
    assert external_ids(world.athlete) == sorted(runs + more)
    assert len(nrc.served) == len(set(nrc.served)) == 7  # only failed calls were ever repeated


def test_blocked_by_the_edge_and_malformed_json(nrc, world):
    runs = nrc.seed(2, start=START)
    source = connect(world.athlete, nrc)
    nrc.faults[1] = "403html"
    sync(source)
    assert (
        source.status == SourceStatus.NEEDS_ATTENTION and "HTTP 403 with an HTML page" in source.status_reason
    )
    for n in (2, 3, 4):  # after the list, the first (newest) detail is broken JSON every time
        nrc.faults[nrc.calls + n] = "malformed"
    sync(source)
    assert external_ids(world.athlete) == [runs[0]]  # the newest run could not be read; the older one could
    stop = SourceFileLog.objects.get(source=source, status="error", external_id="")
    assert stop.name == "Nike Run Club sync" and "HTTP 403 with an HTML page" in stop.message
    error = SourceFileLog.objects.get(source=source, status="error", external_id=runs[1])
    assert "malformed JSON" in error.message and error.retry  # transient: fetched again next time
    assert source.status == SourceStatus.ACTIVE
    sync(source)
    assert external_ids(world.athlete) == sorted(runs)
    assert not SourceFileLog.objects.filter(source=source, external_id=runs[1], status="error").exists()


@pytest.mark.django_db(transaction=True)
def test_a_source_removed_during_a_sync(nrc, world):
    nrc.seed(5, start=START, kind="manual")
    source = connect(world.athlete, nrc)
    nrc.hooks[4] = lambda: Source.objects.filter(pk=source.pk).delete()
    job = job_create(kind=SYNC_JOB_KIND, params={"source_id": source.pk, "action": "sync"}, enqueue=False)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert "removed" in job.message
    assert Activity.objects.filter(athlete=world.athlete).count() == 2


# --- what the fake must also do (nrc.md §8) and how the connector reacts --------------------------------------


def _get(fake: FakeNrc, path: str, token: str, **params) -> httpx.Response:
    return httpx.get(f"{fake.base_url}{path}", params=params, headers={"Authorization": f"Bearer {token}"})


def test_fake_detail_metrics_list_limit_and_unknown_cursor(nrc):
    run = nrc.add(make_run(START))
    token = nrc.token()
    detail = f"/sport/v3/me/activity/{run['id']}"
    every = _get(nrc, detail, token, metrics="ALL").json()["metrics"]
    assert {m["type"] for m in every} >= {"latitude", "longitude", "heart_rate", "distance"}
    subset = _get(nrc, detail, token, metrics="latitude,longitude").json()["metrics"]
    assert sorted(m["type"] for m in subset) == ["latitude", "longitude"]
    assert _get(nrc, detail, token).json()["metrics"] == []
    assert "rate" not in " ".join(_get(nrc, detail, token).headers).lower()  # no rate-limit headers at all

    nrc.seed(40, start=START + dt.timedelta(days=1), kind="manual")
    listing = "/plus/v3/activities/before_id/v3/*"
    assert len(_get(nrc, listing, token, limit=50).json()["activities"]) == 30  # clamped by default
    nrc.limit_mode = "error"
    refused = _get(nrc, listing, token, limit=31)
    assert refused.status_code == 400 and "error_id" in refused.json()
    assert _get(nrc, "/plus/v3/activities/before_id/v3/no-such-run", token).json() == {
        "activities": [],
        "paging": {},
    }
    nrc.unknown_cursor = "404"
    unknown = _get(nrc, "/plus/v3/activities/before_id/v3/no-such-run", token)
    assert unknown.status_code == 404 and "error_id" in unknown.json()


@pytest.mark.parametrize(
    ("shuffle", "latitude_first"), [(True, True), (True, False), (False, True), (False, False)]
)
def test_metric_order_does_not_matter(nrc, shuffle, latitude_first):
    run = nrc.add(make_run(START, samples=12))
    nrc.shuffle_metrics, nrc.latitude_first = shuffle, latitude_first
    served = nrc_client.NrcClient(token=nrc.token(), spacing_s=0).activity(run["id"])
    order = [m["type"] for m in served["metrics"]]
    assert (order[0] == "latitude") is latitude_first or (not latitude_first and order[0] == "latitude")
    if latitude_first:
        assert order[0] == "latitude"
    if not shuffle and not latitude_first:
        assert order == [m["type"] for m in run["metrics"]]  # stored order: latitude is not first
        assert order[0] != "latitude"
    reference = to_recording(run)
    recording = to_recording(served)
    assert set(recording.streams) == set(reference.streams)
    for name, values in reference.streams.items():
        assert np.allclose(recording.streams[name], values, equal_nan=True), name


@pytest.mark.parametrize("mode", ["404", "empty"])
def test_a_saved_cursor_nike_no_longer_knows_restarts_the_pass(nrc, world, mode):
    runs = nrc.seed(40, start=START, kind="manual")  # two pages
    source = connect(world.athlete, nrc)
    nrc.faults[35] = "expire"  # stopped mid second page, cursor saved
    sync(source)
    done_before = set(external_ids(world.athlete))
    cursor = source.cursor["pass_before_id"]
    del nrc.details[cursor]  # the run the cursor names is deleted meanwhile
    nrc.unknown_cursor = mode
    services.source_update_token(source=source, token=nrc.token())
    source.refresh_from_db()
    sync(source)
    assert source.status == SourceStatus.ACTIVE
    expected = sorted(set(runs) - {cursor} | (done_before & {cursor}))
    assert external_ids(world.athlete) == expected  # nothing older than the cursor was skipped
    assert len(nrc.served) == len(set(nrc.served))  # and nothing was fetched twice


def test_a_refresh_token_renews_an_expired_token_and_is_rotated(nrc, world):
    runs = nrc.seed(40, start=START, kind="manual")
    source = Source(athlete=world.athlete, kind=SourceKind.NRC)
    refresh = nrc.refresh_token()
    source.secrets = {"access_token": nrc.token(), "refresh_token": refresh}
    source.save()
    nrc.faults[20] = "expire"  # mid-backfill
    sync(source)
    assert source.status == SourceStatus.ACTIVE
    assert external_ids(world.athlete) == sorted(runs)
    (call,) = nrc.refresh_calls
    assert call["grant_type"] == "refresh_token" and call["refresh_token"] == refresh and call["client_id"]
    stored = source.secrets
    assert stored["refresh_token"] != refresh and stored["refresh_token"] in nrc.refresh_tokens
    assert stored["access_token"] in nrc.tokens and refresh not in nrc.refresh_tokens


@pytest.mark.parametrize(
    ("setup", "said"),
    [
        (lambda fake: setattr(fake, "refresh_mode", "disabled"), "HTTP 403 with an HTML page"),
        (lambda fake: fake.refresh_tokens.clear(), "HTTP 401"),
    ],
)
def test_a_refused_refresh_asks_for_a_fresh_token_and_keeps_the_cursor(nrc, world, setup, said):
    runs = nrc.seed(40, start=START, kind="manual")
    source = Source(athlete=world.athlete, kind=SourceKind.NRC)
    source.secrets = {"access_token": nrc.token(), "refresh_token": nrc.refresh_token()}
    source.save()
    setup(nrc)
    nrc.faults[35] = "expire"
    sync(source)
    assert source.status == SourceStatus.RECONNECT
    assert (
        source.status_reason.startswith("token expired: get a fresh token") and said in source.status_reason
    )
    logged = SourceFileLog.objects.get(source=source, name="Nike Run Club sync")
    assert logged.status == "error" and said in logged.message
    services.source_update_token(source=source, token=nrc.token())
    source.refresh_from_db()
    sync(source)
    assert external_ids(world.athlete) == sorted(runs)
    assert len(nrc.served) == len(set(nrc.served)) == 40


def test_slow_answers_time_out_are_retried_then_reported(nrc, world, monkeypatch):
    monkeypatch.setattr(nrc_client, "TIMEOUT", httpx.Timeout(0.3))
    nrc.slow_s = 1.0
    runs = nrc.seed(3, start=START)
    source = connect(world.athlete, nrc)
    nrc.faults[2] = "slow"  # one slow detail: the retry gets it
    sync(source)
    assert external_ids(world.athlete) == sorted(runs)

    more = nrc.seed(2, start=START + dt.timedelta(days=20))
    base = nrc.calls
    for n in (2, 3, 4):  # the newest new run's detail times out every time: Nike is not answering
        nrc.faults[base + n] = "slow"
    sync(source)
    assert source.status == SourceStatus.NEEDS_ATTENTION and "timed out" in source.status_reason
    assert "timed out" in SourceFileLog.objects.get(source=source, name="Nike Run Club sync").message
    assert external_ids(world.athlete) == sorted(runs)
    sync(source)
    assert source.status == SourceStatus.ACTIVE
    assert external_ids(world.athlete) == sorted(runs + more)
    assert len(nrc.served) == len(set(nrc.served))


def test_a_list_whose_activities_is_not_a_list_stops_with_a_logged_reason(nrc, world):
    runs = nrc.seed(2, start=START)
    source = connect(world.athlete, nrc)
    nrc.faults[1] = json.dumps({"activities": {"id": runs[0]}, "paging": {}}).encode()
    sync(source)
    assert source.status == SourceStatus.NEEDS_ATTENTION
    assert "'activities' is not a list" in source.status_reason
    entry = SourceFileLog.objects.get(source=source)
    assert entry.name == "Nike Run Club sync" and "'activities' is not a list" in entry.message
    assert source.cursor.get("known_newest_ms", 0) == 0  # nothing was skipped
    sync(source)
    assert external_ids(world.athlete) == sorted(runs)


def test_transient_errors_are_retried_and_permanent_ones_reported_once(nrc, world):
    good = nrc.seed(1, start=START)
    empty = make_run(START + dt.timedelta(days=1))
    empty["metrics"] = []
    nrc.add(empty)
    flaky = nrc.seed(1, start=START + dt.timedelta(days=2))  # the newest: the first detail fetched
    source = connect(world.athlete, nrc)
    for n in (2, 3, 4):
        nrc.faults[n] = "malformed"
    sync(source)
    assert external_ids(world.athlete) == good
    errors = {e.external_id: e for e in SourceFileLog.objects.filter(source=source, status="error")}
    assert errors[flaky[0]].retry and "tried again at the next sync" in errors[flaky[0]].message
    assert not errors[empty["id"]].retry and "no metric series" in errors[empty["id"]].message
    calls = len(nrc.detail_calls())
    sync(source)
    assert external_ids(world.athlete) == sorted(good + flaky)
    assert nrc.detail_calls()[calls:] == [flaky[0]]  # only the transient one, once; the list stopped early
    assert SourceFileLog.objects.filter(source=source, external_id=flaky[0]).get().status == "imported"
    assert SourceFileLog.objects.filter(source=source, external_id=empty["id"]).count() == 1
    sync(source)
    assert len(nrc.detail_calls()) == calls + 1  # nothing more to fetch
