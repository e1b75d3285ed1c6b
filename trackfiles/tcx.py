"""TCX (Garmin Training Center Database v2) -> Recording.

One pass over the tree (or a stream of it, see trackfiles.xmlsafe); each <Trackpoint> is read by local element
name (so the ActivityExtension prefix, ns3:/ext:/none, does not matter); each <Lap> becomes a lap dict.

Trackpoint channels: Time, Position/LatitudeDegrees and LongitudeDegrees, AltitudeMeters, DistanceMeters,
HeartRateBpm/Value, Cadence (bike, rpm) or TPX/RunCadence (run, as the device wrote it, like FIT's cadence),
TPX/Speed (m/s), TPX/Watts.

Choices:
- A file with several <Activity> elements (a multisport session, or a history export) becomes one Recording
  holding every activity, none left out: each is a session (with `first_lap_index` and `num_laps`, as FIT
  sessions have), its laps are in `laps`, its trackpoints in the streams, activities in time order, distance
  made cumulative across them; sport is "multisport" when their sports differ, as for a FIT multisport file.
  Why not one activity each: design.md §4 keys an activity by its file (sha256 unique per athlete), so a
  file is one upload, one activity, one duplicate check and one stored original; and a multisport file's
  legs belong together (one race, one load). A note in `warnings` says how many activities there were.
  Activities that overlap in time (the same workout twice) lose the overlapping points of the later one,
  with the usual warning about times going backwards: one timeline cannot hold both.
  Trackpoints outside an Activity (a <Course>) are not samples.
- Sport: Running -> running, Biking -> cycling, Other -> generic.
- Laps: start_time, elapsed_s (TotalTimeSeconds), distance_m, total_calories, avg_heart_rate, max_heart_rate,
  avg_cadence, max_speed, intensity (lower case), trigger_method, and from the LX extension avg_speed,
  avg_cadence (AvgRunCadence), max_cadence, avg_power, max_power. Laps are kept even without trackpoints
  (pool swims), so an Activity with laps but no samples is still a Recording.
- One session per activity summarising its laps: start, sport, elapsed (first lap start to last lap end),
  timer_s (sum of TotalTimeSeconds), distance_m and total_calories (sums).
- `Recording.name` is the Activity's <Notes> when present; the device is the Creator (Name, UnitId).
- Distance from positions (haversine) only when the file has no DistanceMeters at all; speed derived when
  no TPX/Speed.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from trackfiles.columns import drop_backwards_times, finish_streams, iso_time, utc_datetime
from trackfiles.errors import DecodeError, EmptyRecording, TruncatedFile
from trackfiles.recording import Device, Recording
from trackfiles.sports import SPORT_OF_TCX
from trackfiles.xmlsafe import (
    PointTexts,
    XmlBody,
    XmlEvents,
    child_text,
    gc_paused,
    local_name,
    parse_whole,
    release,
)

_CHANNEL_OF_NAME = {
    "Time": "timestamp",
    "LatitudeDegrees": "lat",
    "LongitudeDegrees": "lon",
    "AltitudeMeters": "altitude",
    "DistanceMeters": "distance",
    "Value": "heart_rate",  # only HeartRateBpm has a <Value> inside a Trackpoint
    "Cadence": "cadence",
    "RunCadence": "cadence",
    "Speed": "speed",
    "Watts": "power",
}

# Lap summary: local element name -> lap key. Direct children of <Lap>, except that the heart rates sit in a
# <Value> inside their element and the LX extension fields anywhere under <Extensions>.
_LAP_NUMBERS = {
    "TotalTimeSeconds": "elapsed_s",
    "DistanceMeters": "distance_m",
    "MaximumSpeed": "max_speed",
    "Calories": "total_calories",
    "Cadence": "avg_cadence",
    "AverageHeartRateBpm": "avg_heart_rate",
    "MaximumHeartRateBpm": "max_heart_rate",
    "AvgSpeed": "avg_speed",
    "AvgRunCadence": "avg_cadence",
    "MaxRunCadence": "max_cadence",
    "MaxBikeCadence": "max_cadence",
    "AvgWatts": "avg_power",
    "MaxWatts": "max_power",
}
_LAP_WORDS = {"Intensity": "intensity", "TriggerMethod": "trigger_method"}
_KNOWN_BRANDS = ("garmin", "polar", "suunto", "wahoo", "coros", "bryton", "sigma", "timex", "apple")


@dataclass
class _Part:
    """One <Activity> of the file: its points, laps and facts, in document order."""

    index: int
    element: object  # the Activity element (kept for its facts; in streaming, until its end)
    points: PointTexts
    laps: list[dict] = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    raw: dict[str, np.ndarray] = field(default_factory=dict)
    start: dt.datetime | None = None

    @property
    def empty(self) -> bool:
        return self.points.count == 0 and not self.laps


def decode_tcx(body: XmlBody, *, strict: bool = False) -> Recording:
    warnings: list[str] = []
    parts: list[_Part] = []

    def new_part(element) -> _Part:
        part = _Part(index=len(parts), element=element, points=PointTexts(_CHANNEL_OF_NAME))
        parts.append(part)
        return part

    root, stop = parse_whole(body), None
    if root is not None:
        with gc_paused():
            for element in _activities(root):
                part = new_part(element)
                for lap in element.iterchildren("{*}Lap"):
                    part.laps.append(_lap(lap, warnings))
                    for track in lap.iterchildren("{*}Track"):
                        for point in track.iterchildren("{*}Trackpoint"):
                            part.points.add(point)
                part.facts = _activity_facts(element)
    else:
        # streamed: a start event opens an activity; end events deliver its complete laps and trackpoints
        current: _Part | None = None
        events = XmlEvents(body, events=("start", "end"), tags=["{*}Activity", "{*}Lap", "{*}Trackpoint"])
        for event, element in events:
            tag = element.tag
            if event == "start":
                if tag.endswith("Activity"):
                    current = new_part(element)
            elif current is None:  # a course's trackpoints, or laps outside any activity: not samples
                release(element)
            elif tag.endswith("Trackpoint"):
                current.points.add(element)
                release(element)
            elif tag.endswith("Lap"):
                current.laps.append(_lap(element, warnings))
                for track in element.findall("{*}Track"):  # its points are read; keep the lap's own fields
                    element.remove(track)
            else:  # the end of an Activity: its facts (Id, Notes, Creator) are all read now
                current.facts = _activity_facts(element)
                release(element)
                current = None
        stop = events.stop
        if current is not None:  # cut inside an activity: what it has so far (its Id comes first)
            current.facts = _activity_facts(current.element)

    count = sum(part.points.count for part in parts)
    lap_count = sum(len(part.laps) for part in parts)
    if stop is not None:
        message = stop.describe(f"{count} trackpoint(s) and {lap_count} lap(s)")
        if strict or (count == 0 and not lap_count):
            raise TruncatedFile(message) if stop.at_end else DecodeError(message)
        warnings.append(message)
    if not parts:
        raise EmptyRecording(
            "the TCX file has no <Activity> (a course or an empty history holds no recording)"
        )
    kept = [part for part in parts if not part.empty]
    if not kept:
        raise EmptyRecording(
            "the TCX <Activity> has neither trackpoints nor laps"
            if len(parts) == 1
            else f"none of the TCX file's {len(parts)} activities has trackpoints or laps"
        )
    for part in kept:
        part.raw = part.points.columns(what="Trackpoint", warnings=warnings)
        part.start = _part_start(part)
    if strict and warnings:  # a damaged value or lap field: strict mode stops at the first problem
        raise DecodeError(warnings[0])
    for part in parts:  # not damage, so after the strict check: said, never raised
        if part.empty:  # nothing of it to keep, but the file claimed an activity there
            warnings.append(f"TCX activity {_describe_part(part)} has neither trackpoints nor laps; left out")
    if len(kept) > 1:
        # Activities in time order (a history export may list the newest first), each a session of this one
        # recording, like the legs of a FIT multisport file (see the module docstring for why not one
        # activity each).
        kept.sort(key=lambda part: (part.start is None, part.start.timestamp() if part.start else 0.0))
        warnings.append(
            f"the TCX file holds {len(kept)} activities "
            f"({', '.join(_describe_part(part) for part in kept)}); each is kept as a session of this "
            "activity with its laps and trackpoints"
        )
    raw = _concatenate(kept)
    raw = drop_backwards_times(raw, where="trackpoint", warnings=warnings, strict=strict)
    streams = finish_streams(raw)

    laps: list[dict] = []
    sessions: list[dict] = []
    for part in kept:
        session = _session(part.laps, part.start, _sport_of(part))
        session.update(first_lap_index=len(laps), num_laps=len(part.laps))  # FIT session field names
        sessions.append(session)
        laps += part.laps
    sports = {session["sport"] for session in sessions}
    first = kept[0]
    return Recording(
        sport=sports.pop() if len(sports) == 1 else "multisport",
        start_time=first.start,
        device=next((part.facts["device"] for part in kept if part.facts.get("device")), Device()),
        laps=laps,
        sessions=sessions if len(kept) > 1 else [_session(first.laps, first.start, _sport_of(first))],
        streams=streams,
        name=next((part.facts["name"] for part in kept if part.facts.get("name")), None),
        source_format="tcx",
        warnings=warnings,
    )


def _sport_of(part: _Part) -> str:
    return SPORT_OF_TCX.get(part.facts.get("sport_attribute") or "", "generic")


def _describe_part(part: _Part) -> str:
    return f"{part.index + 1} ({part.facts.get('sport_attribute') or 'no sport'}, id {part.facts.get('id')})"


def _part_start(part: _Part) -> dt.datetime | None:
    """When the activity began: its first lap's start, else its first timed trackpoint, else its Id."""
    start = part.laps[0].get("start_time") if part.laps else None
    if start is None:
        timestamps = part.raw["timestamp"]
        finite = timestamps[np.isfinite(timestamps)]
        start = utc_datetime(finite[0]) if finite.size else part.facts.get("id_time")
    return start


