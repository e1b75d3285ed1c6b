"""Training load (science.md §5, §11): each activity's load (the computed one from its summary, with its
method, or a coach's or athlete's audited override), daily load per athlete, CTL/ATL/TSB and ramp rate,
form bands, the best power curve per period and the modeled CP, W′ and eFTP.

Every sum of load goes through `daily_loads`, so an override counts everywhere.
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from trainingmath import load as loadmath
from trainingmath.cp import model_cp_from_curve
from trainingmath.summary import merge_power_curves
from vault.activities.models import Activity
from vault.calculators.models import LoadOverride, LoadOverrideChange

MAX_LOAD = 2000.0  # a day-long ultra scores ~1000; more is a typo
DEFAULT_MODELED_REVIEW_MARGIN = 0.05  # setting MODELED_REVIEW_MARGIN: a modeled value this far off waits
CURVE_PERIODS = ("42d", "90d", "season", "all")
# Modeled value -> metric type.
MODELED_METRICS = {"cp_w": "critical_power", "w_prime_j": "w_prime", "eftp_w": "ftp"}


def _today(athlete) -> dt.date:
    return timezone.localdate(timezone=athlete.tzinfo)


def load_of(activity: Activity) -> dict:
    """{load (what is summed), computed, method, override} for one activity."""
    override = getattr(activity, "load_override", None) if _has_override(activity) else None
    computed = activity.summary.get("load")
    return {
        "load": loadmath.effective_load(computed=computed, override=override.load if override else None),
        "computed": computed,
        "method": "override" if override else activity.summary.get("load_method"),
        "computed_method": activity.summary.get("load_method"),
        "override": override.load if override else None,
    }


def _has_override(activity: Activity) -> bool:
    try:
        activity.load_override  # noqa: B018 - the reverse one-to-one raises when absent
    except LoadOverride.DoesNotExist:
        return False
    return True


@transaction.atomic
def activity_load_set(*, activity: Activity, load: float | None, changed_by, note: str = "") -> dict:
    """Override the activity's load (None goes back to the computed one); audited. Returns `load_of`."""
    if load is not None:
        if isinstance(load, bool) or not isinstance(load, int | float) or not math.isfinite(load):
            raise ValidationError(
                {"load": [f"{load!r} is not a number; give a load, or null to use the computed one."]}
            )
        if not 0 <= load <= MAX_LOAD:
            raise ValidationError({"load": [f"{load:g} is outside 0 to {MAX_LOAD:g}."]})
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": ["must be at most 200 characters."]})
    current = LoadOverride.objects.select_for_update().filter(activity=activity).first()
    old = current.load if current else None
    if load is None:
        if current:
            current.delete()
    else:
        LoadOverride.objects.update_or_create(
            activity=activity, defaults={"load": float(load), "note": note, "set_by": changed_by}
        )
    LoadOverrideChange.objects.create(
        activity=activity,
        old_load=old,
        new_load=None if load is None else float(load),
        computed_load=activity.summary.get("load"),
        note=note,
        changed_by=changed_by,
    )
    activity = Activity.objects.select_related("load_override").get(pk=activity.pk)
    return load_of(activity)


def daily_loads(athlete, *, end: dt.date | None = None) -> dict[dt.date, float]:
    """Summed load per local calendar day (overrides win), up to `end` (inclusive)."""
    activities = Activity.objects.filter(athlete=athlete)
    if end is not None:
        # A generous UTC bound; the local-day cut below is exact.
        activities = activities.filter(start_time__date__lte=end + dt.timedelta(days=1))
    tz = athlete.tzinfo
    loads: dict[dt.date, float] = {}
    for start_time, computed, override in activities.values_list(
        "start_time", "summary__load", "load_override__load"
    ).order_by():
        value = override if override is not None else computed
        if not isinstance(value, int | float) or not math.isfinite(value):
            continue
        day = start_time.astimezone(tz).date()
        if end is None or day <= end:
            loads[day] = loads.get(day, 0.0) + float(value)
    return loads


