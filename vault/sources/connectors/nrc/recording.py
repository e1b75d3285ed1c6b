"""An NRC activity detail -> a trackfiles.Recording (nrc.md §4).

Series come with their own irregular time bases and in any order. The timeline is the GPS fixes (lat and lon
zipped by timestamp) when there are any, else the union of the point series' times; every other series is
sorted by time and interpolated onto it. Distance arrives as per-interval km increments and is summed;
steps become cadence (steps per minute / 2, as a FIT running cadence). Treadmill runs have no GPS; manual
entries have only their summary.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np

from trackfiles.recording import Device, Recording

NTC_APP_IDS = {"com.nike.ntc.brand.ios", "com.nike.ntc.brand.droid"}


class ActivityDataError(ValueError):
    pass


def canonical_bytes(detail: dict) -> bytes:
    return json.dumps({"nrc_activity": detail}, sort_keys=True, separators=(",", ":")).encode()


def skip_reason(item: dict) -> str | None:
    """Why a list entry is not imported at all (not a run, a Training Club session, deleted), or None."""
    if item.get("delete_indicator") is True:
        return "deleted"
    if item.get("app_id") in NTC_APP_IDS:
        return "a Nike Training Club session"
    if item.get("type") != "run":
        return f"type {item.get('type')!r}, not a run"
    return None


def _ms(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ActivityDataError(f"field {field!r} is missing or not a number of milliseconds")
    return int(value)


def _tags(detail: dict) -> dict:
    tags = detail.get("tags")
    if tags is None:
        return {}
    if not isinstance(tags, dict):
        raise ActivityDataError("field 'tags' is not an object")
    return tags


def is_manual(detail: dict) -> bool:
    sources = detail.get("sources") if isinstance(detail.get("sources"), list) else []
    return _tags(detail).get("com.nike.running.runtype") == "manual" or any(
        isinstance(s, str) and s.endswith("manualentry") for s in sources
    )


def is_treadmill(detail: dict) -> bool:
    location = _tags(detail).get("location")
    return isinstance(location, str) and location.lower().startswith("indoor")


def _summary(detail: dict, metric: str, kind: str) -> float | None:
    for entry in detail.get("summaries") or []:
        if isinstance(entry, dict) and entry.get("metric") == metric and entry.get("summary") == kind:
            value = entry.get("value")
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
    return None


def _series(detail: dict) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """type -> (start_ms, end_ms, value) sorted by start; malformed entries are an error naming the series."""
    metrics = detail.get("metrics")
    if metrics is None:
        return {}
    if not isinstance(metrics, list):
        raise ActivityDataError("field 'metrics' is not a list")
    found = {}
    for index, metric in enumerate(metrics):
        if not isinstance(metric, dict) or not isinstance(metric.get("type"), str):
            raise ActivityDataError(f"metrics[{index}] has no 'type'")
        kind = metric["type"]
        values = metric.get("values")
        if not isinstance(values, list):
            raise ActivityDataError(f"metric {kind!r} has no 'values' list")
        rows = []
        for value in values:
            if not isinstance(value, dict):
                raise ActivityDataError(f"metric {kind!r} holds an entry that is not an object")
            start = _ms(value.get("start_epoch_ms"), f"{kind}.start_epoch_ms")
            end = value.get("end_epoch_ms", start)
            end = _ms(end, f"{kind}.end_epoch_ms")
            number = value.get("value")
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise ActivityDataError(f"metric {kind!r} holds a value that is not a number ({number!r})")
            rows.append((start, end, float(number)))
        if rows:
            rows.sort()
            array = np.array(rows, dtype=np.float64)
            found[kind] = (array[:, 0], array[:, 1], array[:, 2])
    return found


def _interp(at: np.ndarray, times: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Linear in time inside the series' span, NaN outside it (never extrapolated)."""
    out = np.interp(at, times, values)
    out[(at < times[0]) | (at > times[-1])] = np.nan
    return out


