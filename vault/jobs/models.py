"""Durable state of every background job; the queue carries only the job id (design.md §4)."""

from django.conf import settings
from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Job(models.Model):
    kind = models.CharField(max_length=40)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    athlete = models.ForeignKey(
        "accounts.AthleteProfile", null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    params = models.JSONField(default=dict, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)
    result_file = models.CharField(max_length=300, blank=True)  # storage name of a produced file, if any
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def results(self) -> list[dict]:
        """The per-item results in the order they were reported (the API's `results`)."""
        return list(self.result_rows.order_by("id").values_list("data", flat=True))


class JobResult(models.Model):
    """One result a job reported (a file imported, an activity recomputed), a row each.

    Rows, not a JSON list on the job: appending is one INSERT however many came before, where rewriting a
    growing list per file costs quadratic time and write volume on a 10,000-file archive.
    """

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="result_rows")
    data = models.JSONField()

    class Meta:
        ordering = ["job", "id"]

    def __str__(self) -> str:
        return f"result {self.pk} of job {self.job_id}"
