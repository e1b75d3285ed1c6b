"""Reads on the metric history: the value in force on a date, current values, changes and the review queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from vault.accounts.access import visible_athletes
from vault.accounts.models import AthleteProfile
from vault.metrics.models import MetricHistory
from vault.metrics.types import METRIC, METRIC_TYPES, THRESHOLD_TYPES


def metric_history(
    athlete: AthleteProfile,
    *,
    metric_type: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[MetricHistory]:
    entries = MetricHistory.objects.filter(athlete=athlete).select_related("created_by")
    if metric_type:
        entries = entries.filter(metric_type=metric_type)
    if since:
        entries = entries.filter(recorded_on__gte=since)
    if until:
        entries = entries.filter(recorded_on__lte=until)
    return entries.newest_first()


def metric_entry_on(athlete: AthleteProfile, metric_type: str, on_date: dt.date) -> MetricHistory | None:
    """The entry in force on `on_date`: the latest recorded on or before it that is not pending or declined."""
    return (
        MetricHistory.objects.filter(athlete=athlete, metric_type=metric_type, recorded_on__lte=on_date)
        .in_force()
        .newest_first()
        .first()
    )


def metric_value_on(athlete: AthleteProfile, metric_type: str, on_date: dt.date) -> float | None:
    entry = metric_entry_on(athlete, metric_type, on_date)
    return entry.value if entry else None


def current_values(athlete: AthleteProfile) -> dict[str, MetricHistory]:
    """The latest in-force entry of each type, in the order of METRIC_TYPES; `.age_days()` gives its age."""
    latest: dict[str, MetricHistory] = {}
    # One query: newest first, keep the first seen per type (histories are small: tens to hundreds of rows).
    for entry in (
        MetricHistory.objects.filter(athlete=athlete).in_force().newest_first().select_related("athlete")
    ):
        latest.setdefault(entry.metric_type, entry)
    return {key: latest[key] for key in METRIC_TYPES if key in latest}


@dataclass
class Change:
    entry: MetricHistory
    previous: MetricHistory | None
    can_review: bool = False  # set by pages that offer the review actions to this user

    @property
    def delta_text(self) -> str:
        """The change in display terms, e.g. "+5 W" or "1:35/100m → 1:32/100m"."""
        if self.previous is None:
            return "first value"
        return f"{self.previous.value_display} → {self.entry.value_display}"


def recent_changes(athlete: AthleteProfile, *, days: int = 90, limit: int = 8) -> list[Change]:
    """What changed lately: entries recorded in the last `days` days (any review state), each with the value
    that was in force before it."""
    today = timezone.localdate(timezone=athlete.tzinfo)
    entries = metric_history(athlete, since=today - dt.timedelta(days=days))[:limit]
    return [change_for(entry) for entry in entries]


def change_for(entry: MetricHistory) -> Change:
    return Change(entry, previous_in_force(entry))


def previous_in_force(entry: MetricHistory) -> MetricHistory | None:
    return (
        MetricHistory.objects.filter(
            athlete_id=entry.athlete_id, metric_type=entry.metric_type, recorded_on__lte=entry.recorded_on
        )
        .in_force()
        .exclude(pk=entry.pk)
        .exclude(recorded_on=entry.recorded_on, created_at__gt=entry.created_at)
        .newest_first()
        .first()
    )


def pending_reviews_for(user) -> QuerySet[MetricHistory]:
    """Entries waiting for review among the athletes `user` may see, oldest first (a queue)."""
    return (
        MetricHistory.objects.filter(athlete__in=visible_athletes(user))
        .waiting_for_review()
        .select_related("athlete", "created_by", "reviewed_by")
        .order_by("created_at", "id")
    )


def pending_reviews_for_coach(user) -> list[Change]:
    """The review queue across a coach's roster (admin: everyone), each entry beside the previous value."""
    return [change_for(entry) for entry in pending_reviews_for(user)]


def pending_review_count(athlete: AthleteProfile) -> int:
    return MetricHistory.objects.filter(athlete=athlete).waiting_for_review().count()


@dataclass
class RosterRow:
    athlete: AthleteProfile
    thresholds: list[MetricHistory | None]  # aligned with THRESHOLD_TYPES
    pending: int


def roster_overview(user) -> list[RosterRow]:
    """Each visible athlete with their latest thresholds and how many entries wait for review."""
    athletes = visible_athletes(user).annotate(
        pending=Count("metric_history", filter=Q(metric_history__needs_review=True))
    )
    rows = []
    for athlete in athletes.order_by("name"):
        current = current_values(athlete)
        rows.append(RosterRow(athlete, [current.get(key) for key in THRESHOLD_TYPES], athlete.pending))
    return rows


def display_units(user, athlete: AthleteProfile | None) -> str:
    """The unit system ("metric" / "imperial") `user` sees `athlete`'s values in.

    A person with their own athlete profile reads in their own preference; a coach or an admin (who have
    none) reads each athlete in that athlete's units, the ones the athlete talks in. Only display changes:
    stored values stay SI (design.md §8)."""
    if athlete is not None and user is not None and athlete.user_id == user.pk:
        return athlete.units
    # The reverse one-to-one raises an AttributeError subclass when there is no profile.
    own = getattr(user, "athlete_profile", None) if user is not None and user.is_authenticated else None
    if own is not None:
        return own.units
    return athlete.units if athlete is not None else METRIC


def chart_series(athlete: AthleteProfile, system: str | None = None) -> dict[str, dict]:
    """Per metric type, the in-force entries oldest first as chart data: x (unix seconds) and y (plot units
    of `system`, default the athlete's own units: lb, s/mi, s/100yd for imperial)."""
    system = system or athlete.units
    series: dict[str, dict] = {}
    entries = MetricHistory.objects.filter(athlete=athlete).in_force().order_by("recorded_on", "created_at")
    for entry in entries:
        info = METRIC_TYPES.get(entry.metric_type)
        if info is None:
            continue
        view = info.view(system)
        data = series.setdefault(
            entry.metric_type,
            {
                "label": info.label,
                "unit": view.plot_unit,
                "lower_is_better": info.lower_is_better,
                "x": [],
                "y": [],
            },
        )
        moment = dt.datetime.combine(entry.recorded_on, dt.time(12), tzinfo=dt.UTC)
        data["x"].append(int(moment.timestamp()))
        data["y"].append(round(view.plot(entry.value), 3))
    return {key: series[key] for key in METRIC_TYPES if key in series}
