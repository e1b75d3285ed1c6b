"""Running: Riegel, VDOT and Daniels paces, threshold pace, Minetti GAP, rTSS, TRIMP/hrTSS, Friel LTHR zones and
best efforts over standard distances (science.md §4).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from trainingmath.errors import InvalidInput, require_between, require_non_negative, require_positive
from trainingmath.power import NP_WINDOW_S, rolling_fourth_power_mean

RIEGEL_EXPONENT = 1.06
# Riegel's groups span about 1.04-1.10; anything at or below 1 would make longer races faster per km.
RIEGEL_EXPONENT_RANGE = (1.01, 1.15)
RIEGEL_WARN_RATIO = 10.0
HALF_MARATHON_M = 21_097.5
MARATHON_M = 42_195.0

# Daniels training paces as fractions of vVO2max (GoldenCheetah VDOTCalculator.cpp; science.md §4.2 default).
DANIELS_PACE_FRACTIONS = {
    "easy": 0.72,
    "marathon": 0.85,
    "threshold": 0.90,
    "interval": 0.98,
    "repetition": 1.05,
}
VDOT_VALID_MINUTES = (3.5, 240.0)

# Minetti et al. 2002 cost of running on gradient i (J/kg/m), valid for |i| <= 0.45.
MINETTI_COEFFICIENTS = (155.4, -30.4, -43.3, 46.3, 19.5, 3.6)
MINETTI_GRADE_LIMIT = 0.45

# Banister TRIMP weighting: (a, b) in a·x·e^(b·x).
TRIMP_COEFFICIENTS = {"male": (0.64, 1.92), "female": (0.86, 1.67)}
TRIMP_FEMALE_GOLDENCHEETAH = (0.64, 1.67)

# Friel LTHR zones: zone, lower bound as a fraction of LTHR (half-open (low, high] like the power zones).
FRIEL_ZONES = {
    "run": (
        ("Z1", 0.0),
        ("Z2", 0.85),
        ("Z3", 0.90),
        ("Z4", 0.95),
        ("Z5a", 1.00),
        ("Z5b", 1.03),
        ("Z5c", 1.06),
    ),
    "bike": (
        ("Z1", 0.0),
        ("Z2", 0.81),
        ("Z3", 0.90),
        ("Z4", 0.94),
        ("Z5a", 1.00),
        ("Z5b", 1.03),
        ("Z5c", 1.06),
    ),
}

BEST_EFFORT_DISTANCES_M = {
    "400m": 400.0,
    "1km": 1000.0,
    "1mile": 1609.344,
    "5km": 5000.0,
    "10km": 10_000.0,
    "half_marathon": HALF_MARATHON_M,
    "marathon": MARATHON_M,
}


# --- race prediction -----------------------------------------------------------------------------------------


def riegel_time(
    *, distance_m: float, time_s: float, target_distance_m: float, exponent: float = RIEGEL_EXPONENT
) -> float:
    """T2 = T1 · (D2/D1)^b (Riegel 1981)."""
    distance = require_positive(distance_m, "distance_m")
    time = require_positive(time_s, "time_s")
    target = require_positive(target_distance_m, "target_distance_m")
    b = require_between(exponent, "exponent", *RIEGEL_EXPONENT_RANGE)
    return time * (target / distance) ** b


def oxygen_cost(speed_m_per_min: float) -> float:
    """Daniels-Gilbert VO2 cost of running at v m/min, ml/kg/min."""
    return -4.60 + 0.182258 * speed_m_per_min + 0.000104 * speed_m_per_min**2


def fraction_of_vo2max(duration_min: float) -> float:
    """Daniels-Gilbert fraction of VO2max sustainable for t minutes."""
    return (
        0.8 + 0.1894393 * math.exp(-0.012778 * duration_min) + 0.2989558 * math.exp(-0.1932605 * duration_min)
    )


def vdot(*, distance_m: float, time_s: float) -> float:
    """VDOT = VO2(d/t) / %max(t), with v in m/min and t in min (§4.2)."""
    distance = require_positive(distance_m, "distance_m")
    minutes = require_positive(time_s, "time_s") / 60.0
    return oxygen_cost(distance / minutes) / fraction_of_vo2max(minutes)


def vvo2max_m_per_s(vdot_value: float) -> float:
    """Velocity at VO2max for a VDOT, m/s (Daniels' approximate inverse, in m/min, converted)."""
    value = require_positive(vdot_value, "vdot")
    return (29.54 + 5.000663 * value - 0.007546 * value**2) / 60.0


def vdot_race_time(*, vdot_value: float, distance_m: float) -> float:
    """The time in s at which a race of `distance_m` scores `vdot_value` (bisection; VDOT falls as time grows)."""
    target = require_positive(vdot_value, "vdot")
    distance = require_positive(distance_m, "distance_m")
    low, high = 1.0, 86_400.0
    if vdot(distance_m=distance, time_s=high) > target or vdot(distance_m=distance, time_s=low) < target:
        raise InvalidInput("vdot", f"no race time over {distance:g} m gives VDOT {target:g}")
    for _ in range(200):
        middle = (low + high) / 2
        if vdot(distance_m=distance, time_s=middle) > target:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def speed_at_oxygen_cost(vo2_ml_per_kg_min: float) -> float:
    """Inverse of the Daniels-Gilbert oxygen cost: the speed (m/s) that costs this VO2 (positive root)."""
    vo2 = require_positive(vo2_ml_per_kg_min, "vo2_ml_per_kg_min")
    a, b, c = 0.000104, 0.182258, -4.60 - vo2
    return (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a) / 60.0


def training_paces(vdot_value: float, *, threshold_method: str = "vvo2max") -> dict[str, float]:
    """Daniels paces in s/km: easy, marathon, threshold, interval, repetition (fractions of vVO2max).

    `threshold_method="vo2"` takes T pace as the speed costing 88 % of VDOT instead of 0.90 × vVO2max
    (Daniels' book wording; within about a second per km of the default).
    """
    velocity = vvo2max_m_per_s(vdot_value)
    paces = {name: 1000.0 / (fraction * velocity) for name, fraction in DANIELS_PACE_FRACTIONS.items()}
    if threshold_method == "vo2":
        paces["threshold"] = 1000.0 / speed_at_oxygen_cost(0.88 * vdot_value)
    elif threshold_method != "vvo2max":
        raise InvalidInput("threshold_method", f"must be 'vvo2max' or 'vo2', got {threshold_method!r}")
    return paces


def run_prediction(*, distance_m: float, time_s: float, target_distance_m: float) -> dict:
    """The `run_prediction` calculator: Riegel time, VDOT and the VDOT-equivalent time, plus warnings."""
    riegel = riegel_time(distance_m=distance_m, time_s=time_s, target_distance_m=target_distance_m)
    score = vdot(distance_m=distance_m, time_s=time_s)
    warnings = []
    ratio = max(target_distance_m / distance_m, distance_m / target_distance_m)
    if ratio > RIEGEL_WARN_RATIO:
        warnings.append(
            f"the distances differ {ratio:.0f}-fold; predictions over more than 10x are optimistic"
        )
    low, high = VDOT_VALID_MINUTES
    if not low <= time_s / 60 <= high:
        warnings.append(f"VDOT is valid for races of {low:g}-{high:g} min")
    return {
        "riegel_time_s": riegel,
        "vdot": score,
        "vdot_time_s": vdot_race_time(vdot_value=score, distance_m=target_distance_m),
        "warnings": warnings,
    }


# --- threshold pace ------------------------------------------------------------------------------------------


def threshold_speed_from_30min_test(distance_m: float) -> float:
    """Friel's 30-min solo time trial: threshold speed = distance / 1800 s (m/s)."""
    return require_positive(distance_m, "distance_m") / 1800.0


def threshold_hr_from_30min_test(
    heart_rate: Sequence[float] | np.ndarray, *, sample_interval_s: float = 1.0
) -> float:
    """LTHR = mean HR of the last 20 min of a 30-min solo time trial (Friel)."""
    samples = np.asarray(heart_rate, dtype=float)
    last = samples[-round(1200 / require_positive(sample_interval_s, "sample_interval_s")) :]
    last = last[~np.isnan(last) & (last > 0)]
    if last.size == 0:
        raise InvalidInput("heart_rate", "has no heart-rate samples in the last 20 minutes")
    return float(last.mean())


def threshold_speed_from_race(
    *, distance_m: float, time_s: float, exponent: float = RIEGEL_EXPONENT
) -> float:
    """The speed (m/s) held for 60 min according to Riegel from a recent race (§4.3)."""
    distance = require_positive(distance_m, "distance_m")
    time = require_positive(time_s, "time_s")
    b = require_between(exponent, "exponent", *RIEGEL_EXPONENT_RANGE)
    hour_distance = distance * (3600.0 / time) ** (1.0 / b)
    return hour_distance / 3600.0


def threshold_speed_from_vdot(vdot_value: float) -> float:
    """Daniels T pace as a speed: 0.90 × vVO2max (m/s)."""
    return DANIELS_PACE_FRACTIONS["threshold"] * vvo2max_m_per_s(vdot_value)


# --- grade-adjusted pace -------------------------------------------------------------------------------------


def minetti_cost(grade: float | np.ndarray) -> float | np.ndarray:
    """Net energy cost of running, J/kg/m, at grade i (fraction), clamped to ±0.45 (Minetti et al. 2002)."""
    clamped = np.clip(grade, -MINETTI_GRADE_LIMIT, MINETTI_GRADE_LIMIT)
    cost = np.polyval(MINETTI_COEFFICIENTS, clamped)
    return float(cost) if np.ndim(cost) == 0 else cost


def grade_adjusted_speed(speed_m_per_s: float | np.ndarray, grade: float | np.ndarray) -> float | np.ndarray:
    """Flat-equivalent speed v · C(i)/C(0)."""
    return speed_m_per_s * minetti_cost(grade) / MINETTI_COEFFICIENTS[-1]


def grade_adjusted_pace(pace_s: float, grade: float) -> float:
    """Flat-equivalent pace: pace · C(0)/C(i) (same pace unit in and out)."""
    return require_positive(pace_s, "pace_s") * MINETTI_COEFFICIENTS[-1] / minetti_cost(grade)


def grade_series(distance_m: np.ndarray, altitude_m: np.ndarray, *, window_m: float = 30.0) -> np.ndarray:
    """Per-sample grade from altitude over a ±window/2 distance window (raw 1 Hz GPS grades are absurd).

    NaN where altitude or distance is missing or the window covers no distance; clamped to ±0.45.
    """
    distance = np.asarray(distance_m, dtype=float)
    altitude = np.asarray(altitude_m, dtype=float)
    grade = np.full(distance.size, np.nan)
    valid = ~np.isnan(distance) & ~np.isnan(altitude)
    if valid.sum() < 2:
        return grade
    d, a = np.maximum.accumulate(distance[valid]), altitude[valid]
    half = window_m / 2.0
    behind = np.interp(d - half, d, a)
    ahead = np.interp(d + half, d, a)
    span = np.minimum(d + half, d[-1]) - np.maximum(d - half, d[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        local = np.where(span > 0, (ahead - behind) / span, np.nan)
    grade[valid] = np.clip(local, -MINETTI_GRADE_LIMIT, MINETTI_GRADE_LIMIT)
    return grade


def normalized_graded_speed(
    speed_m_per_s: Sequence[float] | np.ndarray,
    grade: Sequence[float] | np.ndarray | None = None,
    *,
    sample_interval_s: float = 1.0,
) -> float | None:
    """NGP-like speed: GAP speed, 30-s rolling mean, 4th-power mean, 4th root (§4.5); NaN speed counts as 0.

    Missing grade (None or NaN) is taken as flat. None when shorter than one 30-s window.
    """
    speed = np.nan_to_num(np.asarray(speed_m_per_s, dtype=float), nan=0.0)
    if (speed < 0).any():
        raise InvalidInput("speed_m_per_s", "contains negative speeds")
    slope = np.zeros(speed.size) if grade is None else np.nan_to_num(np.asarray(grade, dtype=float), nan=0.0)
    if slope.size != speed.size:
        raise InvalidInput("grade", "needs one grade per speed sample")
    window = max(1, round(NP_WINDOW_S / require_positive(sample_interval_s, "sample_interval_s")))
    return rolling_fourth_power_mean(grade_adjusted_speed(speed, slope), window)


def running_training_stress(
    *, duration_s: float, ngp_speed_m_per_s: float, threshold_speed_m_per_s: float
) -> float:
    """rTSS-like score: hours × (NGP speed / threshold speed)² × 100."""
    duration = require_non_negative(duration_s, "duration_s")
    intensity = require_non_negative(ngp_speed_m_per_s, "ngp_speed_m_per_s") / require_positive(
        threshold_speed_m_per_s, "threshold_speed_m_per_s"
    )
    return duration / 3600.0 * intensity**2 * 100.0


# --- heart rate ----------------------------------------------------------------------------------------------


def _trimp_coefficients(sex: str, female_variant: str) -> tuple[float, float]:
    if sex not in TRIMP_COEFFICIENTS:
        raise InvalidInput("sex", f"must be 'male' or 'female', got {sex!r}")
    if female_variant not in ("paper", "goldencheetah"):
        raise InvalidInput("female_variant", "must be 'paper' or 'goldencheetah'")
    if sex == "female" and female_variant == "goldencheetah":
        return TRIMP_FEMALE_GOLDENCHEETAH
    return TRIMP_COEFFICIENTS[sex]


def _check_hr_range(resting_hr: float, max_hr: float) -> tuple[float, float]:
    rest = require_positive(resting_hr, "resting_hr")
    top = require_positive(max_hr, "max_hr")
    if top <= rest:
        raise InvalidInput("max_hr", f"maximum HR must be above resting HR ({top:g} <= {rest:g})")
    return rest, top


def trimp(
    heart_rate: Sequence[float] | np.ndarray,
    *,
    resting_hr: float | None,
    max_hr: float | None,
    sex: str = "male",
    sample_interval_s: float = 1.0,
    female_variant: str = "paper",
) -> float | None:
    """Banister TRIMP summed per sample: Σ (Δt/60)·x·a·e^(b·x), x = HR reserve fraction clamped to [0, 1].

    HR below resting contributes 0; NaN samples contribute nothing. None without resting or maximum HR.
    """
    if resting_hr is None or max_hr is None:
        return None
    rest, top = _check_hr_range(resting_hr, max_hr)
    a, b = _trimp_coefficients(sex, female_variant)
    interval = require_positive(sample_interval_s, "sample_interval_s")
    samples = np.asarray(heart_rate, dtype=float)
    samples = samples[~np.isnan(samples)]
    reserve = np.clip((samples - rest) / (top - rest), 0.0, 1.0)
    return float(np.sum(interval / 60.0 * reserve * a * np.exp(b * reserve)))


def trimp_from_average(
    *,
    duration_s: float,
    avg_hr: float,
    resting_hr: float,
    max_hr: float,
    sex: str = "male",
    female_variant: str = "paper",
) -> float:
    """Banister TRIMP from the session mean HR: t_min · x · a · e^(b·x)."""
    duration = require_non_negative(duration_s, "duration_s")
    average = require_positive(avg_hr, "avg_hr")
    rest, top = _check_hr_range(resting_hr, max_hr)
    a, b = _trimp_coefficients(sex, female_variant)
    reserve = min(max((average - rest) / (top - rest), 0.0), 1.0)
    return duration / 60.0 * reserve * a * math.exp(b * reserve)


def heart_rate_training_stress(
    *,
    trimp_value: float,
    threshold_hr: float,
    resting_hr: float,
    max_hr: float,
    sex: str = "male",
    female_variant: str = "paper",
) -> float:
    """hrTSS = 100 · TRIMP / TRIMP(60 min at LTHR) (GoldenCheetah's TRIMP(100) normalisation)."""
    value = require_non_negative(trimp_value, "trimp_value")
    threshold = require_positive(threshold_hr, "threshold_hr")
    hour_at_threshold = trimp_from_average(
        duration_s=3600,
        avg_hr=threshold,
        resting_hr=resting_hr,
        max_hr=max_hr,
        sex=sex,
        female_variant=female_variant,
    )
    if hour_at_threshold <= 0:
        raise InvalidInput("threshold_hr", "must be above resting HR")
    return 100.0 * value / hour_at_threshold


def friel_hr_zones(threshold_hr: float, *, sport: str = "run") -> list[dict]:
    """Friel's LTHR zones in bpm: each zone's `min_bpm` (exclusive, except 0 for Z1) and `max_bpm` (inclusive;
    None for Z5c). For display round to integers and show a zone's top as the next zone's bottom minus 1.
    """
    lthr = require_positive(threshold_hr, "threshold_hr")
    if sport not in FRIEL_ZONES:
        raise InvalidInput("sport", f"must be one of {', '.join(FRIEL_ZONES)}, got {sport!r}")
    levels = FRIEL_ZONES[sport]
    zones = []
    for index, (zone, fraction) in enumerate(levels):
        upper = levels[index + 1][1] * lthr if index + 1 < len(levels) else None
        zones.append({"zone": zone, "min_bpm": fraction * lthr, "max_bpm": upper})
    return zones


# --- best efforts --------------------------------------------------------------------------------------------


def best_efforts(
    distance_m: Sequence[float] | np.ndarray,
    timestamp_s: Sequence[float] | np.ndarray,
    *,
    targets_m: dict[str, float] | None = None,
) -> dict[str, float]:
    """Fastest time (s) to cover each target distance anywhere in the activity; only distances covered.

    Times are wall-clock between samples, so a pause inside a window counts against it (as on a race clock).

    Uses the cumulative distance stream, interpolating the moment each target distance is reached, so a
    window is timed exactly rather than to the next sample. Samples with NaN distance or time are skipped.
    """
    distance = np.asarray(distance_m, dtype=float)
    times = np.asarray(timestamp_s, dtype=float)
    if distance.shape != times.shape:
        raise InvalidInput("distance_m", "needs one timestamp per distance sample")
    valid = ~np.isnan(distance) & ~np.isnan(times)
    distance, times = np.maximum.accumulate(distance[valid]) if valid.any() else distance[valid], times[valid]
    results: dict[str, float] = {}
    if distance.size < 2:
        return results
    for name, target in (targets_m or BEST_EFFORT_DISTANCES_M).items():
        if distance[-1] - distance[0] < target:
            continue
        goal = distance + target
        usable = goal <= distance[-1]
        end = np.searchsorted(distance, goal[usable], side="left")
        previous = np.maximum(end - 1, 0)
        span = distance[end] - distance[previous]
        with np.errstate(divide="ignore", invalid="ignore"):
            fraction = np.where(span > 0, (goal[usable] - distance[previous]) / span, 1.0)
        arrival = times[previous] + fraction * (times[end] - times[previous])
        results[name] = float(np.min(arrival - times[usable]))
    return results
