"""Races and saved calculator results (design.md §4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from vault.accounts.models import AthleteProfile


class Sport(models.TextChoices):
    SWIM = "swim", "Swim"
    BIKE = "bike", "Bike"
    RUN = "run", "Run"


class RaceDistance(models.TextChoices):
    SPRINT = "sprint", "Sprint (750 m / 20 km / 5 km)"
    OLYMPIC = "olympic", "Olympic (1.5 km / 40 km / 10 km)"
    HALF = "half", "Half, 70.3 (1.9 km / 90 km / 21.1 km)"
    FULL = "full", "Full (3.8 km / 180 km / 42.2 km)"
    CUSTOM = "custom", "Custom legs"


# The standard triathlon distances (science.md §7); a preset race always carries exactly these legs.
PRESET_LEGS: dict[str, list[dict]] = {
    RaceDistance.SPRINT: [
        {"sport": "swim", "distance_m": 750.0},
        {"sport": "bike", "distance_m": 20000.0},
        {"sport": "run", "distance_m": 5000.0},
    ],
    RaceDistance.OLYMPIC: [
        {"sport": "swim", "distance_m": 1500.0},
        {"sport": "bike", "distance_m": 40000.0},
        {"sport": "run", "distance_m": 10000.0},
    ],
    RaceDistance.HALF: [
        {"sport": "swim", "distance_m": 1900.0},
        {"sport": "bike", "distance_m": 90000.0},
        {"sport": "run", "distance_m": 21097.5},
    ],
    RaceDistance.FULL: [
        {"sport": "swim", "distance_m": 3800.0},
        {"sport": "bike", "distance_m": 180000.0},
        {"sport": "run", "distance_m": 42195.0},
    ],
}


class RacePriority(models.TextChoices):
    A = "A", "A (season goal)"
    B = "B", "B (important)"
    C = "C", "C (training race)"


class Race(models.Model):
    athlete = models.ForeignKey(AthleteProfile, on_delete=models.CASCADE, related_name="races")
    name = models.CharField(max_length=200)
    date = models.DateField()
    distance = models.CharField(max_length=16, choices=RaceDistance.choices)
    # [{"sport": "swim"|"bike"|"run", "distance_m": float}, ...] in race order.
    legs = models.JSONField(default=list)
    elevation_gain_m = models.FloatField(null=True, blank=True)
    altitude_m = models.FloatField(null=True, blank=True)
    expected_temperature_c = models.FloatField(null=True, blank=True)
    priority = models.CharField(max_length=1, choices=RacePriority.choices, default=RacePriority.B)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["athlete", "date"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.date})"

    def leg_distance_m(self, sport: str) -> float | None:
        """Total distance of the legs of `sport` (a duathlon has two runs), or None when the race has none."""
        distances = [leg["distance_m"] for leg in self.legs if leg.get("sport") == sport]
        return sum(distances) if distances else None

    @property
    def total_distance_m(self) -> float:
        return sum(leg["distance_m"] for leg in self.legs)

    @property
    def legs_summary(self) -> str:
        """'swim 1.5 km / bike 40 km / run 10 km'."""
        return " / ".join(f"{leg['sport']} {leg['distance_m'] / 1000:g} km" for leg in self.legs)

    @property
    def distance_summary(self) -> str:
        """The preset's name, or the custom legs spelled out."""
        if self.distance == RaceDistance.CUSTOM:
            return f"custom: {self.legs_summary}"
        return self.distance


class CalculatorType(models.TextChoices):
    CSS = "css", "Critical swim speed"
    CRITICAL_POWER = "critical_power", "Critical power"
    FTP_TEST = "ftp_test", "FTP test"
    AIR_DENSITY = "air_density", "Air density"
    BIKE_SPEED = "bike_speed", "Bike speed and power"
    CDA = "cda", "CdA"
    BIKE_PLAN = "bike_plan", "Bike plan"
    FINISH_TIME = "finish_time", "Finish time"
    RUN_PREDICTION = "run_prediction", "Run prediction"
    TRAINING_PACES = "training_paces", "Training paces"
    ZONES = "zones", "Zones"
    CALORIES = "calories", "Calories"
    FUELING = "fueling", "Fueling"


class CalculatorResult(models.Model):
    """One saved calculator run. Per (race, type) one result is active (the plan uses it); the rest are history."""

    athlete = models.ForeignKey(AthleteProfile, on_delete=models.CASCADE, related_name="calculator_results")
    calculator_type = models.CharField(max_length=32, choices=CalculatorType.choices)
    race = models.ForeignKey(
        Race, null=True, blank=True, on_delete=models.CASCADE, related_name="calculator_results"
    )
    inputs = models.JSONField(default=dict)
    outputs = models.JSONField(default=dict)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["athlete", "calculator_type", "created_at"])]
        constraints = [
            # The race plan reads the active result per step; two active ones would make it ambiguous.
            models.UniqueConstraint(
                fields=["race", "calculator_type"],
                condition=Q(is_active=True, race__isnull=False),
                name="one_active_result_per_race_and_type",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_calculator_type_display()} for {self.athlete} ({self.created_at:%Y-%m-%d})"


class AssessmentKind(models.TextChoices):
    CSS_TEST = "css_test", "CSS test"
    FTP_TEST = "ftp_test", "FTP test (20 min)"
    CP_TEST = "cp_test", "Critical-power test"
    RUN_THRESHOLD_TEST = "run_threshold_test", "Run threshold test (30-min time trial)"


class Assessment(models.Model):
    """A threshold test as done: its raw inputs, the computed outputs, and the metric entries it wrote."""

    athlete = models.ForeignKey(AthleteProfile, on_delete=models.CASCADE, related_name="assessments")
    kind = models.CharField(max_length=32, choices=AssessmentKind.choices)
    tested_on = models.DateField()
    inputs = models.JSONField(default=dict)
    outputs = models.JSONField(default=dict)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-tested_on", "-id"]
        indexes = [models.Index(fields=["athlete", "tested_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.athlete} ({self.tested_on})"

    @property
    def source_detail(self) -> str:
        """What the metric entries it wrote name as their source."""
        return f"{self.get_kind_display()} #{self.pk} on {self.tested_on:%Y-%m-%d}"


class LoadOverride(models.Model):
    """A coach's or athlete's training load for one activity, used instead of the computed one wherever load
    is summed. Every change is kept in LoadOverrideChange."""

    activity = models.OneToOneField(
        "activities.Activity", on_delete=models.CASCADE, related_name="load_override"
    )
    load = models.FloatField()
    note = models.CharField(max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"load {self.load:g} for {self.activity}"


class LoadOverrideChange(models.Model):
    """The audit of load overrides: who changed an activity's load, when, from what to what (None = computed)."""

    activity = models.ForeignKey("activities.Activity", on_delete=models.CASCADE, related_name="load_changes")
    old_load = models.FloatField(null=True, blank=True)
    new_load = models.FloatField(null=True, blank=True)
    computed_load = models.FloatField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.activity}: {self.old_load} -> {self.new_load}"
