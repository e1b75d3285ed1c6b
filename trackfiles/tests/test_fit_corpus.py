"""decode_fit and read_messages on every FIT file of the shared corpus, and on every damaged one as MANIFEST says."""

from __future__ import annotations

import datetime as dt
import gzip
import zlib

import numpy as np
import pytest

from trackfiles import (
    STREAM_CHANNELS,
    BadChecksum,
    DecodeError,
    EmptyRecording,
    TruncatedFile,
    UnsupportedFormat,
)
from trackfiles.fit import decode_fit, read_messages
from trackfiles.tests.corpus import CORPUS_DIR, corpus_file, corpus_params, require_corpus

pytestmark = pytest.mark.corpus

# FIT files of the corpus that hold no activity: settings, a muscle-oxygen sensor log, a file_id-only file.
NOT_ACTIVITIES = {"sram-edge510-settings.fit", "moxy.fit", "valid_only_contain_fileid.fit"}


def fit_bytes(path) -> bytes:
    data = path.read_bytes()
    if not path.name.endswith(".gz"):
        return data
    try:
        return gzip.decompress(data)
    except EOFError:  # a cut gzip stream: keep what decompresses
        return zlib.decompressobj(wbits=31).decompress(data)


@pytest.mark.parametrize("path", corpus_params("fit", ".fit", ".fit.gz"))
def test_every_corpus_fit_file_decodes(path):
    path = corpus_file(path)
    data = fit_bytes(path)
    messages = read_messages(data)
    assert "file_id" in messages
    for name, columns in messages.items():
        assert len({len(c) for c in columns.values()}) <= 1, f"{name}: columns of different lengths"
    if path.name in NOT_ACTIVITIES:
        with pytest.raises(EmptyRecording, match=path.name):
            decode_fit(data, filename=path.name)
        return
    recording = decode_fit(data, filename=path.name)
    try:
        assert decode_fit(data, filename=path.name, strict=True).sample_count == recording.sample_count
    except DecodeError as error:  # strict mode raises exactly the damage salvaging warns about
        assert str(error) in recording.warnings
    assert recording.sample_count > 1
    assert set(recording.streams) == set(STREAM_CHANNELS)
    assert {len(v) for v in recording.streams.values()} == {recording.sample_count}
    assert all(v.dtype == np.float64 for v in recording.streams.values())
    assert (np.diff(recording.streams["timestamp"]) >= 0).all()
    assert recording.start_time.tzinfo is dt.UTC
    assert recording.start_time.year >= 1990
    assert recording.sessions, "every corpus activity has a session"
    lat = recording.streams["lat"]
    assert np.isnan(lat).all() or (np.nanmax(np.abs(lat)) <= 90)
    assert recording.device.manufacturer


def _activity(name: str):
    require_corpus()
    return decode_fit(fit_bytes(CORPUS_DIR / "fit" / name), filename=name)


def test_multisport_and_pool_swims_from_real_devices():
    triathlon = _activity("chained-fr920xt-multisport.fit")
    assert triathlon.sport == "multisport"
    assert [s["sport"] for s in triathlon.sessions] == [
        "swimming",
        "transition",
        "cycling",
        "transition",
        "running",
    ]
    swim = _activity("lap_swim_test_FR920xt.FIT")
    assert (swim.sport, swim.sub_sport, swim.pool_length_m) == ("swimming", "lap_swimming", 25.0)
    assert len(swim.lengths) > 0 and {length["kind"] for length in swim.lengths} <= {"active", "idle"}
    assert any(length["stroke_type"] == "freestyle" for length in swim.lengths)


def test_hrv_beat_intervals_from_a_real_file():
    require_corpus()
    hrv = read_messages(CORPUS_DIR / "fit" / "IpBike-HRV-Data.fit")["hrv"]["time"]
    beats = hrv[~np.isnan(hrv)]
    assert len(beats) > 1000
    assert 0.25 < np.median(beats) < 2.0  # seconds between beats


def test_compressed_speed_distance_from_a_real_file():
    require_corpus()
    record = read_messages(CORPUS_DIR / "fit" / "compressed-speed-distance.fit")["record"]
    distance = record["distance"][~np.isnan(record["distance"])]
    assert distance[-1] > 4096 / 16 * 2  # accumulated over several 12-bit rollovers
    assert (np.diff(distance) >= 0).all()


