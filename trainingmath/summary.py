"""Activity summary metrics from a Recording's streams (science.md §9 plus the sport metrics of §1-§4).

`summarize_activity` is what the import pipeline stores for every activity. It resamples the streams to a
1 Hz timeline, removes pauses, and computes every metric the inputs allow; the rest are None.

Timeline rules (documented because every metric depends on them):
* Samples are bucketed to whole seconds from the first timestamp (several samples in one second are
  averaged). Without a timestamp channel the samples are taken as 1 Hz.
* A step between samples longer than the pause threshold is a pause (auto-pause, stopped timer) and is removed
  from the timeline. The threshold is `MAX_FILLED_GAP_S` for 1 Hz recordings and twice the 90th-percentile step
  for sparser ones (smart recording, open-water swims that log every ~50 s), so a sparse file is not mistaken
  for one long pause. Shorter holes, and channel drop-outs up to that length, are filled by linear
  interpolation, except power, which is never interpolated: missing power inside the timeline is 0 W.
* The power curve fills pauses with 0 W instead of removing them (GoldenCheetah's choice), so efforts on
  either side of a stop never merge into one; at most `PAUSE_GRID_CAP_S` of each pause is kept.
* Pass the thresholds of the activity's own sport (a running FTP is not a cycling FTP): the load rule takes
  power first whenever there is power and an `ftp_w`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from trainingmath import energy, load, power, running, swim
from trainingmath.cp import model_cp_from_curve, w_prime_balance_differential
from trainingmath.errors import InvalidInput
from trainingmath.power import best_power_for_duration

__all__ = [
    "POWER_CURVE_DURATIONS_S",
    "best_power_for_duration",
    "elevation_change",
    "haversine_distance_m",
    "merge_power_curves",
    "model_cp_from_curve",
    "summarize_activity",
]

MAX_FILLED_GAP_S = 5
DISTANCE_MISMATCH = 0.02  # report GPS and device distance side by side beyond this (§9.3)
STALE_CSS_IF = 1.3  # swim IF above this over a long swim means the CSS is stale (§1.3)
LONG_SWIM_S = 20 * 60
PAUSE_GRID_CAP_S = 3600
EARTH_RADIUS_M = 6_371_008.8
ELEVATION_HYSTERESIS_M = 3.0  # GPS altitude; 1 m suits barometric altitude
DECOUPLING_WARMUP_S = 600.0
DECOUPLING_MIN_S = 1200.0  # the steady part must be at least 20 min for two meaningful halves

BIKE_SPORTS = frozenset(
    {
        "cycling",
        "bike",
        "biking",
        "ride",
        "e_biking",
        "mountain_biking",
        "road_cycling",
        "virtual_ride",
        "indoor_cycling",
        "gravel_cycling",
    }
)
RUN_SPORTS = frozenset({"running", "run", "trail_running", "treadmill_running", "walking", "walk", "hiking"})
SWIM_SPORTS = load.SWIM_SPORTS
MOVING_SPEED_M_PER_S = {"bike": 1.0, "run": 0.5, "swim": 0.5, "other": 0.5}

POWER_CURVE_DURATIONS_S = (
    1,
    2,
    3,
    5,
    10,
    15,
    20,
    30,
    45,
    60,
    90,
    120,
    180,
    240,
    300,
    360,
    480,
    600,
    720,
    900,
    1200,
    1500,
    1800,
    2400,
    2700,
    3600,
    4500,
    5400,
    7200,
    9000,
    10_800,
    14_400,
    18_000,
    21_600,
    28_800,
    36_000,
    43_200,
    57_600,
    72_000,
    86_400,
)
CHANNELS = ("lat", "lon", "altitude", "distance", "speed", "heart_rate", "cadence", "power", "temperature")


def sport_category(sport: str) -> str:
    """ "bike", "run", "swim" or "other" for a Recording's sport name."""
    name = (sport or "").lower()
    if name in BIKE_SPORTS:
        return "bike"
    if name in RUN_SPORTS:
        return "run"
    if name in SWIM_SPORTS:
        return "swim"
    return "other"


