"""GPX decoding on hand-built files: every feature without the corpus."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from trackfiles import DecodeError, EmptyRecording, TruncatedFile, decode
from trackfiles.columns import EARTH_RADIUS_M

GPX11 = "http://www.topografix.com/GPX/1/1"
GPX10 = "http://www.topografix.com/GPX/1/0"
TPX1 = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
TPX2 = "http://www.garmin.com/xmlschemas/TrackPointExtension/v2"
T0 = dt.datetime(2024, 5, 1, 6, 0, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True, params=["whole-tree", "streamed"])
def reader(request, monkeypatch):
    """Every test runs on both readers: the one-call tree parse and the streaming one used for big files."""
    if request.param == "streamed":
        monkeypatch.setattr("trackfiles.xmlsafe.WHOLE_TREE_MAX_BYTES", 0)
    return request.param


def point(lat, lon, *, seconds=None, ele=None, extensions="", inner="") -> str:
    parts = [f'<trkpt lat="{lat}" lon="{lon}">']
    if ele is not None:
        parts.append(f"<ele>{ele}</ele>")
    if seconds is not None:
        parts.append(f"<time>{(T0 + dt.timedelta(seconds=seconds)).strftime('%Y-%m-%dT%H:%M:%SZ')}</time>")
    parts.append(inner)
    if extensions:
        parts.append(f"<extensions>{extensions}</extensions>")
    parts.append("</trkpt>")
    return "".join(parts)


def gpx(body: str, *, ns=GPX11, extra_ns="", metadata="", version="1.1") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="{version}" creator="unit test" xmlns="{ns}" {extra_ns}>\n'
        f"{metadata}{body}\n</gpx>\n"
    ).encode()


def track(*segments: str, name="", type_="") -> str:
    head = (f"<name>{name}</name>" if name else "") + (f"<type>{type_}</type>" if type_ else "")
    return "<trk>" + head + "".join(f"<trkseg>{s}</trkseg>" for s in segments) + "</trk>"


def line_points(count, *, start=0, step_s=1, lat0=46.0, dlat=0.0001, **kwargs) -> str:
    return "".join(point(lat0 + i * dlat, 14.0, seconds=start + i * step_s, **kwargs) for i in range(count))


def test_gpx11_track_gives_positions_times_elevation_and_haversine_distance():
    rec = decode(gpx(track(line_points(5, ele=300))), filename="walk.gpx")
    assert rec.source_format == "gpx"
    assert rec.sample_count == 5
    assert rec.start_time == T0
    np.testing.assert_allclose(rec.streams["timestamp"], T0.timestamp() + np.arange(5))
    np.testing.assert_allclose(rec.streams["lat"], 46.0 + 0.0001 * np.arange(5))
    np.testing.assert_allclose(rec.streams["altitude"], 300.0)
    step = EARTH_RADIUS_M * np.radians(0.0001)  # along a meridian: arc length
    np.testing.assert_allclose(rec.streams["distance"], step * np.arange(5), rtol=1e-6)
    np.testing.assert_allclose(rec.streams["speed"][1:], step, rtol=1e-6)
    assert np.isnan(rec.streams["speed"][0])
    assert rec.sessions == [
        {"start_time": T0, "elapsed_s": 4.0, "sport": "generic", "distance_m": pytest.approx(4 * step)}
    ]
    assert rec.device.product == "unit test"
    assert rec.warnings == []


def test_gpx10_namespace_and_speed_element():
    body = track(line_points(3, inner="<speed>2.5</speed>"))
    rec = decode(gpx(body, ns=GPX10, version="1.0", metadata="<name>Old file</name>"))
    assert rec.name == "Old file"
    np.testing.assert_allclose(rec.streams["speed"], 2.5)


def test_metadata_name_and_sport_from_type():
    rec = decode(
        gpx(track(line_points(2), type_="running"), metadata="<metadata><name>Morning run</name></metadata>")
    )
    assert (rec.name, rec.sport) == ("Morning run", "running")
    assert decode(gpx(track(line_points(2), type_="1"))).sport == "cycling"  # Strava's number for Ride
    assert decode(gpx(track(line_points(2), type_="Trail Running"))).sub_sport == "trail"
    assert decode(gpx(track(line_points(2), type_="juggling"))).sport == "generic"


def test_track_name_used_when_no_metadata_name():
    assert decode(gpx(track(line_points(2), name="Lunch Ride"))).name == "Lunch Ride"


@pytest.mark.parametrize(("ns", "prefix"), [(TPX1, "gpxtpx"), (TPX2, "ns3"), (TPX1, "tp1")])
def test_trackpoint_extension_heart_rate_cadence_temperature_any_prefix(ns, prefix):
    ext = f"<{prefix}:TrackPointExtension><{prefix}:atemp>21.5</{prefix}:atemp><{prefix}:hr>141</{prefix}:hr><{prefix}:cad>88</{prefix}:cad></{prefix}:TrackPointExtension>"
    rec = decode(gpx(track(line_points(3, extensions=ext)), extra_ns=f'xmlns:{prefix}="{ns}"'))
    np.testing.assert_array_equal(rec.streams["heart_rate"], 141)
    np.testing.assert_array_equal(rec.streams["cadence"], 88)
    np.testing.assert_array_equal(rec.streams["temperature"], 21.5)


def test_power_extension_and_missing_values_are_nan():
    points = (
        point(46.0, 14.0, seconds=0, extensions="<power>250</power>")
        + point(46.0001, 14.0, seconds=1)
        + point(46.0002, 14.0, seconds=2, extensions="<power>310</power>")
    )
    rec = decode(gpx(track(points)))
    np.testing.assert_array_equal(rec.streams["power"], [250, np.nan, 310])
    assert "heart_rate" not in rec.streams  # channels without any value are left out


def test_gpxdata_distance_from_the_file_wins_over_haversine():
    ns = 'xmlns:gpxdata="http://www.cluetrust.com/XML/GPXDATA/1/0"'
    points = "".join(
        point(
            46.0 + i * 0.001,
            14.0,
            seconds=i * 10,
            extensions=f"<gpxdata:distance>{i * 100.0}</gpxdata:distance>",
        )
        for i in range(4)
    )
    rec = decode(gpx(track(points), extra_ns=ns))
    np.testing.assert_array_equal(rec.streams["distance"], [0, 100, 200, 300])
    np.testing.assert_allclose(rec.streams["speed"][1:], 10.0)


def test_several_tracks_and_segments_concatenate_in_time_order_with_empty_segment():
    late = line_points(3, start=100)
    early = line_points(3, start=0, lat0=45.0)
    rec = decode(gpx(track(late, "") + track(early)))
    assert rec.sample_count == 6
    np.testing.assert_allclose(rec.streams["timestamp"] - T0.timestamp(), [0, 1, 2, 100, 101, 102])
    np.testing.assert_allclose(rec.streams["lat"][:3], 45.0 + 0.0001 * np.arange(3))
    assert rec.warnings == []


def test_points_whose_time_goes_backwards_are_dropped_with_a_warning():
    points = "".join(point(46.0 + i * 1e-4, 14.0, seconds=s) for i, s in enumerate([0, 1, 2, 1, 3]))
    rec = decode(gpx(track(points)))
    np.testing.assert_allclose(rec.streams["timestamp"] - T0.timestamp(), [0, 1, 2, 3])
    assert rec.warnings and "time goes backwards" in rec.warnings[0] and "point 4" in rec.warnings[0]
    with pytest.raises(DecodeError, match="time goes backwards"):
        decode(gpx(track(points)), strict=True)


def test_time_formats_fractional_offsets_and_naive():
    times = [
        "2024-05-01T06:00:00Z",
        "2024-05-01T06:00:01.5Z",
        "2024-05-01T08:00:02+02:00",
        "2024-05-01T06:00:03",
    ]
    points = "".join(f'<trkpt lat="46" lon="14"><time>{t}</time></trkpt>' for t in times)
    rec = decode(gpx(track(points)))
    np.testing.assert_allclose(rec.streams["timestamp"] - T0.timestamp(), [0, 1.5, 2, 3])


def test_points_without_time_or_position_keep_nan():
    points = '<trkpt lat="46" lon="14"><time>2024-05-01T06:00:00Z</time></trkpt><trkpt lat="46.001" lon="14"></trkpt>'
    rec = decode(gpx(track(points)))
    assert rec.sample_count == 2
    assert np.isnan(rec.streams["timestamp"][1])


def test_malformed_number_is_missing_with_a_warning():
    points = point(46, 14, seconds=0, ele="high") + point(46.001, 14, seconds=1, ele="12")
    rec = decode(gpx(track(points)))
    np.testing.assert_array_equal(rec.streams["altitude"], [np.nan, 12])
    assert "'high'" in rec.warnings[0]
    with pytest.raises(DecodeError, match=r"trkpt altitude value.s. are not numbers .first: 'high'"):
        decode(gpx(track(points)), strict=True)


def test_position_outside_the_globe_is_dropped_with_a_warning():
    rec = decode(gpx(track(point(91, 14, seconds=0) + point(46, 14, seconds=1))))
    assert np.isnan(rec.streams["lat"][0])
    assert "outside the globe" in rec.warnings[0]


def test_routes_and_waypoints_are_not_samples():
    extras = '<wpt lat="1" lon="2"><time>2024-05-01T05:00:00Z</time></wpt><rte><rtept lat="3" lon="4"/></rte>'
    rec = decode(gpx(extras + track(line_points(2))))
    assert rec.sample_count == 2
    with pytest.raises(EmptyRecording, match="no track points"):
        decode(gpx(extras))


def test_utf8_bom_and_leading_whitespace_before_declaration():
    data = b"\xef\xbb\xbf\n\n   " + gpx(track(line_points(2)))
    assert decode(data).sample_count == 2


def test_truncated_gpx_keeps_every_complete_point_and_names_the_line():
    full = gpx(track(line_points(10, ele=5)))
    cut = full[: full.index(b"<trkpt", full.index(b"</trkpt>", 400)) + 30]  # mid-element
    complete = cut.count(b"</trkpt>")
    rec = decode(cut, filename="cut.gpx")
    assert rec.sample_count == complete
    np.testing.assert_array_equal(rec.streams["lat"], decode(full).streams["lat"][:complete])
    assert "line" in rec.warnings[0] and f"kept the {complete} track point(s)" in rec.warnings[0]
    with pytest.raises(TruncatedFile, match=r"cut.gpx: XML is cut off at line \d+"):
        decode(cut, filename="cut.gpx", strict=True)


def test_malformed_xml_before_any_point_is_an_error_with_line():
    with pytest.raises(DecodeError, match="line 3"):
        decode(b'<?xml version="1.0"?>\n<gpx>\n<trk><trkseg></trk>\n<trkpt lat="1" lon="2"/></gpx>')
