"""Whatever the bytes, only a DecodeError (or a result) comes out of read_messages and decode_fit."""

from __future__ import annotations

import struct
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trackfiles import DecodeError, Recording
from trackfiles.fit import decode_fit, read_messages
from trackfiles.tests.test_fit_encoder import FitWriter, crc16, fit_time
from trackfiles.tests.test_fit_features import RIDE, activity, developer_file

# The wording decode_fit/read_messages use when one of our own defects (not the bytes) stopped decoding.
INTERNAL_ERROR_MARKERS = ("cannot decode FIT data (", "cannot build the recording (")
# numpy warnings on damaged values (overflowing casts, inf) would be defects too
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _only_decode_errors(data: bytes) -> None:
    for strict in (False, True):
        try:
            messages = read_messages(data, strict=strict)
        except DecodeError as error:
            assert str(error), "a DecodeError must say what is wrong"
            assert not any(m in str(error) for m in INTERNAL_ERROR_MARKERS), f"internal defect: {error}"
        else:
            assert isinstance(messages, dict)
            for columns in messages.values():
                assert len({len(c) for c in columns.values()}) <= 1
        try:
            recording = decode_fit(data, strict=strict)
        except DecodeError as error:
            assert not any(m in str(error) for m in INTERNAL_ERROR_MARKERS), f"internal defect: {error}"
        else:
            assert isinstance(recording, Recording)
            assert len({len(v) for v in recording.streams.values()}) == 1


def _seed_files() -> list[bytes]:
    compressed = FitWriter().define(0, "record", [("timestamp", "uint32"), ("heart_rate", "uint8")])
    compressed.define(1, "record", [("compressed_speed_distance", "byte", 3), ("cycles", "uint8")])
    compressed.data(0, fit_time(1_700_000_000), 90)
    for i in range(6):
        compressed.data(1, [i, i * 7 % 256, i * 13 % 256], i * 50 % 256, time_offset=i * 5 % 32)
    big_endian = FitWriter().define(
        0,
        "record",
        [("timestamp", "uint32"), ("position_lat", "sint32"), ("altitude", "uint16")],
        big_endian=True,
    )
    for i in range(4):
        big_endian.data(0, fit_time(1_700_000_000 + i), i * 1000, 2600 + i)
    return [activity(RIDE).to_bytes(), developer_file(), compressed.to_bytes(), big_endian.to_bytes()]


SEEDS = _seed_files()


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(data):
    _only_decode_errors(data)


@FUZZ
@given(st.binary(max_size=300), st.integers(0, 2**32 - 1), st.sampled_from([12, 14]))
def test_random_records_behind_a_valid_header(body, data_size, header_size):
    header = struct.pack("<BBHI4s", header_size, 0x20, 2132, data_size, b".FIT")
    if header_size == 14:
        header += struct.pack("<H", crc16(header))
    _only_decode_errors(header + body)


@FUZZ
@given(st.sampled_from(range(len(SEEDS))), st.data())
def test_truncated_valid_files(seed, data):
    original = SEEDS[seed]
    cut = data.draw(st.integers(0, len(original)))
    _only_decode_errors(original[:cut])


@FUZZ
@given(
    st.sampled_from(range(len(SEEDS))),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
)
def test_mutated_valid_files(seed, mutations):
    data = bytearray(SEEDS[seed])
    for position, value in mutations:
        data[position % len(data)] = value
    _only_decode_errors(bytes(data))


@FUZZ
@given(
    st.sampled_from(range(len(SEEDS))),
    st.integers(0, 10**6),
    st.binary(min_size=1, max_size=12),
    st.booleans(),
)
def test_inserted_or_deleted_bytes(seed, position, chunk, insert):
    data = SEEDS[seed]
    at = position % len(data)
    _only_decode_errors(data[:at] + chunk + data[at:] if insert else data[:at] + data[at + len(chunk) :])


@settings(max_examples=50, deadline=None)
@given(st.integers(len(SEEDS[0]), 2**32 - 1))
def test_claimed_size_allocates_nothing_huge(claimed):
    data = bytearray(SEEDS[0])
    data[4:8] = struct.pack("<I", claimed)
    data[12:14] = struct.pack("<H", crc16(bytes(data[:12])))
    tracemalloc.start()
    try:
        messages = read_messages(bytes(data))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(messages["record"]["heart_rate"], [120, 121, 122, 123, 124])
    assert peak < 2_000_000
