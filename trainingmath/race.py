"""Triathlon race planning: presets, leg splits, finish time and cut-offs (science.md §7).

The race targets (bike IF, run factor, swim offset, transition times) are coaching conventions, not
physiology; every one can be overridden.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from trainingmath.aero import GRADE_RANGE, speed_from_power
from trainingmath.errors import InvalidInput, require_between, require_non_negative, require_positive
from trainingmath.running import MINETTI_COEFFICIENTS, minetti_cost


@dataclass(frozen=True)
class RacePreset:
    swim_m: float
    bike_m: float
    run_m: float
    swim_offset_s_per_100m: float  # race pace = CSS pace + offset
    bike_if: float  # target NP / FTP
    run_factor: float  # run speed as a fraction of threshold speed
    t1_s: float
    t2_s: float
    bike_tss_cap: float | None  # upper end of the guide range, where one is published


RACE_PRESETS = {
    "sprint": RacePreset(750, 20_000, 5000, 2, 0.93, 0.97, 120, 60, None),
    "olympic": RacePreset(1500, 40_000, 10_000, 3, 0.88, 0.95, 120, 60, None),
    "70.3": RacePreset(1900, 90_000, 21_097.5, 5, 0.78, 0.88, 240, 120, 200),
    "full": RacePreset(3800, 180_000, 42_195, 8, 0.70, 0.80, 360, 240, 300),
}
CUTOFF_POINTS = ("swim", "bike", "finish")


def race_preset(name: str) -> dict:
    """A preset's distances and default targets as a dict."""
    if name not in RACE_PRESETS:
        raise InvalidInput("preset", f"must be one of {', '.join(RACE_PRESETS)}, got {name!r}")
    return asdict(RACE_PRESETS[name])


def swim_split(*, distance_m: float, css_pace_s_per_100m: float, offset_s_per_100m: float = 0.0) -> dict:
    """Swim race pace = CSS pace + offset (s/100 m); time = distance/100 × pace."""
    distance = require_non_negative(distance_m, "distance_m")
    pace = require_positive(css_pace_s_per_100m, "css_pace_s_per_100m") + offset_s_per_100m
    if pace <= 0:
        raise InvalidInput("swim_offset_s_per_100m", "makes the race pace zero or negative")
    return {"swim_pace_s_per_100m": pace, "swim_s": distance / 100.0 * pace}


def _course_segments(
    distance: float, elevation_gain: float, segments: Sequence[Mapping] | None
) -> list[tuple]:
    """(distance, grade) pairs: the given profile, or half the course up and half down when only the total
    elevation gain is known (an out-and-back with one climb, which ends where it started).
    """
    if segments:
        pairs = []
        for segment in segments:
            length = require_positive(segment.get("distance_m"), "segments")
            grade = require_between(segment.get("grade", 0.0), "segments", *GRADE_RANGE, what="grade")
            pairs.append((length, grade))
        return pairs
    if elevation_gain == 0:
        return [(distance, 0.0)]
    grade = elevation_gain / (distance / 2)
    if grade > GRADE_RANGE[1]:
        raise InvalidInput(
            "elevation_gain_m",
            f"climbing {elevation_gain:g} m in half of {distance:g} m is steeper than 30 %",
        )
    return [(distance / 2, grade), (distance / 2, -grade)]