# --- helpers usable on their own ----------------------------------------------------------------------------


def haversine_distance_m(lat: np.ndarray, lon: np.ndarray) -> float:
    """Track length in m: the sum of great-circle steps between consecutive fixes (NaN fixes skipped)."""
    latitudes = np.asarray(lat, dtype=float)
    longitudes = np.asarray(lon, dtype=float)
    valid = ~np.isnan(latitudes) & ~np.isnan(longitudes)
    phi, lam = np.radians(latitudes[valid]), np.radians(longitudes[valid])
    if phi.size < 2:
        return 0.0
    a = np.sin(np.diff(phi) / 2) ** 2 + np.cos(phi[:-1]) * np.cos(phi[1:]) * np.sin(np.diff(lam) / 2) ** 2
    return float(np.sum(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))))


def elevation_change(
    altitude: Sequence[float] | np.ndarray, *, hysteresis_m: float = ELEVATION_HYSTERESIS_M
) -> tuple[float, float]:
    """(gain, loss) in m with GoldenCheetah's hysteresis: a change counts once it exceeds `hysteresis_m`."""
    values = np.asarray(altitude, dtype=float)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return 0.0, 0.0
    if hysteresis_m < 0:
        raise InvalidInput("hysteresis_m", "must not be negative")
    gain = loss = 0.0
    up_ref = down_ref = float(values[0])
    for value in values[1:].tolist():
        if value > up_ref + hysteresis_m:
            gain += value - up_ref
            up_ref = value
        elif value < up_ref - hysteresis_m:
            up_ref = value
        if value < down_ref - hysteresis_m:
            loss += down_ref - value
            down_ref = value
        elif value > down_ref + hysteresis_m:
            down_ref = value
    return gain, loss


def merge_power_curves(curves: Sequence[Sequence[Sequence[float]]]) -> list[list[float]]:
    """An athlete's best curve over a period: the point-wise max of activity curves [[duration_s, watts], ...].

    A duration present in only some curves takes the max of those that have it.
    """
    best: dict[int, float] = {}
    for curve in curves:
        for duration, watts in curve:
            if watts is None:
                continue
            key = int(duration)
            best[key] = max(best.get(key, -math.inf), float(watts))
    return [[duration, best[duration]] for duration in sorted(best)]


# --- timeline ------------------------------------------------------------------------------------------------


