"""Each FIT format feature on hand-built files (no corpus needed): what read_messages and decode_fit make of it."""

from __future__ import annotations

import datetime as dt
import io
import math
import struct

import numpy as np
import pytest

from trackfiles import BadChecksum, DecodeError, EmptyRecording, TruncatedFile, UnsupportedFormat
from trackfiles.fit import decode_fit, read_messages
from trackfiles.fit.reader import decode_messages
from trackfiles.tests.test_fit_encoder import FitWriter, crc16, fit_time

T0 = 1_700_000_000  # 2023-11-14T22:13:20Z
SEMI = 2**31 / 180


def activity(records: list[tuple], *, writer: FitWriter | None = None, sessions: bool = True) -> FitWriter:
    """file_id + records (timestamp, lat, lon, altitude, heart_rate, speed, power) + lap + session."""
    w = writer or FitWriter()
    w.define(
        0,
        "file_id",
        [("type", "enum"), ("manufacturer", "uint16"), ("product", "uint16"), ("serial_number", "uint32z")],
    )
    w.data(0, 4, 1, 3122, 123456)
    w.define(
        1,
        "record",
        [
            ("timestamp", "uint32"),
            ("position_lat", "sint32"),
            ("position_long", "sint32"),
            ("altitude", "uint16"),
            ("heart_rate", "uint8"),
            ("speed", "uint16"),
            ("power", "uint16"),
        ],
    )
    for t, lat, lon, alt, hr, speed, power in records:
        w.data(
            1,
            fit_time(t),
            None if lat is None else round(lat * SEMI),
            None if lon is None else round(lon * SEMI),
            None if alt is None else round((alt + 500) * 5),
            hr,
            None if speed is None else round(speed * 1000),
            power,
        )
    if sessions:
        end = records[-1][0]
        w.define(
            2,
            "lap",
            [
                ("timestamp", "uint32"),
                ("start_time", "uint32"),
                ("total_elapsed_time", "uint32"),
                ("total_distance", "uint32"),
            ],
        )
        w.data(2, fit_time(end), fit_time(records[0][0]), (end - records[0][0]) * 1000, 1234)
        w.define(
            3,
            "session",
            [
                ("timestamp", "uint32"),
                ("start_time", "uint32"),
                ("total_elapsed_time", "uint32"),
                ("total_timer_time", "uint32"),
                ("total_distance", "uint32"),
                ("sport", "enum"),
                ("sub_sport", "enum"),
                ("avg_heart_rate", "uint8"),
                ("total_calories", "uint16"),
            ],
        )
        w.data(
            3,
            fit_time(end),
            fit_time(records[0][0]),
            (end - records[0][0]) * 1000,
            (end - records[0][0]) * 1000,
            1234,
            1,
            0,
            150,
            321,
        )
    return w


RIDE = [
    (T0 + i, 47.0 + i * 1e-4, 8.0 + i * 1e-4, 400.0 + i, 120 + i, 5.0 + i / 10, 200 + i) for i in range(5)
]


# -- normal files ----------------------------------------------------------------------------------------------
def test_read_messages_scales_names_and_times_every_field():
    messages = read_messages(activity(RIDE).to_bytes())
    assert list(messages) == ["file_id", "record", "lap", "session"]
    record = messages["record"]
    np.testing.assert_array_equal(record["timestamp"], [T0 + i for i in range(5)])
    np.testing.assert_allclose(record["altitude"], [400, 401, 402, 403, 404])
    np.testing.assert_allclose(record["enhanced_altitude"], record["altitude"])  # component expansion
    np.testing.assert_allclose(record["speed"], [5.0, 5.1, 5.2, 5.3, 5.4])
    np.testing.assert_allclose(record["enhanced_speed"], record["speed"])
    np.testing.assert_allclose(record["position_lat"] / SEMI, [47.0 + i * 1e-4 for i in range(5)], atol=1e-6)
    file_id = messages["file_id"]
    assert file_id["type"].tolist() == ["activity"]
    assert file_id["manufacturer"].tolist() == ["garmin"]
    assert file_id["garmin_product"].tolist() == ["edge_830"]  # the sub-field chosen by manufacturer
    assert messages["session"]["sport"].tolist() == ["running"]


