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
