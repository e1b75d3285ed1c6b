"""The daily conversation between coach and athlete: wellness logs, coach notes, activity comments."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


def _scale(low: int, high: int):
    return [MinValueValidator(low), MaxValueValidator(high)]


class CyclePhase(models.TextChoices):
    MENSTRUAL = "menstrual", "Menstrual"
    FOLLICULAR = "follicular", "Follicular"
    OVULATION = "ovulation", "Ovulation"
    LUTEAL = "luteal", "Luteal"


class Flow(models.TextChoices):
    NONE = "none", "None"
    LIGHT = "light", "Light"
    MEDIUM = "medium", "Medium"
    HEAVY = "heavy", "Heavy"


class WellnessEntry(models.Model):
    """One athlete's morning check-in for one day. Every measure is optional; one entry per day."""

    athlete = models.ForeignKey("accounts.AthleteProfile", on_delete=models.CASCADE, related_name="wellness")
    date = models.DateField()
    sleep_hours = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(24)]
    )
    sleep_quality = models.PositiveSmallIntegerField(null=True, blank=True, validators=_scale(1, 10))
    hrv_rmssd_ms = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(300)]
    )
    resting_hr = models.PositiveSmallIntegerField(null=True, blank=True, validators=_scale(20, 150))
    weight_kg = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(20), MaxValueValidator(300)]
    )
    body_battery = models.PositiveSmallIntegerField(null=True, blank=True, validators=_scale(0, 100))
    stress = models.PositiveSmallIntegerField(null=True, blank=True, validators=_scale(1, 10))
    soreness = models.PositiveSmallIntegerField(null=True, blank=True, validators=_scale(1, 10))
    fatigue = models.PositiveSmallIntegerField(null=True, blank=True, validators=_scale(1, 10))
    mood = models.PositiveSmallIntegerField(null=True, blank=True, validators=_scale(1, 10))
    motivation = models.PositiveSmallIntegerField(null=True, blank=True, validators=_scale(1, 10))
    travel = models.BooleanField(default=False)
    alcohol_units = models.PositiveSmallIntegerField(null=True, blank=True, validators=_scale(0, 40))
    illness = models.BooleanField(default=False)
    illness_note = models.CharField(max_length=300, blank=True)
    cycle_day = models.PositiveSmallIntegerField(null=True, blank=True, validators=_scale(1, 60))
    cycle_phase = models.CharField(max_length=16, choices=CyclePhase.choices, blank=True)
    cycle_flow = models.CharField(max_length=16, choices=Flow.choices, blank=True)
    cycle_symptoms = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True, max_length=4000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["athlete", "date"], name="one_wellness_entry_per_day")]

    def __str__(self) -> str:
        return f"wellness {self.athlete} {self.date}"


class NoteDomain(models.TextChoices):
    SWIM = "swim", "Swim"
    BIKE = "bike", "Bike"
    RUN = "run", "Run"
    GENERAL = "general", "General"


class CoachNote(models.Model):
    """A coach's note about an athlete (Markdown). Private to coaches unless shared with the athlete."""

    athlete = models.ForeignKey(
        "accounts.AthleteProfile", on_delete=models.CASCADE, related_name="coach_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="authored_notes"
    )
    body = models.TextField(max_length=20000)
    domain = models.CharField(max_length=16, choices=NoteDomain.choices, default=NoteDomain.GENERAL)
    activity = models.ForeignKey(
        "activities.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="coach_notes"
    )
    race = models.ForeignKey(
        "calculators.Race", null=True, blank=True, on_delete=models.SET_NULL, related_name="coach_notes"
    )
    visible_to_athlete = models.BooleanField(default=False)
    concerning = models.BooleanField(default=False)
    athlete_seen_at = models.DateTimeField(null=True, blank=True)  # when the athlete saw a shared concern
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"note on {self.athlete} by {self.author}"


class NoteTemplate(models.Model):
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="note_templates"
    )
    name = models.CharField(max_length=100)
    body = models.TextField(max_length=20000)
    domain = models.CharField(max_length=16, choices=NoteDomain.choices, default=NoteDomain.GENERAL)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["coach", "name"], name="template_name_unique_per_coach")
        ]

    def __str__(self) -> str:
        return self.name


class ActivityComment(models.Model):
    activity = models.ForeignKey("activities.Activity", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activity_comments"
    )
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"comment by {self.author} on activity {self.activity_id}"


class CommentReadMark(models.Model):
    """How far a user has read an activity's thread; unread = comments by others after `read_at`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    activity = models.ForeignKey("activities.Activity", on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "activity"], name="one_read_mark_per_thread")]

    def __str__(self) -> str:
        return f"{self.user} read activity {self.activity_id} at {self.read_at:%Y-%m-%d %H:%M}"
