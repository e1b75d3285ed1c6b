"""`manage.py demo --password PW`: a deterministic demo world, built idempotently.

admin `admin`; coach `coach` with `ana` and `ben`; coach `coach2` with `cleo`. Each athlete gets a year of
metric history (every source, many types, some entries waiting for review), saved calculator results and a
race with a saved plan. Values come from fixed per-athlete parameters and a seeded generator; dates are
relative to today. Every object has a stable key (username, entry key in `source_detail`, race name, result
type), so a second run finds everything and creates nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from trainingmath import aero
from vault.accounts.models import AthleteProfile, CoachAthleteLink, Role, Sex, User
from vault.calculators.models import CalculatorResult, Race, RaceDistance
from vault.calculators.services import calculator_run, race_create
from vault.metrics.models import MetricHistory, Source
from vault.metrics.services import metric_entry_create, metric_review_decline, metric_review_request_info

SEED = 20260101


@dataclass(frozen=True)
class DemoAthlete:
    username: str
    name: str
    coach: str
    sex: str
    birth_date: dt.date
    time_zone: str
    # Where the athlete stands today; the history climbs to these over the year.
    ftp_w: float
    w_prime_j: float
    css_s_per_100m: float
    threshold_run_s_per_km: float
    threshold_hr: float
    max_hr: float
    resting_hr: float
    weight_kg: float
    body_fat: float
    cda_m2: float
    vdot: float
    race_name: str
    race_distance: str
    race_in_days: int


ATHLETES = (
    DemoAthlete(
        "ana",
        "Ana Alvarez",
        "coach",
        Sex.FEMALE,
        dt.date(1992, 4, 12),
        "Europe/Madrid",
        ftp_w=238,
        w_prime_j=17500,
        css_s_per_100m=92,
        threshold_run_s_per_km=262,
        threshold_hr=172,
        max_hr=190,
        resting_hr=46,
        weight_kg=58.4,
        body_fat=19.5,
        cda_m2=0.235,
        vdot=51.5,
        race_name="Valencia 70.3",
        race_distance=RaceDistance.HALF,
        race_in_days=74,
    ),
    DemoAthlete(
        "ben",
        "Ben Becker",
        "coach",
        Sex.MALE,
        dt.date(1986, 9, 3),
        "Europe/Berlin",
        ftp_w=292,
        w_prime_j=22000,
        css_s_per_100m=101,
        threshold_run_s_per_km=245,
        threshold_hr=166,
        max_hr=186,
        resting_hr=49,
        weight_kg=74.2,
        body_fat=13.0,
        cda_m2=0.262,
        vdot=54.0,
        race_name="Hamburg Olympic",
        race_distance=RaceDistance.OLYMPIC,
        race_in_days=121,
    ),
    DemoAthlete(
        "cleo",
        "Cleo Chen",
        "coach2",
        Sex.FEMALE,
        dt.date(1998, 1, 27),
        "America/Chicago",
        ftp_w=214,
        w_prime_j=15500,
        css_s_per_100m=86,
        threshold_run_s_per_km=276,
        threshold_hr=178,
        max_hr=197,
        resting_hr=52,
        weight_kg=61.0,
        body_fat=21.0,
        cda_m2=0.248,
        vdot=48.0,
        race_name="Chicago Sprint",
        race_distance=RaceDistance.SPRINT,
        race_in_days=45,
    ),
)

# The history: (key, metric type, days before today, source, who enters it). "athlete" entries wait for the
# coach; the plan below declines one and asks about another. Improvement is linear towards today's values.
HISTORY = (
    ("ftp-1", "ftp", 350, Source.ASSESSMENT, "coach"),
    ("ftp-2", "ftp", 260, Source.ASSESSMENT, "coach"),
    ("ftp-3", "ftp", 170, Source.ASSESSMENT, "coach"),
    ("ftp-4", "ftp", 80, Source.ASSESSMENT, "coach"),
    ("ftp-5", "ftp", 9, Source.MODELED, "flagged"),
    ("ftp-6", "ftp", 12, Source.MANUAL, "athlete"),
    ("css-1", "css_pace", 330, Source.ASSESSMENT, "coach"),
    ("css-2", "css_pace", 200, Source.CALCULATOR, "coach"),
    ("css-3", "css_pace", 60, Source.CALCULATOR, "coach"),
    ("css-4", "css_pace", 8, Source.MANUAL, "athlete"),
    ("run-1", "threshold_run_pace", 300, Source.ASSESSMENT, "coach"),
    ("run-2", "threshold_run_pace", 150, Source.ACTIVITY, "system"),
    ("run-3", "threshold_run_pace", 40, Source.ASSESSMENT, "coach"),
    ("cp-1", "critical_power", 240, Source.CALCULATOR, "coach"),
    ("cp-2", "critical_power", 100, Source.CALCULATOR, "coach"),
    ("wp-1", "w_prime", 240, Source.CALCULATOR, "coach"),
    ("wp-2", "w_prime", 100, Source.CALCULATOR, "coach"),
    ("cda-1", "cda", 180, Source.CALCULATOR, "coach"),
    ("maxhr-1", "max_hr", 280, Source.ACTIVITY, "system"),
    ("lthr-1", "threshold_hr", 210, Source.ACTIVITY, "system"),
    ("lthr-2", "threshold_hr", 90, Source.ACTIVITY, "system"),
    ("vdot-1", "vdot", 200, Source.MODELED, "system"),
    ("vdot-2", "vdot", 30, Source.MODELED, "system"),
    ("rhr-1", "resting_hr", 120, Source.MANUAL, "coach"),
    ("bf-1", "body_fat", 150, Source.MANUAL, "coach"),
    ("weight-1", "weight", 360, Source.MANUAL, "coach"),
    ("weight-2", "weight", 270, Source.MANUAL, "coach"),
    ("weight-3", "weight", 180, Source.MANUAL, "coach"),
    ("weight-4", "weight", 90, Source.MANUAL, "coach"),
    ("weight-5", "weight", 20, Source.MANUAL, "coach"),
    ("weight-6", "weight", 3, Source.MANUAL, "athlete"),
    ("hrv-1", "hrv_rmssd", 5, Source.MANUAL, "athlete"),
)
DECLINE = {"ftp-6": "A 20-minute effort on a hill is not an FTP test; let's retest on the flat next week."}
ASK = {"css-4": "Which distances did you swim, and in a 25 m or 50 m pool?"}
DETAILS = {
    Source.ASSESSMENT: "test session",
    Source.CALCULATOR: "calculator",
    Source.ACTIVITY: "best effort from an activity",
    Source.MODELED: "modeled from recent training",
    Source.MANUAL: "entered by hand",
}


def _target_value(athlete: DemoAthlete, metric_type: str, days: int, rng: random.Random) -> float:
    """Today's value, scaled back by up to 6 % a year ago (weight a little higher), with small noise."""
    progress = days / 365  # 0 today, 1 a year ago
    noise = 1 + rng.uniform(-0.01, 0.01)
    fitter = 1 - 0.06 * progress  # a year ago the athlete was up to 6 % less fit
    values = {
        "ftp": athlete.ftp_w * fitter,
        "critical_power": athlete.ftp_w * 1.04 * fitter,
        "w_prime": athlete.w_prime_j * fitter,
        "css_pace": 100 / athlete.css_s_per_100m * fitter,
        "threshold_run_pace": 1000 / athlete.threshold_run_s_per_km * fitter,
        "threshold_hr": athlete.threshold_hr,
        "max_hr": athlete.max_hr,
        "resting_hr": athlete.resting_hr + 3 * progress,
        "vdot": athlete.vdot * fitter,
        "weight": athlete.weight_kg * (1 + 0.04 * progress),
        "body_fat": athlete.body_fat * (1 + 0.08 * progress),
        "cda": athlete.cda_m2 * (1 + 0.05 * progress),
        "hrv_rmssd": 62.0,
    }
    value = values[metric_type] * noise
    return round(value, 4 if metric_type in ("css_pace", "threshold_run_pace", "cda") else 1)


