"""Wellness flags for the coach (science.md §11): illness, short sleep, high stress or soreness, and HRV or
resting HR away from the athlete's own 14-day baseline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from trainingmath.errors import require_between, require_positive

SHORT_SLEEP_S = 5 * 3600.0
HIGH_SCORE = 8  # stress and soreness on 1-10 scales
HRV_DROP_FRACTION = 0.15
RESTING_HR_RISE_FRACTION = 0.10
BASELINE_DAYS = 14
# A baseline from one or two days is noise; below this many values there is no baseline and no flag.
BASELINE_MIN_VALUES = 3
# "At least 15 %" must include exactly 15 % despite float rounding (55/50 - 1 is 0.0999...).
RATIO_TOLERANCE = 1e-9


def baseline(values: Iterable[float | None]) -> float | None:
    """Mean of the known values, or None with fewer than BASELINE_MIN_VALUES of them."""
    known = [float(value) for value in values if value is not None]
    return sum(known) / len(known) if len(known) >= BASELINE_MIN_VALUES else None


def wellness_flags(
    *,
    illness: bool | None = None,
    sleep_s: float | None = None,
    stress: float | None = None,
    soreness: float | None = None,
    hrv_ms: float | None = None,
    resting_hr: float | None = None,
    hrv_baseline_ms: float | None = None,
    resting_hr_baseline: float | None = None,
) -> list[dict]:
    """The flags one day's entry raises, each {code, message}; missing values raise nothing.

    HRV is flagged at least 15 % below its baseline, resting HR at least 10 % above its baseline.
    """
    flags = []
    if illness:
        flags.append({"code": "illness", "message": "illness reported"})
    if sleep_s is not None and require_between(sleep_s, "sleep_s", 0, 86_400, what="s") < SHORT_SLEEP_S:
        flags.append({"code": "short_sleep", "message": f"slept {sleep_s / 3600:.1f} h (under 5 h)"})
    for field, value in (("stress", stress), ("soreness", soreness)):
        if value is not None and require_between(value, field, 1, 10) >= HIGH_SCORE:
            flags.append({"code": f"high_{field}", "message": f"{field} {value:g}/10"})
    if hrv_ms is not None and hrv_baseline_ms is not None:
        hrv = require_positive(hrv_ms, "hrv_ms")
        usual = require_positive(hrv_baseline_ms, "hrv_baseline_ms")
        if 1 - hrv / usual >= HRV_DROP_FRACTION - RATIO_TOLERANCE:
            drop = (1 - hrv / usual) * 100
            flags.append(
                {"code": "low_hrv", "message": f"HRV {hrv:g} ms is {drop:.0f} % below its 14-day baseline"}
            )
    if resting_hr is not None and resting_hr_baseline is not None:
        resting = require_between(resting_hr, "resting_hr", 20, 150, what="bpm")
        usual = require_positive(resting_hr_baseline, "resting_hr_baseline")
        if resting / usual - 1 >= RESTING_HR_RISE_FRACTION - RATIO_TOLERANCE:
            rise = (resting / usual - 1) * 100
            flags.append(
                {
                    "code": "high_resting_hr",
                    "message": f"resting HR {resting:g} is {rise:.0f} % above its 14-day baseline",
                }
            )
    return flags


def wellness_flags_by_date(entries: Mapping[dt.date, Mapping]) -> dict[dt.date, list[dict]]:
    """Flags for every logged day; HRV and resting-HR baselines are the means over the previous 14 calendar
    days (the day itself excluded). Entry keys: illness, sleep_s, stress, soreness, hrv_ms, resting_hr.
    """
    flags = {}
    for day, entry in sorted(entries.items()):
        window = [entries.get(day - dt.timedelta(days=back)) for back in range(1, BASELINE_DAYS + 1)]
        window = [item for item in window if item is not None]
        flags[day] = wellness_flags(
            illness=entry.get("illness"),
            sleep_s=entry.get("sleep_s"),
            stress=entry.get("stress"),
            soreness=entry.get("soreness"),
            hrv_ms=entry.get("hrv_ms"),
            resting_hr=entry.get("resting_hr"),
            hrv_baseline_ms=baseline(item.get("hrv_ms") for item in window),
            resting_hr_baseline=baseline(item.get("resting_hr") for item in window),
        )
    return flags
