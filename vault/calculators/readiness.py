"""Race readiness (science.md §11): for each metric a race plan depends on, its latest value, its age and
whether it is fresh, getting old or stale; and, for one calculator run, which of the values its prefill
actually used are stale, so the wizard and the calculators warn before using them.

The windows are the setting READINESS_WINDOWS_DAYS ({metric: (fresh up to, getting old up to)} in days),
defaulting to science.md's numbers (trainingmath.readiness.FRESHNESS_DAYS).

A wizard step's own result counts for its metric for that race: a CSS, critical-power or CdA step run for the
race is a measurement of that metric, dated when it was run, and the later steps take their number from it
(the prefills read the race's active steps before the history). The steps do not write to the metric
history (source `calculator`) because a race plan's result is scoped to that race (design.md §4: a
CalculatorResult with an optional race): putting it in the history would change the athlete's current
thresholds everywhere (zones, every activity's load, recomputed in the background) from a planning run that
may be a what-if. Threshold tests that should become the athlete's values are assessments (issue 5 §3),
which do write the history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from trainingmath.readiness import FRESHNESS_DAYS, metrics_needed
from vault.calculators.models import CalculatorResult, Race
from vault.metrics.models import MetricHistory
from vault.metrics.selectors import metric_entry_on

# Readiness metric -> metric-history type.
METRIC_TYPE = {
    "css": "css_pace",
    "ftp": "ftp",
    "cp": "critical_power",
    "threshold_pace": "threshold_run_pace",
    "threshold_hr": "threshold_hr",
    "cda": "cda",
    "weight": "weight",
}
READINESS_METRIC = {metric_type: metric for metric, metric_type in METRIC_TYPE.items()}
LABELS = {
    "css": "CSS",
    "ftp": "FTP",
    "cp": "Critical power",
    "threshold_pace": "Threshold run pace",
    "threshold_hr": "Threshold heart rate",
    "cda": "CdA",
    "weight": "Weight",
}
# Readiness metric -> (the wizard step that measures it for a race, the output holding the value).
STEP_OF_METRIC = {
    "css": ("css", "css_pace_s_per_100m"),
    "cp": ("critical_power", "cp_w"),
    "cda": ("cda", "cda_m2"),
}
# Calculator input -> the history types its prefill may come from, in the order the prefill tries them
# (ftp_w: the FTP, else the CP). Only inputs whose prefill reads a readiness metric are listed.
PREFILL_METRICS = {
    "total_mass_kg": ("weight",),
    "rider_mass_kg": ("weight",),
    "weight_kg": ("weight",),
    "cda_m2": ("cda",),
    "ftp_w": ("ftp", "critical_power"),
    "cp_w": ("critical_power",),
    "swim_pace_s_per_100m": ("css_pace",),
    "css_pace_s_per_100m": ("css_pace",),
    "run_pace_s_per_km": ("threshold_run_pace",),
    "threshold_pace_s_per_km": ("threshold_run_pace",),
    "threshold_hr": ("threshold_hr",),
}


def windows() -> dict[str, tuple[int, int]]:
    return {**FRESHNESS_DAYS, **getattr(settings, "READINESS_WINDOWS_DAYS", {})}


@dataclass(frozen=True)
class MetricFreshness:
    metric: str
    label: str
    entry: MetricHistory | None
    age_days: int | None
    status: str  # fresh | getting_old | stale
    result: CalculatorResult | None = None  # the race's own step, when that is the newer measurement

    @property
    def is_stale(self) -> bool:
        return self.status == "stale"

    @property
    def measured_on(self) -> dt.date | None:
        if self.result is not None:
            return _local_day(self.result)
        return self.entry.recorded_on if self.entry is not None else None

    @property
    def value_display(self) -> str:
        if self.result is not None:
            from vault.calculators.calculators import display_value

            output = STEP_OF_METRIC[self.metric][1]
            return display_value(output, self.result.outputs.get(output))
        return self.entry.value_display if self.entry is not None else ""

    @property
    def source(self) -> str:
        return "this race's step" if self.result is not None else "metric history"

    def describe(self) -> str:
        if self.entry is None and self.result is None:
            return f"{self.label}: never measured"
        return f"{self.label} {self.value_display}, {self.age_days} days old"

    def warning(self) -> str:
        """The sentence the calculators show and the API answers for a stale value a prefill used."""
        stale_after = windows()[self.metric][1]
        return (
            f"stale value used: {self.describe()} (stale after {stale_after} days); measure it again or "
            "enter the value yourself"
        )


def _local_day(result: CalculatorResult) -> dt.date:
    return timezone.localtime(result.created_at, timezone=result.athlete.tzinfo).date()


def _status(metric: str, age: int) -> str:
    fresh_days, old_days = windows()[metric]
    return "fresh" if age <= fresh_days else "getting_old" if age <= old_days else "stale"


def entry_freshness(metric: str, entry: MetricHistory | None, *, on: dt.date) -> MetricFreshness:
    if entry is None:
        return MetricFreshness(metric, LABELS[metric], None, None, "stale")
    age = (on - entry.recorded_on).days
    return MetricFreshness(metric, LABELS[metric], entry, age, _status(metric, age))


def metric_freshness(athlete, metric: str, *, on: dt.date, race: Race | None = None) -> MetricFreshness:
    """The metric's freshness as of `on`: its history entry, or the race's own step for it when that is newer."""
    history = entry_freshness(metric, metric_entry_on(athlete, METRIC_TYPE[metric], on), on=on)
    step = _race_step(race, metric, on)
    if step is None:
        return history
    day = _local_day(step)
    if history.entry is not None and history.entry.recorded_on > day:
        return history
    age = (on - day).days
    return MetricFreshness(metric, LABELS[metric], history.entry, age, _status(metric, age), result=step)


def _race_step(race: Race | None, metric: str, on: dt.date) -> CalculatorResult | None:
    if race is None or metric not in STEP_OF_METRIC:
        return None
    calculator_type, output = STEP_OF_METRIC[metric]
    result = (
        CalculatorResult.objects.filter(race=race, calculator_type=calculator_type, is_active=True)
        .select_related("athlete")
        .first()
    )
    if result is None or result.outputs.get(output) is None or _local_day(result) > on:
        return None
    return result


def _bike_threshold(athlete, on: dt.date, race: Race | None) -> MetricFreshness:
    """CP or FTP, whichever was measured more recently (a never-measured one loses)."""
    ftp = metric_freshness(athlete, "ftp", on=on, race=race)
    cp = metric_freshness(athlete, "cp", on=on, race=race)
    if cp.measured_on is not None and (ftp.measured_on is None or cp.measured_on > ftp.measured_on):
        return cp
    return ftp


def race_readiness(race: Race, *, on: dt.date | None = None) -> dict:
    """{"metrics": [MetricFreshness...], "score": fresh share or None, "stale": [...]} for the race's legs."""
    on = on or timezone.localdate(timezone=race.athlete.tzinfo)
    needed = metrics_needed(
        swim_m=race.leg_distance_m("swim") or 0.0,
        bike_m=race.leg_distance_m("bike") or 0.0,
        run_m=race.leg_distance_m("run") or 0.0,
    )
    metrics = [
        _bike_threshold(race.athlete, on, race)
        if metric == "ftp"
        else metric_freshness(race.athlete, metric, on=on, race=race)
        for metric in needed
    ]
    fresh = sum(1 for metric in metrics if metric.status == "fresh")
    return {
        "metrics": metrics,
        "score": fresh / len(metrics) if metrics else None,
        "stale": [metric for metric in metrics if metric.is_stale],
    }


def stale_prefills(context, names) -> dict[str, MetricFreshness]:
    """{input name: freshness} for the inputs `names` (those the prefill filled in, not those typed) whose
    value came from a stale metric-history entry. `context` is the prefill's Context, which records what it
    read; a value taken from the race's own step is not in it, so a step using it is not warned about the
    history's value."""
    stale: dict[str, MetricFreshness] = {}
    for name in names:
        metric_type = next(
            (candidate for candidate in PREFILL_METRICS.get(name, ()) if candidate in context.metrics_used),
            None,
        )
        if metric_type is None:
            continue
        freshness = entry_freshness(
            READINESS_METRIC[metric_type], context.metrics_used[metric_type], on=context.on_date
        )
        if freshness.is_stale:
            stale[name] = freshness
    return stale


def unique_metrics(stale: dict[str, MetricFreshness]) -> list[MetricFreshness]:
    """One entry per metric (several inputs may come from one weight)."""
    return list({freshness.metric: freshness for freshness in stale.values()}.values())
