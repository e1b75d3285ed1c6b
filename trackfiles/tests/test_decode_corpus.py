"""decode() over the real-device corpus: every GPX/TCX file, the damaged files, and cross-format agreement.

GPX files are checked point by point against gpxpy and TCX files against tcxreader (independent parsers),
so the expected values come from the files, not from our own output.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

from trackfiles import STREAM_CHANNELS, DecodeError, EmptyRecording, Recording, decode
from trackfiles.tests.corpus import corpus_file, corpus_params, require_corpus

pytestmark = pytest.mark.corpus

# Files whose GPX holds no track at all (only metadata, or only a waypoint)
NO_TRACK = {"MetadataOnly.gpx", "unicode_with_bom.gpx"}
_DROPPED = re.compile(r"(\d+) (?:track point|trackpoint)\(s\) whose time goes backwards were dropped")


def _dropped(rec: Recording) -> int:
    return sum(int(m.group(1)) for w in rec.warnings for m in [_DROPPED.search(w)] if m)


def _kept(times: np.ndarray) -> np.ndarray:
    """Which of the file's points a decoder keeps when it drops those whose time goes backwards (earlier than
    a point before them; points without a time are kept): the rule trackfiles documents, applied to the
    independent parser's times, so the values of every kept point are still checked against it."""
    known = np.isfinite(times)
    running_max = np.maximum.accumulate(np.where(known, times, -np.inf))
    return ~(known & (times < running_max))


def _posix(moment: dt.datetime | None) -> float:
    if moment is None:
        return np.nan
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def _check_shape(rec: Recording) -> None:
    assert set(rec.streams) <= set(STREAM_CHANNELS)
    assert {values.shape for values in rec.streams.values()} == {(rec.sample_count,)}
    assert all(values.dtype == np.float64 for values in rec.streams.values())
    if rec.start_time is not None:
        assert rec.start_time.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("path", corpus_params("gpx", ".gpx"))
def test_every_gpx_file_matches_gpxpy(path):
    import gpxpy

    path = corpus_file(path)  # .gpx.gz files: see test_gzip_twins_decode_identically
    if path.name in NO_TRACK:
        with pytest.raises(EmptyRecording, match="no track points"):
            decode(path)
        return
    rec = decode(path)
    _check_shape(rec)
    assert rec.source_format == "gpx" and rec.sample_count > 0
    with open(path, encoding="utf-8-sig") as handle:
        points = [p for t in gpxpy.parse(handle).tracks for s in t.segments for p in s.points]
    assert rec.sample_count + _dropped(rec) == len(points)
    kept = _kept(np.array([_posix(p.time) for p in points]))
    assert int(kept.sum()) == rec.sample_count
    points = [p for p, keep in zip(points, kept, strict=True) if keep]
    np.testing.assert_allclose(rec.streams["lat"], [p.latitude for p in points])
    np.testing.assert_allclose(rec.streams["lon"], [p.longitude for p in points])
    np.testing.assert_allclose(rec.streams["timestamp"], [_posix(p.time) for p in points], atol=1e-3)
    if "altitude" in rec.streams:
        expected = [np.nan if p.elevation is None else p.elevation for p in points]
        np.testing.assert_allclose(rec.streams["altitude"], expected)
    assert rec.start_time == dt.datetime.fromtimestamp(np.nanmin(rec.streams["timestamp"]), dt.UTC)


