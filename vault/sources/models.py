"""Source connections (watched folders, Strava, Nike Run Club), their cursors, and the log of what they found."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from vault.sources import crypto


class SourceKind(models.TextChoices):
    WATCHED_FOLDER = "watched_folder", "Watched folder"
    STRAVA = "strava", "Strava"
    NRC = "nrc", "Nike Run Club"


class SourceStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SYNCING = "syncing", "Syncing"
    NEEDS_ATTENTION = "needs_attention", "Needs attention"
    RECONNECT = "reconnect", "Reconnect"


class Source(models.Model):
    """One connection of one athlete. `config` holds what may be shown (folder path, Strava athlete id,
    granted scopes); `secrets_encrypted` holds tokens, encrypted, never shown or exported; `cursor` is where
    the next sync continues."""

    athlete = models.ForeignKey("accounts.AthleteProfile", on_delete=models.CASCADE, related_name="sources")
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    status = models.CharField(max_length=20, choices=SourceStatus.choices, default=SourceStatus.ACTIVE)
    status_reason = models.TextField(blank=True)
    config = models.JSONField(default=dict, blank=True)
    secrets_encrypted = models.TextField(blank=True, editable=False)
    cursor = models.JSONField(default=dict, blank=True)
    oauth_nonce = models.CharField(max_length=64, blank=True, editable=False)  # single-use Strava `state`
    last_sync_at = models.DateTimeField(null=True, blank=True)
    # While "syncing": the status to return to should the sync die without finishing (a killed worker), and
    # the sync's last sign of life (written with the cursor, so it costs no extra query).
    status_before_sync = models.CharField(max_length=20, choices=SourceStatus.choices, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # One Strava and one NRC connection per athlete (an account cannot usefully be connected twice).
            models.UniqueConstraint(
                fields=["athlete", "kind"],
                condition=Q(kind__in=["strava", "nrc"]),
                name="one_service_per_athlete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.athlete}" + (f" ({self.path})" if self.path else "")

    @property
    def path(self) -> str:
        return self.config.get("path", "") if self.kind == SourceKind.WATCHED_FOLDER else ""

    @property
    def secrets(self) -> dict:
        return crypto.decrypt_json(self.secrets_encrypted)

    @secrets.setter
    def secrets(self, value: dict) -> None:
        self.secrets_encrypted = crypto.encrypt_json(value)


class FileStatus(models.TextChoices):
    IMPORTED = "imported", "Imported"
    DUPLICATE = "duplicate", "Duplicate"
    ERROR = "error", "Error"


class SourceFileLog(models.Model):
    """One file or remote activity a source processed. Unlike the importer's ImportRecord it also holds what
    failed before reaching the importer (malformed JSON, empty streams) and the remote id it came from."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="file_log")
    name = models.CharField(max_length=500)
    external_id = models.CharField(max_length=80, blank=True)
    status = models.CharField(max_length=16, choices=FileStatus.choices)
    message = models.TextField(blank=True)
    activity_id = models.BigIntegerField(null=True, blank=True)  # no FK: the log outlives a deleted activity
    # A transient failure (network, 5xx, malformed JSON after the retries): the next sync fetches this remote
    # activity again, and the entry it then writes replaces this one. Permanent failures keep retry False.
    retry = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["source", "-created_at"]),
            models.Index(fields=["source", "external_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.status}"


class SeenFile(models.Model):
    """A watched-folder file already processed at this size and modification time: not read again until it
    changes, so a poll of a folder of thousands of files costs a stat each."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="seen_files")
    path = models.CharField(max_length=1000)  # relative to the folder
    size = models.BigIntegerField()
    mtime_ns = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "path"], name="seen_file_once_per_source")]

    def __str__(self) -> str:
        return self.path


class ConnectorSettings(models.Model):
    """Site-wide connector settings from the Settings page (one row). Empty fields fall back to the
    environment (STRAVA_CLIENT_ID, STRAVA_CLIENT_SECRET, WATCH_POLL_SECONDS, SYNC_INTERVAL_MINUTES)."""

    strava_client_id = models.CharField(max_length=40, blank=True)
    strava_client_secret_encrypted = models.TextField(blank=True, editable=False)
    watch_poll_seconds = models.PositiveIntegerField(null=True, blank=True)
    sync_interval_minutes = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "connector settings"

    def __str__(self) -> str:
        return "Connector settings"

    @property
    def strava_client_secret(self) -> str:
        return crypto.decrypt_text(self.strava_client_secret_encrypted)

    @strava_client_secret.setter
    def strava_client_secret(self, value: str) -> None:
        self.strava_client_secret_encrypted = crypto.encrypt_text(value)
