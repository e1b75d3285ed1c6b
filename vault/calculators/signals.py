"""When a threshold that governs activities' derived values changes in the metric history (a new FTP, an
accepted CSS, a deleted threshold HR), recompute those activities in the background (issue 5 §5).

A signal rather than a call in the metrics services: every path that changes the history (forms, API,
review, import, assessments, modeled values) is covered without each one remembering to do it.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from vault.metrics.models import IN_FORCE_STATUSES, MetricHistory

# The metric types summarize_activity's load and zones depend on.
GOVERNING_METRICS = frozenset({"ftp", "threshold_hr", "threshold_run_pace", "css_pace"})


def _recompute_from(entry: MetricHistory) -> None:
    from vault.activities.jobs import ACTIVITIES_RECOMPUTE
    from vault.activities.models import Activity
    from vault.jobs.services import job_create

    if entry.metric_type not in GOVERNING_METRICS:
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
