"""The decoded form of one activity file, shared by every format."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Channel names a Recording may carry; every array has the same length.
STREAM_CHANNELS = (
    "timestamp",  # POSIX seconds, float64
    "lat",  # degrees
    "lon",  # degrees
    "altitude",  # m
    "distance",  # m
    "speed",  # m/s
    "heart_rate",  # bpm
    "cadence",  # rpm or steps/min
    "power",  # W
    "temperature",  # C
)


@dataclass
class Device:
    manufacturer: str | None = None
    product: str | None = None
    serial: str | None = None


@dataclass
class Recording:
    """One activity: what it was, when, on what, and its per-sample streams.

    `laps` and `sessions` are lists of dicts with at least `start_time` (aware UTC datetime),
    `elapsed_s` and `distance_m` where the file has them, plus any summary fields the file carries
    (keys in SI units, named like `avg_heart_rate`, `total_calories`, `avg_power`, ...).
    `lengths` is present for pool swims: a list of dicts with `start_time`, `elapsed_s`, `strokes`,
    `stroke_type`, `kind` ("active" or "idle").
    `warnings` lists what was wrong with the file and where, when it was salvaged.
    """

    sport: str = "generic"
    sub_sport: str | None = None
    start_time: dt.datetime | None = None
    device: Device = field(default_factory=Device)
    laps: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    streams: dict[str, np.ndarray] = field(default_factory=dict)
    lengths: list[dict[str, Any]] = field(default_factory=list)
    pool_length_m: float | None = None
    name: str | None = None
    source_format: str = ""  # "fit", "gpx" or "tcx"
    warnings: list[str] = field(default_factory=list)

    @property
    def sample_count(self) -> int:
        ts = self.streams.get("timestamp")
        return 0 if ts is None else int(ts.shape[0])
