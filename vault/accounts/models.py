"""Users and roles, athlete profiles, and the coach roster links that access is decided by."""

from __future__ import annotations

import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone


def new_public_id() -> str:
    """Random, URL-safe identifier for URLs and exports; never the primary key (no enumeration, no counts)."""
    return secrets.token_urlsafe(9)


def new_link_token() -> str:
    return secrets.token_urlsafe(24)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (use an IANA name such as Europe/Berlin)")


class Role(models.TextChoices):
    ATHLETE = "athlete", "Athlete"
    COACH = "coach", "Coach"
    ADMIN = "admin", "Admin"


class User(AbstractUser):
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ATHLETE)

    def save(self, *args, **kwargs):
        # The role is the one truth about admin rights (design.md §5): Django's is_staff / is_superuser
        # follow it on every save, so the admin opens for role=admin and for nobody else, and a coach can
        # never be made staff by a stray checkbox. `createsuperuser` sets only is_superuser on a new user;
        # that user is an admin.
        if self._state.adding and self.is_superuser:
            self.role = Role.ADMIN
        self.is_staff = self.is_superuser = self.role == Role.ADMIN and self.is_active
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"role", "is_active"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "is_staff", "is_superuser"}
        super().save(*args, **kwargs)

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    @property
    def is_coach(self) -> bool:
        return self.role == Role.COACH

    @property
    def is_athlete(self) -> bool:
        return self.role == Role.ATHLETE


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNSPECIFIED = "unspecified", "Prefer not to say"


class Units(models.TextChoices):
    METRIC = "metric", "Metric (km, kg)"
    IMPERIAL = "imperial", "Imperial (mi, lb)"


class AthleteProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="athlete_profile"
    )
    public_id = models.CharField(max_length=24, unique=True, default=new_public_id, editable=False)
    name = models.CharField(max_length=150)
    sex = models.CharField(max_length=16, choices=Sex.choices, default=Sex.UNSPECIFIED)
    birth_date = models.DateField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    units = models.CharField(max_length=16, choices=Units.choices, default=Units.METRIC)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class LinkOrigin(models.TextChoices):
    JOIN_LINK = "join_link", "Join link"
    INTAKE = "intake", "Intake link"
    DIRECT = "direct", "Created by the coach"
    ADMIN = "admin", "Added by an admin"


class CoachAthleteLinkQuerySet(models.QuerySet):
    def active(self) -> CoachAthleteLinkQuerySet:
        return self.filter(ended_at__isnull=True)


class CoachAthleteLink(models.Model):
    """A coach's roster entry. Active while `ended_at` is empty; an ended link stays as history."""

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roster_links")
    athlete = models.ForeignKey(AthleteProfile, on_delete=models.CASCADE, related_name="coach_links")
    origin = models.CharField(max_length=16, choices=LinkOrigin.choices, default=LinkOrigin.DIRECT)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CoachAthleteLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # At most one active link per coach and athlete, enforced by the database (not only a check).
            models.UniqueConstraint(
                fields=["coach", "athlete"],
                condition=Q(ended_at__isnull=True),
                name="one_active_link_per_pair",
            )
        ]

    def __str__(self) -> str:
        state = "active" if self.ended_at is None else "ended"
        return f"{self.coach} → {self.athlete} ({state})"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class JoinLink(models.Model):
    """A coach's reusable invitation: anyone with it can sign up as an athlete on the coach's roster."""

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_links")
    token = models.CharField(max_length=64, unique=True, default=new_link_token, editable=False)
    label = models.CharField(max_length=100, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    max_signups = models.PositiveIntegerField(null=True, blank=True)
    signups = models.PositiveIntegerField(default=0)
    revoked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"join link of {self.coach} ({self.label or self.token[:6]})"

    def usable(self, now=None) -> bool:
        now = now or timezone.now()
        if self.revoked or (self.expires_at and self.expires_at <= now):
            return False
        return self.max_signups is None or self.signups < self.max_signups


class IntakeLink(models.Model):
    """A single-use invitation that also collects the athlete's profile."""

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="intake_links")
    token = models.CharField(max_length=64, unique=True, default=new_link_token, editable=False)
    email = models.EmailField(blank=True)
    note = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    athlete = models.ForeignKey(
        AthleteProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"intake link of {self.coach} ({'used' if self.used_at else 'open'})"

    def usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and not (self.expires_at and self.expires_at <= now)