class Command(BaseCommand):
    help = (
        "Build the deterministic demo (admin, two coaches, three athletes with history, results and races)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", required=True, help="password for every demo account")

    def handle(self, *args, password: str, **options):
        if len(password) < 8:
            raise CommandError("--password: use at least 8 characters")
        with transaction.atomic():
            self.today = timezone.localdate()
            self.created = 0
            users = {
                "admin": self._user("admin", Role.ADMIN, password),
                "coach": self._user("coach", Role.COACH, password),
                "coach2": self._user("coach2", Role.COACH, password),
            }
            for index, spec in enumerate(ATHLETES):
                athlete = self._athlete(spec, users[spec.coach], password)
                rng = random.Random(SEED + index)
                self._history(spec, athlete, users[spec.coach], rng)
                self._race_and_results(spec, athlete, users[spec.coach])
        self.stdout.write(
            f"Demo ready ({self.created} new objects): admin, coach (ana, ben), coach2 (cleo); "
            f"password as given."
        )

    # --- people
    def _user(self, username: str, role: str, password: str) -> User:
        user, made = User.objects.get_or_create(
            username=username, defaults={"role": role, "email": f"{username}@demo.invalid"}
        )
        is_admin = role == Role.ADMIN
        changed = made or user.role != role or user.is_staff != is_admin or user.is_superuser != is_admin
        user.role, user.is_staff, user.is_superuser = role, is_admin, is_admin
        if made or not user.check_password(password):
            user.set_password(password)
            changed = True
        if changed:
            user.save()
        self.created += made
        return user

    def _athlete(self, spec: DemoAthlete, coach: User, password: str) -> AthleteProfile:
        user = self._user(spec.username, Role.ATHLETE, password)
        athlete, made = AthleteProfile.objects.get_or_create(
            user=user,
            defaults={
                "name": spec.name,
                "sex": spec.sex,
                "birth_date": spec.birth_date,
                "time_zone": spec.time_zone,
            },
        )
        self.created += made
        if not CoachAthleteLink.objects.active().filter(coach=coach, athlete=athlete).exists():
            CoachAthleteLink.objects.create(coach=coach, athlete=athlete)
            self.created += 1
        return athlete

    # --- metric history
    def _history(self, spec: DemoAthlete, athlete: AthleteProfile, coach: User, rng: random.Random) -> None:
        existing = set(
            MetricHistory.objects.filter(athlete=athlete, source_detail__startswith="demo ").values_list(
                "source_detail", flat=True
            )
        )
        for key, metric_type, days, source, who in HISTORY:
            value = _target_value(spec, metric_type, days, rng)  # drawn every run so values never shift
            detail = f"demo {key}: {DETAILS[source]}"
            if detail in existing:
                continue
            created_by = {"coach": coach, "athlete": athlete.user}.get(who)
            entry = metric_entry_create(
                athlete=athlete,
                metric_type=metric_type,
                value=value,
                recorded_on=self.today - dt.timedelta(days=days),
                source=source,
                source_detail=detail,
                needs_review=who == "flagged",
                created_by=created_by,
            )
            self.created += 1
            if key in DECLINE:
                metric_review_decline(entry=entry, reviewer=coach, reason=DECLINE[key])
            elif key in ASK:
                metric_review_request_info(entry=entry, reviewer=coach, note=ASK[key])

    # --- race and saved calculator results
    def _race_and_results(self, spec: DemoAthlete, athlete: AthleteProfile, coach: User) -> None:
        race = Race.objects.filter(athlete=athlete, name=spec.race_name).first()
        if race is None:
            race = race_create(
                athlete=athlete,
                name=spec.race_name,
                date=self.today + dt.timedelta(days=spec.race_in_days),
                distance=spec.race_distance,
                elevation_gain_m=350.0,
                altitude_m=20.0,
                expected_temperature_c=24.0,
                priority="A",
                notes="Demo race",
                created_by=coach,
            )
            self.created += 1
        for calculator_type, attached, inputs in plan_inputs(spec):
            target_race = race if attached else None
            if CalculatorResult.objects.filter(
                athlete=athlete, calculator_type=calculator_type, race=target_race
            ).exists():
                continue
            calculator_run(
                athlete=athlete,
                calculator_type=calculator_type,
                inputs={**inputs, "race": race.pk} if attached else inputs,
                created_by=coach,
            )
            self.created += 1