def fitness_series(athlete, *, start: dt.date | None = None, end: dt.date | None = None) -> list[dict]:
    """CTL, ATL, TSB, ramp rate and daily load per day from `start` to `end` (default: the first activity to
    today). The series always runs from the first activity, so CTL on `start` carries the history."""
    end = end or _today(athlete)
    loads = daily_loads(athlete, end=end)
    if not loads:
        return []
    first = min(loads)
    if first > end:
        return []
    rows = loadmath.training_load_by_date(loads, start=first, end=end)
    return [row for row in rows if start is None or row["date"] >= start]


def fitness_today(athlete) -> dict | None:
    """Today's {ctl, atl, tsb, ramp_rate, band, label}, or None without activities."""
    rows = fitness_series(athlete)
    if not rows:
        return None
    today = rows[-1]
    return {
        **{key: today[key] for key in ("ctl", "atl", "tsb", "ramp_rate")},
        **loadmath.form_band(today["tsb"]),
    }


# --- power curves and modeled thresholds -----------------------------------------------------------------


def _period_start(period: str, today: dt.date) -> dt.date | None:
    return {
        "42d": today - dt.timedelta(days=41),
        "90d": today - dt.timedelta(days=89),
        "season": today.replace(month=1, day=1),
        "all": None,
    }[period]


def best_power_curves(athlete, *, today: dt.date | None = None) -> dict[str, list[list[float]]]:
    """The athlete's best power curve [[duration_s, watts], ...] for the last 42 and 90 days, the season
    (since 1 January) and all time."""
    today = today or _today(athlete)
    tz = athlete.tzinfo
    dated = [
        (start_time.astimezone(tz).date(), curve)
        for start_time, curve in Activity.objects.filter(athlete=athlete)
        .exclude(summary__power_curve=None)
        .values_list("start_time", "summary__power_curve")
        if curve
    ]
    curves = {}
    for period in CURVE_PERIODS:
        since = _period_start(period, today)
        curves[period] = merge_power_curves(
            [curve for day, curve in dated if day <= today and (since is None or day >= since)]
        )
    return curves


def modeled_thresholds_update(*, athlete, period: str = "90d", today: dt.date | None = None) -> list:
    """Model CP, W′ and eFTP from the best curve of `period` and write them to the metric history with source
    `modeled`; an entry that differs from the value in force by more than MODELED_REVIEW_MARGIN waits for
    review. Unchanged values are not written again. Returns the new entries."""
    from vault.metrics.models import MetricHistory, Source
    from vault.metrics.selectors import metric_value_on
    from vault.metrics.services import metric_entry_create

    today = today or _today(athlete)
    model = model_cp_from_curve(best_power_curves(athlete, today=today)[period])
    if model is None:
        return []
    margin = getattr(settings, "MODELED_REVIEW_MARGIN", DEFAULT_MODELED_REVIEW_MARGIN)
    detail = f"best {period} power curve ({model['points_used']} points, r² {model['r2']:.3f})"
    created = []
    for output, metric_type in MODELED_METRICS.items():
        value = round(model[output], 1)
        last_modeled = (
            MetricHistory.objects.filter(athlete=athlete, metric_type=metric_type, source=Source.MODELED)
            .newest_first()
            .first()
        )
        if last_modeled is not None and abs(last_modeled.value - value) < 0.05:
            continue
        current = metric_value_on(athlete, metric_type, today)
        differs = current is not None and abs(value - current) > margin * current
        try:
            created.append(
                metric_entry_create(
                    athlete=athlete,
                    metric_type=metric_type,
                    value=value,
                    recorded_on=today,
                    source=Source.MODELED,
                    source_detail=detail,
                    needs_review=differs,
                )
            )
        except ValidationError:
            continue  # outside the metric's valid range: a curve of partial efforts; nothing to suggest
    return created