def test_read_messages_accepts_path_bytes_and_file_objects(tmp_path):
    data = activity(RIDE).to_bytes()
    path = tmp_path / "ride.fit"
    path.write_bytes(data)
    for source in (data, bytearray(data), path, str(path), io.BytesIO(data)):
        np.testing.assert_array_equal(
            read_messages(source)["record"]["heart_rate"], [120, 121, 122, 123, 124]
        )


def test_read_messages_names_unreadable_sources():
    with pytest.raises(DecodeError, match=r"cannot read .*missing\.fit"):
        read_messages("/nonexistent/missing.fit")
    with pytest.raises(DecodeError, match="binary mode"):
        read_messages(io.StringIO("text"))
    with pytest.raises(DecodeError, match="expected a path, bytes or a binary file object"):
        read_messages(42)


def test_decode_fit_builds_the_recording():
    recording = decode_fit(activity(RIDE).to_bytes(), filename="ride.fit")
    assert recording.source_format == "fit"
    assert (recording.sport, recording.sub_sport) == ("running", "generic")
    assert recording.start_time == dt.datetime.fromtimestamp(T0, dt.UTC)
    assert (recording.device.manufacturer, recording.device.product, recording.device.serial) == (
        "garmin",
        "edge_830",
        "123456",
    )
    streams = recording.streams
    assert set(streams) == {
        "timestamp",
        "lat",
        "lon",
        "altitude",
        "distance",
        "speed",
        "heart_rate",
        "cadence",
        "power",
        "temperature",
    }
    assert {len(v) for v in streams.values()} == {5}
    assert streams["timestamp"].dtype == np.float64
    np.testing.assert_allclose(streams["lat"], [47.0 + i * 1e-4 for i in range(5)], atol=1e-6)
    np.testing.assert_allclose(streams["altitude"], [400, 401, 402, 403, 404])
    np.testing.assert_allclose(streams["power"], [200, 201, 202, 203, 204])
    assert np.isnan(streams["distance"]).all() and np.isnan(streams["temperature"]).all()
    [session] = recording.sessions
    assert session["start_time"] == recording.start_time
    assert (
        session["elapsed_s"],
        session["distance_m"],
        session["avg_heart_rate"],
        session["total_calories"],
    ) == (4.0, 12.34, 150, 321)
    assert recording.laps[0]["elapsed_s"] == 4.0
    assert recording.warnings == []


# -- record headers ----------------------------------------------------------------------------------------------
def test_compressed_timestamp_headers_count_from_the_last_full_timestamp_and_roll_over():
    w = FitWriter().define(0, "record", [("timestamp", "uint32"), ("heart_rate", "uint8")])
    w.define(1, "record", [("heart_rate", "uint8")])
    base = fit_time(T0)  # base % 32 is the rollover point of the 5-bit offset
    w.data(0, base, 100)
    offsets = [(base + 3) % 32, (base + 20) % 32, (base + 40) % 32, (base + 41) % 32]
    for i, offset in enumerate(offsets):
        w.data(1, 101 + i, time_offset=offset)
    record = read_messages(w.to_bytes())["record"]
    np.testing.assert_array_equal(record["timestamp"], [T0, T0 + 3, T0 + 20, T0 + 40, T0 + 41])
    np.testing.assert_array_equal(record["heart_rate"], [100, 101, 102, 103, 104])


def test_compressed_timestamp_before_any_full_timestamp_has_no_time():
    w = FitWriter().define(0, "record", [("heart_rate", "uint8")]).data(0, 90, time_offset=5)
    recording_data = w.to_bytes()
    assert np.isnan(read_messages(recording_data)["record"]["timestamp"]).all()
    _, warnings = decode_messages(recording_data)
    assert warnings == [
        "1 compressed-timestamp records before the first full timestamp have no time (the first at byte 23)"
    ]  # 14-byte header + 9-byte definition


