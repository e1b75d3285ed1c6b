"""Training load: CTL/ATL/TSB/ramp rate (science.md §5), form bands and the load-method rule (§11)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

from trainingmath.errors import InvalidInput, require_finite, require_non_negative, require_positive

CTL_DAYS = 42.0
ATL_DAYS = 7.0
RAMP_DAYS = 7
LOAD_RULES = ("trainingpeaks", "exponential")
FORM_DAYS = ("yesterday", "same_day")

# Form (TSB) bands (§11), freshest first: (band, label, test). "Above +25" is very fresh, "+5 to +25" fresh,
# "-5 to +5" neutral, "-5 to -20" productive, "below -20" heavy and "below -30" unsustainable.
FORM_BANDS = (
    ("very_fresh", "Very fresh, losing fitness", lambda tsb: tsb > 25),
    ("fresh", "Fresh", lambda tsb: tsb > 5),
    ("neutral", "Neutral", lambda tsb: tsb >= -5),
    ("productive", "Productive training", lambda tsb: tsb >= -20),
    ("heavy", "Heavy", lambda tsb: tsb >= -30),
    ("unsustainable", "Unsustainable", lambda tsb: True),
)

# Sports where the pace method (rTSS) applies; it is a running score.
PACE_LOAD_SPORTS = frozenset({"running", "run", "trail_running", "walking", "walk", "hiking"})
SWIM_SPORTS = frozenset(
    {"swimming", "swim", "open_water", "pool_swim", "lap_swimming", "open_water_swimming"}
)


def load_step(previous: float, load: float, *, days: float, rule: str = "trainingpeaks") -> float:
    """One calendar day of an exponentially weighted load: 1/τ (TrainingPeaks, default) or e^(-1/τ) form."""
    tau = require_positive(days, "days")
    if rule == "trainingpeaks":
        return previous + (load - previous) / tau
    if rule == "exponential":
        keep = math.exp(-1.0 / tau)
        return keep * previous + (1.0 - keep) * load
    raise InvalidInput("rule", f"must be one of {', '.join(LOAD_RULES)}, got {rule!r}")


def training_load_series(
    daily_loads: Sequence[float],
    *,
    ctl_days: float = CTL_DAYS,
    atl_days: float = ATL_DAYS,
    rule: str = "trainingpeaks",
    form_day: str = "yesterday",
    start_ctl: float = 0.0,
    start_atl: float = 0.0,
) -> list[dict]:
    """CTL, ATL, TSB and ramp rate for consecutive calendar days (rest days must be present as 0).

    TSB is yesterday's CTL - ATL (TrainingPeaks, default) or the same day's (`form_day="same_day"`).
    Ramp rate is CTL_d - CTL_(d-7); days before the series hold the starting values.
    """
    if rule not in LOAD_RULES:
        raise InvalidInput("rule", f"must be one of {', '.join(LOAD_RULES)}, got {rule!r}")
    if form_day not in FORM_DAYS:
        raise InvalidInput("form_day", f"must be one of {', '.join(FORM_DAYS)}, got {form_day!r}")
    ctl = require_non_negative(start_ctl, "start_ctl")
    atl = require_non_negative(start_atl, "start_atl")
    require_positive(ctl_days, "ctl_days")
    require_positive(atl_days, "atl_days")
    history = [ctl] * RAMP_DAYS
    days = []
    for load in daily_loads:
        load = require_non_negative(load, "daily_loads")
        yesterday_form = ctl - atl
        ctl = load_step(ctl, load, days=ctl_days, rule=rule)
        atl = load_step(atl, load, days=atl_days, rule=rule)
        days.append(
            {
                "load": load,
                "ctl": ctl,
                "atl": atl,
                "tsb": yesterday_form if form_day == "yesterday" else ctl - atl,
                "ramp_rate": ctl - history[-RAMP_DAYS],
            }
        )
        history.append(ctl)
    return days


def training_load_by_date(
    loads: Mapping[dt.date, float], *, start: dt.date, end: dt.date, **options: object
) -> list[dict]:
    """`training_load_series` over every calendar day start..end (inclusive), each row with its `date`.

    `loads` maps a local calendar day to the summed load of that day; days without an entry are rest days.
    """
    if end < start:
        raise InvalidInput("end", "must not be before start")
    day_count = (end - start).days + 1
    dates = [start + dt.timedelta(days=offset) for offset in range(day_count)]
    rows = training_load_series([loads.get(day, 0.0) for day in dates], **options)
    for day, row in zip(dates, rows):
        row["date"] = day
    return rows


def form_band(tsb: float) -> dict:
    """The §11 band a TSB falls in: {band, label}."""
    value = require_finite(tsb, "tsb")
    return next({"band": band, "label": label} for band, label, holds in FORM_BANDS if holds(value))


def load_method(
    *,
    sport: str,
    has_power: bool,
    ftp_w: float | None,
    has_speed: bool,
    threshold_speed_m_per_s: float | None,
    has_heart_rate: bool,
    threshold_hr: float | None,
    css_m_per_s: float | None = None,
    has_distance: bool = False,
) -> str | None:
    """Which load an activity gets (§11): "power", else "pace" (runs), else "heart_rate", else None.

    Swims with a CSS and a distance use sTSS ("swim") before heart rate.
    """
    if has_power and ftp_w:
        return "power"
    if sport in SWIM_SPORTS and css_m_per_s and has_distance:
        return "swim"
    if sport in PACE_LOAD_SPORTS and has_speed and threshold_speed_m_per_s:
        return "pace"
    if has_heart_rate and threshold_hr:
        return "heart_rate"
    return None


def effective_load(*, computed: float | None, override: float | None) -> float | None:
    """The load to sum: a coach's or athlete's override wins over the computed value."""
    if override is not None:
        return require_non_negative(override, "override")
    return computed