def bike_plan(
    *,
    distance_m: float,
    ftp_w: float | None,
    total_mass_kg: float,
    cda_m2: float,
    crr: float,
    rho_kg_per_m3: float = 1.225,
    elevation_gain_m: float = 0.0,
    target_if: float | None = None,
    power_w: float | None = None,
    segments: Sequence[Mapping] | None = None,
    tss_cap: float | None = None,
) -> dict:
    """Bike split at constant power P = IF × FTP (or `power_w`), solving the Martin model per segment (§7.1).

    Constant power makes NP = P. Returns `bike_time_s`, `power_w`, `np_w`, `intensity_factor`, `tss`
    (None without FTP), `work_kj`, `avg_speed_m_per_s` and `warnings` (over the TSS guide cap).
    """
    distance = require_positive(distance_m, "distance_m")
    gain = require_non_negative(elevation_gain_m, "elevation_gain_m")
    ftp = None if ftp_w is None else require_positive(ftp_w, "ftp_w")
    if power_w is not None:
        power = require_positive(power_w, "power_w")
    elif target_if is not None:
        if ftp is None:
            raise InvalidInput("ftp_w", "is needed to turn a target IF into watts")
        power = require_between(target_if, "target_if", 0.3, 1.5) * ftp
    else:
        raise InvalidInput("target_if", "give a target IF (with FTP) or a target power")
    course = _course_segments(distance, gain, segments)
    time = 0.0
    for length, grade in course:
        speed = speed_from_power(
            power_w=power,
            total_mass_kg=total_mass_kg,
            cda_m2=cda_m2,
            crr=crr,
            grade=grade,
            rho_kg_per_m3=rho_kg_per_m3,
        )
        time += length / speed
    course_distance = sum(length for length, _ in course)
    intensity = None if ftp is None else power / ftp
    tss = None if intensity is None else time / 3600.0 * intensity**2 * 100.0
    warnings = []
    if tss is not None and tss_cap is not None and tss > tss_cap:
        warnings.append(
            f"bike TSS {tss:.0f} is above the ~{tss_cap:g} guide for this race; the run will suffer"
        )
    return {
        "bike_time_s": time,
        "power_w": power,
        "np_w": power,
        "intensity_factor": intensity,
        "tss": tss,
        "work_kj": power * time / 1000.0,
        "avg_speed_m_per_s": course_distance / time,
        "warnings": warnings,
    }


def run_split(
    *,
    distance_m: float,
    threshold_pace_s_per_km: float,
    run_factor: float = 1.0,
    segments: Sequence[Mapping] | None = None,
) -> dict:
    """Run time at threshold speed × factor, slowed or sped up per segment grade by Minetti's cost ratio."""
    distance = require_non_negative(distance_m, "distance_m")
    flat_speed = 1000.0 / require_positive(threshold_pace_s_per_km, "threshold_pace_s_per_km")
    flat_speed *= require_between(run_factor, "run_factor", 0.5, 1.1)
    course = _course_segments(distance, 0.0, segments) if distance else []
    time = sum(
        length / (flat_speed * MINETTI_COEFFICIENTS[-1] / minetti_cost(grade)) for length, grade in course
    )
    return {"run_pace_s_per_km": 1000.0 / flat_speed, "run_s": time}


def _cutoff_report(cutoffs_s: Mapping[str, float] | None, elapsed: Mapping[str, float]) -> list[dict]:
    report = []
    for point, limit in (cutoffs_s or {}).items():
        if point not in CUTOFF_POINTS:
            raise InvalidInput(
                "cutoffs_s", f"unknown cut-off point {point!r}; use {', '.join(CUTOFF_POINTS)}"
            )
        limit = require_positive(limit, "cutoffs_s")
        predicted = elapsed[point]
        report.append(
            {
                "point": point,
                "cutoff_s": limit,
                "predicted_s": predicted,
                "margin_s": limit - predicted,
                "status": "safe" if predicted <= limit else "exceeded",
            }
        )
    return report


