"""Pages: the dashboard (athlete: own thresholds and recent changes; coach/admin: the roster) and the athlete page.

Other areas add sections to these pages through the template blocks `dashboard_extra` and `athlete_extra`.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from vault.accounts.access import athlete_for, own_athlete
from vault.coaching.selectors import roster_coaching, unread_threads, unseen_concerns
from vault.metrics.models import MetricHistory, ReviewStatus
from vault.metrics.selectors import (
    current_values,
    display_units,
    pending_review_count,
    recent_changes,
    roster_overview,
)
from vault.metrics.services import has_active_coach
from vault.metrics.types import METRIC_TYPES, THRESHOLD_TYPES


def athlete_overview(athlete) -> dict:
    """What the dashboard and the athlete page show about one athlete."""
    current = current_values(athlete)
    return {
        "athlete": athlete,
        "current": list(current.values()),
        "changes": recent_changes(athlete),
        "pending_count": pending_review_count(athlete),
        "has_coach": has_active_coach(athlete),
        # What the athlete must see from the review: questions still open and declined values with a reason.
        "review_notes": MetricHistory.objects.filter(
            athlete=athlete, review_status__in=[ReviewStatus.INFO_REQUESTED, ReviewStatus.DECLINED]
        )
        .exclude(review_note="")
        .order_by("-reviewed_at")[:5],
    }


@login_required
def dashboard(request):
    athlete = own_athlete(request.user)
    context = {"threshold_labels": [METRIC_TYPES[key].label for key in THRESHOLD_TYPES]}
    if athlete is not None:
        context.update(athlete_overview(athlete))
        context["units"] = display_units(request.user, athlete)  # metric or imperial, for display only
        context["unseen_concerns"] = unseen_concerns(athlete).count()
        thread = unread_threads(request.user).get(athlete.pk, {})
        context["unread_comments"] = thread.get("count", 0)
        context["unread_activity_id"] = thread.get("activity_id")  # the badge opens that thread
        # The dashboard leads with the thresholds; the athlete page shows every current value.
        context["current"] = sorted(
            (entry for entry in context["current"] if entry.metric_type in THRESHOLD_TYPES),
            key=lambda entry: THRESHOLD_TYPES.index(entry.metric_type),
        )
    else:
        context["roster"] = roster_overview(request.user)
        coaching = roster_coaching(request.user, [row.athlete for row in context["roster"]])
        for row in context["roster"]:
            row.coaching = coaching[row.athlete.pk]
        context["pending_total"] = sum(row.pending for row in context["roster"])
    return render(request, "web/dashboard.html", context)


@login_required
def athlete_detail(request, public_id: str):
    athlete = athlete_for(request.user, public_id)
    context = {**athlete_overview(athlete), "units": display_units(request.user, athlete)}
    return render(request, "web/athlete/detail.html", context)


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("athletes/<str:public_id>/", athlete_detail, name="athlete-detail"),
]