# -- broken/: the outcome MANIFEST.md gives for each file ------------------------------------------------------------
SALVAGED = {
    # file: (a warning must contain this, the error strict mode raises; None: implausible values, not damage,
    # are dropped or flagged with a warning in strict mode too)
    "27-days-activity.fit": ("implausible time span", DecodeError),
    "badcrc-karoo2.fit": ("file CRC mismatch at byte 165257", BadChecksum),
    "badheader-suunto.fit": ("claims 1078287 data bytes", TruncatedFile),
    "broken-start-latlng.fit": ("invalid positions", None),
    "inverted-times.fit": ("times inverted", None),
    "sigma-truncated-nick.fit": ("is cut off", DecodeError),
    "trunc-elemnt.fit.gz": ("file truncated", TruncatedFile),
    "trunc60-coros.fit": ("file truncated", TruncatedFile),
}


def _broken(name: str) -> bytes:
    require_corpus()
    return fit_bytes(CORPUS_DIR / "broken" / name)


@pytest.mark.parametrize("name", sorted(SALVAGED))
def test_damaged_files_are_salvaged_with_a_warning(name):
    warning, strict_error = SALVAGED[name]
    recording = decode_fit(_broken(name), filename=name)
    assert recording.sample_count > 100
    assert any(warning in w and name in w for w in recording.warnings), recording.warnings
    if strict_error is None:
        assert decode_fit(_broken(name), filename=name, strict=True).warnings == recording.warnings
        return
    with pytest.raises(strict_error):
        decode_fit(_broken(name), filename=name, strict=True)


def test_bad_header_keeps_every_record_of_the_intact_file():
    intact = _activity("suunto-move-2020-running.fit")
    salvaged = decode_fit(_broken("badheader-suunto.fit"))
    np.testing.assert_array_equal(salvaged.streams["timestamp"], intact.streams["timestamp"])


def test_bad_crc_keeps_every_record_of_the_intact_file():
    intact = _activity("karoo2-ride-2025.fit")
    salvaged = decode_fit(_broken("badcrc-karoo2.fit"))
    assert salvaged.sample_count == intact.sample_count


def test_truncated_files_keep_the_records_before_the_cut():
    intact = _activity("coros-pace-2-cycling-misaligned-fields.fit")
    cut = decode_fit(_broken("trunc60-coros.fit"))
    n = cut.sample_count
    assert 0.5 * intact.sample_count < n < 0.7 * intact.sample_count
    np.testing.assert_array_equal(cut.streams["timestamp"], intact.streams["timestamp"][:n])


def test_developer_fields_named_without_application_id():
    name = "elemnt-bolt-no-application-id-inside-developer-data-id.fit"
    require_corpus()
    messages = read_messages(CORPUS_DIR / "broken" / name)
    assert "application_id" not in messages["developer_data_id"]
    # the battery charge a sensor reports through a developer field described by an app without application_id
    assert messages["field_description"]["field_name"].tolist() == ["calibration", "charge"]
    assert messages["device_info"]["charge"][-1] == 66
    assert decode_fit(_broken(name)).sample_count > 100


def test_empty_activities_is_an_empty_recording():
    with pytest.raises(EmptyRecording, match="no activity samples"):
        decode_fit(_broken("empty-activities.fit"), filename="empty-activities.fit")


def test_empty_file_and_gpx_named_fit_are_errors():
    with pytest.raises(TruncatedFile, match="empty file"):
        decode_fit(_broken("empty-sessions.fit"))
    with pytest.raises(UnsupportedFormat, match="not a FIT file"):
        decode_fit(_broken("gpx-named-as.fit"))


@pytest.mark.parametrize(
    "name", ["lezyne_super_gps-garmin_fit-sample-bad-endian.fit", "mornindew-broken.fit"]
)
def test_files_that_crash_other_parsers_salvage_or_fail_cleanly(name):
    data = _broken(name)
    recording = decode_fit(data, filename=name)
    assert recording.sample_count > 100
    for strict in (True, False):
        try:
            read_messages(data, strict=strict)
        except DecodeError as error:
            assert strict and "byte" in str(error)