def plan_inputs(spec: DemoAthlete) -> list[tuple[str, bool, dict]]:
    """What the coach types into each calculator: (type, attached to the race, inputs). The race plan steps
    take the rest from the race, the metric history and the earlier steps, as the wizard does."""
    css = 100 / spec.css_s_per_100m
    t200 = round(200 / (css * 1.07), 1)
    cp = round(spec.ftp_w * 1.04)
    mass, crr, rho, efficiency = spec.weight_kg + 9.0, 0.004, 1.19, 0.975
    cda_speed = 11.0
    # The field-test power that the rider's CdA gives at that speed (the inverse of what the step computes).
    cda_power = aero.power_from_speed(
        speed_m_per_s=cda_speed,
        total_mass_kg=mass,
        cda_m2=spec.cda_m2,
        crr=crr,
        rho_kg_per_m3=rho,
        drivetrain_efficiency=efficiency,
    )
    return [
        ("css", True, {"d1_m": 200, "t1_s": t200, "d2_m": 400, "t2_s": round(t200 + 200 / css, 1)}),
        (
            "critical_power",
            True,
            {
                "efforts": [
                    {"duration_s": d, "power_w": round(cp + spec.w_prime_j / d)} for d in (120, 480, 900)
                ]
            },
        ),
        (
            "cda",
            True,
            {
                "power_w": round(cda_power, 1),
                "speed_m_per_s": cda_speed,
                "total_mass_kg": mass,
                "crr": crr,
                "grade": 0.0,
                "rho_kg_per_m3": rho,
                "drivetrain_efficiency": efficiency,
            },
        ),
        ("bike_plan", True, {}),
        ("finish_time", True, {}),
        ("calories", True, {}),
        ("fueling", True, {}),
        ("ftp_test", False, {"power_20min_w": round(spec.ftp_w / 0.95)}),
        ("training_paces", False, {"vdot": spec.vdot}),
    ]