class _Timeline:
    """The 1 Hz grid: per channel values (NaN = missing) and which seconds are inside the timer."""

    def __init__(self, streams: Mapping[str, np.ndarray]) -> None:
        arrays = {}
        length = None
        for name, values in streams.items():
            array = np.asarray(values, dtype=float)
            if array.ndim != 1:
                raise InvalidInput("streams", f"channel {name!r} must be one-dimensional")
            if length is not None and array.size != length:
                raise InvalidInput(
                    "streams", f"channel {name!r} has {array.size} samples, others have {length}"
                )
            length = array.size
            arrays[name] = array
        length = length or 0
        times = arrays.get("timestamp", np.arange(length, dtype=float))
        keep = ~np.isnan(times)
        order = np.argsort(times[keep], kind="stable")
        times = times[keep][order]
        self.sample_times = times
        self.size = 0  # seconds on the grid: the timer plus each pause's (capped) length
        self.elapsed_s = 0  # first to last sample, wall clock
        self.channels: dict[str, np.ndarray] = {}
        self.samples: dict[str, np.ndarray] = {}
        self.active = np.zeros(0, dtype=bool)
        self.max_gap_s = MAX_FILLED_GAP_S
        if times.size == 0:
            return
        seconds = np.round(times - times[0]).astype(np.int64)
        self.elapsed_s = int(seconds[-1]) + 1
        present = np.unique(seconds)
        steps = np.diff(present)
        typical_step = float(np.percentile(steps, 90)) if steps.size else 1.0
        self.max_gap_s = max(MAX_FILLED_GAP_S, round(2 * typical_step))
        pauses = np.flatnonzero(steps > self.max_gap_s)
        # Only PAUSE_GRID_CAP_S of each pause stays on the grid (as inactive seconds): enough to keep efforts on
        # either side of a stop apart in the power curve, and a corrupt timestamp years ahead costs no memory.
        dropped = np.zeros(present.size, dtype=np.int64)
        dropped[pauses + 1] = np.maximum(steps[pauses] - 1 - PAUSE_GRID_CAP_S, 0)
        shift = np.cumsum(dropped)
        seconds = seconds - shift[np.searchsorted(present, seconds)]
        present = present - shift
        self.size = int(present[-1]) + 1
        self.active = np.ones(self.size, dtype=bool)
        for index in pauses:
            self.active[present[index] + 1 : present[index + 1]] = False
        for name in CHANNELS:
            if name not in arrays:
                continue
            values = arrays[name][keep][order]
            self.samples[name] = values
            valid = ~np.isnan(values)
            if not valid.any():
                continue
            sums = np.bincount(seconds[valid], weights=values[valid], minlength=self.size)
            counts = np.bincount(seconds[valid], minlength=self.size)
            with np.errstate(invalid="ignore", divide="ignore"):
                grid = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
            if name == "power":
                # Never interpolated: drop-outs and impossible negative readings count as 0 W.
                grid = np.where(np.isnan(grid) | (grid < 0), 0.0, grid)
                grid[~self.active] = 0.0
            else:
                grid = _fill_short_holes(grid, self.max_gap_s)
                grid[~self.active] = np.nan
            self.channels[name] = grid

    def series(self, name: str) -> np.ndarray | None:
        """A channel on the timer timeline (pauses removed), or None when the file does not have it."""
        grid = self.channels.get(name)
        return None if grid is None else grid[self.active]

    @property
    def timer_s(self) -> int:
        return int(self.active.sum())


def _fill_short_holes(grid: np.ndarray, max_gap_s: int) -> np.ndarray:
    """Linear interpolation across NaN runs of at most `max_gap_s` seconds between two values."""
    valid = np.flatnonzero(~np.isnan(grid))
    if valid.size < 2:
        return grid
    index = np.arange(grid.size)
    previous = np.maximum.accumulate(np.where(~np.isnan(grid), index, -1))
    following = np.minimum.accumulate(np.where(~np.isnan(grid), index, grid.size)[::-1])[::-1]
    fillable = (
        np.isnan(grid) & (previous >= 0) & (following < grid.size) & (following - previous <= max_gap_s + 1)
    )
    filled = grid.copy()
    filled[fillable] = np.interp(index[fillable], valid, grid[valid])
    return filled


# --- the summary ---------------------------------------------------------------------------------------------


def _mean(values: np.ndarray | None, *, positive_only: bool = False) -> float | None:
    if values is None:
        return None
    usable = values[~np.isnan(values)]
    if positive_only:
        usable = usable[usable > 0]
    return float(usable.mean()) if usable.size else None


def _max(values: np.ndarray | None) -> float | None:
    if values is None:
        return None
    usable = values[~np.isnan(values)]
    return float(usable.max()) if usable.size else None


def _clean(value: object) -> object:
    """JSON-safe: numpy scalars to Python, NaN/inf to None, recursively."""
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        number = float(value)
        return number if math.isfinite(number) else None
    return value


def _speed_series(timeline: _Timeline) -> np.ndarray | None:
    speed = timeline.series("speed")
    if speed is not None and not np.isnan(speed).all():
        return speed
    distance = timeline.channels.get("distance")
    if distance is None:
        return None
    derived = np.concatenate(([np.nan], np.diff(distance)))
    return np.where(derived < 0, np.nan, derived)[timeline.active]


