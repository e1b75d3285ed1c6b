"""Pages: an athlete's activities, one activity (summary, laps, charts, map) and the upload page."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path

from trainingmath import units
from vault.accounts.access import athlete_for
from vault.activities import selectors

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


def _km(metres) -> str:
    return f"{metres / 1000:.2f} km"


def _pace_or_speed(sport: str):
    def show(speed) -> str:
        if not speed or speed <= 0:
            return "–"
        if sport == "swimming":
            return units.format_pace_per_100m(speed)
        if sport in ("running", "walking", "hiking"):
            return units.format_pace_per_km(speed)
        return f"{units.km_per_h(speed):.1f} km/h"

    return show


def _number(unit: str, digits: int = 0):
    return lambda value: f"{value:.{digits}f}{' ' + unit if unit else ''}"


def _summary_fields(sport: str) -> list[tuple[str, str, object]]:
    """(summary key, label, formatter) in the order a coach reads them."""
    speed = _pace_or_speed(sport)
    speed_word = "speed" if sport == "cycling" else "pace"
    return [
        ("elapsed_s", "Elapsed time", _duration),
        ("moving_s", "Moving time", _duration),
        ("distance_m", "Distance", _km),
        ("elevation_gain_m", "Elevation gain", _number("m")),
        ("elevation_loss_m", "Elevation loss", _number("m")),
        ("avg_speed_m_per_s", f"Average {speed_word}", speed),
        ("max_speed_m_per_s", f"Best {speed_word}", speed),
        ("avg_heart_rate", "Average heart rate", _number("bpm")),
        ("max_heart_rate", "Max heart rate", _number("bpm")),
        ("avg_power_w", "Average power", _number("W")),
        ("max_power_w", "Max power", _number("W")),
        ("np_w", "Normalized Power", _number("W")),
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


def summary_rows(summary: dict, sport: str) -> list[tuple[str, str]]:
    """(label, shown value) for the computed summary metrics the activity has."""
    return [
        (label, show(summary[key]))
        for key, label, show in _summary_fields(sport)
        if _is_number(summary.get(key))
    ]


def file_comparison_rows(summary: dict, file_summary: dict, sport: str) -> list[tuple[str, str, str]]:
    """(label, computed, the file's own) where the file's single session reports the same quantity."""
    sessions = file_summary.get("sessions") or []
    if len(sessions) != 1:  # multisport files report per leg; the computed summary is for the whole
        return []
    session = sessions[0]
    by_key = {key: (label, show) for key, label, show in _summary_fields(sport)}
    rows = []
    for file_key, key in FILE_SESSION_KEYS.items():
        file_value, computed = session.get(file_key), summary.get(key)
        if _is_number(file_value) and key in by_key:
            label, show = by_key[key]
            rows.append((label, show(computed) if _is_number(computed) else "–", show(file_value)))
    return rows


@login_required
def activity_list(request, public_id: str):
    athlete = athlete_for(request.user, public_id)
    form = ActivityFilterForm(request.GET or None, sports=selectors.sports_of(athlete))
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    activities = selectors.activities_of(
        athlete, sport=filters.get("sport") or "", since=filters.get("since"), until=filters.get("until")
    )
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "activity": activity,
            "duration": _duration(activity.summary["elapsed_s"])
            if activity.summary.get("elapsed_s")
            else "–",
            "distance": _km(activity.summary["distance_m"]) if activity.summary.get("distance_m") else "–",
            "load": activity.summary.get("load")
            if activity.summary.get("load") is not None
            else activity.summary.get("tss"),
        }
        for activity in page
    ]
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
        },
    )


@login_required
def activity_detail(request, activity_id: int):
    activity = selectors.activity_for(request.user, activity_id)
    laps = [
        {
            "number": lap.index + 1,
            "elapsed": _duration(lap.elapsed_s) if lap.elapsed_s is not None else "–",
            "distance": _km(lap.distance_m) if lap.distance_m is not None else "–",
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
            "summary_rows": summary_rows(activity.summary, activity.sport),
            "file_rows": file_comparison_rows(activity.summary, activity.file_summary, activity.sport),
            "laps": laps,
            "tz": activity.athlete.tzinfo,
            "map_tile_url": settings.MAP_TILE_URL,
            "pace_sport": activity.sport in ("running", "walking", "hiking", "swimming"),
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
            "recent": selectors.import_records_of(athlete)[:20],
        },
    )


urlpatterns = [
    path("athletes/<str:public_id>/activities/", activity_list, name="activity-list"),
    path("athletes/<str:public_id>/upload/", activity_upload, name="activity-upload"),
    path("activities/<int:activity_id>/", activity_detail, name="activity-detail"),
]
