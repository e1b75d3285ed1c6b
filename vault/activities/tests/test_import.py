"""activity_import: dedup by content, stored originals and streams, bad input, salvage, new bests."""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vault.activities import storage
from vault.activities.models import Activity, ImportRecord, StoredOriginal
from vault.activities.services import activity_delete, activity_import, activity_reprocess
from vault.activities.tests.files import START, gpx_bytes, gz, ride_recording, tcx_bytes
from vault.metrics.models import MetricHistory
from vault.metrics.services import metric_entry_create

pytestmark = pytest.mark.django_db


def test_import_stores_activity_laps_original_and_streams(world, storage_files):
    data = tcx_bytes(points=90)
    outcome = activity_import(
        athlete=world.athlete, data=data, filename="ride.tcx", created_by=world.athlete.user
    )

    assert outcome.status == "imported", outcome.message
    activity = outcome.activity
    sha = hashlib.sha256(data).hexdigest()
    assert activity.sha256 == sha
    assert activity.sport == "cycling"
    assert activity.start_time == START
    assert activity.original_filename == "ride.tcx"
    assert activity.original.name == f"originals/{sha[:2]}/{sha[2:4]}/{sha}"
    assert activity.original.size == len(data)
    assert storage.original_read(activity.original) == data
    assert activity.laps.count() == 1
    lap = activity.laps.get()
    assert lap.elapsed_s == 89.0 and lap.distance_m == 712.0
    streams = storage.streams_read(activity.streams_file)
    assert len(streams["timestamp"]) == 90
    assert streams["heart_rate"][0] == 150
    assert activity.summary  # computed by trainingmath
    assert sorted(storage_files()) == sorted([activity.original.name, activity.streams_file])
    record = outcome.record
    assert (record.status, record.activity, record.sha256, record.name) == (
        "imported",
        activity,
        sha,
        "ride.tcx",
    )
    assert outcome.as_result() == {
        "file": "ride.tcx",
        "status": "imported",
        "activity": activity.pk,
        "message": "ride.tcx: imported",
        "warnings": [],
    }


def test_same_bytes_twice_is_a_duplicate(world, storage_files):
    data = gpx_bytes()
    first = activity_import(athlete=world.athlete, data=data, filename="a.gpx")
    second = activity_import(athlete=world.athlete, data=data, filename="renamed.gpx")

    assert second.status == "duplicate"
    assert second.activity == first.activity
    assert "renamed.gpx" in second.message and "already imported" in second.message
    assert Activity.objects.count() == 1
    assert list(ImportRecord.objects.order_by("id").values_list("status", flat=True)) == [
        "imported",
        "duplicate",
    ]
    assert len(storage_files()) == 2  # one original, one streams file


def test_same_file_for_two_athletes_is_stored_once(world, storage_files):
    data = gpx_bytes()
    mine = activity_import(athlete=world.athlete, data=data, filename="a.gpx").activity
    theirs = activity_import(athlete=world.other_athlete, data=data, filename="a.gpx").activity

    assert mine != theirs and mine.original == theirs.original
    assert StoredOriginal.objects.count() == 1
    assert len([name for name in storage_files() if name.startswith("originals/")]) == 1


def test_metadata_given_by_the_caller_wins(world):
    outcome = activity_import(
        athlete=world.athlete,
        data=gpx_bytes(),
        filename="a.gpx",
        name="Auwald tempo",
        sport="running",
        description="felt good",
        gear="Pegasus 41",
        external_id="17001234567",
        source_kind="strava_archive",
    )
    activity = outcome.activity
    assert (
        activity.name,
        activity.description,
        activity.gear,
        activity.external_id,
        activity.source_kind,
    ) == (
        "Auwald tempo",
        "felt good",
        "Pegasus 41",
        "17001234567",
        "strava_archive",
    )