def test_big_and_little_endian_definitions_decode_alike():
    def build(big: bool) -> bytes:
        w = FitWriter().define(
            0,
            "record",
            [
                ("timestamp", "uint32"),
                ("position_lat", "sint32"),
                ("power", "uint16"),
                ("temperature", "sint8"),
            ],
            big_endian=big,
        )
        return w.data(0, fit_time(T0), -123456789, 321, -5).to_bytes()

    little, big = read_messages(build(False))["record"], read_messages(build(True))["record"]
    for name in ("timestamp", "position_lat", "power", "temperature"):
        np.testing.assert_array_equal(little[name], big[name])
    assert big["position_lat"][0] == -123456789 and big["temperature"][0] == -5


def test_chained_files_concatenate_their_messages():
    first = activity(RIDE[:2], sessions=False).to_bytes()
    second = activity(RIDE[2:], sessions=False).to_bytes()
    messages = read_messages(first + second)
    assert len(messages["file_id"]["type"]) == 2
    np.testing.assert_array_equal(messages["record"]["heart_rate"], [120, 121, 122, 123, 124])


def test_bad_crc_in_a_chained_file_names_that_file():
    first = activity(RIDE[:2], sessions=False).to_bytes()
    second = activity(RIDE[2:], sessions=False).to_bytes(bad_crc=True)
    recording = decode_fit(first + second)
    assert any("file CRC mismatch" in w and "#2" in w for w in recording.warnings)
    assert recording.sample_count == 5


# -- values ------------------------------------------------------------------------------------------------------
def test_invalid_sentinels_become_nan_or_none():
    w = FitWriter().define(
        0,
        "record",
        [
            ("timestamp", "uint32"),
            ("heart_rate", "uint8"),
            ("temperature", "sint8"),
            ("altitude", "uint16"),
            ("power", "uint16"),
            ("grade", "sint16"),
            ("activity_type", "enum"),
        ],
    )
    w.data(0, fit_time(T0), None, None, None, None, None, None)
    w.data(0, fit_time(T0 + 1), 60, -3, 2600, 100, -150, 1)
    w.define(
        1,
        "device_info",
        [
            ("timestamp", "uint32"),
            ("serial_number", "uint32z"),
            ("product_name", "string", 6),
            ("battery_voltage", "uint16"),
        ],
    )
    w.data(1, fit_time(T0), 0, "", None)
    w.define(2, "hrv", [("time", "float32", 2)]).data(2, [None, 0.5])
    messages = read_messages(w.to_bytes())
    record = messages["record"]
    for name in ("heart_rate", "temperature", "altitude", "enhanced_altitude", "power", "grade"):
        assert math.isnan(record[name][0]), name
    assert record["activity_type"].tolist() == [None, "running"]
    assert (record["heart_rate"][1], record["temperature"][1], record["altitude"][1], record["grade"][1]) == (
        60,
        -3,
        20.0,
        -1.5,
    )
    info = messages["device_info"]
    assert (
        math.isnan(info["serial_number"][0])
        and info["product_name"][0] is None
        and math.isnan(info["battery_voltage"][0])
    )
    # float32 sentinel -> NaN; the profile's scale (1000) applies to hrv.time whatever the base type
    assert np.isnan(messages["hrv"]["time"][0][0]) and messages["hrv"]["time"][0][1] == 0.0005


def test_strings_without_terminator_and_with_several_parts():
    w = FitWriter().define(0, "file_id", [("product_name", "string", 5), ("manufacturer", "uint16")])
    w.data(0, b"ELEMN", 32)  # fills the field: no NUL at all
    w.define(1, "file_id", [("product_name", "string", 8)]).data(1, b"ab\0cd\0\0\0")
    assert read_messages(w.to_bytes())["file_id"]["product_name"].tolist() == ["ELEMN", ["ab", "cd"]]


