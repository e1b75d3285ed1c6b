"""TCX decoding on hand-built files: every feature without the corpus."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from trackfiles import DecodeError, EmptyRecording, TruncatedFile, decode

TCD = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
AX = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"
T0 = dt.datetime(2024, 6, 2, 7, 30, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True, params=["whole-tree", "streamed"])
def reader(request, monkeypatch):
    """Every test runs on both readers: the one-call tree parse and the streaming one used for big files."""
    if request.param == "streamed":
        monkeypatch.setattr("trackfiles.xmlsafe.WHOLE_TREE_MAX_BYTES", 0)
    return request.param


def iso(seconds: float) -> str:
    return (T0 + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def trackpoint(
    s, *, lat=None, dist=None, hr=None, cad=None, speed=None, watts=None, run_cadence=None, prefix="ns3"
):
    parts = [f"<Trackpoint><Time>{iso(s)}</Time>"]
    if lat is not None:
        parts.append(
            f"<Position><LatitudeDegrees>{lat}</LatitudeDegrees><LongitudeDegrees>8.5</LongitudeDegrees></Position>"
        )
        parts.append("<AltitudeMeters>410.2</AltitudeMeters>")
    if dist is not None:
        parts.append(f"<DistanceMeters>{dist}</DistanceMeters>")
    if hr is not None:
        parts.append(f"<HeartRateBpm><Value>{hr}</Value></HeartRateBpm>")
    if cad is not None:
        parts.append(f"<Cadence>{cad}</Cadence>")
    tpx = ""
    if speed is not None:
        tpx += f"<{prefix}:Speed>{speed}</{prefix}:Speed>"
    if watts is not None:
        tpx += f"<{prefix}:Watts>{watts}</{prefix}:Watts>"
    if run_cadence is not None:
        tpx += f"<{prefix}:RunCadence>{run_cadence}</{prefix}:RunCadence>"
    if tpx:
        parts.append(f"<Extensions><{prefix}:TPX>{tpx}</{prefix}:TPX></Extensions>")
    parts.append("</Trackpoint>")
    return "".join(parts)


def lap(start_s, points: str, *, seconds=60.0, meters=500.0, extra="", lx="", prefix="ns3") -> str:
    ext = f"<Extensions><{prefix}:LX>{lx}</{prefix}:LX></Extensions>" if lx else ""
    track = f"<Track>{points}</Track>" if points else ""
    return (
        f'<Lap StartTime="{iso(start_s)}"><TotalTimeSeconds>{seconds}</TotalTimeSeconds>'
        f"<DistanceMeters>{meters}</DistanceMeters>{extra}<Intensity>Active</Intensity>"
        f"<TriggerMethod>Manual</TriggerMethod>{track}{ext}</Lap>"
    )


def activity(laps: str, *, sport="Biking", creator="") -> str:
    return f'<Activity Sport="{sport}"><Id>{iso(0)}</Id>{laps}{creator}</Activity>'


def tcx(*activities: str, prefix="ns3") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase xmlns="{TCD}" xmlns:{prefix}="{AX}">\n'
        f"<Activities>{''.join(activities)}</Activities>\n</TrainingCenterDatabase>\n"
    ).encode()


def bike_lap(start_s, count, *, dist0=0.0) -> str:
    points = "".join(
        trackpoint(
            start_s + i,
            lat=47.0 + (start_s + i) * 1e-4,
            dist=dist0 + i * 8.0,
            hr=130 + i,
            cad=90,
            speed=8.0,
            watts=200 + i,
        )
        for i in range(count)
    )
    return points


def test_multi_lap_ride_with_tpx_speed_and_watts():
    summary = "<Calories>120</Calories><AverageHeartRateBpm><Value>140</Value></AverageHeartRateBpm><MaximumHeartRateBpm><Value>171</Value></MaximumHeartRateBpm><Cadence>89</Cadence>"
    laps = lap(
        0,
        bike_lap(0, 3),
        seconds=3,
        meters=24,
        extra=summary,
        lx="<ns3:AvgSpeed>8.0</ns3:AvgSpeed><ns3:AvgWatts>201</ns3:AvgWatts><ns3:MaxWatts>202</ns3:MaxWatts>",
    )
    laps += lap(3, bike_lap(3, 2, dist0=24.0), seconds=2, meters=16, extra="<Calories>80</Calories>")
    creator = '<Creator xsi:type="Device_t" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Name>Edge 530</Name><UnitId>3999</UnitId><ProductID>3121</ProductID></Creator>'
    rec = decode(tcx(activity(laps, creator=creator)), filename="ride.tcx")

    assert (rec.source_format, rec.sport, rec.start_time) == ("tcx", "cycling", T0)
    assert rec.sample_count == 5
    np.testing.assert_allclose(rec.streams["timestamp"] - T0.timestamp(), np.arange(5))
    np.testing.assert_array_equal(rec.streams["distance"], [0, 8, 16, 24, 32])
    np.testing.assert_array_equal(rec.streams["speed"], 8.0)
    np.testing.assert_array_equal(rec.streams["power"], [200, 201, 202, 200, 201])
    np.testing.assert_array_equal(rec.streams["heart_rate"], [130, 131, 132, 130, 131])
    np.testing.assert_array_equal(rec.streams["cadence"], 90)
    np.testing.assert_array_equal(rec.streams["altitude"], 410.2)
    assert rec.laps[0] == {
        "start_time": T0,
        "elapsed_s": 3.0,
        "distance_m": 24.0,
        "total_calories": 120.0,
        "avg_heart_rate": 140.0,
        "max_heart_rate": 171.0,
        "avg_cadence": 89.0,
        "avg_speed": 8.0,
        "avg_power": 201.0,
        "max_power": 202.0,
        "intensity": "active",
        "trigger_method": "manual",
    }
    assert rec.laps[1]["start_time"] == T0 + dt.timedelta(seconds=3)
    assert rec.sessions == [
        {
            "start_time": T0,
            "sport": "cycling",
            "elapsed_s": 5.0,
            "timer_s": 5.0,
            "distance_m": 40.0,
            "total_calories": 200.0,
        }
    ]
    assert (rec.device.product, rec.device.serial) == ("Edge 530", "3999")
    assert rec.warnings == []


@pytest.mark.parametrize("prefix", ["ns3", "ext", "ax"])
def test_extension_prefix_does_not_matter_and_run_cadence_is_cadence(prefix):
    points = "".join(trackpoint(i, dist=i * 3.0, run_cadence=86, speed=3.0, prefix=prefix) for i in range(3))
    rec = decode(tcx(activity(lap(0, points, prefix=prefix), sport="Running"), prefix=prefix))
    assert rec.sport == "running"
    np.testing.assert_array_equal(rec.streams["cadence"], 86)
    np.testing.assert_array_equal(rec.streams["speed"], 3.0)


@pytest.mark.parametrize(
    ("attribute", "sport"), [("Running", "running"), ("Biking", "cycling"), ("Other", "generic")]
)
def test_sport_attribute(attribute, sport):
    assert decode(tcx(activity(lap(0, bike_lap(0, 2)), sport=attribute))).sport == sport


def test_speed_derived_and_distance_computed_when_the_file_has_none():
    points = "".join(trackpoint(i * 10, lat=47.0 + i * 1e-3) for i in range(3))
    rec = decode(tcx(activity(lap(0, points))))
    assert rec.streams["distance"][-1] == pytest.approx(2 * 111.2, rel=0.01)
    assert rec.streams["speed"][1] == pytest.approx(11.12, rel=0.01)


def run_lap(start_s, count, *, dist0=0.0) -> str:
    return "".join(
        trackpoint(start_s + i, lat=46.0, dist=dist0 + i * 3.0, hr=150 + i, run_cadence=88, speed=3.0)
        for i in range(count)
    )


def test_several_activities_are_all_kept_as_sessions_with_their_points_and_laps():
    """A multisport TCX (bike then run): nothing left out, each activity a session with its own laps."""
    bike = activity(
        lap(0, bike_lap(0, 3), seconds=3, meters=24)
        + lap(3, bike_lap(3, 2, dist0=24.0), seconds=2, meters=16),
        sport="Biking",
    )
    run = activity(
        lap(100, run_lap(100, 4), seconds=4, meters=12, extra="<Calories>9</Calories>"), sport="Running"
    )
    rec = decode(tcx(bike, run))

    assert rec.sport == "multisport" and rec.start_time == T0
    assert rec.sample_count == 3 + 2 + 4
    np.testing.assert_allclose(rec.streams["timestamp"] - T0.timestamp(), [0, 1, 2, 3, 4, 100, 101, 102, 103])
    np.testing.assert_array_equal(rec.streams["power"][:5], [200, 201, 202, 200, 201])
    assert np.isnan(rec.streams["power"][5:]).all()  # the run has no power: NaN, not left out
    np.testing.assert_array_equal(rec.streams["heart_rate"][5:], [150, 151, 152, 153])
    np.testing.assert_array_equal(rec.streams["cadence"], [90] * 5 + [88] * 4)
    # each activity's distance starts again at 0 in the file; the recording's stays cumulative
    np.testing.assert_array_equal(rec.streams["distance"], [0, 8, 16, 24, 32, 32, 35, 38, 41])
    assert [lap_["start_time"] for lap_ in rec.laps] == [T0 + dt.timedelta(seconds=s) for s in (0, 3, 100)]
    assert [lap_["distance_m"] for lap_ in rec.laps] == [24.0, 16.0, 12.0]
    assert rec.laps[2]["total_calories"] == 9.0
    assert [(s["sport"], s["first_lap_index"], s["num_laps"]) for s in rec.sessions] == [
        ("cycling", 0, 2),
        ("running", 2, 1),
    ]
    assert rec.sessions[0]["distance_m"] == 40.0 and rec.sessions[0]["elapsed_s"] == 5.0
    assert rec.sessions[1]["start_time"] == T0 + dt.timedelta(seconds=100)
    assert rec.sessions[1]["timer_s"] == 4.0 and rec.sessions[1]["total_calories"] == 9.0
    assert any("holds 2 activities" in w and "kept as a session" in w for w in rec.warnings)


def test_several_activities_of_one_sport_in_reverse_order_are_put_in_time_order():
    later = activity(lap(3600, run_lap(3600, 3), seconds=3, meters=9), sport="Running")
    earlier = activity(lap(0, run_lap(0, 2), seconds=2, meters=6), sport="Running")
    rec = decode(tcx(later, earlier))  # a history export lists the newest first
    assert rec.sport == "running" and rec.start_time == T0
    np.testing.assert_allclose(rec.streams["timestamp"] - T0.timestamp(), [0, 1, 3600, 3601, 3602])
    np.testing.assert_array_equal(rec.streams["distance"], [0, 3, 3, 6, 9])
    assert [s["first_lap_index"] for s in rec.sessions] == [0, 1]
    assert [lap_["distance_m"] for lap_ in rec.laps] == [6.0, 9.0]
    assert not [w for w in rec.warnings if "backwards" in w]  # nothing dropped


def test_multisport_session_activities_and_an_empty_one():
    multisport = (
        "<MultiSportSession><Id>x</Id>"
        f"<FirstSport>{activity(lap(0, bike_lap(0, 2)), sport='Biking')}</FirstSport>"
        f"<NextSport>{activity(lap(10, run_lap(10, 2)), sport='Running')}</NextSport>"
        "</MultiSportSession>"
    )
    empty = '<Activity Sport="Other"><Id>2024-06-02T09:00:00Z</Id></Activity>'
    rec = decode(tcx(multisport, empty))
    assert rec.sample_count == 4 and len(rec.laps) == 2 and len(rec.sessions) == 2
    assert "TCX activity 3 (Other, id 2024-06-02T09:00:00Z) has neither trackpoints nor laps; left out" in (
        rec.warnings
    )


def test_pool_swim_laps_without_trackpoints_are_kept():
    laps = "".join(lap(i * 100, "", seconds=95, meters=100) for i in range(4))
    rec = decode(tcx(activity(laps, sport="Other")))
    assert rec.sample_count == 0
    assert [lap_["distance_m"] for lap_ in rec.laps] == [100.0] * 4
    assert rec.sessions[0]["distance_m"] == 400.0
    assert rec.sessions[0]["elapsed_s"] == 395.0
    assert rec.start_time == T0


def test_activity_without_laps_or_points_and_courses_are_empty():
    with pytest.raises(EmptyRecording, match="neither trackpoints nor laps"):
        decode(tcx('<Activity Sport="Running"><Id>2024-01-01T00:00:00Z</Id></Activity>'))
    course = (
        f'<?xml version="1.0"?><TrainingCenterDatabase xmlns="{TCD}"><Courses><Course><Name>loop</Name>'
        f"<Track>{trackpoint(0, lat=47.0)}</Track></Course></Courses></TrainingCenterDatabase>"
    ).encode()
    with pytest.raises(EmptyRecording, match="no <Activity>"):
        decode(course)


def test_truncated_tcx_keeps_completed_trackpoints_and_the_activity_facts():
    full = tcx(activity(lap(0, bike_lap(0, 6)), sport="Running"))
    cut = full[: full.index(b"<Trackpoint>", full.index(b"</Trackpoint>") + 400) + 20]
    complete = cut.count(b"</Trackpoint>")
    rec = decode(cut)
    assert rec.sample_count == complete
    assert rec.sport == "running"
    np.testing.assert_array_equal(rec.streams["power"], decode(full).streams["power"][:complete])
    assert f"kept the {complete} trackpoint(s) and 0 lap(s)" in rec.warnings[0]
    with pytest.raises(TruncatedFile, match="cut off at line"):
        decode(cut, strict=True)


def test_time_with_offset_and_microseconds():
    points = "<Trackpoint><Time>2022-11-12T15:58:25.849800+00:00</Time></Trackpoint><Trackpoint><Time>2022-11-12T17:58:26.4734+02:00</Time></Trackpoint>"
    rec = decode(tcx(activity(lap(0, points))))
    base = dt.datetime(2022, 11, 12, 15, 58, 25, 849800, tzinfo=dt.UTC).timestamp()
    np.testing.assert_allclose(rec.streams["timestamp"] - base, [0, 0.6236], atol=1e-6)


def test_bad_time_is_missing_with_a_warning():
    points = "<Trackpoint><Time>yesterday</Time></Trackpoint><Trackpoint><Time>2024-06-02T07:30:00Z</Time></Trackpoint>"
    rec = decode(tcx(activity(lap(0, points))))
    assert np.isnan(rec.streams["timestamp"][0])
    assert "'yesterday'" in rec.warnings[0]


def test_undefined_entity_before_any_point_is_an_error_with_its_position():
    with pytest.raises(DecodeError, match=r"line 1, column 70 .Entity 'bogus' not defined"):
        decode(b"<TrainingCenterDatabase><Activities><Activity Sport='Running'>&bogus;</Activity>")


def test_bad_lap_fields_are_left_out_with_warnings():
    bad = lap(0, bike_lap(0, 2), extra="<Calories>lots</Calories>").replace(
        f'StartTime="{iso(0)}"', 'StartTime="soon"'
    )
    rec = decode(tcx(activity(bad)))
    assert "start_time" not in rec.laps[0] and "total_calories" not in rec.laps[0]
    assert rec.laps[0]["distance_m"] == 500.0
    assert "a Lap StartTime is not an ISO 8601 time ('soon'); left out" in rec.warnings
    assert "Lap total_calories is not a number ('lots'); left out" in rec.warnings
    assert rec.start_time == T0  # from the first trackpoint instead
    with pytest.raises(DecodeError, match="a Lap StartTime is not an ISO 8601 time"):
        decode(tcx(activity(bad)), strict=True)


def test_several_activities_are_not_an_error_in_strict_mode():
    rec = decode(tcx(activity(lap(0, bike_lap(0, 3))), activity(lap(100, bike_lap(100, 4)))), strict=True)
    assert rec.sample_count == 7 and len(rec.sessions) == 2 and "holds 2 activities" in rec.warnings[0]


def test_truncated_second_activity_keeps_the_first_and_the_completed_points_of_the_second():
    full = tcx(activity(lap(0, bike_lap(0, 3))), activity(lap(100, run_lap(100, 6)), sport="Running"))
    cut = full[: full.rindex(b"<Trackpoint>") + 20]
    rec = decode(cut)
    assert rec.sample_count == 3 + 5
    assert rec.sport == "multisport" and [s["sport"] for s in rec.sessions] == ["cycling", "running"]
    assert "kept the 8 trackpoint(s) and 1 lap(s)" in rec.warnings[0]
