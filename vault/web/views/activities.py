"""Pages: an athlete's activities, one activity (summary, laps, charts, map) and the upload page."""

from __future__ import annotations

from dataclasses import asdict

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path

from trainingmath import units
from trainingmath.power import COGGAN_LEVELS
from trainingmath.running import BEST_EFFORT_DISTANCES_M, FRIEL_ZONES
from vault.accounts.access import athlete_for
from vault.activities import selectors
from vault.activities.load import load_of
from vault.metrics.selectors import display_units
from vault.metrics.types import (
    METRIC,
    display_distance,
    display_elevation,
    display_pace,
    display_speed,
    unit_scales,
)

PAGE_SIZE = 25


class ActivityFilterForm(forms.Form):
    sport = forms.ChoiceField(required=False)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, sports: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sport"].choices = [("", "All sports"), *((s, s.replace("_", " ")) for s in sports)]


def _duration(seconds) -> str:
    return units.format_duration(seconds)


PACE_SPORTS = ("running", "walking", "hiking")


def _distance(system: str):
    return lambda metres: display_distance(metres, system)


def _elevation(system: str):
    return lambda metres: display_elevation(metres, system)


def _pace_or_speed(sport: str, system: str = METRIC):
    """Speeds as the sport reads them, in `system`: /100m or /100yd swims, /km or /mi runs, km/h or mph."""

    def show(speed) -> str:
        if not speed or speed <= 0:
            return "–"
        if sport == "swimming":
            return display_pace(speed, system, swim=True)
        if sport in PACE_SPORTS:
            return display_pace(speed, system)
        return display_speed(speed, system)

    return show


def _number(unit: str, digits: int = 0):
    return lambda value: f"{value:.{digits}f}{' ' + unit if unit else ''}"


def _summary_fields(sport: str, system: str = METRIC) -> list[tuple[str, str, object]]:
    """(summary key, label, formatter in `system`) in the order a coach reads them."""
    speed = _pace_or_speed(sport, system)
    speed_word = "speed" if sport == "cycling" else "pace"
    return [
        ("elapsed_s", "Elapsed time", _duration),
        ("moving_s", "Moving time", _duration),
        ("distance_m", "Distance", _distance(system)),
        ("elevation_gain_m", "Elevation gain", _elevation(system)),
        ("elevation_loss_m", "Elevation loss", _elevation(system)),
        ("avg_speed_m_per_s", f"Average {speed_word}", speed),
        ("max_speed_m_per_s", f"Best {speed_word}", speed),
        ("avg_heart_rate", "Average heart rate", _number("bpm")),
        ("max_heart_rate", "Max heart rate", _number("bpm")),
        ("avg_power_w", "Average power", _number("W")),
        ("max_power_w", "Max power", _number("W")),
        ("np_w", "Normalized Power", _number("W")),
        ("ngp_speed_m_per_s", "Normalized graded pace", speed),
        ("intensity_factor", "IF", _number("", 2)),
        ("tss", "TSS", _number("")),
        ("load", "Load", _number("")),
        ("variability_index", "VI", _number("", 2)),
        ("work_kj", "Work", _number("kJ")),
        ("calories_kcal", "Calories", _number("kcal")),
        ("avg_cadence", "Average cadence", _number("")),
        ("max_cadence", "Max cadence", _number("")),
        ("aerobic_decoupling_percent", "Aerobic decoupling", _number("%", 1)),
        ("efficiency_factor", "Efficiency factor", lambda value: f"{value:.3g}"),
        ("pool_length_m", "Pool length", _number("m")),
        ("lengths", "Lengths", _number("")),
        ("strokes", "Strokes", _number("")),
        ("swolf", "SWOLF", _number("", 1)),
    ]


