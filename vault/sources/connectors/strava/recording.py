"""A Strava activity (list summary) and its streams -> a trackfiles.Recording for the import pipeline."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np

from trackfiles.recording import Device, Recording

# Strava sport_type -> (FIT sport, sub_sport); unknown and new types fall back to their old-style `type`.
SPORTS = {
    "Run": ("running", None),
    "TrailRun": ("running", "trail"),
    "VirtualRun": ("running", "virtual_activity"),
    "Ride": ("cycling", None),
    "GravelRide": ("cycling", "gravel_cycling"),
    "MountainBikeRide": ("cycling", "mountain"),
    "EBikeRide": ("cycling", "e_bike_fitness"),
    "EMountainBikeRide": ("cycling", "e_bike_mountain"),
    "VirtualRide": ("cycling", "virtual_activity"),
    "Velomobile": ("cycling", None),
    "Handcycle": ("cycling", "hand_cycling"),
    "Swim": ("swimming", None),
    "Walk": ("walking", None),
    "Hike": ("hiking", None),
    "Rowing": ("rowing", None),
    "VirtualRow": ("rowing", "indoor_rowing"),
    "NordicSki": ("cross_country_skiing", None),
    "BackcountrySki": ("alpine_skiing", "backcountry"),
    "AlpineSki": ("alpine_skiing", None),
    "Kayaking": ("kayaking", None),
    "Canoeing": ("paddling", None),
    "StandUpPaddling": ("stand_up_paddleboarding", None),
    "Elliptical": ("fitness_equipment", "elliptical"),
    "StairStepper": ("fitness_equipment", "stair_climbing"),
    "WeightTraining": ("training", "strength_training"),
    "Yoga": ("training", "yoga"),
    "Workout": ("training", None),
    "Crossfit": ("training", None),
}

# Strava stream type -> Recording channel (scaled as the channel's unit needs no change: all SI already)
CHANNELS = {
    "latlng": None,  # split into lat and lon
    "altitude": "altitude",
    "distance": "distance",
    "velocity_smooth": "speed",
    "heartrate": "heart_rate",
    "cadence": "cadence",
    "watts": "power",
    "temp": "temperature",
}


class ActivityDataError(ValueError):
    """The activity or its streams are not what the spec describes; the message names the field."""


def canonical_bytes(activity: dict, streams: dict | None) -> bytes:
    """The original kept for a streams-only activity: same activity, same bytes (so a re-fetch deduplicates)."""
    return json.dumps(
        {"strava_activity": activity, "streams": streams or {}}, sort_keys=True, separators=(",", ":")
    ).encode()


def parse_start(activity: dict) -> dt.datetime:
    value = activity.get("start_date")
    if not isinstance(value, str):
        raise ActivityDataError("field 'start_date' is missing or not a string")
    try:
        start = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ActivityDataError(f"field 'start_date' is not an ISO date: {value!r}") from None
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)
    return start.astimezone(dt.UTC)


def sport_of(activity: dict) -> tuple[str, str | None]:
    kind = activity.get("sport_type") or activity.get("type") or ""
    sport, sub = SPORTS.get(kind, SPORTS.get(activity.get("type") or "", ("generic", None)))
    if activity.get("trainer") is True and sub is None:
        sub = {"running": "treadmill", "cycling": "indoor_cycling"}.get(sport)
    return sport, sub


def _number(activity: dict, key: str) -> float | None:
    value = activity.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ActivityDataError(f"field {key!r} should be a number, got {type(value).__name__}")
    return float(value)


def _stream(streams: dict, key: str) -> list | None:
    entry = streams.get(key)
    if entry is None:
        return None
    data = entry.get("data") if isinstance(entry, dict) else None
    if not isinstance(data, list):
        raise ActivityDataError(f"stream {key!r} has no 'data' list")
    return data


def _as_float(values: list, key: str) -> np.ndarray:
    try:
        array = np.array(values, dtype=np.float64)  # the common case: all numbers
    except (TypeError, ValueError):
        pass
    else:
        if array.ndim != 1:
            raise ActivityDataError(f"stream {key!r} holds lists where numbers belong")
        return array
    try:  # gaps (null) become NaN
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    except (TypeError, ValueError):
        raise ActivityDataError(f"stream {key!r} holds values that are not numbers") from None


def to_recording(activity: dict, streams: dict | None) -> Recording:
    """Build the Recording; a manual activity (no streams) carries its summary only. Raises ActivityDataError
    for missing or mistyped fields, streams of unequal length, and an activity whose streams are empty."""
    start = parse_start(activity)
    sport, sub_sport = sport_of(activity)
    session = {"start_time": start, "sport": sport}
    for key, target in (
        ("elapsed_time", "elapsed_s"),
        ("moving_time", "timer_s"),
        ("distance", "distance_m"),
        ("total_elevation_gain", "total_ascent_m"),
        ("average_heartrate", "avg_heart_rate"),
        ("max_heartrate", "max_heart_rate"),
        ("average_watts", "avg_power"),
        ("kilojoules", "total_work_kj"),
    ):
        value = _number(activity, key)
        if value is not None:
            session[target] = value
    name = activity.get("name")
    if name is not None and not isinstance(name, str):
        raise ActivityDataError(f"field 'name' should be text, got {type(name).__name__}")
    device_name = activity.get("device_name") if isinstance(activity.get("device_name"), str) else None
    recording = Recording(
        sport=sport,
        sub_sport=sub_sport,
        start_time=start,
        device=Device(product=device_name),
        sessions=[session],
        laps=[dict(session)],
        name=name,
        source_format="strava",
    )
    if activity.get("manual") is True:
        return recording
    if not streams:
        raise ActivityDataError("Strava has no streams for this activity (empty answer)")
    time_s = _stream(streams, "time")
    if not time_s:
        raise ActivityDataError("the 'time' stream is missing or empty")
    n = len(time_s)
    channels = {"timestamp": start.timestamp() + _as_float(time_s, "time")}
    for key, channel in CHANNELS.items():
        data = _stream(streams, key)
        if data is None:
            continue
        if len(data) != n:
            raise ActivityDataError(f"stream {key!r} has {len(data)} samples, 'time' has {n}")
        if key == "latlng":
            try:
                pairs = np.array(data, dtype=np.float64).reshape(n, 2)  # the common case: all pairs
            except (TypeError, ValueError):
                pairs = None
            if pairs is not None:
                channels["lat"], channels["lon"] = pairs[:, 0], pairs[:, 1]
                continue
            try:
                pairs = np.array(
                    [(np.nan, np.nan) if p is None else (p[0], p[1]) for p in data], dtype=np.float64
                ).reshape(n, 2)
            except (TypeError, ValueError, IndexError):
                raise ActivityDataError(
                    "stream 'latlng' holds values that are not [lat, lng] pairs"
                ) from None
            channels["lat"], channels["lon"] = pairs[:, 0], pairs[:, 1]
        else:
            channels[channel] = _as_float(data, key)
    recording.streams = channels
    return recording