def _concatenate(parts: list[_Part]) -> dict[str, np.ndarray]:
    """One set of channels over every part's trackpoints (NaN where a part lacks a channel).

    Each activity's DistanceMeters starts again from zero; a part whose distance restarts below where the
    previous ones ended is shifted by that much, so distance stays cumulative over the whole recording.
    """
    if len(parts) == 1:
        return parts[0].raw
    names = list(dict.fromkeys(name for part in parts for name in part.raw))
    columns: dict[str, list[np.ndarray]] = {name: [] for name in names}
    covered = np.nan  # the largest distance so far
    for part in parts:
        size = part.raw["timestamp"].shape[0]
        for name in names:
            values = part.raw.get(name)
            columns[name].append(values if values is not None else np.full(size, np.nan))
        distance = part.raw.get("distance")
        if distance is not None and np.isfinite(distance).any():
            if np.isfinite(covered):
                first = distance[np.isfinite(distance)][0]
                if first < covered:
                    columns["distance"][-1] = distance + covered
            covered = np.nanmax(columns["distance"][-1])
    return {name: np.concatenate(pieces) for name, pieces in columns.items()}


def _activities(root) -> list:
    """Activity elements in document order: under <Activities>, directly or inside a MultiSportSession."""
    found = []
    for holder in root.iterchildren("{*}Activities"):
        for child in holder.iterchildren():
            name = local_name(child.tag)
            if name == "Activity":
                found.append(child)
            elif name == "MultiSportSession":
                found.extend(child.iterfind("*/{*}Activity"))
    return found