# The file's own session fields (trackfiles names) -> the computed summary key they report.
FILE_SESSION_KEYS = {
    "elapsed_s": "elapsed_s",
    "distance_m": "distance_m",
    "total_ascent": "elevation_gain_m",
    "total_descent": "elevation_loss_m",
    "avg_speed": "avg_speed_m_per_s",
    "max_speed": "max_speed_m_per_s",
    "avg_heart_rate": "avg_heart_rate",
    "max_heart_rate": "max_heart_rate",
    "avg_power": "avg_power_w",
    "max_power": "max_power_w",
    "normalized_power": "np_w",
    "total_calories": "calories_kcal",
    "avg_cadence": "avg_cadence",
}


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def summary_rows(summary: dict, sport: str, system: str = METRIC) -> list[tuple[str, str]]:
    """(label, shown value in `system`) for the computed summary metrics the activity has."""
    return [
        (label, show(summary[key]))
        for key, label, show in _summary_fields(sport, system)
        if _is_number(summary.get(key))
    ]


def file_comparison_rows(
    summary: dict, file_summary: dict, sport: str, system: str = METRIC
) -> list[tuple[str, str, str]]:
    """(label, computed, the file's own) where the file's single session reports the same quantity."""
    sessions = file_summary.get("sessions") or []
    if len(sessions) != 1:  # multisport files report per leg; the computed summary is for the whole
        return []
    session = sessions[0]
    by_key = {key: (label, show) for key, label, show in _summary_fields(sport, system)}
    rows = []
    for file_key, key in FILE_SESSION_KEYS.items():
        file_value, computed = session.get(file_key), summary.get(key)
        if _is_number(file_value) and key in by_key:
            label, show = by_key[key]
            rows.append((label, show(computed) if _is_number(computed) else "–", show(file_value)))
    return rows


# --- performance sections (activity page) and personal bests (activity list) -----------------------------

BEST_EFFORT_LABELS = {
    "400m": "400 m",
    "1km": "1 km",
    "1mile": "1 mile",
    "5km": "5 km",
    "10km": "10 km",
    "half_marathon": "Half marathon",
    "marathon": "Marathon",
}
# Friel's names for his seven LTHR zones (the run and bike tables differ in bounds, not in names).
_FRIEL_NAMES = {
    "Z1": "Recovery",
    "Z2": "Aerobic",
    "Z3": "Tempo",
    "Z4": "Sub-threshold",
    "Z5a": "Super-threshold",
    "Z5b": "Aerobic capacity",
    "Z5c": "Anaerobic capacity",
}
HR_ZONE_LABELS = [(zone, _FRIEL_NAMES.get(zone, "")) for zone, _ in FRIEL_ZONES["run"]]
POWER_ZONE_LABELS = [(zone, name) for zone, name, _ in COGGAN_LEVELS]


def best_effort_rows(efforts: dict | None, system: str = METRIC) -> list[dict]:
    """(distance, time, pace in `system`) for each best effort the activity has, shortest first; the
    distance keeps its standard name ("5 km", "1 mile") in both systems."""
    rows = []
    for key, label in BEST_EFFORT_LABELS.items():
        seconds = (efforts or {}).get(key)
        if _is_number(seconds) and seconds > 0:
            speed = BEST_EFFORT_DISTANCES_M[key] / seconds
            rows.append(
                {
                    "key": key,
                    "label": label,
                    "time": _duration(seconds),
                    "pace": display_pace(speed, system),
                }
            )
    return rows


def zone_rows(seconds: list | None, labels: list[tuple[str, str]]) -> list[dict]:
    """(zone, name, time, share) per zone; empty when the activity spent no time in any."""
    if not isinstance(seconds, list) or len(seconds) != len(labels):
        return []
    values = [float(v) if _is_number(v) else 0.0 for v in seconds]
    total = sum(values)
    if total <= 0:
        return []
    return [
        {"zone": zone, "name": name, "time": _duration(value), "percent": round(100 * value / total)}
        for (zone, name), value in zip(labels, values, strict=True)
    ]