@pytest.mark.parametrize("path", corpus_params("tcx", ".tcx"))
def test_every_tcx_file_matches_tcxreader(path):
    from tcxreader.tcxreader import TCXReader

    path = corpus_file(path)
    rec = decode(path)
    _check_shape(rec)
    assert rec.source_format == "tcx" and rec.sample_count > 0 and rec.laps
    peer = TCXReader().read(str(path), only_gps=False)
    assert rec.sample_count + _dropped(rec) == len(peer.trackpoints)
    assert len(rec.laps) == len(
        re.findall(rb"<Lap[\s>]", path.read_bytes())
    )  # tcxreader skips laps without a track
    kept = _kept(np.array([_posix(p.time) for p in peer.trackpoints]))
    assert int(kept.sum()) == rec.sample_count
    points = [p for p, keep in zip(peer.trackpoints, kept, strict=True) if keep]
    np.testing.assert_allclose(rec.streams["timestamp"], [_posix(p.time) for p in points], atol=1e-3)
    for channel, peer_value in [
        ("lat", lambda p: p.latitude),
        ("lon", lambda p: p.longitude),
        ("altitude", lambda p: p.elevation),
        ("heart_rate", lambda p: p.hr_value),
        ("speed", lambda p: p.tpx_ext.get("Speed") if p.tpx_ext else None),
        ("power", lambda p: p.tpx_ext.get("Watts") if p.tpx_ext else None),
    ]:
        expected = np.array([np.nan if peer_value(p) is None else peer_value(p) for p in points], dtype=float)
        if np.isfinite(expected).any():
            np.testing.assert_allclose(rec.streams[channel], expected, err_msg=channel)
    distances = np.array([np.nan if p.distance is None else p.distance for p in points], dtype=float)
    if np.isfinite(distances).any():
        np.testing.assert_allclose(rec.streams["distance"], distances)


def test_tcx_known_laps_and_sport():
    rec = decode(require_corpus() / "tcx" / "test.tcx")
    assert rec.sport == "running"
    assert len(rec.laps) == 3
    first = rec.laps[0]
    # the values written in the file's first <Lap>
    assert first["start_time"] == dt.datetime(2012, 12, 26, 21, 29, 53, tzinfo=dt.UTC)
    assert (first["elapsed_s"], first["distance_m"], first["total_calories"]) == (608.47, 1609.34399414, 94.0)
    assert (first["avg_heart_rate"], first["max_heart_rate"], first["intensity"]) == (139.0, 189.0, "active")


def test_tcx_pool_swim_keeps_its_laps():
    rec = decode(require_corpus() / "tcx" / "argmac_Garmin_FR910XT_2015_01_31_10_17_02.tcx")
    assert len(rec.laps) == 8
    assert sum(lap_.get("distance_m", 0) for lap_ in rec.laps) == pytest.approx(rec.sessions[0]["distance_m"])
    assert "lat" not in rec.streams  # a pool has no GPS


def test_tcx_lap_whose_track_repeats_the_first_is_deduplicated_with_a_warning():
    rec = decode(require_corpus() / "tcx" / "OWswim.tcx")
    assert _dropped(rec) > 0
    assert np.all(np.diff(rec.streams["timestamp"]) >= 0)
    assert len(rec.laps) == 2 and rec.sessions[0]["distance_m"] == 975.0


@pytest.mark.parametrize(
    ("compressed", "plain"),
    [("tcx/test.tcx.gz", "tcx/test.tcx"), ("gpx/strava.gpx.gz", "gpx/strava.gpx")],
)
def test_gzip_twins_decode_identically(compressed, plain):
    corpus = require_corpus()
    packed, unpacked = decode(corpus / compressed), decode(corpus / plain)
    assert packed.warnings == unpacked.warnings == []
    assert packed.start_time == unpacked.start_time
    assert packed.sessions == unpacked.sessions
    assert packed.streams.keys() == unpacked.streams.keys()
    for channel, values in unpacked.streams.items():
        np.testing.assert_array_equal(packed.streams[channel], values)


def test_gpx_named_as_fit_imports_as_gpx():
    corpus = require_corpus()
    rec = decode(corpus / "broken" / "gpx-named-as.fit")
    assert rec.source_format == "gpx"
    np.testing.assert_array_equal(
        rec.streams["lat"], decode(corpus / "gpx" / "Mojstrovka.gpx").streams["lat"]
    )