def test_field_size_not_a_multiple_of_its_type_reads_bytes():
    w = FitWriter().raw(bytes([0x40, 0, 0, 20, 0, 2, 253, 4, 0x86, 7, 3, 0x84]))  # power: uint16 in 3 bytes
    w.raw(bytes([0]) + struct.pack("<I", fit_time(T0)) + bytes([1, 2, 3]))
    power = read_messages(w.to_bytes())["record"]["power"]
    np.testing.assert_array_equal(power, [[1, 2, 3]])


def test_array_fields_are_two_dimensional():
    w = FitWriter().define(0, "hrv", [("time", "uint16", 3)])
    w.data(0, [800, 810, None]).data(0, [820, 830, 840])
    w.define(1, "hrv", [("time", "uint16", 1)]).data(1, 850)
    times = read_messages(w.to_bytes())["hrv"]["time"]
    np.testing.assert_allclose(times, [[0.8, 0.81, np.nan], [0.82, 0.83, 0.84], [0.85, np.nan, np.nan]])


# -- components and accumulation ---------------------------------------------------------------------------------
def test_compressed_speed_distance_expands_and_distance_accumulates_over_rollover():
    w = FitWriter().define(0, "record", [("timestamp", "uint32"), ("compressed_speed_distance", "byte", 3)])

    def packed(speed_cm_s: int, distance_16th_m: int) -> list[int]:
        bits = speed_cm_s | (distance_16th_m << 12)
        return [bits & 0xFF, (bits >> 8) & 0xFF, bits >> 16]

    for i, (speed, distance) in enumerate(
        [(350, 4000), (360, 4090), (370, 100)]
    ):  # 12-bit distance wraps at 4096
        w.data(0, fit_time(T0 + i), packed(speed, distance))
    record = read_messages(w.to_bytes())["record"]
    np.testing.assert_allclose(record["speed"], [3.5, 3.6, 3.7])
    np.testing.assert_allclose(record["enhanced_speed"], [3.5, 3.6, 3.7])
    np.testing.assert_allclose(record["distance"], [4000 / 16, 4090 / 16, (4096 + 100) / 16])


def test_accumulated_cycles_roll_over_into_total_cycles():
    w = FitWriter().define(0, "record", [("timestamp", "uint32"), ("cycles", "uint8")])
    for i, cycles in enumerate([250, 254, 3, 10]):
        w.data(0, fit_time(T0 + i), cycles)
    np.testing.assert_array_equal(read_messages(w.to_bytes())["record"]["total_cycles"], [250, 254, 259, 266])


def test_event_data_sub_field_components():
    w = FitWriter().define(
        0, "event", [("timestamp", "uint32"), ("event", "enum"), ("event_type", "enum"), ("data", "uint32")]
    )
    w.data(
        0, fit_time(T0), 42, 3, 0x0B220A11
    )  # gear_change: rear 17 of 10 cogs? front 34 of 11 bits as profile says
    event = read_messages(w.to_bytes())["event"]
    assert event["event"].tolist() == ["front_gear_change"]
    assert (
        event["rear_gear_num"][0],
        event["rear_gear"][0],
        event["front_gear_num"][0],
        event["front_gear"][0],
    ) == (0x11, 0x0A, 0x22, 0x0B)


