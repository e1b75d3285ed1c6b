import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainingmath import InvalidInput, units


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(95.0, "1:35"), (59.6, "1:00"), (245.0, "4:05"), (8360.8, "2:19:21"), (3600, "1:00:00"), (0, "0:00")],
)
def test_format_duration(seconds, text):
    assert units.format_duration(seconds) == text


def test_display_formats():
    assert units.format_pace_per_100m(100 / 92) == "1:32/100m"
    assert units.format_pace_per_km(1000 / 245) == "4:05/km"
    assert units.format_duration(1470, always_hours=True) == "0:24:30"


def test_pace_speed_values():
    assert units.pace_s_per_km(1000 / 260) == pytest.approx(260.0)
    assert units.speed_from_pace_s_per_100m(95.0) == pytest.approx(1.0526315789)
    assert units.km_per_h(10.3961) == pytest.approx(37.42596)


@pytest.mark.parametrize(
    ("text", "seconds"), [("1:32", 92.0), ("2:19:21", 8361.0), ("45", 45.0), ("0:59.5", 59.5)]
)
def test_parse_duration(text, seconds):
    assert units.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "1:60", "a:10", "1::2", "-1:00", "1:2:3:4"])
def test_parse_duration_rejects(text):
    with pytest.raises(InvalidInput) as error:
        units.parse_duration(text)
    assert error.value.field == "duration"


@given(st.floats(min_value=0.01, max_value=1000), st.floats(min_value=1, max_value=10_000))
def test_pace_speed_round_trip(speed, per_m):
    pace = units.pace_from_speed(speed, per_m=per_m)
    assert units.speed_from_pace(pace, per_m=per_m) == pytest.approx(speed, rel=1e-12)


@given(st.floats(min_value=0, max_value=500_000))
def test_format_parse_round_trip_to_the_second(seconds):
    assert units.parse_duration(units.format_duration(seconds)) == round(seconds)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: units.pace_from_speed(0), "speed_m_per_s"),
        (lambda: units.pace_from_speed(-2), "speed_m_per_s"),
        (lambda: units.speed_from_pace(0), "pace_s"),
        (lambda: units.speed_from_pace(float("nan")), "pace_s"),
        (lambda: units.format_duration(-1), "seconds"),
        (lambda: units.format_pace(0), "pace_s"),
    ],
)
def test_invalid_input_names_the_field(call, field):
    with pytest.raises(InvalidInput) as error:
        call()
    assert error.value.field == field
    assert isinstance(error.value, ValueError)
    assert field in str(error.value)