@pytest.mark.parametrize(
    ("name", "element", "closing"),
    [
        ("trunc-mojstrovka.gpx", b"</trkpt>", b"</trkseg></trk></gpx>"),
        (
            "trunc-test.tcx",
            b"</Trackpoint>",
            b"</Track></Lap></Activity></Activities></TrainingCenterDatabase>",
        ),
    ],
)
def test_truncated_xml_keeps_every_complete_point(name, element, closing):
    """Salvage equals decoding the same file closed right after its last complete point."""
    path = require_corpus() / "broken" / name
    data = path.read_bytes()
    rec = decode(path)
    last_line = data.count(b"\n") + 1
    assert rec.warnings[0].startswith(f"{name}: XML is cut off at line {last_line}, column")
    complete = data[: data.rindex(element) + len(element)] + closing
    repaired = decode(complete)
    assert rec.sample_count == repaired.sample_count > 100
    for channel, values in repaired.streams.items():
        np.testing.assert_array_equal(rec.streams[channel], values)
    with pytest.raises(DecodeError, match=f"cut off at line {last_line}"):
        decode(path, strict=True)


def test_empty_file_named_fit_is_an_error():
    with pytest.raises(DecodeError, match=r"empty-sessions\.fit: empty file"):
        decode(require_corpus() / "broken" / "empty-sessions.fit")


def test_truncated_gzip_fit_is_salvaged():
    path = require_corpus() / "broken" / "trunc-elemnt.fit.gz"
    rec = decode(path)
    assert rec.warnings[0].startswith(
        f"trunc-elemnt.fit.gz: gzip stream ends early at byte {path.stat().st_size}"
    )
    # the FIT decoder names the inner file
    assert rec.warnings[1].startswith("trunc-elemnt.fit: file truncated")
    assert rec.source_format == "fit" and rec.sample_count > 1000


def _agree_within(a: float, b: float, tolerance: float = 0.01) -> None:
    assert abs(a - b) <= tolerance * max(abs(a), abs(b)), (a, b)


def _summary(rec: Recording) -> tuple[float, float, float]:
    ts = rec.streams["timestamp"]
    return (
        rec.start_time.timestamp(),
        float(np.nanmax(ts) - np.nanmin(ts)),
        float(np.nanmax(rec.streams["distance"])),
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("fit/fr945-run-6782987395.fit", "gpx/fr945-run-6782987395.gpx"),
        ("fit/2019-02-17-062644-ELEMNT-297E-195-0.fit", "fit/2019-02-17-062644-ELEMNT-297E-195-0.fit.gz"),
    ],
)
def test_same_activity_in_two_files_agrees_on_start_duration_distance(first, second):
    corpus = require_corpus()
    a, b = _summary(decode(corpus / first)), _summary(decode(corpus / second))
    assert abs(a[0] - b[0]) <= 1.0  # start time, to the second
    _agree_within(a[1], b[1])  # duration
    _agree_within(a[2], b[2])  # distance


@pytest.mark.parametrize("path", corpus_params("gpx", ".gpx") + corpus_params("tcx", ".tcx"))
def test_streamed_reader_gives_the_same_recording_as_the_whole_tree_reader(path, monkeypatch):
    """Files above WHOLE_TREE_MAX_BYTES are streamed; both readers must agree on every corpus file."""
    path = corpus_file(path)
    whole = None if path.name in NO_TRACK else decode(path)
    monkeypatch.setattr("trackfiles.xmlsafe.WHOLE_TREE_MAX_BYTES", 0)
    if whole is None:
        with pytest.raises(EmptyRecording, match="no track points"):
            decode(path)
        return
    streamed = decode(path)
    assert streamed.streams.keys() == whole.streams.keys()
    for channel, values in whole.streams.items():
        np.testing.assert_array_equal(streamed.streams[channel], values, err_msg=channel)
    for attribute in ("sport", "sub_sport", "start_time", "device", "laps", "sessions", "name", "warnings"):
        assert getattr(streamed, attribute) == getattr(whole, attribute), attribute
