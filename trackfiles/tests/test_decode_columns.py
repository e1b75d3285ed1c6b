"""The column helpers the XML decoders share: ISO 8601 times, numbers, distance and speed."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trackfiles.columns import derived_speed, floats, haversine_distance, iso_time, iso_times

ROWS = 80  # above the row count where iso_times switches to its vector parser

moments = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 12, 31))
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: dt.timedelta(minutes=minutes)
)


def _render(moment: dt.datetime, offset: dt.timedelta, style: int) -> str:
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f".{moment.microsecond:06d}" if moment.microsecond else ""
    sign = "-" if offset < dt.timedelta(0) else "+"
    hours, minutes = divmod(abs(int(offset.total_seconds())) // 60, 60)
    zone = ["Z", f"{sign}{hours:02d}:{minutes:02d}", f"{sign}{hours:02d}{minutes:02d}", ""][style]
    return base + fraction + zone


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(moments, offsets, st.integers(0, 3)), min_size=ROWS, max_size=ROWS))
def test_vector_time_parser_agrees_with_datetime(rows):
    texts = [_render(moment, offset, style) for moment, offset, style in rows]
    expected = []
    for (moment, offset, style), _text in zip(rows, texts):
        zone = dt.UTC if style in (0, 3) else dt.timezone(offset)
        expected.append(moment.replace(tzinfo=zone).timestamp())
    warnings: list[str] = []
    np.testing.assert_allclose(iso_times(texts, what="t", warnings=warnings), expected, rtol=0, atol=1e-6)
    assert warnings == []


@pytest.mark.parametrize("count", [3, ROWS])  # scalar and vector paths
def test_time_parser_handles_blanks_absent_and_garbage(count):
    pattern = ["  2024-01-01T00:00:00Z\n", None, "not a time", "2024-13-01T00:00:00Z"]
    texts = (pattern * ROWS)[:count]
    warnings: list[str] = []
    values = iso_times(texts, what="Time", warnings=warnings)
    np.testing.assert_array_equal(values[0::4], dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp())
    assert np.isnan(values[1::4]).all() and np.isnan(values[2::4]).all() and np.isnan(values[3::4]).all()
    unreadable = len(texts[2::4]) + len(texts[3::4])
    assert warnings == [
        f"{unreadable} Time value(s) are not ISO 8601 times (first: 'not a time'); kept as missing"
    ]


def test_iso_time_scalar():
    assert iso_time("2024-05-01T08:00:00+02:00") == dt.datetime(2024, 5, 1, 6, tzinfo=dt.UTC)
    assert iso_time("2024-05-01T06:00:00") == dt.datetime(2024, 5, 1, 6, tzinfo=dt.UTC)
    assert iso_time("tomorrow") is None and iso_time(None) is None


def test_floats_keep_good_values_and_warn_on_bad_ones():
    warnings: list[str] = []
    values = floats(["1.5", None, "x", " 2 "], what="ele", warnings=warnings)
    np.testing.assert_array_equal(values, [1.5, np.nan, np.nan, 2.0])
    assert warnings == ["1 ele value(s) are not numbers (first: 'x'); kept as missing"]


def test_haversine_quarter_meridian_and_gaps():
    lat = np.array([0.0, np.nan, 45.0, 90.0])
    lon = np.zeros(4)
    distance = haversine_distance(lat, lon)
    quarter = np.pi / 2 * 6_371_008.8
    np.testing.assert_allclose(distance, [0, 0, quarter / 2, quarter], rtol=1e-9)
    assert haversine_distance(np.array([np.nan]), np.array([np.nan])) is None


def test_derived_speed_skips_standing_time():
    speed = derived_speed(np.array([0.0, 2.0, 2.0, 4.0]), np.array([0.0, 10.0, 12.0, 20.0]))
    np.testing.assert_array_equal(speed, [np.nan, 5.0, np.nan, 4.0])