# -- developer fields --------------------------------------------------------------------------------------------
def developer_file(*, with_application_id: bool = True, name: str = "core_temp") -> bytes:
    w = FitWriter()
    if with_application_id:
        w.define(0, "developer_data_id", [("application_id", "byte", 16), ("developer_data_index", "uint8")])
        w.data(0, list(range(16)), 0)
    else:
        w.define(0, "developer_data_id", [("developer_data_index", "uint8")]).data(0, 0)
    w.define(
        1,
        "field_description",
        [
            ("developer_data_index", "uint8"),
            ("field_definition_number", "uint8"),
            ("fit_base_type_id", "uint8"),
            ("field_name", "string", 16),
            ("scale", "uint8"),
            ("offset", "sint8"),
            ("units", "string", 4),
        ],
    )
    w.data(1, 0, 0, 0x84, name, 100, None, "C")
    w.data(1, 0, 1, 0x07, "label", None, None, "")
    w.define(
        2,
        "record",
        [("timestamp", "uint32"), ("heart_rate", "uint8")],
        developer=[(0, 0, "uint16", 1), (1, 0, "string", 6)],
    )
    w.data(2, fit_time(T0), 100, 3712, "warm")
    w.data(2, fit_time(T0 + 1), 101, None, "hot")
    return w.to_bytes()


@pytest.mark.parametrize("with_application_id", [True, False])
def test_developer_fields_are_named_and_scaled_from_their_description(with_application_id):
    record = read_messages(developer_file(with_application_id=with_application_id))["record"]
    np.testing.assert_allclose(record["core_temp"], [37.12, np.nan])
    assert record["label"].tolist() == ["warm", "hot"]


def test_developer_field_named_like_a_native_field_gets_a_distinct_column():
    record = read_messages(developer_file(name="heart_rate"))["record"]
    np.testing.assert_array_equal(record["heart_rate"], [100, 101])
    np.testing.assert_allclose(record["heart_rate_dev0_0"], [37.12, np.nan])


def test_developer_field_without_description_is_skipped():
    w = FitWriter().define(0, "record", [("timestamp", "uint32")], developer=[(5, 0, "uint8", 1)])
    record = read_messages(w.data(0, fit_time(T0), 7).to_bytes())["record"]
    assert list(record) == ["timestamp"]


# -- activities ------------------------------------------------------------------------------------------------
def test_multisport_sessions():
    w = activity(RIDE, sessions=False)
    w.define(
        3,
        "session",
        [
            ("start_time", "uint32"),
            ("total_elapsed_time", "uint32"),
            ("sport", "enum"),
            ("sub_sport", "enum"),
        ],
    )
    for start, sport in (
        (0, 5),
        (60, 3),
        (70, 2),
        (200, 3),
        (210, 1),
    ):  # swim, transition, bike, transition, run
        w.data(3, fit_time(T0 + start), 10_000, sport, 0)
    recording = decode_fit(w.to_bytes())
    assert recording.sport == "multisport" and recording.sub_sport is None
    assert [s["sport"] for s in recording.sessions] == [
        "swimming",
        "transition",
        "cycling",
        "transition",
        "running",
    ]
    assert recording.sessions[2]["start_time"] == dt.datetime.fromtimestamp(T0 + 70, dt.UTC)


def test_pool_swim_lengths_and_pool_length():
    w = activity(RIDE, sessions=False)
    w.define(
        3,
        "session",
        [("start_time", "uint32"), ("sport", "enum"), ("sub_sport", "enum"), ("pool_length", "uint16")],
    )
    w.data(3, fit_time(T0), 5, 17, 2500)
    w.define(
        4,
        "length",
        [
            ("start_time", "uint32"),
            ("total_elapsed_time", "uint32"),
            ("total_strokes", "uint16"),
            ("swim_stroke", "enum"),
            ("length_type", "enum"),
        ],
    )
    w.data(4, fit_time(T0), 30_500, 18, 0, 1)
    w.data(4, fit_time(T0 + 31), 20_000, None, None, 0)
    recording = decode_fit(w.to_bytes())
    assert (recording.sport, recording.sub_sport, recording.pool_length_m) == (
        "swimming",
        "lap_swimming",
        25.0,
    )
    assert recording.lengths == [
        {
            "start_time": dt.datetime.fromtimestamp(T0, dt.UTC),
            "elapsed_s": 30.5,
            "strokes": 18,
            "stroke_type": "freestyle",
            "kind": "active",
        },
        {
            "start_time": dt.datetime.fromtimestamp(T0 + 31, dt.UTC),
            "elapsed_s": 20.0,
            "stroke_type": None,
            "kind": "idle",
        },
    ]


