"""When a threshold that governs activities' derived values changes in the metric history (a new FTP, an
accepted CSS, a deleted threshold HR), recompute those activities in the background (issue 5 §5).

A signal rather than a call in the metrics services: every path that changes the history (forms, API,
review, import, assessments, modeled values) is covered without each one remembering to do it.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from vault.metrics.models import IN_FORCE_STATUSES, MetricHistory


def governing_metrics() -> frozenset[str]:
    """The metric types an activity's derived values depend on: exactly those the import hands to
    summarize_activity (THRESHOLD_METRICS), so the list the summary reads and the list that triggers a
    recompute cannot drift apart (a new CP, W′, max or resting HR or weight changes the load, zones, W′
    balance or calories too). Imported late: the activities app imports this one's models."""
    from vault.activities.services import THRESHOLD_METRICS

    return frozenset(THRESHOLD_METRICS.values())


def _recompute_from(entry: MetricHistory) -> None:
    from vault.activities.jobs import ACTIVITIES_RECOMPUTE
    from vault.activities.models import Activity
    from vault.jobs.services import job_create

    if entry.metric_type not in governing_metrics():
        return
    if not Activity.objects.filter(
        athlete_id=entry.athlete_id, start_time__date__gte=entry.recorded_on
    ).exists():
        return
    job_create(
        kind=ACTIVITIES_RECOMPUTE,
        owner=entry.created_by or entry.athlete.user,
        athlete=entry.athlete,
        params={"since": entry.recorded_on.isoformat(), "metric_type": entry.metric_type},
    )


@receiver(post_save, sender=MetricHistory, dispatch_uid="calculators.recompute_on_metric_save")
def recompute_on_metric_save(sender, instance: MetricHistory, **kwargs) -> None:
    if instance.review_status in IN_FORCE_STATUSES or not kwargs.get("created"):
        # A new value in force, or a review that put one in or out of force.
        _recompute_from(instance)


@receiver(post_delete, sender=MetricHistory, dispatch_uid="calculators.recompute_on_metric_delete")
def recompute_on_metric_delete(sender, instance: MetricHistory, **kwargs) -> None:
    # Only an entry deleted on its own: when a whole athlete or account goes, there is nothing to recompute.
    if isinstance(kwargs.get("origin"), MetricHistory) and instance.review_status in IN_FORCE_STATUSES:
        _recompute_from(instance)
