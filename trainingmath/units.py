"""Pace <-> speed conversions and the display formats ("1:32/100m", "4:05/km", "2:19:21").

Arithmetic is always done in speed (m/s); pace is only produced at the end (science.md conventions).
"""

from __future__ import annotations

from trainingmath.errors import InvalidInput, require_non_negative, require_positive

METRES_PER_KM = 1000.0
METRES_PER_MILE = 1609.344
METRES_PER_YARD = 0.9144


def pace_from_speed(speed_m_per_s: float, *, per_m: float = METRES_PER_KM) -> float:
    """Seconds needed to cover `per_m` metres at `speed_m_per_s`."""
    speed = require_positive(speed_m_per_s, "speed_m_per_s")
    return require_positive(per_m, "per_m") / speed


def speed_from_pace(pace_s: float, *, per_m: float = METRES_PER_KM) -> float:
    """Speed in m/s from a pace of `pace_s` seconds per `per_m` metres."""
    pace = require_positive(pace_s, "pace_s")
    return require_positive(per_m, "per_m") / pace


def pace_s_per_km(speed_m_per_s: float) -> float:
    return pace_from_speed(speed_m_per_s, per_m=METRES_PER_KM)


def pace_s_per_100m(speed_m_per_s: float) -> float:
    return pace_from_speed(speed_m_per_s, per_m=100.0)


def speed_from_pace_s_per_km(pace: float) -> float:
    return speed_from_pace(pace, per_m=METRES_PER_KM)


def speed_from_pace_s_per_100m(pace: float) -> float:
    return speed_from_pace(pace, per_m=100.0)


def km_per_h(speed_m_per_s: float) -> float:
    return speed_m_per_s * 3.6


def format_duration(seconds: float, *, always_hours: bool = False) -> str:
    """ "m:ss" under an hour, else "h:mm:ss"; rounded to the nearest second (display only)."""
    seconds = require_non_negative(seconds, "seconds")
    # Round the total first so 59.6 s shows as 1:00, never 0:60.
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours or always_hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def format_pace(pace_s: float, *, unit: str = "/km") -> str:
    """A pace in seconds shown as "4:05/km" (unit "/km", "/100m", "/mi", ...)."""
    require_positive(pace_s, "pace_s")
    return f"{format_duration(pace_s)}{unit}"


def format_pace_per_km(speed_m_per_s: float) -> str:
    return format_pace(pace_s_per_km(speed_m_per_s), unit="/km")


def format_pace_per_100m(speed_m_per_s: float) -> str:
    return format_pace(pace_s_per_100m(speed_m_per_s), unit="/100m")


def parse_duration(text: str) -> float:
    """Seconds from "ss", "m:ss" or "h:mm:ss" (fractions of a second allowed in the last part)."""
    parts = str(text).strip().split(":")
    if not 1 <= len(parts) <= 3 or any(not part.strip() for part in parts):
        raise InvalidInput("duration", f"expected ss, m:ss or h:mm:ss, got {text!r}")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        raise InvalidInput("duration", f"expected ss, m:ss or h:mm:ss, got {text!r}") from None
    if any(number < 0 for number in numbers) or any(number >= 60 for number in numbers[1:]):
        raise InvalidInput("duration", f"minutes and seconds must be 0-59, got {text!r}")
    total = 0.0
    for number in numbers:
        total = total * 60 + number
    return total
