"""Small hand-made activity files and recordings for the activities tests (the corpus covers real devices)."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import zipfile

import numpy as np

from trackfiles import Recording

START = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def gpx_bytes(
    *,
    points: int = 120,
    start: dt.datetime = START,
    heart_rate: int = 140,
    power: int | None = None,
    sport: str = "running",
    name: str = "Morning run",
    step_m: float = 3.0,
) -> bytes:
    """A GPX 1.1 track of `points` one-second samples heading north at `step_m` metres per second."""
    rows = []
    for i in range(points):
        time = (start + dt.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        lat = 46.0 + i * step_m / 111_195.0
        power_tag = f"<power>{power}</power>" if power is not None else ""
        rows.append(
            f'<trkpt lat="{lat:.7f}" lon="13.5"><ele>{800 + i * 0.1:.1f}</ele><time>{time}</time>'
            f"<extensions>{power_tag}<gpxtpx:TrackPointExtension><gpxtpx:hr>{heart_rate + i % 5}</gpxtpx:hr>"
            f"<gpxtpx:cad>85</gpxtpx:cad></gpxtpx:TrackPointExtension></extensions></trkpt>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="vault tests" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<trk><name>{name}</name><type>{sport}</type><trkseg>{''.join(rows)}</trkseg></trk></gpx>"
    ).encode()


def tcx_bytes(*, points: int = 60, start: dt.datetime = START, heart_rate: int = 150) -> bytes:
    """A TCX ride with one lap; leading white space before the declaration, as Strava writes it."""
    rows = []
    for i in range(points):
        time = (start + dt.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(
            f"<Trackpoint><Time>{time}</Time><Position><LatitudeDegrees>{47 + i * 1e-4:.6f}</LatitudeDegrees>"
            f"<LongitudeDegrees>11.0</LongitudeDegrees></Position><DistanceMeters>{i * 8.0}</DistanceMeters>"
            f"<HeartRateBpm><Value>{heart_rate}</Value></HeartRateBpm></Trackpoint>"
        )
    begin = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        '          <?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="Biking"><Id>{begin}</Id><Lap StartTime="{begin}">'
        f"<TotalTimeSeconds>{points - 1}</TotalTimeSeconds><DistanceMeters>{(points - 1) * 8.0}</DistanceMeters>"
        f"<Track>{''.join(rows)}</Track></Lap></Activity></Activities></TrainingCenterDatabase>"
    ).encode()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def zip_bytes(entries: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = compression
            archive.writestr(info, data)
    return buffer.getvalue()


def ride_recording(
    *, seconds: int = 1800, power_w: float = 300.0, heart_rate: float = 150.0, start: dt.datetime = START
) -> Recording:
    """A steady indoor ride at 1 Hz, built directly (as a connector without an original file would)."""
    t = start.timestamp() + np.arange(seconds, dtype=np.float64)
    return Recording(
        sport="cycling",
        sub_sport="indoor_cycling",
        start_time=start,
        streams={
            "timestamp": t,
            "power": np.full(seconds, power_w),
            "heart_rate": np.full(seconds, heart_rate),
            "speed": np.full(seconds, 9.0),
            "distance": np.arange(seconds, dtype=np.float64) * 9.0,
            "cadence": np.full(seconds, 90.0),
        },
        laps=[{"start_time": start, "elapsed_s": float(seconds - 1), "distance_m": (seconds - 1) * 9.0}],
        source_format="fit",
    )