def test_same_external_activity_in_other_bytes_is_a_duplicate(world):
    first = activity_import(athlete=world.athlete, data=gpx_bytes(), filename="a.gpx", external_id="42")
    second = activity_import(
        athlete=world.athlete, data=gpx_bytes(heart_rate=120), filename="b.gpx", external_id="42"
    )
    assert second.status == "duplicate" and second.activity == first.activity


def test_recording_from_a_connector_is_imported_with_its_canonical_bytes(world):
    outcome = activity_import(
        athlete=world.athlete,
        data=b'{"strava": 123, "streams": "canonical"}',
        filename="strava-123.json",
        recording=ride_recording(seconds=600),
        source_kind="strava",
        external_id="123",
    )
    assert outcome.status == "imported", outcome.message
    assert outcome.activity.trainer is True
    assert len(storage.streams_read(outcome.activity.streams_file)["power"]) == 600


XML_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<gpx version="1.1"><trk><name>&lol4;</name><trkseg><trkpt lat="1" lon="1"><time>2026-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<gpx version="1.1"><trk><name>&secret;</name><trkseg><trkpt lat="1" lon="1"><time>2026-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>"""

BAD_FILES = [
    pytest.param("empty.fit", b"", "empty", id="empty"),
    pytest.param("noise.fit", bytes(range(256)) * 8, "not a FIT, GPX or TCX", id="unknown-format"),
    pytest.param(
        "page.fit",
        b"<!DOCTYPE html><html><body><h1>Sign in</h1></body></html>",
        "HTML",
        id="html-renamed-fit",
    ),
    pytest.param("bomb.gpx", XML_BOMB, "entities", id="xml-bomb"),
    pytest.param("xxe.gpx", XXE, "entities", id="external-entity"),
    pytest.param("bomb.fit.gz", gz(b"\0" * (64 * 1024 * 1024)), "decompression bomb", id="gzip-bomb"),
    pytest.param(
        "routeonly.gpx",
        b'<?xml version="1.0"?><gpx version="1.1"><metadata><name>x</name></metadata></gpx>',
        "no track points",
        id="no-samples",
    ),
]


@pytest.mark.parametrize(("filename", "data", "words"), BAD_FILES)
def test_bad_input_is_a_clear_error_with_nothing_left_behind(world, storage_files, filename, data, words):
    outcome = activity_import(athlete=world.athlete, data=data, filename=filename)

    assert outcome.status == "error"
    assert outcome.message.startswith(f"{filename}: ")
    assert words in outcome.message  # says what is wrong, not just that something is
    assert outcome.activity is None
    assert Activity.objects.count() == 0 and StoredOriginal.objects.count() == 0
    assert storage_files() == []
    record = ImportRecord.objects.get()
    assert (record.status, record.message, record.name) == ("error", outcome.message, filename)


def test_xml_entities_are_never_expanded(world):
    for data in (XML_BOMB, XXE):
        outcome = activity_import(athlete=world.athlete, data=data, filename="x.gpx")
        assert "root:" not in outcome.message and "lollol" not in outcome.message


def test_damaged_file_is_salvaged_with_warnings_kept(world):
    whole = gpx_bytes(points=200)
    cut = whole[: len(whole) // 2]
    outcome = activity_import(athlete=world.athlete, data=cut, filename="cut.gpx")

    assert outcome.status == "imported", outcome.message
    assert outcome.warnings and "cut off" in outcome.warnings[0]
    assert outcome.record.warnings == outcome.warnings
    assert outcome.activity.warnings == outcome.warnings
    assert 0 < len(storage.streams_read(outcome.activity.streams_file)["timestamp"]) < 200


def test_a_failure_while_writing_removes_the_files_of_the_attempt(world, storage_files, monkeypatch):
    def broken_bulk_create(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("vault.activities.models.Lap.objects.bulk_create", broken_bulk_create)
    outcome = activity_import(athlete=world.athlete, data=gpx_bytes(), filename="a.gpx")

    assert outcome.status == "error"
    assert "a.gpx" in outcome.message and "disk on fire" in outcome.message
    assert Activity.objects.count() == 0 and StoredOriginal.objects.count() == 0
    assert storage_files() == []


def test_a_failure_keeps_an_original_another_activity_uses(world, storage_files, monkeypatch):
    data = gpx_bytes()
    kept = activity_import(athlete=world.other_athlete, data=data, filename="a.gpx").activity
    monkeypatch.setattr(
        "vault.activities.models.Lap.objects.bulk_create",
        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")),
    )
    outcome = activity_import(athlete=world.athlete, data=data, filename="a.gpx")
    assert outcome.status == "error"
    assert storage.original_read(kept.original) == data
    assert sorted(storage_files()) == sorted([kept.original.name, kept.streams_file])


def test_thresholds_in_force_on_the_activity_date_are_used(world):
    metric_entry_create(
        athlete=world.athlete, metric_type="ftp", value=250, recorded_on=dt.date(2026, 1, 1), source="manual"
    )
    metric_entry_create(
        athlete=world.athlete, metric_type="ftp", value=400, recorded_on=dt.date(2026, 6, 1), source="manual"
    )
    outcome = activity_import(
        athlete=world.athlete,
        data=b"ride",
        filename="ride.json",
        recording=ride_recording(seconds=3600, power_w=200),
    )
    summary = outcome.activity.summary
    assert summary["intensity_factor"] == pytest.approx(200 / 250, rel=0.01)


def test_new_20min_power_best_suggests_an_ftp_for_review(world):
    metric_entry_create(
        athlete=world.athlete, metric_type="ftp", value=250, recorded_on=dt.date(2026, 1, 1), source="manual"
    )
    outcome = activity_import(
        athlete=world.athlete,
        data=b"ride-300",
        filename="ride.json",
        recording=ride_recording(seconds=1500, power_w=300),
    )
    entry = MetricHistory.objects.get(metric_type="ftp", source="activity")
    assert entry.value == pytest.approx(285.0, abs=0.5)
    assert entry.needs_review is True
    assert entry.source_detail == f"activity:{outcome.activity.pk}"
    assert entry.recorded_on == START.date()


def test_no_ftp_suggestion_when_the_best_is_not_above_the_ftp(world):
    metric_entry_create(
        athlete=world.athlete, metric_type="ftp", value=300, recorded_on=dt.date(2026, 1, 1), source="manual"
    )
    activity_import(
        athlete=world.athlete,
        data=b"ride-300",
        filename="ride.json",
        recording=ride_recording(seconds=1500, power_w=300),
    )
    assert not MetricHistory.objects.filter(source="activity", metric_type="ftp").exists()


def run_with_power(*, seconds: int = 1500, power_w: float = 330.0):
    """A run with running power (a Stryd pod): no reason to touch the cycling FTP."""
    recording = ride_recording(seconds=seconds, power_w=power_w)
    recording.sport, recording.sub_sport = "running", "treadmill"
    recording.streams["speed"][:] = 3.5
    recording.streams["distance"] = np.arange(seconds, dtype=np.float64) * 3.5
    return recording


def test_a_runs_power_never_suggests_a_cycling_ftp(world):
    metric_entry_create(
        athlete=world.athlete, metric_type="ftp", value=250, recorded_on=dt.date(2026, 1, 1), source="manual"
    )
    activity_import(athlete=world.athlete, data=b"stryd", filename="run.json", recording=run_with_power())
    assert not MetricHistory.objects.filter(metric_type="ftp", source="activity").exists()
    # nor without any FTP yet
    metric_entry_create(
        athlete=world.other_athlete,
        metric_type="max_hr",
        value=200,
        recorded_on=dt.date(2026, 1, 1),
        source="manual",
    )
    activity_import(
        athlete=world.other_athlete, data=b"stryd", filename="run.json", recording=run_with_power()
    )
    assert not MetricHistory.objects.filter(athlete=world.other_athlete, source="activity").exists()


def test_without_an_ftp_the_first_ride_with_20_minutes_suggests_one_and_later_ones_must_beat_it(world):
    assert not MetricHistory.objects.filter(athlete=world.athlete, metric_type="ftp").exists()
    first = activity_import(
        athlete=world.athlete, data=b"ride-1", filename="r1.json", recording=ride_recording(power_w=240)
    )
    entry = MetricHistory.objects.get(athlete=world.athlete, metric_type="ftp")
    assert entry.value == pytest.approx(0.95 * 240, abs=0.5)
    assert (entry.needs_review, entry.review_status, entry.source) == (True, "pending", "activity")
    assert entry.source_detail == f"activity:{first.activity.pk}"

    # a weaker ride imported before anyone reviewed: the pending suggestion is the bar, no second one
    activity_import(
        athlete=world.athlete,
        data=b"ride-2",
        filename="r2.json",
        recording=ride_recording(power_w=230, start=START + dt.timedelta(days=1)),
    )
    assert MetricHistory.objects.filter(athlete=world.athlete, metric_type="ftp").count() == 1
    # a stronger one suggests again
    activity_import(
        athlete=world.athlete,
        data=b"ride-3",
        filename="r3.json",
        recording=ride_recording(power_w=280, start=START + dt.timedelta(days=2)),
    )
    values = sorted(MetricHistory.objects.filter(metric_type="ftp").values_list("value", flat=True))
    assert values == [pytest.approx(228.0, abs=0.5), pytest.approx(266.0, abs=0.5)]


def test_a_ride_shorter_than_20_minutes_suggests_no_ftp(world):
    activity_import(
        athlete=world.athlete, data=b"short", filename="s.json", recording=ride_recording(seconds=900)
    )
    assert not MetricHistory.objects.filter(metric_type="ftp").exists()


def test_without_a_max_hr_the_first_activity_suggests_its_peak(world):
    recording = ride_recording(seconds=600, heart_rate=150)
    recording.streams["heart_rate"][300:320] = 184
    outcome = activity_import(athlete=world.athlete, data=b"hr1", filename="hr.json", recording=recording)
    entry = MetricHistory.objects.get(metric_type="max_hr")
    assert (entry.value, entry.needs_review) == (184, True)
    assert entry.source_detail == f"activity:{outcome.activity.pk}"
    calmer = ride_recording(seconds=600, heart_rate=150, start=START + dt.timedelta(days=1))
    activity_import(athlete=world.athlete, data=b"hr2", filename="hr2.json", recording=calmer)
    assert MetricHistory.objects.filter(metric_type="max_hr").count() == 1


def test_heart_rate_above_the_recorded_max_suggests_a_new_max(world):
    metric_entry_create(
        athlete=world.athlete,
        metric_type="max_hr",
        value=180,
        recorded_on=dt.date(2026, 1, 1),
        source="manual",
    )
    recording = ride_recording(seconds=600, heart_rate=150)
    recording.streams["heart_rate"][300:320] = 188
    outcome = activity_import(athlete=world.athlete, data=b"hr", filename="hr.json", recording=recording)
    entry = MetricHistory.objects.get(metric_type="max_hr", source="activity")
    assert entry.value == 188 and entry.needs_review
    assert entry.source_detail == f"activity:{outcome.activity.pk}"


def test_delete_removes_files_unless_shared(world, storage_files, django_capture_on_commit_callbacks):
    data = gpx_bytes()
    shared = activity_import(athlete=world.other_athlete, data=data, filename="a.gpx").activity
    mine = activity_import(athlete=world.athlete, data=data, filename="a.gpx").activity
    only_mine = activity_import(athlete=world.athlete, data=tcx_bytes(), filename="b.tcx").activity

    with django_capture_on_commit_callbacks(execute=True):
        activity_delete(activity=mine)
        activity_delete(activity=only_mine)

    assert sorted(storage_files()) == sorted([shared.original.name, shared.streams_file])
    assert list(StoredOriginal.objects.all()) == [shared.original]


def test_reprocess_recomputes_from_the_original(world, storage_files, django_capture_on_commit_callbacks):
    activity = activity_import(athlete=world.athlete, data=tcx_bytes(), filename="b.tcx").activity
    computed, old_streams = activity.summary, activity.streams_file
    activity.summary = {}
    activity.save()
    activity.laps.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        activity_reprocess(activity=activity)

    activity.refresh_from_db()
    assert activity.summary == computed
    assert activity.laps.count() == 1
    assert activity.streams_file != old_streams
    assert sorted(storage_files()) == sorted([activity.original.name, activity.streams_file])
    assert np.array_equal(
        storage.streams_read(activity.streams_file)["heart_rate"], np.full(60, 150, dtype=np.float32)
    )


def test_a_tcx_with_two_activities_imports_as_one_activity_keeping_both(world):
    """One file, one activity (sha256 unique per athlete): both TCX activities are in it, as sessions."""
    bike = tcx_bytes(points=60).decode()
    run = tcx_bytes(points=40, start=START + dt.timedelta(minutes=5), heart_rate=160).decode()
    second = run[run.index("<Activity ") : run.index("</Activities>")].replace(
        'Sport="Biking"', 'Sport="Running"'
    )
    data = bike.replace("</Activities>", second + "</Activities>").encode()
    outcome = activity_import(athlete=world.athlete, data=data, filename="brick.tcx")
    assert outcome.status == "imported", outcome.message
    activity = outcome.activity
    assert activity.sport == "multisport"
    assert [lap.distance_m for lap in activity.laps.all()] == [59 * 8.0, 39 * 8.0]
    assert [s["sport"] for s in activity.file_summary["sessions"]] == ["cycling", "running"]
    streams = storage.streams_read(activity.streams_file)
    assert len(streams["timestamp"]) == 100
    assert list(streams["heart_rate"][[0, 59, 60, 99]]) == [150, 150, 160, 160]
    assert any("holds 2 activities" in w for w in outcome.warnings)


def _connector_original(kind: str) -> tuple[bytes, str]:
    if kind == "strava":
        from vault.sources.connectors.strava.recording import canonical_bytes
        from vault.sources.tests.fakes.strava import make_activity

        summary, streams = make_activity(7001, START, sport_type="Run", samples=300)
        return canonical_bytes(summary, {k: {"data": v} for k, v in streams.items()}), "strava-7001.json"
    from vault.sources.connectors.nrc.recording import canonical_bytes
    from vault.sources.tests.fakes.nrc import make_run

    return canonical_bytes(make_run(START, samples=120)), "nrc-1.json"


@pytest.mark.parametrize("kind", ["strava", "nrc"])
def test_reprocess_rebuilds_a_connector_activity_from_its_stored_json(
    world, storage_files, django_capture_on_commit_callbacks, kind
):
    """Strava/NRC API activities keep the connector's JSON as their original; reprocess reads it as the
    import did (and the threshold recompute job, which reprocesses, with it)."""
    from vault.activities.services import recording_of_original

    data, filename = _connector_original(kind)
    outcome = activity_import(
        athlete=world.athlete,
        data=data,
        filename=filename,
        source_kind=kind,
        recording=recording_of_original(data, filename),
    )
    assert outcome.status == "imported", outcome.message
    activity = outcome.activity
    assert activity.original.content_type == "application/json"
    computed, laps = activity.summary, activity.laps.count()
    samples = len(storage.streams_read(activity.streams_file)["timestamp"])
    activity.summary = {}
    activity.save()
    activity.laps.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        activity_reprocess(activity=activity)

    activity.refresh_from_db()
    assert activity.summary == computed and activity.summary["distance_m"] > 0
    assert activity.laps.count() == laps
    assert len(storage.streams_read(activity.streams_file)["timestamp"]) == samples
    assert sorted(storage_files()) == sorted([activity.original.name, activity.streams_file])


def test_threshold_recompute_job_reprocesses_connector_activities(world, django_capture_on_commit_callbacks):
    from vault.activities.jobs import ACTIVITIES_RECOMPUTE
    from vault.activities.services import recording_of_original
    from vault.jobs.services import job_create, job_run

    data, filename = _connector_original("strava")
    activity = activity_import(
        athlete=world.athlete, data=data, filename=filename, recording=recording_of_original(data, filename)
    ).activity
    metric_entry_create(
        athlete=world.athlete,
        metric_type="threshold_hr",
        value=150,
        recorded_on=dt.date(2026, 1, 1),
        source="manual",
    )
    job = job_create(
        kind=ACTIVITIES_RECOMPUTE,
        athlete=world.athlete,
        params={"since": "2026-01-01", "metric_type": "threshold_hr"},
        enqueue=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = job_run(job_id=job.pk)
    assert job.status == "done", job.message
    assert job.results == []  # nothing failed
    activity.refresh_from_db()
    assert sum(activity.summary["time_in_hr_zones_s"]) > 0  # measured against the new threshold


def test_a_damaged_connector_original_is_a_decode_error_naming_the_file(world):
    import trackfiles
    from vault.activities.services import recording_of_original

    with pytest.raises(
        trackfiles.DecodeError, match=r"strava-1\.json: the stored API activity cannot be read"
    ):
        recording_of_original(b'{"strava_activity": {"start_date": 5}}', "strava-1.json")
    # JSON that is no connector's is left to the file decoders (which refuse it)
    with pytest.raises(trackfiles.DecodeError):
        recording_of_original(b'{"something": 1}', "other.json")


@pytest.mark.parametrize(
    ("data", "filename", "content_type"),
    [
        (gpx_bytes(), "run.FIT", "application/gpx+xml"),  # the content decides, not the name
        (tcx_bytes(), "ride.gpx", "application/vnd.garmin.tcx+xml"),
        (gz(gpx_bytes(heart_rate=120)), "run.gpx", "application/gzip"),
    ],
)
def test_the_stored_original_content_type_comes_from_the_sniffed_format(world, data, filename, content_type):
    outcome = activity_import(athlete=world.athlete, data=data, filename=filename)
    assert outcome.status == "imported", outcome.message
    assert outcome.activity.original.content_type == content_type


def test_reprocess_corrects_a_content_type_guessed_from_the_file_name(world):
    activity = activity_import(athlete=world.athlete, data=gpx_bytes(), filename="run.fit").activity
    StoredOriginal.objects.filter(pk=activity.original_id).update(content_type="application/vnd.ant.fit")
    activity_reprocess(activity=activity)
    activity.original.refresh_from_db()
    assert activity.original.content_type == "application/gpx+xml"


def test_a_bug_while_measuring_is_an_error_outcome_not_an_exception(world, storage_files, monkeypatch):
    def broken_summary(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("trainingmath.summary.summarize_activity", broken_summary)
    outcome = activity_import(athlete=world.athlete, data=gpx_bytes(), filename="odd.gpx")
    assert outcome.status == "error"
    assert outcome.message == "odd.gpx: could not be measured (ZeroDivisionError: division by zero)"
    assert storage_files() == [] and not Activity.objects.exists()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.binary(max_size=2048) | st.builds(lambda cut: gpx_bytes(points=20)[:cut], st.integers(0, 4000))
)
def test_any_bytes_give_an_outcome_never_an_exception(world, storage_files, data):
    outcome = activity_import(athlete=world.athlete, data=data, filename="fuzz.gpx")
    assert outcome.status in ("imported", "duplicate", "error")
    if outcome.status == "error":
        assert outcome.message.startswith("fuzz.gpx: ")
    names = set(storage_files())
    expected = {f.name for f in StoredOriginal.objects.all()} | set(
        Activity.objects.values_list("streams_file", flat=True)
    )
    assert names == expected  # nothing stored beyond what the activities refer to