def _distance(timeline: _Timeline, speed: np.ndarray | None) -> tuple[float | None, str | None, float | None]:
    gps = None
    if "lat" in timeline.samples and "lon" in timeline.samples:
        gps = haversine_distance_m(timeline.samples["lat"], timeline.samples["lon"])
    device = timeline.samples.get("distance")
    if device is not None and (~np.isnan(device)).sum() >= 1:
        values = np.maximum.accumulate(device[~np.isnan(device)])
        return float(values[-1] - values[0]), "device", gps
    if gps is not None and gps > 0:
        return gps, "gps", gps
    if speed is not None and not np.isnan(speed).all():
        return float(np.nansum(speed)), "speed", gps
    return None, None, gps


def _pool_lengths(lengths: Sequence[Mapping] | None, pool_length_m: float | None) -> dict:
    active = [length for length in lengths or () if length.get("kind", "active") == "active"]
    if not active:
        return {
            "lengths": 0 if lengths is not None else None,
            "strokes": None,
            "swolf": None,
            "swim_time_s": None,
        }
    strokes = [length.get("strokes") for length in active]
    times = [float(length.get("elapsed_s") or 0.0) for length in active]
    known = [(count, time) for count, time in zip(strokes, times) if count is not None]
    return {
        "lengths": len(active),
        "strokes": int(sum(count for count, _ in known)) if known else None,
        "swolf": sum(count + time for count, time in known) / len(known) if known else None,
        "swim_time_s": sum(times),
        "distance_m": None if pool_length_m is None else len(active) * float(pool_length_m),
    }


def _power_curve(timeline: _Timeline) -> list[list[float]] | None:
    grid = timeline.channels.get("power")
    if grid is None or timeline.timer_s == 0:
        return None
    full = timeline.timer_s
    durations = [d for d in POWER_CURVE_DURATIONS_S if d < min(full, grid.size)]
    durations.append(full)
    watts = power.mean_maximal_power(grid, durations)
    return [[int(duration), float(value)] for duration, value in zip(durations, watts)]


def _decoupling(
    output: np.ndarray, heart_rate: np.ndarray | None, warmup_s: float, measure: str
) -> tuple[float | None, float | None]:
    """(decoupling %, EF over the whole activity) from a per-second output (power or GAP speed) and HR.

    `measure` "normalized" uses NP/NGP per half (TrainingPeaks/Friel, default); "mean" uses the mean output
    (GoldenCheetah).
    """
    if heart_rate is None:
        return None, None
    hr_ok = ~np.isnan(heart_rate) & (heart_rate > 0)
    whole_np = power.rolling_fourth_power_mean(output, 30)
    whole_hr = _mean(heart_rate, positive_only=True)
    efficiency = whole_np / whole_hr if whole_np is not None and whole_hr else None
    skip = int(warmup_s) if output.size - warmup_s >= DECOUPLING_MIN_S else 0
    steady_output, steady_ok, steady_hr = output[skip:], hr_ok[skip:], heart_rate[skip:]
    if steady_output.size < DECOUPLING_MIN_S:
        return None, efficiency
    half = steady_output.size // 2
    factors = []
    for part in (slice(0, half), slice(half, 2 * half)):
        if measure == "mean":
            normalized = float(steady_output[part].mean())
        else:
            normalized = power.rolling_fourth_power_mean(steady_output[part], 30)
        hr = steady_hr[part][steady_ok[part]]
        if normalized is None or hr.size == 0:
            return None, efficiency
        factors.append(normalized / hr.mean())
    if factors[0] == 0:
        return None, efficiency
    return (factors[0] - factors[1]) / factors[0] * 100.0, efficiency