def _duration_label(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600 and seconds % 60 == 0:
        return f"{seconds // 60} min"
    return _duration(seconds)


def power_curve_rows(curve: list | None) -> list[dict]:
    """(duration, watts) of the mean-maximal power curve; its last point is the whole activity."""
    points = [p for p in curve or [] if isinstance(p, list | tuple) and len(p) == 2 and _is_number(p[1])]
    return [
        {
            "duration": "whole activity" if index == len(points) - 1 else _duration_label(duration),
            "watts": f"{watts:.0f} W",
        }
        for index, (duration, watts) in enumerate(points)
    ]


def personal_best_rows(athlete, system: str = METRIC) -> list[dict]:
    return [
        {
            **best,
            "label": BEST_EFFORT_LABELS[best["key"]],
            "time": _duration(best["seconds"]),
            "pace": display_pace(best["distance_m"] / best["seconds"], system),
        }
        for best in selectors.personal_best_efforts(athlete)
    ]


def _chart_units(system: str) -> dict:
    """What the charts (activity-detail.js) plot in: the page's unit system, the scales the text uses."""
    return asdict(unit_scales(system))


@login_required
def activity_list(request, public_id: str):
    athlete = athlete_for(request.user, public_id)
    system = display_units(request.user, athlete)  # metric or imperial, for display only
    form = ActivityFilterForm(request.GET or None, sports=selectors.sports_of(athlete))
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    activities = selectors.activities_of(
        athlete, sport=filters.get("sport") or "", since=filters.get("since"), until=filters.get("until")
    )
    # The override (if any) in the same query: the list shows the effective load, as every sum of load does.
    page = Paginator(activities.select_related("load_override"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for activity in page:
        load = load_of(activity)
        rows.append(
            {
                "activity": activity,
                "duration": _duration(activity.summary["elapsed_s"])
                if activity.summary.get("elapsed_s")
                else "–",
                "distance": display_distance(activity.summary["distance_m"], system)
                if activity.summary.get("distance_m")
                else "–",
                "load": load["load"] if load["load"] is not None else activity.summary.get("tss"),
                "load_method": load["method"],
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/activities/list.html",
        {
            "athlete": athlete,
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "tz": athlete.tzinfo,
            "personal_bests": personal_best_rows(athlete, system),
            "units": system,
        },
    )


@login_required
def activity_detail(request, activity_id: int):
    activity = selectors.activity_for(request.user, activity_id)
    system = display_units(request.user, activity.athlete)
    laps = [
        {
            "number": lap.index + 1,
            "elapsed": _duration(lap.elapsed_s) if lap.elapsed_s is not None else "–",
            "distance": display_distance(lap.distance_m, system) if lap.distance_m is not None else "–",
            "avg_heart_rate": lap.summary.get("avg_heart_rate"),
            "avg_power": lap.summary.get("avg_power"),
        }
        for lap in activity.laps.all()
    ]
    return render(
        request,
        "web/activities/detail.html",
        {
            "activity": activity,
            "athlete": activity.athlete,
            "summary_rows": summary_rows(activity.summary, activity.sport, system),
            "file_rows": file_comparison_rows(
                activity.summary, activity.file_summary, activity.sport, system
            ),
            "laps": laps,
            "tz": activity.athlete.tzinfo,
            "map_tile_url": settings.MAP_TILE_URL,
            "pace_sport": activity.sport in (*PACE_SPORTS, "swimming"),
            "units": system,
            "chart_units": _chart_units(system),
            "best_efforts": best_effort_rows(activity.summary.get("best_efforts"), system),
            "hr_zones": zone_rows(activity.summary.get("time_in_hr_zones_s"), HR_ZONE_LABELS),
            "power_zones": zone_rows(activity.summary.get("time_in_power_zones_s"), POWER_ZONE_LABELS),
            "power_curve": power_curve_rows(activity.summary.get("power_curve")),
        },
    )


@login_required
def activity_upload(request, public_id: str):
    athlete = athlete_for(request.user, public_id)
    return render(
        request,
        "web/activities/upload.html",
        {
            "athlete": athlete,
            "max_upload_mb": settings.MAX_UPLOAD_MB,
            "max_archive_mb": settings.MAX_ARCHIVE_MB,
            "recent": selectors.import_records_of(athlete)[:20],
        },
    )


urlpatterns = [
    path("athletes/<str:public_id>/activities/", activity_list, name="activity-list"),
    path("athletes/<str:public_id>/upload/", activity_upload, name="activity-upload"),
    path("activities/<int:activity_id>/", activity_detail, name="activity-detail"),
]
