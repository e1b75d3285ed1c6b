"""GPX 1.0 / 1.1 -> Recording.

One pass over the tree (or a stream of it, see trackfiles.xmlsafe); each <trkpt> is read (attributes and the
few child elements we want, matched by local name so GPX 1.0/1.1 and every extension namespace/prefix work)
into per-channel text lists, converted to arrays once at the end.
Channels: `time`, `ele`, lat/lon attributes, and from any extension (Garmin TrackPointExtension v1/v2,
cluetrust gpxdata, Strava/others' <power>): hr/heartrate, cad/cadence, atemp/wtemp/temp, power/watts,
distance, speed (GPX 1.0 <speed> too).

Choices (documented here because other writers disagree):
- Tracks and segments are concatenated in order of their first timestamp (segments without times keep their
  place); samples whose time goes backwards after that are dropped with a warning.
- When the file has no distance values, distance is the cumulative haversine distance of the positions
  (trackfiles.columns.EARTH_RADIUS_M); speed, when absent, is derived from distance over time.
- Routes and waypoints are not samples and are ignored. No track point at all -> EmptyRecording.
- `Recording.name` is metadata/name (GPX 1.1) or the root <name> (1.0), else the first track's name;
  sport comes from the first track's <type>; `device.product` is the root `creator` attribute (the writing
  device or program as the file names it).
- One derived session: start, elapsed time (last - first timestamp) and final distance.
"""

from __future__ import annotations

import itertools

import numpy as np

from trackfiles.columns import drop_backwards_times, finish_streams, utc_datetime
from trackfiles.errors import DecodeError, EmptyRecording, TruncatedFile
from trackfiles.recording import Device, Recording
from trackfiles.sports import sport_from_text
from trackfiles.xmlsafe import PointTexts, XmlBody, XmlEvents, child_text, gc_paused, parse_whole, release

# local element name -> channel
_CHANNEL_OF_NAME = {
    "time": "timestamp",
    "ele": "altitude",
    "hr": "heart_rate",
    "heartrate": "heart_rate",
    "cad": "cadence",
    "cadence": "cadence",
    "atemp": "temperature",
    "wtemp": "temperature",
    "temp": "temperature",
    "power": "power",
    "watts": "power",
    "distance": "distance",
    "speed": "speed",
}


def decode_gpx(body: XmlBody, *, strict: bool = False) -> Recording:
    warnings: list[str] = []
    points = PointTexts(_CHANNEL_OF_NAME, attributes=("lat", "lon"))
    segment_bounds: list[int] = []  # point counts where a segment starts (whole tree) or ends (streamed)

    root, stop = parse_whole(body), None
    if root is not None:
        with gc_paused():
            for track in root.iterchildren("{*}trk"):
                for segment in track.iterchildren("{*}trkseg"):
                    segment_bounds.append(points.count)
                    for point in segment.iterchildren("{*}trkpt"):
                        points.add(point)
    else:
        events = XmlEvents(body, events=("end",), tags=["{*}trkpt", "{*}trkseg"])
        for _, element in events:
            if element.tag.endswith("trkseg"):
                segment_bounds.append(points.count)
                element.clear()  # not release(): its siblings (the track's name and type) are still needed
            else:
                points.add(element)
                release(element)
        root, stop = events.root, events.stop

    count = points.count
    if stop is not None:
        message = stop.describe(f"{count} track point(s)")
        if strict or count == 0:
            raise TruncatedFile(message) if stop.at_end else DecodeError(message)
        warnings.append(message)
    if count == 0:
        raise EmptyRecording("the GPX file has no track points (only metadata, waypoints or routes)")

    raw = points.columns(what="trkpt", warnings=warnings)
    _check_positions(raw, warnings)
    if strict and warnings:  # a damaged value: strict mode stops at the first problem
        raise DecodeError(warnings[0])
    raw = _in_time_order(raw, segment_bounds, count)
    raw = drop_backwards_times(raw, where="track point", warnings=warnings, strict=strict)
    streams = finish_streams(raw)

    name = sport_text = creator = None
    if root is not None:
        name = child_text(root, "{*}metadata/{*}name") or child_text(root, "{*}name")
        name = name or child_text(root, "{*}trk/{*}name")
        sport_text = child_text(root, "{*}trk/{*}type")
        creator = root.get("creator")
    sport, sub_sport = sport_from_text(sport_text)
    if not np.isfinite(streams["timestamp"]).any():
        warnings.append("no track point has a time; the recording has positions but no timeline")
    start_time, session = _session(streams, sport)
    return Recording(
        sport=sport,
        sub_sport=sub_sport,
        start_time=start_time,
        device=Device(product=creator),
        sessions=[session] if session else [],
        streams=streams,
        name=name,
        source_format="gpx",
        warnings=warnings,
    )


def _check_positions(raw: dict[str, np.ndarray], warnings: list[str]) -> None:
    lat, lon = raw["lat"], raw["lon"]
    invalid = (np.abs(lat) > 90) | (np.abs(lon) > 180)
    if invalid.any():
        first = int(np.flatnonzero(invalid)[0])
        warnings.append(
            f"{int(invalid.sum())} track point(s) have a position outside the globe "
            f"(first: point {first + 1}, lat={lat[first]}, lon={lon[first]}); positions dropped"
        )
        lat[invalid] = np.nan
        lon[invalid] = np.nan


def _in_time_order(
    raw: dict[str, np.ndarray], segment_bounds: list[int], count: int
) -> dict[str, np.ndarray]:
    """Reorder whole segments by their first timestamp (stable, so untimed segments keep their place)."""
    bounds = sorted({0, *[bound for bound in segment_bounds if 0 < bound < count], count})
    if len(bounds) <= 2:
        return raw
    timestamps = raw["timestamp"]
    starts = []
    previous_start = -np.inf
    for begin, end in itertools.pairwise(bounds):
        finite = timestamps[begin:end][np.isfinite(timestamps[begin:end])]
        previous_start = finite[0] if finite.size else previous_start
        starts.append(previous_start)
    order = np.argsort(np.array(starts), kind="stable")
    if np.all(order[:-1] < order[1:]):
        return raw
    take = np.concatenate([np.arange(bounds[i], bounds[i + 1]) for i in order])
    return {channel: values[take] for channel, values in raw.items()}


def _session(streams: dict[str, np.ndarray], sport: str) -> tuple:
    timestamps = streams["timestamp"]
    finite = timestamps[np.isfinite(timestamps)]
    if finite.size == 0:
        return None, None
    session = {
        "start_time": utc_datetime(finite[0]),
        "elapsed_s": float(finite[-1] - finite[0]),
        "sport": sport,
    }
    distance = streams.get("distance")
    if distance is not None and np.isfinite(distance).any():
        session["distance_m"] = float(np.nanmax(distance))
    return session["start_time"], session