def _power_metrics(
    timeline: _Timeline,
    power_series: np.ndarray | None,
    *,
    ftp_w: float | None,
    cp_w: float | None,
    w_prime_j: float | None,
) -> dict:
    """NP, IF, TSS, VI, work, zones and the power curve, on the timer timeline (pauses removed, §3.1)."""
    keys = (
        "np_w",
        "intensity_factor",
        "tss",
        "variability_index",
        "work_kj",
        "time_in_power_zones_s",
        "time_in_power_bands_s",
        "time_above_95_ftp_s",
        "time_above_100_ftp_s",
        "w_prime_balance_min_j",
        "power_curve",
    )
    metrics: dict[str, object] = dict.fromkeys(keys)
    if power_series is None:
        return metrics
    np_w = power.normalized_power(power_series)
    metrics.update(np_w=np_w, work_kj=power.work_kj(power_series), power_curve=_power_curve(timeline))
    if np_w is not None:
        metrics["variability_index"] = power.variability_index(
            np_w=np_w, avg_power_w=float(power_series.mean())
        )
        if ftp_w:
            metrics["intensity_factor"] = power.intensity_factor(np_w=np_w, ftp_w=ftp_w)
            # TSS over the samples NP was computed on (§3.2).
            metrics["tss"] = power.training_stress_score(duration_s=power_series.size, np_w=np_w, ftp_w=ftp_w)
    anchor = cp_w or ftp_w  # §11: CP when the athlete has one, otherwise FTP
    if anchor:
        coggan = power.zone_upper_bounds(power.coggan_power_zones(anchor), key="max_w")
        bands = power.zone_upper_bounds(
            power.eight_band_power_zones(anchor, w_prime_j=w_prime_j), key="max_w"
        )
        metrics.update(
            time_in_power_zones_s=power.time_in_zones(power_series, coggan),
            time_in_power_bands_s=power.time_in_zones(power_series, bands),
            time_above_95_ftp_s=power.time_above(power_series, 0.95 * anchor),
            time_above_100_ftp_s=power.time_above(power_series, anchor),
        )
    if cp_w and w_prime_j:
        balance = w_prime_balance_differential(power_series, cp_w=cp_w, w_prime_j=w_prime_j)
        metrics["w_prime_balance_min_j"] = float(balance.min())
    return metrics


def _activity_load(
    category: str,
    *,
    sport: str,
    tss: float | None,
    distance: float | None,
    moving_s: float | None,
    ngp_speed: float | None,
    ngp_duration_s: int,
    trimp: float | None,
    ftp_w: float | None,
    css_m_per_s: float | None,
    threshold_pace_s_per_km: float | None,
    threshold_hr: float | None,
    resting_hr: float | None,
    max_hr: float | None,
    sex: str,
) -> tuple[float | None, str | None]:
    """(load, method) by the §11 rule: power, swim, pace, heart rate, in that order; (None, None) otherwise."""
    threshold_speed = 1000.0 / threshold_pace_s_per_km if threshold_pace_s_per_km else None
    method = load.load_method(
        sport="swimming" if category == "swim" else ("running" if category == "run" else sport),
        has_power=tss is not None,
        ftp_w=ftp_w,
        has_speed=ngp_speed is not None,
        threshold_speed_m_per_s=threshold_speed,
        has_heart_rate=trimp is not None,
        # hrTSS needs resting and maximum HR besides the threshold.
        threshold_hr=threshold_hr if (resting_hr and max_hr) else None,
        css_m_per_s=css_m_per_s,
        has_distance=bool(distance),
    )
    value = None
    if method == "power":
        value = tss
    elif method == "swim":
        value = swim.swim_training_stress(
            distance_m=distance, moving_time_s=moving_s or 0, threshold_speed_m_per_s=css_m_per_s
        )
    elif method == "pace":
        value = running.running_training_stress(
            duration_s=ngp_duration_s, ngp_speed_m_per_s=ngp_speed, threshold_speed_m_per_s=threshold_speed
        )
    elif method == "heart_rate":
        value = running.heart_rate_training_stress(
            trimp_value=trimp, threshold_hr=threshold_hr, resting_hr=resting_hr, max_hr=max_hr, sex=sex
        )
    return (value, method) if value is not None else (None, None)


