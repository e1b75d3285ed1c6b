"""`decode_fit`: a FIT activity as a Recording, built from the columns of `read_messages`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from trackfiles.errors import DecodeError, EmptyRecording
from trackfiles.fit.profile import FIT_EPOCH_S
from trackfiles.fit.reader import decode_messages
from trackfiles.recording import Device, Recording

Columns = dict[str, np.ndarray]

SEMICIRCLE_DEG = 180.0 / 2**31
# FIT times below this are seconds since the device powered on, not since the FIT epoch.
_SYSTEM_TIME_LIMIT = FIT_EPOCH_S + 0x10000000
_MAX_PLAUSIBLE_SPAN_S = 7 * 86400  # longer recordings (a 27-day "ride") mean the clock jumped
_MAX_PLAUSIBLE_GAP_S = 86400

# Recording channel -> record fields, first present wins per sample (enhanced fields carry the full range).
_STREAM_FIELDS = {
    "altitude": ("enhanced_altitude", "altitude"),
    "speed": ("enhanced_speed", "speed"),
    "distance": ("distance",),
    "heart_rate": ("heart_rate",),
    "power": ("power",),
    "temperature": ("temperature",),
}
# Summary key in laps/sessions -> FIT lap/session fields (first present wins). Values are SI already.
_SUMMARY_FIELDS = {
    "elapsed_s": ("total_elapsed_time",),
    "timer_s": ("total_timer_time",),
    "distance_m": ("total_distance",),
    "avg_speed": ("enhanced_avg_speed", "avg_speed"),
    "max_speed": ("enhanced_max_speed", "max_speed"),
    "avg_heart_rate": ("avg_heart_rate",),
    "max_heart_rate": ("max_heart_rate",),
    "avg_cadence": ("avg_cadence",),
    "max_cadence": ("max_cadence",),
    "avg_power": ("avg_power",),
    "max_power": ("max_power",),
    "normalized_power": ("normalized_power",),
    "total_work": ("total_work",),
    "total_calories": ("total_calories",),
    "total_ascent": ("total_ascent",),
    "total_descent": ("total_descent",),
    "avg_altitude": ("enhanced_avg_altitude", "avg_altitude"),
    "max_altitude": ("enhanced_max_altitude", "max_altitude"),
    "min_altitude": ("enhanced_min_altitude", "min_altitude"),
    "avg_temperature": ("avg_temperature",),
    "max_temperature": ("max_temperature",),
    "total_strokes": ("total_strokes",),
    "num_lengths": ("num_lengths",),
    "num_active_lengths": ("num_active_lengths",),
    "pool_length_m": ("pool_length",),
    "training_stress_score": ("training_stress_score",),
    "intensity_factor": ("intensity_factor",),
    "threshold_power": ("threshold_power",),
}
_SUMMARY_NAMES = {
    "sport": "sport",
    "sub_sport": "sub_sport",
    "trigger": "lap_trigger",
    "swim_stroke": "swim_stroke",
}


def decode_fit(data: bytes, *, strict: bool = False, filename: str | None = None) -> Recording:
    """A FIT activity file as a Recording (streams from record messages, laps, sessions, lengths, device).

    Raises EmptyRecording for FIT files without activity samples (settings, sensor-only, file_id only); with
    `strict=True` the first damage or implausibility raises instead of becoming a warning.
    """
    messages, warnings = decode_messages(bytes(data), strict=strict, filename=filename)
    try:
        with np.errstate(all="ignore"):
            return _Builder(
                messages, warnings, strict=strict, where=f"{filename}: " if filename else ""
            ).build()
    except DecodeError:
        raise
    except Exception as error:  # a defect of ours must still surface as a decoding failure
        raise DecodeError(
            f"{filename or 'FIT data'}: cannot build the recording ({type(error).__name__}: {error})"
        ) from error


class _Builder:
    def __init__(self, messages: dict[str, Columns], warnings: list[str], *, strict: bool, where: str):
        self.messages = messages
        self.warnings = warnings
        self.strict = strict
        self.where = where
        self.clock_offset = 0.0  # seconds to add to power-on times to make them UTC (see _system_time)

    def problem(self, message: str) -> None:
        """Damage: a warning, or in strict mode the error."""
        if self.strict:
            raise DecodeError(f"{self.where}{message}")
        self.note(message)

    def note(self, message: str) -> None:
        """Implausible values that are dropped or flagged: a warning even in strict mode (real devices write
        them: Zwift's 0,0 start positions, a VIRB's power-on clock)."""
        self.warnings.append(f"{self.where}{message}")

    def build(self) -> Recording:
        streams = self.streams()
        sessions = self.summaries("session")
        recording = Recording(
            sport=self.sport(sessions),
            sub_sport=self.sub_sport(sessions),
            start_time=self.start_time(sessions, streams),
            device=self.device(),
            laps=self.summaries("lap"),
            sessions=sessions,
            streams=streams,
            lengths=self.lengths(),
            pool_length_m=next((s["pool_length_m"] for s in sessions if "pool_length_m" in s), None),
            source_format="fit",
            warnings=self.warnings,
        )
        return recording

    # -- streams --------------------------------------------------------------------------------------------
    def streams(self) -> dict[str, np.ndarray]:
        records = self.messages.get("record", {})
        timestamps = _numeric(records.get("timestamp"))
        channels = [name for names in _STREAM_FIELDS.values() for name in names] + ["position_lat", "cadence"]
        if timestamps is None or not any(_has_values(records.get(name)) for name in channels):
            raise EmptyRecording(f"{self.where}{self._no_samples_reason()}")
        timestamps = timestamps.astype(np.float64)
        keep = ~np.isnan(timestamps)
        if not keep.all():
            self.problem(f"{int((~keep).sum())} record messages without a timestamp dropped")
        streams = {"timestamp": timestamps}
        lat, lon = _numeric(records.get("position_lat")), _numeric(records.get("position_long"))
        n = len(timestamps)
        streams["lat"] = lat * SEMICIRCLE_DEG if lat is not None else np.full(n, np.nan)
        streams["lon"] = lon * SEMICIRCLE_DEG if lon is not None else np.full(n, np.nan)
        for channel, names in _STREAM_FIELDS.items():
            streams[channel] = _first_present(records, names, n)
        cadence = _first_present(records, ("cadence",), n)
        fractional = _numeric(records.get("fractional_cadence"))
        if fractional is not None:
            cadence = cadence + np.nan_to_num(fractional)
        streams["cadence"] = cadence
        streams = {name: values[keep] for name, values in streams.items()}
        if len(streams["timestamp"]) < 2:
            raise EmptyRecording(f"{self.where}{self._no_samples_reason()}")
        self._system_time(streams)
        self._positions(streams)
        return self._time_order(streams)

    def _no_samples_reason(self) -> str:
        file_type = self.messages.get("file_id", {}).get("type")
        kind = f" (file type {file_type[0]})" if file_type is not None and len(file_type) else ""
        damage = f" ({'; '.join(self.warnings)})" if self.warnings else ""
        return (
            f"no activity samples in this FIT file{kind}; it holds {', '.join(self.messages) or 'no'} messages"
            + damage
        )

    def _system_time(self, streams: dict[str, np.ndarray]) -> None:
        """Records timed from power-on (VIRB cameras) are moved onto UTC by the timestamp_correlation message."""
        ts = streams["timestamp"]
        if ts[0] >= _SYSTEM_TIME_LIMIT:
            return
        correlation = self.messages.get("timestamp_correlation", {})
        utc, system = _number(correlation, "timestamp", 0), _number(correlation, "system_timestamp", 0)
        if utc is not None and system is not None:  # both already on the POSIX scale (date_time fields)
            self.clock_offset = utc - system
            streams["timestamp"] = ts + self.clock_offset
        else:
            self.note(
                "record times count from device power-on and no timestamp_correlation gives the UTC time"
            )

    def _positions(self, streams: dict[str, np.ndarray]) -> None:
        lat, lon = streams["lat"], streams["lon"]
        null_island = (lat == 0) & (lon == 0)
        out_of_range = (np.abs(lat) > 90) | (np.abs(lon) > 180)
        bad = null_island | out_of_range
        if bad.any():
            first = int(np.argmax(bad))
            self.note(
                f"{int(bad.sum())} invalid positions (0,0 or out of range) dropped, the first at record {first}"
            )
            lat[bad] = np.nan
            lon[bad] = np.nan

    def _time_order(self, streams: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        ts = streams["timestamp"]
        backwards = np.diff(ts) < 0
        if backwards.any():
            first = int(np.argmax(backwards)) + 1
            self.problem(
                f"record times go backwards {int(backwards.sum())} times (first at record {first}: "
                f"{_iso(ts[first - 1])} -> {_iso(ts[first])}); samples put back in time order"
            )
            order = np.argsort(ts, kind="stable")
            streams = {name: values[order] for name, values in streams.items()}
            ts = streams["timestamp"]
        span = ts[-1] - ts[0]
        gaps = np.diff(ts)
        largest = int(np.argmax(gaps)) if len(gaps) else 0
        if span > _MAX_PLAUSIBLE_SPAN_S or (len(gaps) and gaps[largest] > _MAX_PLAUSIBLE_GAP_S):
            self.problem(
                f"implausible time span: the samples cover {span / 86400:.1f} days; the clock jumps "
                f"{gaps[largest] / 3600:.1f} h after record {largest} ({_iso(ts[largest])})"
            )
        return streams

    # -- summaries ------------------------------------------------------------------------------------------
    def summaries(self, kind: str) -> list[dict[str, Any]]:
        columns = self.messages.get(kind, {})
        count = len(next(iter(columns.values()))) if columns else 0
        out = []
        for i in range(count):
            item: dict[str, Any] = {}
            start = self._start_time(columns, i)
            if start is not None:
                item["start_time"] = start
            for key, names in _SUMMARY_FIELDS.items():
                value = next((v for v in (_number(columns, n, i) for n in names) if v is not None), None)
                if value is not None:
                    item[key] = value
            for key, name in _SUMMARY_NAMES.items():
                value = _value(columns, name, i)
                if value is not None:
                    item[key] = value
            for key, name in (("start_lat", "start_position_lat"), ("start_lon", "start_position_long")):
                value = _number(columns, name, i)
                if value is not None:
                    item[key] = value * SEMICIRCLE_DEG
            self._check_summary(kind, i, item)
            out.append(item)
        return out

    def _check_summary(self, kind: str, index: int, item: dict[str, Any]) -> None:
        lat, lon = item.get("start_lat"), item.get("start_lon")
        if (
            lat is not None
            and lon is not None
            and ((lat == 0 and lon == 0) or abs(lat) > 90 or abs(lon) > 180)
        ):
            self.note(f"{kind} {index}: invalid start position ({lat:.5f}, {lon:.5f}) dropped")
            del item["start_lat"], item["start_lon"]
        elapsed, timer = item.get("elapsed_s"), item.get("timer_s")
        if elapsed is not None and timer is not None and timer > elapsed + 1:
            self.note(
                f"{kind} {index}: times inverted, total_timer_time {timer:g} s exceeds total_elapsed_time {elapsed:g} s"
            )

    def _start_time(self, columns: Columns, i: int) -> dt.datetime | None:
        start = _number(columns, "start_time", i)
        if start is None:
            return None
        return _utc(start + self.clock_offset if start < _SYSTEM_TIME_LIMIT else start)

    def lengths(self) -> list[dict[str, Any]]:
        columns = self.messages.get("length", {})
        count = len(next(iter(columns.values()))) if columns else 0
        out = []
        for i in range(count):
            item: dict[str, Any] = {}
            start = self._start_time(columns, i)
            if start is not None:
                item["start_time"] = start
            for key, name in (
                ("elapsed_s", "total_elapsed_time"),
                ("timer_s", "total_timer_time"),
                ("strokes", "total_strokes"),
                ("avg_speed", "avg_speed"),
            ):
                value = _number(columns, name, i)
                if value is not None:
                    item[key] = value
            stroke = _value(columns, "swim_stroke", i)
            item["stroke_type"] = stroke
            length_type = _value(columns, "length_type", i)
            item["kind"] = length_type if length_type in ("active", "idle") else None
            out.append(item)
        return out

    # -- what, when, on what -----------------------------------------------------------------------------------
    def sport(self, sessions: list[dict[str, Any]]) -> str:
        sports = [
            s["sport"] for s in sessions if isinstance(s.get("sport"), str) and s["sport"] != "transition"
        ]
        if len(set(sports)) > 1:
            return "multisport"
        if sports:
            return sports[0]
        for kind in ("sport", "lap"):
            value = _value(self.messages.get(kind, {}), "sport", 0)
            if isinstance(value, str):
                return value
        return "generic"

    def sub_sport(self, sessions: list[dict[str, Any]]) -> str | None:
        if self.sport(sessions) == "multisport":
            return None
        value = next((s["sub_sport"] for s in sessions if isinstance(s.get("sub_sport"), str)), None)
        if value is None:
            value = _value(self.messages.get("sport", {}), "sub_sport", 0)
        return value if isinstance(value, str) else None

    def start_time(self, sessions: list[dict[str, Any]], streams: dict[str, np.ndarray]) -> dt.datetime:
        starts = [s["start_time"] for s in sessions if "start_time" in s]
        first_sample = _utc(float(streams["timestamp"][0]))
        if starts and min(starts).timestamp() >= _SYSTEM_TIME_LIMIT:
            return min(starts)
        return first_sample

    def device(self) -> Device:
        file_id = self.messages.get("file_id", {})
        creator = self._creator_device_info()
        manufacturer = _value(file_id, "manufacturer", 0)
        product = None
        for name in ("product_name", "garmin_product", "favero_product", "product"):
            product = _value(file_id, name, 0)
            if product is None and creator is not None:
                product = creator.get(name)
            if product is not None:
                break
        serial = _value(file_id, "serial_number", 0)
        if serial is None and creator is not None:
            serial = creator.get("serial_number")
        return Device(
            manufacturer=None if manufacturer is None else str(manufacturer),
            product=None if product is None else _text(product),
            serial=None if serial is None else _text(serial),
        )

    def _creator_device_info(self) -> dict[str, Any] | None:
        info = self.messages.get("device_info", {})
        index = info.get("device_index")
        if index is None:
            return None
        rows = np.flatnonzero(index == "creator")
        if not len(rows):
            return None
        return {name: _value(info, name, int(rows[0])) for name in info}


def _numeric(column: np.ndarray | None) -> np.ndarray | None:
    if column is None or column.dtype == object or column.ndim != 1:
        return None
    return column


def _has_values(column: np.ndarray | None) -> bool:
    values = _numeric(column)
    return values is not None and not np.isnan(values).all()


def _first_present(columns: Columns, names: tuple[str, ...], n: int) -> np.ndarray:
    out = np.full(n, np.nan)
    for name in reversed(names):  # the first name wins where it has a value
        values = _numeric(columns.get(name))
        if values is not None:
            out = np.where(np.isnan(values), out, values)
    return out


def _value(columns: Columns, name: str, i: int) -> Any:
    """One value as a plain Python object, None when absent or invalid."""
    column = columns.get(name)
    if column is None or i >= len(column) or column.ndim != 1:
        return None
    value = column[i]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def _number(columns: Columns, name: str, i: int) -> float | None:
    """A numeric value, None when absent, invalid or not a number (a damaged definition can make it one)."""
    value = _value(columns, name, i)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _text(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _utc(posix: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(posix, tz=dt.UTC)


def _iso(posix: float) -> str:
    return _utc(float(posix)).isoformat()