def test_hrv_beat_intervals_in_read_messages():
    w = activity(RIDE)
    w.define(5, "hrv", [("time", "uint16", 5)])
    w.data(5, [812, 790, 805, None, None])
    hrv = read_messages(w.to_bytes())["hrv"]["time"]
    beats = hrv[~np.isnan(hrv)]
    np.testing.assert_allclose(beats, [0.812, 0.79, 0.805])


def test_files_without_activity_samples_raise_empty_recording_but_read_messages_works():
    settings = FitWriter().define(0, "file_id", [("type", "enum")]).data(0, 2)
    settings.define(1, "user_profile", [("weight", "uint16")]).data(1, 700)
    data = settings.to_bytes()
    assert read_messages(data)["user_profile"]["weight"].tolist() == [70.0]
    with pytest.raises(EmptyRecording, match=r"no activity samples .*file type settings"):
        decode_fit(data, filename="settings.fit")


# -- damage --------------------------------------------------------------------------------------------------------
def test_empty_and_non_fit_input():
    with pytest.raises(TruncatedFile, match="empty file"):
        read_messages(b"")
    with pytest.raises(UnsupportedFormat, match=r"no '\.FIT' header signature"):
        read_messages(b"<?xml version='1.0'?><gpx></gpx>")
    with pytest.raises(TruncatedFile, match="inside the FIT header"):
        read_messages(activity(RIDE).to_bytes()[:9])


def test_bad_file_crc_is_a_warning_or_in_strict_mode_an_error():
    data = activity(RIDE).to_bytes(bad_crc=True)
    recording = decode_fit(data, filename="x.fit")
    assert recording.sample_count == 5
    assert [w for w in recording.warnings if "x.fit: file CRC mismatch at byte" in w]
    with pytest.raises(BadChecksum, match="file CRC mismatch at byte"):
        read_messages(data, strict=True)


def test_the_fit_crc_is_anycrcs_c_code_and_matches_the_reference():
    """The checksum is a pass over every byte: it must be compiled code, and agree with the bitwise reference
    of the test encoder on every length and offset (memoryview slices included)."""
    import anycrc.crc

    from trackfiles.fit import scan
    from trackfiles.tests.test_fit_encoder import crc16 as reference_crc16

    assert anycrc.crc.__file__.endswith((".so", ".pyd"))
    assert scan.crc16(b"123456789") == 0xBB3D  # the CRC-16/ARC check value
    assert type(scan.crc16(b"")) is int and scan.crc16(b"") == 0
    data = bytes(range(256)) * 5
    for start, end in [(0, 1), (3, 17), (1, 1000), (0, len(data))]:
        assert scan.crc16(memoryview(data)[start:end]) == reference_crc16(data[start:end])


def test_bad_header_crc():
    data = activity(RIDE).to_bytes(bad_header_crc=True)
    assert any("header CRC mismatch at byte 12" in w for w in decode_fit(data).warnings)
    with pytest.raises(BadChecksum, match="header CRC"):
        decode_fit(data, strict=True)


def test_header_claiming_more_data_than_present_keeps_every_record():
    w = activity(RIDE)
    data = w.to_bytes(data_size=len(w.body) + 1_000_000)
    header = data[:12]
    data = header + struct.pack("<H", crc16(header)) + data[14:-2]
    data += struct.pack("<H", crc16(data))
    recording = decode_fit(data)
    assert recording.sample_count == 5
    assert any("claims 1" in w and "valid file CRC" in w for w in recording.warnings)
    with pytest.raises(TruncatedFile):
        decode_fit(data, strict=True)


