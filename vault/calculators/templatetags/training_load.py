"""Template tags for the fitness chart (CTL, ATL, TSB and daily load) and the roster's fitness columns;
the dashboard and athlete pages include them in their `dashboard_extra` / `athlete_extra` blocks."""

from __future__ import annotations

import datetime as dt
import math

from django import template
from django.utils import timezone

from vault.accounts.access import can_manage_athlete
from vault.activities.load import CURVE_PERIODS, best_power_curves, fitness_series, fitness_today
from vault.calculators.calculators import CALCULATORS

register = template.Library()

CHART_DAYS = 365


def chart_data(rows: list[dict]) -> dict:
    """Columns for uPlot: x as unix seconds (local midnight taken as UTC, the chart shows calendar days)."""
    return {
        "t": [int(dt.datetime.combine(row["date"], dt.time(), tzinfo=dt.UTC).timestamp()) for row in rows],
        **{key: [round(row[key], 1) for row in rows] for key in ("load", "ctl", "atl", "tsb")},
    }


@register.inclusion_tag("web/calculators/_fitness_chart.html")
def fitness_chart(athlete):
    today = timezone.localdate(timezone=athlete.tzinfo)
    rows = fitness_series(athlete, start=today - dt.timedelta(days=CHART_DAYS - 1), end=today)
    current = fitness_today(athlete) if rows else None
    return {"athlete": athlete, "data": chart_data(rows) if rows else None, "current": current}


@register.inclusion_tag("web/calculators/_roster_fitness.html")
def roster_fitness(roster):
    rows = []
    for row in roster or ():
        athlete = getattr(row, "athlete", row)
        current = fitness_today(athlete)
        rows.append({"athlete": athlete, "current": current})
    return {"rows": rows}


@register.inclusion_tag("web/calculators/_power_curves.html", takes_context=True)
def power_curves(context, athlete):
    """The best power curves (42 d, 90 d, season, all time) on one log-duration chart."""
    curves = best_power_curves(athlete)
    durations = sorted({int(duration) for curve in curves.values() for duration, _ in curve})
    series = {}
    for period in CURVE_PERIODS:
        watts = dict((int(duration), value) for duration, value in curves[period])
        series[period] = [round(watts[d], 1) if d in watts else None for d in durations]
    user = context.get("user")
    return {
        "athlete": athlete,
        "data": {"durations": durations, **series} if durations else None,
        "can_model": user is not None and can_manage_athlete(user, athlete),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("web/calculators/_links.html")
def training_tools(athlete):
    return {"athlete": athlete, "calculators": CALCULATORS.values()}


@register.filter
def signed(value) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:+.0f}"
