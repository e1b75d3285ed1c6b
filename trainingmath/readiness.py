"""Race readiness (science.md §11): how fresh each threshold the plan needs is, and the readiness score."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from trainingmath.errors import InvalidInput, require_non_negative

# metric: (fresh up to this many days, getting old up to this many, stale after).
FRESHNESS_DAYS = {
    "css": (56, 84),
    "ftp": (42, 84),
    "cp": (42, 84),
    "threshold_pace": (56, 84),
    "threshold_hr": (90, 180),
    "cda": (365, 730),
    "weight": (14, 30),
}
STATUSES = ("fresh", "getting_old", "stale")


def freshness(metric: str, *, measured_on: dt.date | None, on: dt.date) -> dict:
    """{metric, status, age_days} for one metric as of `on`; a metric never measured is stale."""
    if metric not in FRESHNESS_DAYS:
        raise InvalidInput("metric", f"unknown metric {metric!r}; known: {', '.join(FRESHNESS_DAYS)}")
    if measured_on is None:
        return {"metric": metric, "status": "stale", "age_days": None}
    age = (on - measured_on).days
    if age < 0:
        raise InvalidInput("measured_on", f"{metric} was measured on {measured_on}, after {on}")
    fresh_days, old_days = FRESHNESS_DAYS[metric]
    status = "fresh" if age <= fresh_days else "getting_old" if age <= old_days else "stale"
    return {"metric": metric, "status": status, "age_days": age}


def metrics_needed(*, swim_m: float = 0.0, bike_m: float = 0.0, run_m: float = 0.0) -> list[str]:
    """What a race plan uses: CSS for a swim; FTP, CdA and weight for a bike; threshold pace for a run."""
    needed = []
    if require_non_negative(swim_m, "swim_m"):
        needed.append("css")
    if require_non_negative(bike_m, "bike_m"):
        needed.extend(["ftp", "cda", "weight"])
    if require_non_negative(run_m, "run_m"):
        needed.append("threshold_pace")
    return needed


def readiness(needed: Iterable[str], *, measured_on: Mapping[str, dt.date | None], on: dt.date) -> dict:
    """Readiness score = fresh metrics / metrics the plan needs (None when it needs none), with each metric's
    status; `measured_on` maps a metric to the date of its latest value (missing = never measured).
    """
    metrics = [
        freshness(metric, measured_on=measured_on.get(metric), on=on) for metric in dict.fromkeys(needed)
    ]
    fresh = sum(1 for metric in metrics if metric["status"] == "fresh")
    return {
        "score": fresh / len(metrics) if metrics else None,
        "fresh": fresh,
        "needed": len(metrics),
        "metrics": metrics,
    }