def test_huge_claimed_size_allocates_nothing_huge():
    import tracemalloc

    w = activity(RIDE)
    data = w.to_bytes(data_size=0xFFFFFFFF)
    tracemalloc.start()
    try:
        messages = read_messages(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(messages["record"]["timestamp"]) == 5
    assert peak < 2_000_000


@pytest.mark.parametrize("cut", [10, 25])
def test_truncated_mid_record_keeps_complete_records(cut):
    data = activity(RIDE, sessions=False).to_bytes()
    truncated = data[: len(data) - 2 - cut]  # no CRC, the last record(s) cut
    recording = decode_fit(truncated)
    assert 0 < recording.sample_count < 5
    assert any("file truncated" in w for w in recording.warnings)
    assert any("is cut off" in w and "byte" in w for w in recording.warnings)
    with pytest.raises(TruncatedFile, match="truncated"):
        decode_fit(truncated, strict=True)


def test_undefined_local_message_type_is_skipped_with_a_warning():
    w = activity(RIDE[:2], sessions=False)
    w.raw(bytes([0x07, 1, 2, 3]))  # data header for local type 7, never defined, with 3 stray bytes
    w.define(1, "record", [("timestamp", "uint32"), ("heart_rate", "uint8")])
    for i in range(3):
        w.data(1, fit_time(T0 + 10 + i), 150 + i)
    data = w.to_bytes()
    messages = read_messages(data)
    np.testing.assert_array_equal(messages["record"]["heart_rate"], [120, 121, 150, 151, 152])
    recording = decode_fit(data)
    assert any("undefined local message type 7" in w and "skipped" in w for w in recording.warnings)
    with pytest.raises(DecodeError, match="undefined local message type 7"):
        read_messages(data, strict=True)


def test_timestamps_going_backwards_are_reordered_with_a_warning():
    shuffled = [RIDE[0], RIDE[2], RIDE[1], RIDE[3], RIDE[4]]
    recording = decode_fit(activity(shuffled).to_bytes())
    np.testing.assert_array_equal(recording.streams["timestamp"], [T0 + i for i in range(5)])
    np.testing.assert_array_equal(recording.streams["heart_rate"], [120, 121, 122, 123, 124])
    assert any("go backwards 1 times" in w for w in recording.warnings)
    with pytest.raises(DecodeError, match="backwards"):
        decode_fit(activity(shuffled).to_bytes(), strict=True)


def test_clock_jump_warns_about_the_implausible_span():
    jumped = RIDE[:3] + [(t + 20 * 86400, *rest) for t, *rest in RIDE[3:]]
    recording = decode_fit(activity(jumped).to_bytes())
    assert any("implausible time span" in w and "after record 2" in w for w in recording.warnings)


def test_null_island_positions_are_dropped_with_a_warning():
    zeroed = [(T0, 0.0, 0.0, *RIDE[0][3:]), *RIDE[1:]]
    recording = decode_fit(activity(zeroed).to_bytes())
    assert np.isnan(recording.streams["lat"][0]) and not np.isnan(recording.streams["lat"][1:]).any()
    assert any("invalid positions" in w and "record 0" in w for w in recording.warnings)


def test_power_on_times_are_moved_to_utc_by_timestamp_correlation():
    power_on = 631065600 + 100  # FIT time 100: seconds since the device (a VIRB camera) was switched on
    records = [(power_on + i, *rest) for i, (_, *rest) in enumerate(RIDE)]
    w = activity(records)
    w.define(4, "timestamp_correlation", [("timestamp", "uint32"), ("system_timestamp", "uint32")])
    w.data(4, fit_time(T0), 100)
    recording = decode_fit(w.to_bytes())
    np.testing.assert_array_equal(recording.streams["timestamp"], [T0 + i for i in range(5)])
    assert (
        recording.start_time == recording.sessions[0]["start_time"] == dt.datetime.fromtimestamp(T0, dt.UTC)
    )
    assert recording.warnings == []
    without = decode_fit(activity(records).to_bytes())
    assert any("count from device power-on" in w for w in without.warnings)
