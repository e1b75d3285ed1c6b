"""Swimming: critical swim speed (CSS), speed drop-off index (SDI), CSS zones and swim TSS (science.md §1, §11)."""

from __future__ import annotations

import numpy as np

from trainingmath.errors import InvalidInput, require_non_negative, require_positive

# GoldenCheetah's swim pace-zone defaults (science.md §1.2): zone, name, upper bound as a fraction of CSS speed.
SWIM_ZONES = (
    ("Z1", "Active recovery", 0.93),
    ("Z2", "Endurance", 0.97),
    ("Z3", "Tempo", 0.99),
    ("Z4", "Threshold", 1.02),
    ("Z5", "VO2max", 1.09),
    ("Z6", "Anaerobic", None),
)

# A 400 m is normally swum at about 106 % of the 200 m pace; outside this band the test is suspicious (§1.1).
PLAUSIBLE_PACE_RATIO = (1.02, 1.15)


def _check_two_trials(
    d1_m: float, t1_s: float, d2_m: float, t2_s: float
) -> tuple[float, float, float, float]:
    d1 = require_positive(d1_m, "d1_m")
    t1 = require_positive(t1_s, "t1_s")
    d2 = require_positive(d2_m, "d2_m")
    t2 = require_positive(t2_s, "t2_s")
    if d2 <= d1:
        raise InvalidInput(
            "d2_m", f"the second distance must be longer than the first ({d2:g} m <= {d1:g} m)"
        )
    if t2 <= t1:
        raise InvalidInput(
            "t2_s", f"the longer trial must take longer than the shorter one ({t2:g} s <= {t1:g} s)"
        )
    # Equal paces are allowed (SDI 0); the tolerance keeps float rounding of equal paces from being refused.
    if t2 * d1 < t1 * d2 * (1 - 1e-12):
        raise InvalidInput(
            "t2_s",
            "the longer trial was swum at a faster pace than the shorter one; both must be maximal efforts",
        )
    return d1, t1, d2, t2


def critical_swim_speed(*, d1_m: float, t1_s: float, d2_m: float, t2_s: float) -> float:
    """CSS in m/s: the slope of distance over time through two maximal trials, (d2 - d1) / (t2 - t1)."""
    d1, t1, d2, t2 = _check_two_trials(d1_m, t1_s, d2_m, t2_s)
    return (d2 - d1) / (t2 - t1)


def critical_swim_speed_fit(*, distances_m: list[float], times_s: list[float]) -> float:
    """CSS in m/s from n >= 2 maximal trials: least-squares slope of distance on time (§1.1)."""
    if len(distances_m) != len(times_s):
        raise InvalidInput("times_s", "needs one time per distance")
    distances = np.array([require_positive(d, "distances_m") for d in distances_m])
    times = np.array([require_positive(t, "times_s") for t in times_s])
    if np.unique(times).size < 2:
        raise InvalidInput("times_s", "needs at least two trials of different duration")
    slope = np.polyfit(times, distances, 1)[0]
    if slope <= 0:
        raise InvalidInput(
            "times_s", "longer trials must cover more distance; the fitted speed is not positive"
        )
    return float(slope)


def speed_drop_off_index(*, d1_m: float, t1_s: float, d2_m: float, t2_s: float) -> float:
    """SDI in %: how much slower the longer trial's pace is than the shorter one's (§11)."""
    d1, t1, d2, t2 = _check_two_trials(d1_m, t1_s, d2_m, t2_s)
    pace_short = t1 / d1
    pace_long = t2 / d2
    return (pace_long - pace_short) / pace_short * 100.0


def swim_zones(css_m_per_s: float) -> list[dict]:
    """The six CSS zones, each with its speed band and the matching pace band per 100 m.

    `min_speed_m_per_s`/`slow_pace_s_per_100m` is None for the open bottom of Z1 and
    `max_speed_m_per_s`/`fast_pace_s_per_100m` is None for the open top of Z6.
    """
    css = require_positive(css_m_per_s, "css_m_per_s")
    zones = []
    lower = None
    for zone, name, upper_fraction in SWIM_ZONES:
        upper = None if upper_fraction is None else css * upper_fraction
        zones.append(
            {
                "zone": zone,
                "name": name,
                "min_speed_m_per_s": lower,
                "max_speed_m_per_s": upper,
                "slow_pace_s_per_100m": None if lower is None else 100.0 / lower,
                "fast_pace_s_per_100m": None if upper is None else 100.0 / upper,
            }
        )
        lower = upper
    return zones


def swim_zones_from_offsets(
    css_pace_s_per_100m: float, offsets_s: list[tuple[str, float, float]]
) -> list[dict]:
    """User-defined zones as offsets in s/100 m from CSS pace: (name, slow_offset, fast_offset) each (§1.2)."""
    css_pace = require_positive(css_pace_s_per_100m, "css_pace_s_per_100m")
    zones = []
    for name, slow, fast in offsets_s:
        if fast > slow:
            raise InvalidInput(
                "offsets_s", f"zone {name!r}: the fast offset must not be slower than the slow one"
            )
        slow_pace, fast_pace = css_pace + slow, css_pace + fast
        if fast_pace <= 0:
            raise InvalidInput("offsets_s", f"zone {name!r}: the offset makes the pace zero or negative")
        zones.append({"name": name, "slow_pace_s_per_100m": slow_pace, "fast_pace_s_per_100m": fast_pace})
    return zones


def css_test(*, d1_m: float, t1_s: float, d2_m: float, t2_s: float) -> dict:
    """Everything the `css` calculator shows: CSS, its pace, SDI, zones and any plausibility warnings."""
    css = critical_swim_speed(d1_m=d1_m, t1_s=t1_s, d2_m=d2_m, t2_s=t2_s)
    sdi = speed_drop_off_index(d1_m=d1_m, t1_s=t1_s, d2_m=d2_m, t2_s=t2_s)
    warnings = []
    ratio = 1.0 + sdi / 100.0
    low, high = PLAUSIBLE_PACE_RATIO
    if not low <= ratio <= high:
        warnings.append(
            f"the longer trial's pace is {ratio * 100:.1f} % of the shorter one's; {low * 100:.0f}-{high * 100:.0f} % "
            "is typical, so check that both trials were maximal"
        )
    return {
        "css_m_per_s": css,
        "css_pace_s_per_100m": 100.0 / css,
        "sdi_percent": sdi,
        "zones": swim_zones(css),
        "warnings": warnings,
    }


def swim_training_stress(
    *, distance_m: float, moving_time_s: float, threshold_speed_m_per_s: float
) -> float | None:
    """sTSS = IF³ × hours × 100 with IF = (distance / moving time) / threshold speed (§1.3, TrainingPeaks).

    Pass total time (with rest) as `moving_time_s` for the WKO4 variant. Zero distance or time gives None.
    """
    distance = require_non_negative(distance_m, "distance_m")
    moving_time = require_non_negative(moving_time_s, "moving_time_s")
    threshold = require_positive(threshold_speed_m_per_s, "threshold_speed_m_per_s")
    if distance == 0 or moving_time == 0:
        return None
    intensity = (distance / moving_time) / threshold
    return intensity**3 * (moving_time / 3600.0) * 100.0