def _lap(lap, warnings: list[str]) -> dict:
    """The lap's summary fields (first one wins when two name the same key, e.g. Cadence and AvgRunCadence)."""
    result: dict = {}
    start_text = lap.get("StartTime")
    if start_text:
        start = iso_time(start_text)
        if start is None:
            warnings.append(f"a Lap StartTime is not an ISO 8601 time ({start_text[:40]!r}); left out")
        else:
            result["start_time"] = start
    for child in lap.iterchildren():
        name = local_name(child.tag)
        if name in _LAP_WORDS:
            if child.text and child.text.strip():
                result.setdefault(_LAP_WORDS[name], child.text.strip().lower())
        elif name in ("AverageHeartRateBpm", "MaximumHeartRateBpm"):
            _lap_number(result, _LAP_NUMBERS[name], child_text(child, "{*}Value"), warnings)
        elif name == "Extensions":
            for field in child.iter():
                field_name = local_name(field.tag)
                if field_name in _LAP_NUMBERS and len(field) == 0:
                    _lap_number(result, _LAP_NUMBERS[field_name], field.text, warnings)
        elif name in _LAP_NUMBERS:
            _lap_number(result, _LAP_NUMBERS[name], child.text, warnings)
    return result


def _lap_number(result: dict, key: str, text: str | None, warnings: list[str]) -> None:
    if text is None or key in result:
        return
    try:
        value = float(text)
    except ValueError:
        warnings.append(f"Lap {key} is not a number ({text.strip()[:40]!r}); left out")
        return
    if math.isfinite(value):
        result[key] = value


def _activity_facts(activity) -> dict:
    facts: dict = {"sport_attribute": activity.get("Sport")}
    activity_id = child_text(activity, "{*}Id")
    facts["id"] = activity_id
    facts["id_time"] = iso_time(activity_id)
    notes = child_text(activity, "{*}Notes")
    facts["name"] = notes
    creator = activity.find("{*}Creator")
    if creator is not None:
        product = child_text(creator, "{*}Name")
        brand = product.split()[0].lower() if product else None
        facts["device"] = Device(
            manufacturer=brand if brand in _KNOWN_BRANDS else None,
            product=product,
            serial=child_text(creator, "{*}UnitId"),
        )
    return facts


def _session(laps: list[dict], start_time, sport: str) -> dict:
    session: dict = {"start_time": start_time, "sport": sport}
    timed = [lap for lap in laps if lap.get("start_time") and "elapsed_s" in lap]
    if timed:
        end = max(lap["start_time"].timestamp() + lap["elapsed_s"] for lap in timed)
        session["elapsed_s"] = end - min(lap["start_time"].timestamp() for lap in timed)
    for key, total in (
        ("elapsed_s", "timer_s"),
        ("distance_m", "distance_m"),
        ("total_calories", "total_calories"),
    ):
        values = [lap[key] for lap in laps if key in lap]
        if values:
            session[total] = float(sum(values))
    return session