def finish_time(
    *,
    preset: str | None = None,
    swim_m: float | None = None,
    bike_m: float | None = None,
    run_m: float | None = None,
    swim_pace_s_per_100m: float | None = None,
    bike_speed_m_per_s: float | None = None,
    bike_time_s: float | None = None,
    run_pace_s_per_km: float | None = None,
    run_time_s: float | None = None,
    t1_s: float | None = None,
    t2_s: float | None = None,
    cutoffs_s: Mapping[str, float] | None = None,
) -> dict:
    """The `finish_time` calculator: each leg's time, the total and the cut-off check.

    Distances and transition times default to the preset's (transitions to 0 without a preset). A leg of
    distance 0 is skipped (duathlon, aquabike). Cut-offs are elapsed times from the start, at the end of the
    swim, the end of the bike and the finish, each reported `safe` or `exceeded` with its margin.
    """
    defaults = race_preset(preset) if preset is not None else {}
    swim = require_non_negative(swim_m if swim_m is not None else defaults.get("swim_m", 0.0), "swim_m")
    bike = require_non_negative(bike_m if bike_m is not None else defaults.get("bike_m", 0.0), "bike_m")
    run = require_non_negative(run_m if run_m is not None else defaults.get("run_m", 0.0), "run_m")
    if swim == bike == run == 0:
        raise InvalidInput("preset", "the race has no legs: give a preset or at least one leg distance")
    transition_1 = require_non_negative(t1_s if t1_s is not None else defaults.get("t1_s", 0.0), "t1_s")
    transition_2 = require_non_negative(t2_s if t2_s is not None else defaults.get("t2_s", 0.0), "t2_s")
    swim_time = 0.0
    if swim:
        swim_time = swim / 100.0 * require_positive(swim_pace_s_per_100m, "swim_pace_s_per_100m")
    bike_time = 0.0
    if bike:
        if bike_time_s is not None:
            bike_time = require_positive(bike_time_s, "bike_time_s")
        else:
            bike_time = bike / require_positive(bike_speed_m_per_s, "bike_speed_m_per_s")
    run_time = 0.0
    if run:
        if run_time_s is not None:
            run_time = require_positive(run_time_s, "run_time_s")
        else:
            run_time = run / 1000.0 * require_positive(run_pace_s_per_km, "run_pace_s_per_km")
    total = swim_time + transition_1 + bike_time + transition_2 + run_time
    elapsed = {"swim": swim_time, "bike": swim_time + transition_1 + bike_time, "finish": total}
    return {
        "swim_s": swim_time,
        "t1_s": transition_1,
        "bike_s": bike_time,
        "t2_s": transition_2,
        "run_s": run_time,
        "total_s": total,
        "cutoffs": _cutoff_report(cutoffs_s, elapsed),
    }


def race_plan(
    *,
    preset: str,
    css_pace_s_per_100m: float,
    ftp_w: float,
    threshold_pace_s_per_km: float,
    total_mass_kg: float,
    cda_m2: float,
    crr: float,
    rho_kg_per_m3: float = 1.225,
    bike_elevation_gain_m: float = 0.0,
    bike_segments: Sequence[Mapping] | None = None,
    run_segments: Sequence[Mapping] | None = None,
    target_if: float | None = None,
    run_factor: float | None = None,
    swim_offset_s_per_100m: float | None = None,
    t1_s: float | None = None,
    t2_s: float | None = None,
    cutoffs_s: Mapping[str, float] | None = None,
) -> dict:
    """A whole triathlon plan from the athlete's thresholds and a preset, with any target overridden (§7.1).

    Returns the `finish_time` keys plus `swim` (pace), `bike` (see `bike_plan`), `run` (pace) and `warnings`.
    """
    targets = race_preset(preset)
    swim = swim_split(
        distance_m=targets["swim_m"],
        css_pace_s_per_100m=css_pace_s_per_100m,
        offset_s_per_100m=targets["swim_offset_s_per_100m"]
        if swim_offset_s_per_100m is None
        else swim_offset_s_per_100m,
    )
    bike = bike_plan(
        distance_m=targets["bike_m"],
        ftp_w=ftp_w,
        total_mass_kg=total_mass_kg,
        cda_m2=cda_m2,
        crr=crr,
        rho_kg_per_m3=rho_kg_per_m3,
        elevation_gain_m=bike_elevation_gain_m,
        segments=bike_segments,
        target_if=targets["bike_if"] if target_if is None else target_if,
        tss_cap=targets["bike_tss_cap"],
    )
    run = run_split(
        distance_m=targets["run_m"],
        threshold_pace_s_per_km=threshold_pace_s_per_km,
        run_factor=targets["run_factor"] if run_factor is None else run_factor,
        segments=run_segments,
    )
    times = finish_time(
        preset=preset,
        swim_pace_s_per_100m=swim["swim_pace_s_per_100m"],
        bike_time_s=bike["bike_time_s"],
        run_time_s=run["run_s"],
        t1_s=t1_s,
        t2_s=t2_s,
        cutoffs_s=cutoffs_s,
    )
    return {
        **times,
        "swim": swim,
        "bike": {key: value for key, value in bike.items() if key != "warnings"},
        "run": run,
        "warnings": bike["warnings"],
    }