def _calories(
    category: str,
    *,
    work: float | None,
    distance: float | None,
    moving_s: float | None,
    weight_kg: float | None,
    css_m_per_s: float | None,
) -> tuple[float | None, str | None]:
    """kcal and the method that gave it (§8): bike from work, run ACSM gross, swim METs by IF."""
    if category == "bike" and work:
        return energy.cycling_kcal(work_kj=work), "work"
    if category == "run" and weight_kg and distance and moving_s:
        return energy.running_kcal_acsm(weight_kg=weight_kg, distance_m=distance, duration_s=moving_s), "acsm"
    if category == "swim" and weight_kg and moving_s:
        intensity = distance / moving_s / css_m_per_s if css_m_per_s and distance else None
        estimate = energy.swimming_kcal(weight_kg=weight_kg, duration_s=moving_s, intensity_factor=intensity)
        return estimate["kcal"], estimate["method"]
    return None, None


def summarize_activity(
    streams: dict[str, np.ndarray],
    *,
    sport: str,
    ftp_w: float | None = None,
    threshold_hr: float | None = None,
    max_hr: float | None = None,
    resting_hr: float | None = None,
    threshold_pace_s_per_km: float | None = None,
    css_m_per_s: float | None = None,
    weight_kg: float | None = None,
    lengths: list[dict] | None = None,
    pool_length_m: float | None = None,
    cp_w: float | None = None,
    w_prime_j: float | None = None,
    sex: str = "male",
    elevation_hysteresis_m: float = ELEVATION_HYSTERESIS_M,
    decoupling_warmup_s: float = DECOUPLING_WARMUP_S,
    decoupling_measure: str = "normalized",
) -> dict:
    """Summary metrics of one activity as a flat JSON-serialisable dict (None where not computable).

    Keys (SI units; times in s):
    * `sport_category`: "bike", "run", "swim" or "other".
    * `elapsed_s`: first to last sample (+1 s for the last sample); `timer_s`: elapsed minus pauses;
      `moving_s`: timer seconds with speed above 1.0 m/s (bike) or 0.5 m/s (others), or power or cadence > 0
      (pool swims: the active lengths' time). Without speed, power and cadence, moving = timer.
    * `distance_m` and `distance_source` ("lengths", "device", "gps", "speed"); `gps_distance_m` (haversine,
      reported beside the device distance).
    * `elevation_gain_m`, `elevation_loss_m`: hysteresis `elevation_hysteresis_m` (3 m default, §9.2).
    * `avg_speed_m_per_s` (distance / moving time), `max_speed_m_per_s`, `avg_pace_s_per_km`,
      `avg_pace_s_per_100m`.
    * `avg_heart_rate`, `max_heart_rate` (samples > 0), `avg_power_w` (zeros included), `max_power_w`,
      `avg_cadence` (zeros excluded), `max_cadence`, `avg_temperature_c`.
    * `np_w` (TrainingPeaks NP), `intensity_factor` and `tss` (need `ftp_w`), `variability_index`, `work_kj`.
    * `ngp_speed_m_per_s`: runs, the NP algorithm on Minetti grade-adjusted speed.
    * `calories_kcal` and `calories_method`: bike from work (GE 0.24); run ACSM gross (needs `weight_kg`);
      swim METs by IF (needs `weight_kg`); else None.
    * `load` and `load_method`: "power" (TSS), "swim" (sTSS, needs `css_m_per_s`), "pace" (rTSS-like, runs,
      needs `threshold_pace_s_per_km`), "heart_rate" (hrTSS, needs `threshold_hr`, `resting_hr`, `max_hr`) or
      None, chosen in that order (§11). `trimp`: Banister TRIMP when resting and max HR are known.
    * `time_in_hr_zones_s`: seconds in Friel's 7 LTHR zones (bike or run table); `time_in_power_zones_s`:
      seconds in Coggan's 7 levels; `time_above_95_ftp_s`, `time_above_100_ftp_s`. Power zones use the §11
      anchor: `cp_w` when given, else `ftp_w`. `time_in_power_bands_s`: the 8-band scheme on the same anchor.
    * `w_prime_balance_min_j`: lowest W'bal (exact differential form) when `cp_w` and `w_prime_j` are given.
    * `power_curve`: [[duration_s, watts], ...] at `POWER_CURVE_DURATIONS_S` up to the timer length, ending
      with the full timer length.
    * `best_efforts`: runs, fastest seconds for 400m, 1km, 1mile, 5km, 10km, half_marathon, marathon (those
      covered).
    * `aerobic_decoupling_percent` (NP or NGP per HR, or mean output with `decoupling_measure="mean"`; halves
      of the steady part after `decoupling_warmup_s`, needs 20 min) and `efficiency_factor` (W/bpm for power, (m/s)/bpm for runs without power).
    * Swims: `lengths` (active lengths), `pool_length_m`, `strokes`, `swolf` (mean strokes + seconds per length).
    * `warnings`: sentences for the coach (GPS and device distance more than 2 % apart, swim IF over 1.3 on a
      long swim, W' balance below zero).
    """
    if decoupling_measure not in ("normalized", "mean"):
        raise InvalidInput(
            "decoupling_measure", f"must be 'normalized' or 'mean', got {decoupling_measure!r}"
        )
    category = sport_category(sport)
    timeline = _Timeline(streams)
    speed = _speed_series(timeline)
    power_series = timeline.series("power")
    heart_rate = timeline.series("heart_rate")
    cadence = timeline.series("cadence")
    result: dict[str, object] = {"sport_category": category}

    result["elapsed_s"] = timeline.elapsed_s if timeline.size else None
    result["timer_s"] = timeline.timer_s if timeline.size else None
    signals = [series for series in (speed, power_series, cadence) if series is not None]
    if signals:
        moving = np.zeros(timeline.timer_s, dtype=bool)
        if speed is not None:
            moving |= np.nan_to_num(speed) > MOVING_SPEED_M_PER_S[category]
        for series in (power_series, cadence):
            if series is not None:
                moving |= np.nan_to_num(series) > 0
        result["moving_s"] = int(moving.sum())
    else:
        result["moving_s"] = result["timer_s"]

    distance, source, gps = _distance(timeline, speed)
    pool = _pool_lengths(lengths, pool_length_m)
    if pool.get("distance_m") is not None:
        distance, source = pool["distance_m"], "lengths"
    if pool.get("swim_time_s"):
        result["moving_s"] = pool["swim_time_s"]
        if result["elapsed_s"] is None:
            result["elapsed_s"] = sum(float(length.get("elapsed_s") or 0.0) for length in lengths or ())
    result.update(distance_m=distance, distance_source=source, gps_distance_m=gps)

    altitude = timeline.samples.get("altitude")
    if altitude is not None and not np.isnan(altitude).all():
        gain, loss = elevation_change(altitude, hysteresis_m=elevation_hysteresis_m)
        result.update(elevation_gain_m=gain, elevation_loss_m=loss)
    else:
        result.update(elevation_gain_m=None, elevation_loss_m=None)

    moving_s = result["moving_s"]
    average_speed = distance / moving_s if distance and moving_s else None
    result.update(
        avg_speed_m_per_s=average_speed,
        max_speed_m_per_s=_max(speed),
        avg_pace_s_per_km=1000.0 / average_speed if average_speed else None,
        avg_pace_s_per_100m=100.0 / average_speed if average_speed else None,
        avg_heart_rate=_mean(heart_rate, positive_only=True),
        max_heart_rate=_max(heart_rate),
        avg_power_w=_mean(power_series),
        max_power_w=_max(power_series),
        avg_cadence=_mean(cadence, positive_only=True),
        max_cadence=_max(cadence),
        avg_temperature_c=_mean(timeline.series("temperature")),
    )

    has_power = power_series is not None and bool(np.any(power_series > 0))
    result.update(
        _power_metrics(
            timeline, power_series if has_power else None, ftp_w=ftp_w, cp_w=cp_w, w_prime_j=w_prime_j
        )
    )

    # Runs: grade-adjusted speed (NGP), best efforts.
    gap_speed = None
    if category == "run" and speed is not None:
        grade = None
        distance_grid = timeline.series("distance")
        altitude_grid = timeline.series("altitude")
        if distance_grid is not None and altitude_grid is not None:
            grade = running.grade_series(distance_grid, altitude_grid)
        clean_speed = np.nan_to_num(speed)
        clean_grade = np.zeros(clean_speed.size) if grade is None else np.nan_to_num(grade)
        gap_speed = running.grade_adjusted_speed(clean_speed, clean_grade)
        result["ngp_speed_m_per_s"] = running.normalized_graded_speed(clean_speed, clean_grade)
    else:
        result["ngp_speed_m_per_s"] = None
    result["best_efforts"] = None
    if category == "run" and "distance" in timeline.samples:
        result["best_efforts"] = running.best_efforts(timeline.samples["distance"], timeline.sample_times)

    # Heart rate: TRIMP and zones.
    has_hr = heart_rate is not None and bool(np.any(np.nan_to_num(heart_rate) > 0))
    result["trimp"] = (
        running.trimp(heart_rate, resting_hr=resting_hr, max_hr=max_hr, sex=sex) if has_hr else None
    )
    result["time_in_hr_zones_s"] = None
    if has_hr and threshold_hr:
        zones = running.friel_hr_zones(threshold_hr, sport="bike" if category == "bike" else "run")
        result["time_in_hr_zones_s"] = power.time_in_zones(
            np.where(heart_rate > 0, heart_rate, np.nan), power.zone_upper_bounds(zones, key="max_bpm")
        )

    # Decoupling and EF: power when there is power, else grade-adjusted speed for runs.
    output = power_series if has_power else gap_speed
    if output is not None and has_hr:
        decoupling, efficiency = _decoupling(output, heart_rate, decoupling_warmup_s, decoupling_measure)
    else:
        decoupling, efficiency = None, None
    result.update(aerobic_decoupling_percent=decoupling, efficiency_factor=efficiency)

    result["load"], result["load_method"] = _activity_load(
        category,
        sport=sport,
        tss=result["tss"],
        distance=distance,
        moving_s=moving_s,
        ngp_speed=result["ngp_speed_m_per_s"],
        ngp_duration_s=0 if speed is None else speed.size,
        trimp=result["trimp"],
        ftp_w=ftp_w,
        css_m_per_s=css_m_per_s,
        threshold_pace_s_per_km=threshold_pace_s_per_km,
        threshold_hr=threshold_hr,
        resting_hr=resting_hr,
        max_hr=max_hr,
        sex=sex,
    )

    kcal, kcal_method = _calories(
        category,
        work=result["work_kj"],
        distance=distance,
        moving_s=moving_s,
        weight_kg=weight_kg,
        css_m_per_s=css_m_per_s,
    )
    result.update(calories_kcal=kcal, calories_method=kcal_method)

    result.update(
        lengths=pool["lengths"],
        pool_length_m=float(pool_length_m) if pool_length_m is not None else None,
        strokes=pool["strokes"],
        swolf=pool["swolf"],
    )
    result["warnings"] = _warnings(result, css_m_per_s=css_m_per_s)
    return _clean(result)


def _warnings(result: Mapping[str, object], *, css_m_per_s: float | None) -> list[str]:
    """What a coach should double-check: disagreeing distances, a stale swim threshold, an impossible W'bal."""
    warnings = []
    device, gps = result["distance_m"], result["gps_distance_m"]
    if (
        result["distance_source"] == "device"
        and device
        and gps
        and abs(gps - device) / device > DISTANCE_MISMATCH
    ):
        warnings.append(
            f"GPS track length {gps:.0f} m and device distance {device:.0f} m differ by more than 2 %"
        )
    moving = result["moving_s"]
    if result["load_method"] == "swim" and moving and moving >= LONG_SWIM_S:
        intensity = result["distance_m"] / moving / css_m_per_s
        if intensity > STALE_CSS_IF:
            warnings.append(f"swim IF {intensity:.2f} over a long swim: the CSS is probably out of date")
    if result["w_prime_balance_min_j"] is not None and result["w_prime_balance_min_j"] < 0:
        warnings.append("W' balance went below zero: CP or W' is set too low")
    return warnings