def to_recording(detail: dict) -> Recording:
    activity_id = detail.get("id")
    if not isinstance(activity_id, str) or not activity_id:
        raise ActivityDataError("field 'id' is missing or not a string")
    start_ms = _ms(detail.get("start_epoch_ms"), "start_epoch_ms")
    end_ms = _ms(detail.get("end_epoch_ms"), "end_epoch_ms")
    start = dt.datetime.fromtimestamp(start_ms / 1000, tz=dt.UTC)
    tags = _tags(detail)
    name = tags.get("com.nike.name") if isinstance(tags.get("com.nike.name"), str) else None
    session = {"start_time": start, "sport": "running", "elapsed_s": max(0.0, (end_ms - start_ms) / 1000)}
    active = detail.get("active_duration_ms")
    if isinstance(active, int | float) and not isinstance(active, bool):
        session["timer_s"] = active / 1000
    distance_km = _summary(detail, "distance", "total")
    if distance_km is not None:
        session["distance_m"] = distance_km * 1000
    for metric, kind, key in (
        ("heart_rate", "mean", "avg_heart_rate"),
        ("calories", "total", "total_calories"),
        ("ascent", "total", "total_ascent_m"),
        ("descent", "total", "total_descent_m"),
    ):
        value = _summary(detail, metric, kind)
        if value is not None:
            session[key] = value
    recording = Recording(
        sport="running",
        sub_sport="treadmill" if is_treadmill(detail) else None,
        start_time=start,
        device=Device(
            manufacturer="nike",
            product=detail.get("app_id") if isinstance(detail.get("app_id"), str) else None,
        ),
        sessions=[session],
        laps=[dict(session)],
        name=name,
        source_format="nrc",
    )
    series = _series(detail)
    if is_manual(detail):
        return recording
    if not series:
        raise ActivityDataError("the run has no metric series (empty 'metrics'); nothing to import")
    if "latitude" in series and "longitude" in series:
        lat_t, _, lat_v = series["latitude"]
        lon_t, _, lon_v = series["longitude"]
        common, lat_i, lon_i = np.intersect1d(lat_t, lon_t, return_indices=True)
        timeline = common
        channels = {"lat": lat_v[lat_i], "lon": lon_v[lon_i]}
    else:
        point_series = [series[k][0] for k in ("elevation", "heart_rate", "speed", "pace") if k in series]
        if "distance" in series:
            point_series.append(series["distance"][1])
        if not point_series:
            raise ActivityDataError("the run has no GPS, heart-rate, pace or distance series")
        timeline = np.unique(np.concatenate(point_series))
        channels = {}
    if timeline.size == 0:
        raise ActivityDataError("latitude and longitude share no timestamps")
    if "elevation" in series:
        t, _, v = series["elevation"]
        channels["altitude"] = _interp(timeline, t, v)
    if "heart_rate" in series:
        t, _, v = series["heart_rate"]
        channels["heart_rate"] = _interp(timeline, t, v)
    if "distance" in series:
        _, t_end, km = series["distance"]
        cumulative_m = np.concatenate([[0.0], np.cumsum(km) * 1000])
        times = np.concatenate([[float(start_ms)], t_end])
        channels["distance"] = np.interp(timeline, times, cumulative_m)  # flat before and after: no NaN
    if "speed" in series:
        t0, t1, kmh = series["speed"]
        channels["speed"] = _interp(timeline, (t0 + t1) / 2, kmh / 3.6)
    elif "pace" in series:
        t0, t1, min_per_km = series["pace"]
        with np.errstate(divide="ignore"):
            speed = np.where(min_per_km > 0, 1000 / (min_per_km * 60), np.nan)
        channels["speed"] = _interp(timeline, (t0 + t1) / 2, speed)
    if "steps" in series:
        t0, t1, steps = series["steps"]
        minutes = np.maximum((t1 - t0) / 60000, 1 / 60)
        channels["cadence"] = _interp(timeline, (t0 + t1) / 2, steps / minutes / 2)
    recording.streams = {"timestamp": timeline / 1000, **channels}
    return recording
