"""The metric history (design.md §4): every threshold, body measure and test value an athlete ever had."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from vault.accounts.models import AthleteProfile
from vault.metrics.types import METRIC_TYPE_CHOICES, METRIC_TYPES


class Source(models.TextChoices):
    ASSESSMENT = "assessment", "Assessment"
    CALCULATOR = "calculator", "Calculator"
    MANUAL = "manual", "Manual entry"
    ACTIVITY = "activity", "From an activity"
    MODELED = "modeled", "Modeled"


class ReviewStatus(models.TextChoices):
    NOT_REQUIRED = "not_required", "No review needed"
    PENDING = "pending", "Waiting for review"
    INFO_REQUESTED = "info_requested", "More information requested"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


# An entry is "in force" (may be the current value) only in these states; pending and declined never are.
IN_FORCE_STATUSES = (ReviewStatus.NOT_REQUIRED, ReviewStatus.ACCEPTED)
WAITING_STATUSES = (ReviewStatus.PENDING, ReviewStatus.INFO_REQUESTED)


class MetricHistoryQuerySet(models.QuerySet):
    def in_force(self) -> MetricHistoryQuerySet:
        return self.filter(review_status__in=IN_FORCE_STATUSES)

    def waiting_for_review(self) -> MetricHistoryQuerySet:
        return self.filter(needs_review=True)

    def newest_first(self) -> MetricHistoryQuerySet:
        return self.order_by("-recorded_on", "-created_at", "-id")


class MetricHistory(models.Model):
    athlete = models.ForeignKey(AthleteProfile, on_delete=models.CASCADE, related_name="metric_history")
    metric_type = models.CharField(max_length=32, choices=METRIC_TYPE_CHOICES)
    value = models.FloatField(help_text="In the metric type's stored unit (SI where one fits).")
    value_display = models.CharField(max_length=40)
    recorded_on = models.DateField()
    source = models.CharField(max_length=16, choices=Source.choices)
    source_detail = models.CharField(max_length=200, blank=True)
    # True while the entry waits for a reviewer (pending or more information requested).
    needs_review = models.BooleanField(default=False)
    review_status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.NOT_REQUIRED
    )
    review_note = models.TextField(
        blank=True, help_text="The reviewer's reason or question, shown to the athlete."
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = MetricHistoryQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_on", "-created_at", "-id"]
        verbose_name = "metric history entry"
        verbose_name_plural = "metric history"
        indexes = [
            models.Index(fields=["athlete", "metric_type", "recorded_on"]),
            models.Index(fields=["athlete", "needs_review"]),
        ]

    def __str__(self) -> str:
        return f"{self.athlete} {self.metric_type} {self.value_display} on {self.recorded_on}"

    @property
    def type_info(self):
        return METRIC_TYPES.get(self.metric_type)

    @property
    def label(self) -> str:
        info = self.type_info
        return info.label if info else self.metric_type

    @property
    def is_manual(self) -> bool:
        return self.source == Source.MANUAL

    @property
    def is_in_force(self) -> bool:
        return self.review_status in IN_FORCE_STATUSES

    def age_days(self, today=None) -> int:
        today = today or timezone.localdate(timezone=self.athlete.tzinfo)
        return (today - self.recorded_on).days
