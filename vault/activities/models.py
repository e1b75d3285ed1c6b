"""Activities, their laps, the stored originals they came from, and the log of every import attempt."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class SourceKind(models.TextChoices):
    UPLOAD = "upload", "File upload"
    STRAVA_ARCHIVE = "strava_archive", "Strava archive"
    STRAVA = "strava", "Strava"
    NRC = "nrc", "Nike Run Club"
    FOLDER = "folder", "Watched folder"
    CLI = "cli", "Command line"


class ImportStatus(models.TextChoices):
    IMPORTED = "imported", "Imported"
    DUPLICATE = "duplicate", "Duplicate"
    ERROR = "error", "Error"
    SKIPPED = "skipped", "Skipped"  # nothing to import: a manual activity listed in a Strava archive


class StoredOriginal(models.Model):
    """One original file, stored once however many activities (of however many athletes) came from it."""

    sha256 = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=300)  # storage name: originals/ab/cd/<sha256>
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.size} B)"


class Activity(models.Model):
    athlete = models.ForeignKey(
        "accounts.AthleteProfile", on_delete=models.CASCADE, related_name="activities"
    )
    sport = models.CharField(max_length=40, default="generic")
    sub_sport = models.CharField(max_length=40, blank=True)
    start_time = models.DateTimeField()
    name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    gear = models.CharField(max_length=200, blank=True)
    source_kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.UPLOAD)
    external_id = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64)
    original = models.ForeignKey(StoredOriginal, on_delete=models.PROTECT, related_name="activities")
    original_filename = models.CharField(max_length=255)
    streams_file = models.CharField(max_length=300, blank=True)  # storage name of the .npz
    summary = models.JSONField(default=dict)  # computed by trainingmath: what the app shows
    file_summary = models.JSONField(default=dict)  # the file's own session values, kept for comparison
    device = models.JSONField(default=dict)
    trainer = models.BooleanField(default=False)
    warnings = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_time"]
        constraints = [
            # The guard against a double import: two workers racing on the same file get one row.
            models.UniqueConstraint(fields=["athlete", "sha256"], name="activity_unique_file_per_athlete"),
            models.UniqueConstraint(
                fields=["athlete", "external_id"],
                condition=~Q(external_id=""),
                name="activity_unique_external_id_per_athlete",
            ),
        ]
        indexes = [models.Index(fields=["athlete", "-start_time"]), models.Index(fields=["athlete", "sport"])]
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return f"{self.name or self.sport} {self.start_time:%Y-%m-%d %H:%M}"

    @property
    def display_name(self) -> str:
        return self.name or f"{self.sport.replace('_', ' ').title()} {self.start_time:%Y-%m-%d}"


class Lap(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="laps")
    index = models.PositiveIntegerField()
    start_time = models.DateTimeField(null=True, blank=True)
    elapsed_s = models.FloatField(null=True, blank=True)
    distance_m = models.FloatField(null=True, blank=True)
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["activity", "index"]
        constraints = [models.UniqueConstraint(fields=["activity", "index"], name="lap_unique_index")]

    def __str__(self) -> str:
        return f"lap {self.index + 1} of {self.activity_id}"


class ImportRecord(models.Model):
    """The log of every file any source saw, whatever became of it."""

    athlete = models.ForeignKey("accounts.AthleteProfile", on_delete=models.CASCADE, related_name="imports")
    source_kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.UPLOAD)
    source_id = models.BigIntegerField(
        null=True, blank=True
    )  # a sources.Source id; no FK, the log outlives it
    name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=ImportStatus.choices)
    message = models.TextField(blank=True)
    warnings = models.JSONField(default=list)
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_records"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["athlete", "-created_at"]),
            models.Index(fields=["source_kind", "source_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.status}"
