"""Race readiness (science.md §11): for each metric a race plan depends on, its latest value, its age and
whether it is fresh, getting old or stale; and which wizard step uses which metric, so the wizard can warn
before it uses a stale value.

The windows are the setting READINESS_WINDOWS_DAYS ({metric: (fresh up to, getting old up to)} in days),
defaulting to science.md's numbers (trainingmath.readiness.FRESHNESS_DAYS).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from trainingmath.readiness import FRESHNESS_DAYS, metrics_needed
from vault.calculators.models import Race
from vault.metrics.models import MetricHistory
from vault.metrics.selectors import metric_entry_on

# Readiness metric -> metric-history type.
METRIC_TYPE = {
    "css": "css_pace",
    "ftp": "ftp",
    "cp": "critical_power",
    "threshold_pace": "threshold_run_pace",
    "cda": "cda",
    "weight": "weight",
}
LABELS = {
    "css": "CSS",
    "ftp": "FTP",
    "cp": "Critical power",
    "threshold_pace": "Threshold run pace",
    "cda": "CdA",
    "weight": "Weight",
}
# What each wizard step reads from the metric history when its inputs are prefilled.
STEP_METRICS = {
    "css": (),
    "critical_power": (),
    "cda": ("weight",),
    "bike_plan": ("ftp", "cda", "weight"),
    "finish_time": ("css", "threshold_pace"),
    "calories": ("weight",),
    "fueling": ("weight",),
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

    @property
    def is_stale(self) -> bool:
        return self.status == "stale"

    def describe(self) -> str:
        if self.entry is None:
            return f"{self.label}: never measured"
        return f"{self.label} {self.entry.value_display}, {self.age_days} days old"


def metric_freshness(athlete, metric: str, *, on: dt.date) -> MetricFreshness:
    entry = metric_entry_on(athlete, METRIC_TYPE[metric], on)
    if entry is None:
        return MetricFreshness(metric, LABELS[metric], None, None, "stale")
    age = (on - entry.recorded_on).days
    fresh_days, old_days = windows()[metric]
    status = "fresh" if age <= fresh_days else "getting_old" if age <= old_days else "stale"
    return MetricFreshness(metric, LABELS[metric], entry, age, status)


def _bike_threshold(athlete, on: dt.date) -> MetricFreshness:
    """CP or FTP, whichever was measured more recently (a never-measured one loses)."""
    ftp, cp = metric_freshness(athlete, "ftp", on=on), metric_freshness(athlete, "cp", on=on)
    if cp.entry is not None and (ftp.entry is None or cp.entry.recorded_on > ftp.entry.recorded_on):
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
        _bike_threshold(race.athlete, on)
        if metric == "ftp"
        else metric_freshness(race.athlete, metric, on=on)
        for metric in needed
    ]
    fresh = sum(1 for metric in metrics if metric.status == "fresh")
    return {
        "metrics": metrics,
        "score": fresh / len(metrics) if metrics else None,
        "stale": [metric for metric in metrics if metric.is_stale],
    }


def stale_for_step(step: str, metrics: list[MetricFreshness]) -> list[MetricFreshness]:
    """The stale metrics a wizard step would use (the bike threshold counts for 'ftp' whether CP or FTP)."""
    uses = set(STEP_METRICS.get(step, ()))
    if "ftp" in uses:
        uses.add("cp")
    return [metric for metric in metrics if metric.is_stale and metric.metric in uses]
