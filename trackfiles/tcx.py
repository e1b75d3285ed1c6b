"""TCX (Garmin Training Center Database v2) -> Recording.

One pass over the tree (or a stream of it, see trackfiles.xmlsafe); each <Trackpoint> is read by local element
name (so the ActivityExtension prefix, ns3:/ext:/none, does not matter); each <Lap> becomes a lap dict.

Trackpoint channels: Time, Position/LatitudeDegrees and LongitudeDegrees, AltitudeMeters, DistanceMeters,
HeartRateBpm/Value, Cadence (bike, rpm) or TPX/RunCadence (run, as the device wrote it, like FIT's cadence),
TPX/Speed (m/s), TPX/Watts.

Choices:
- A file with several <Activity> elements: the first becomes the Recording and a warning names how many
  others were left out (the importer shows it; each activity would need its own upload to be kept).
  Trackpoints outside an Activity (a <Course>) are not samples.
- Sport: Running -> running, Biking -> cycling, Other -> generic.
- Laps: start_time, elapsed_s (TotalTimeSeconds), distance_m, total_calories, avg_heart_rate, max_heart_rate,
  avg_cadence, max_speed, intensity (lower case), trigger_method, and from the LX extension avg_speed,
  avg_cadence (AvgRunCadence), max_cadence, avg_power, max_power. Laps are kept even without trackpoints
  (pool swims), so an Activity with laps but no samples is still a Recording.
- One session summarising the laps: start, elapsed (first lap start to last lap end), timer_s (sum of
  TotalTimeSeconds), distance_m and total_calories (sums).
- `Recording.name` is the Activity's <Notes> when present; the device is the Creator (Name, UnitId).
- Distance from positions (haversine) only when the file has no DistanceMeters at all; speed derived when
  no TPX/Speed.
"""

from __future__ import annotations

import math

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


def decode_tcx(body: XmlBody, *, strict: bool = False) -> Recording:
    warnings: list[str] = []
    points = PointTexts(_CHANNEL_OF_NAME)
    laps: list[dict] = []
    activities = 0
    first_activity = None  # the first <Activity> element

    root, stop = parse_whole(body), None
    if root is not None:
        all_activities = _activities(root)
        activities = len(all_activities)
        first_activity = all_activities[0] if all_activities else None
        with gc_paused():
            for lap in first_activity.iterchildren("{*}Lap") if first_activity is not None else ():
                laps.append(_lap(lap, warnings))
                for track in lap.iterchildren("{*}Track"):
                    for point in track.iterchildren("{*}Trackpoint"):
                        points.add(point)
    else:
        # streamed: start events count activities; end events deliver complete laps and trackpoints
        in_first_activity = False
        events = XmlEvents(body, events=("start", "end"), tags=["{*}Activity", "{*}Lap", "{*}Trackpoint"])
        for event, element in events:
            tag = element.tag
            if event == "start":
                if tag.endswith("Activity"):
                    activities += 1
                    in_first_activity = activities == 1
                    first_activity = first_activity if first_activity is not None else element
            elif not in_first_activity:  # a later activity, or a course: not part of the recording
                release(element)
            elif tag.endswith("Trackpoint"):
                points.add(element)
                release(element)
            elif tag.endswith("Lap"):
                laps.append(_lap(element, warnings))
                for track in element.findall("{*}Track"):  # its points are read; keep the lap's own fields
                    element.remove(track)
            else:  # the end of the first Activity: its facts stay for _activity_facts
                in_first_activity = False
        stop = events.stop

    count = points.count
    facts = _activity_facts(first_activity) if first_activity is not None else {}
    if stop is not None:
        message = stop.describe(f"{count} trackpoint(s) and {len(laps)} lap(s)")
        if strict or (count == 0 and not laps):
            raise TruncatedFile(message) if stop.at_end else DecodeError(message)
        warnings.append(message)
    if activities == 0:
        raise EmptyRecording(
            "the TCX file has no <Activity> (a course or an empty history holds no recording)"
        )
    if count == 0 and not laps:
        raise EmptyRecording("the first TCX <Activity> has neither trackpoints nor laps")

    raw = points.columns(what="Trackpoint", warnings=warnings)
    if strict and warnings:  # a damaged value or lap field: strict mode stops at the first problem
        raise DecodeError(warnings[0])
    if activities > 1:  # not damage: reported, never raised
        warnings.append(
            f"the TCX file holds {activities} activities; decoded the first "
            f"({facts.get('sport_attribute') or 'no sport'}, id {facts.get('id')}) "
            f"and left out the other {activities - 1}"
        )
    raw = drop_backwards_times(raw, where="trackpoint", warnings=warnings, strict=strict)
    streams = finish_streams(raw)

    sport = SPORT_OF_TCX.get(facts.get("sport_attribute") or "", "generic")
    timestamps = streams["timestamp"]
    finite = timestamps[np.isfinite(timestamps)]
    start_time = laps[0].get("start_time") if laps else None
    if start_time is None:
        start_time = utc_datetime(finite[0]) if finite.size else facts.get("id_time")
    return Recording(
        sport=sport,
        start_time=start_time,
        device=facts.get("device") or Device(),
        laps=laps,
        sessions=[_session(laps, start_time, sport)],
        streams=streams,
        name=facts.get("name"),
        source_format="tcx",
        warnings=warnings,
    )


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
