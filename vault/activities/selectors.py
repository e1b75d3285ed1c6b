"""Reads of the activities app. Every lookup goes through the access policy: others' activities are 404."""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db.models import QuerySet
from django.http import Http404

from vault.accounts.access import visible_athletes
from vault.activities import storage
from vault.activities.models import Activity, ImportRecord


def activities_of(
    athlete, *, sport: str = "", since: dt.date | None = None, until: dt.date | None = None
) -> QuerySet[Activity]:
    """An athlete's activities, newest first, optionally of one sport and between two days (inclusive).

    Days are the athlete's own calendar days: a run at 00:30 in Madrid belongs to that day, not the UTC one.
    """
    activities = Activity.objects.filter(athlete=athlete).select_related("original")
    if sport:
        activities = activities.filter(sport=sport)
    if since:
        activities = activities.filter(
            start_time__gte=dt.datetime.combine(since, dt.time.min, athlete.tzinfo)
        )
    if until:
        next_day = until + dt.timedelta(days=1)
        activities = activities.filter(
            start_time__lt=dt.datetime.combine(next_day, dt.time.min, athlete.tzinfo)
        )
    return activities.order_by("-start_time", "-id")


def sports_of(athlete) -> list[str]:
    return sorted(set(Activity.objects.filter(athlete=athlete).values_list("sport", flat=True)))


def activity_for(user, activity_id: int) -> Activity:
    """The activity if `user` may see its athlete; otherwise Http404 (whether or not it exists)."""
    activity = (
        Activity.objects.filter(pk=activity_id, athlete__in=visible_athletes(user))
        .select_related("athlete", "original")
        .first()
    )
    if activity is None:
        raise Http404("No activity here.")
    return activity


def personal_best_efforts(athlete) -> list[dict]:
    """The athlete's fastest time at each best-effort distance (trainingmath's list: 400 m to the marathon),
    over every activity: [{"key", "distance_m", "seconds", "activity_id", "activity_name", "start_time"}],
    shortest distance first; distances never covered are left out.

    Reads only each activity's `summary.best_efforts` (a handful of numbers), never a streams file.
    """
    from trainingmath.running import BEST_EFFORT_DISTANCES_M

    best: dict[str, dict] = {}
    rows = (
        Activity.objects.filter(athlete=athlete, summary__has_key="best_efforts")
        .values_list("pk", "name", "sport", "start_time", "summary__best_efforts")
        .order_by("start_time", "pk")  # on a tie the first time it was run stands
    )
    for pk, name, sport, start_time, efforts in rows.iterator(chunk_size=500):
        if not isinstance(efforts, dict):
            continue
        for key, seconds in efforts.items():
            if key not in BEST_EFFORT_DISTANCES_M or not isinstance(seconds, int | float) or seconds <= 0:
                continue
            if key not in best or seconds < best[key]["seconds"]:
                best[key] = {
                    "key": key,
                    "distance_m": BEST_EFFORT_DISTANCES_M[key],
                    "seconds": float(seconds),
                    "activity_id": pk,
                    "activity_name": name or f"{sport.replace('_', ' ').title()} {start_time:%Y-%m-%d}",
                    "start_time": start_time,
                }
    return [best[key] for key in BEST_EFFORT_DISTANCES_M if key in best]


def import_records_of(athlete) -> QuerySet[ImportRecord]:
    return ImportRecord.objects.filter(athlete=athlete).order_by("-created_at", "-id")


def downsample_indices(count: int, max_points: int | None) -> np.ndarray:
    """Evenly spaced sample indices (first and last kept), shared by every channel so they stay aligned."""
    if not max_points or count <= max_points:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, max(max_points, 2)).round().astype(np.int64))


def activity_streams(
    activity: Activity,
    *,
    max_points: int | None = None,
    from_s: float | None = None,
    to_s: float | None = None,
) -> dict:
    """The activity's streams as JSON-ready lists (NaN -> None).

    `from_s`/`to_s` (seconds after the first sample) cut a window, for a chart zoomed in; the window (or the
    whole) is then thinned to `max_points` evenly spaced samples.
    """
    streams = storage.streams_read(activity.streams_file)
    count = len(next(iter(streams.values()))) if streams else 0
    window = np.arange(count)
    timestamps = streams.get("timestamp")
    if timestamps is not None and count and (from_s is not None or to_s is not None):
        elapsed = timestamps - timestamps[0]
        inside = np.ones(count, dtype=bool)
        if from_s is not None:
            inside &= elapsed >= from_s
        if to_s is not None:
            inside &= elapsed <= to_s
        window = np.flatnonzero(inside)
    indices = window[downsample_indices(window.size, max_points)]
    channels = {}
    for channel, values in streams.items():
        picked = values[indices].astype(np.float64)
        as_objects = picked.astype(object)
        as_objects[~np.isfinite(picked)] = None
        channels[channel] = as_objects.tolist()
    return {
        "sample_count": count,
        "window_count": int(window.size),
        "returned": int(indices.size),
        "streams": channels,
    }
