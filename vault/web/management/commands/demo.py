"""`manage.py demo --password PW`: a deterministic demo world, built idempotently.

admin `admin`; coach `coach` with `ana` and `ben`; coach `coach2` with `cleo`. Each athlete gets a year of
metric history (every source, many types, some entries waiting for review), saved calculator results and a
race with a saved plan; then the daily conversation: two recent activities (a run and a ride, from GPX files
made here), three weeks of wellness log with some days flagged, coach notes (shared and private; one, Ana's,
concerning) and comment threads on the activities, each with something unread. Coaches get note templates.
Values come from fixed per-athlete parameters and a seeded generator; dates are relative to today. Every
object has a stable key (username, entry key in `source_detail`, race name, result type, activity external
id, wellness day, note and comment text, template name), so a second run finds everything and creates nothing.
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
from vault.activities.models import Activity
from vault.activities.services import activity_import
from vault.calculators.models import CalculatorResult, Race, RaceDistance
from vault.calculators.services import calculator_run, race_create
from vault.coaching import services as coaching
from vault.coaching.models import ActivityComment, CoachNote, NoteTemplate, WellnessEntry
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
    hrv_ms: float
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
        hrv_ms=64.0,
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
        hrv_ms=58.0,
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
        hrv_ms=71.0,
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
                race = self._race_and_results(spec, athlete, users[spec.coach])
                activities = self._activities(spec, athlete)
                self._wellness(spec, athlete, random.Random(SEED + 100 + index))
                self._notes(spec, athlete, users[spec.coach], activities, race)
                self._comments(spec, athlete, users[spec.coach], activities)
            for coach in (users["coach"], users["coach2"]):
                self._note_templates(coach)
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
    def _race_and_results(self, spec: DemoAthlete, athlete: AthleteProfile, coach: User) -> Race:
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
        return race

    # --- the conversation: activities, wellness, notes, comments
    def _activities(self, spec: DemoAthlete, athlete: AthleteProfile) -> dict[str, Activity]:
        """A run and a ride of the last days, from GPX files made here; keyed by external id, so a later run
        (whose files, dated relative to today, differ) still finds them."""
        local_today = timezone.localdate(timezone=athlete.tzinfo)
        found = {}
        for key, sport, days_ago, minutes, speed_m_per_s in DEMO_ACTIVITIES:
            external_id = f"demo-{spec.username}-{key}"
            activity = Activity.objects.filter(athlete=athlete, external_id=external_id).first()
            if activity is None:
                day = local_today - dt.timedelta(days=days_ago)
                start = dt.datetime.combine(day, dt.time(7, 0), tzinfo=athlete.tzinfo)
                outcome = activity_import(
                    athlete=athlete,
                    data=demo_gpx(
                        sport, start, minutes=minutes, speed_m_per_s=speed_m_per_s, resting_hr=spec.resting_hr
                    ),
                    filename=f"{key}-{day.isoformat()}.gpx",
                    source_kind="cli",
                    external_id=external_id,
                    created_by=athlete.user,
                )
                if outcome.status != "imported":
                    raise CommandError(f"demo activity {external_id}: {outcome.message}")
                activity = outcome.activity
                self.created += 1
            found[key] = activity
        return found

    def _wellness(self, spec: DemoAthlete, athlete: AthleteProfile, rng: random.Random) -> None:
        """Three weeks of morning check-ins around the athlete's own baselines. Flagged days: a short, stressed
        night two days ago for everyone; today Ana's HRV drops and her resting HR rises, Ben reports a cold,
        and Cleo has not logged yet (the coach sees it missing)."""
        local_today = timezone.localdate(timezone=athlete.tzinfo)
        logged = set(WellnessEntry.objects.filter(athlete=athlete).values_list("date", flat=True))
        for days_ago in range(WELLNESS_DAYS - 1, -1, -1):
            values = {  # drawn every run, so the values of a day never shift
                "sleep_hours": round(rng.uniform(7.0, 8.6), 1),
                "sleep_quality": rng.randint(6, 9),
                "hrv_rmssd_ms": round(spec.hrv_ms * rng.uniform(0.95, 1.05), 1),
                "resting_hr": round(spec.resting_hr + rng.uniform(-1.5, 1.5)),
                "body_battery": rng.randint(60, 90),
                "stress": rng.randint(2, 4),
                "soreness": rng.randint(2, 5),
                "fatigue": rng.randint(2, 5),
                "mood": rng.randint(6, 9),
                "motivation": rng.randint(6, 9),
            }
            day = local_today - dt.timedelta(days=days_ago)
            if days_ago == 2:
                values.update(sleep_hours=4.5, sleep_quality=3, stress=8, note="Late flight home")
                values["travel"] = True
            if days_ago == 0:
                if spec.username == "cleo":
                    continue
                if spec.username == "ana":
                    values.update(hrv_rmssd_ms=round(spec.hrv_ms * 0.8, 1), resting_hr=spec.resting_hr + 6)
                if spec.username == "ben":
                    values.update(illness=True, illness_note="Sore throat, staying in", motivation=3)
            if spec.sex == Sex.FEMALE and days_ago in (6, 5, 4):
                values.update(cycle_day=21 - days_ago, cycle_phase="luteal")
            if day in logged:
                continue
            coaching.wellness_entry_save(athlete=athlete, date=day, values=values, by=athlete.user)
            self.created += 1

    def _notes(
        self,
        spec: DemoAthlete,
        athlete: AthleteProfile,
        coach: User,
        activities: dict[str, Activity],
        race: Race,
    ) -> None:
        written = set(CoachNote.objects.filter(athlete=athlete).values_list("body", flat=True))
        notes = [
            {
                "body": f"Good consistency this block, {spec.name.split()[0]}. Keep the easy runs **easy**: "
                "conversational pace, heart rate under the first threshold.",
                "domain": "run",
                "activity": activities["run"],
                "visible_to_athlete": True,
            },
            {
                "body": f"Private: plan a recovery week after {race.name}; watch the HRV trend before adding volume.",
                "domain": "general",
                "race": race,
            },
        ]
        if spec.username == "ana":  # the one concerning note of the demo, shared so she is told
            notes.append(
                {
                    "body": "Knee pain mentioned after two long runs in a row. Let's talk before Thursday's "
                    "session; no running downhill until then.",
                    "domain": "run",
                    "visible_to_athlete": True,
                    "concerning": True,
                }
            )
        for note in notes:
            if note["body"] not in written:
                coaching.coach_note_create(athlete=athlete, author=coach, **note)
                self.created += 1

    def _comments(
        self, spec: DemoAthlete, athlete: AthleteProfile, coach: User, activities: dict[str, Activity]
    ) -> None:
        """The run: a question, the coach's answer and a reply the coach has not read. The ride: a word from
        the coach the athlete has not read."""
        people = {"athlete": athlete.user, "coach": coach}
        for key, who, body in DEMO_COMMENTS:
            activity = activities[key]
            if not ActivityComment.objects.filter(activity=activity, author=people[who], body=body).exists():
                coaching.comment_create(activity=activity, author=people[who], body=body)
                self.created += 1

    def _note_templates(self, coach: User) -> None:
        for name, domain, body in DEMO_TEMPLATES:
            if not NoteTemplate.objects.filter(coach=coach, name=name).exists():
                coaching.note_template_save(coach=coach, name=name, body=body, domain=domain)
                self.created += 1


# (key, GPX type, days before today, minutes, speed): easy efforts, so no new best waits for review.
DEMO_ACTIVITIES = (
    ("run", "running", 2, 40, 3.1),
    ("ride", "cycling", 4, 60, 8.0),
)
WELLNESS_DAYS = 21
DEMO_COMMENTS = (
    ("run", "athlete", "Legs felt heavy on the last climb. Too much after Tuesday?"),
    ("run", "coach", "Expected after the intervals. Keep tomorrow easy and we're on track."),
    ("run", "athlete", "Will do, thanks!"),
    ("ride", "coach", "Nice steady effort, exactly the pacing we want on race day."),
)
DEMO_TEMPLATES = (
    (
        "Recovery week",
        "general",
        "Recovery week: volume down by a third, keep one short session with intensity.",
    ),
    ("Race week", "general", "Race week: two short openers, sleep first, carbs up from two days out."),
)


def demo_gpx(
    sport: str, start: dt.datetime, *, minutes: int, speed_m_per_s: float, resting_hr: float
) -> bytes:
    """A GPX track heading north at a steady speed, one sample every 5 s, heart rate settling into an easy
    band above the athlete's resting rate (never near a threshold, so no new-best suggestion)."""
    rows = []
    step_s = 5
    for i in range(minutes * 60 // step_s + 1):
        seconds = i * step_s
        time = (start + dt.timedelta(seconds=seconds)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        lat = 46.0 + seconds * speed_m_per_s / 111_195.0
        heart_rate = round(resting_hr + 70 + 15 * min(1.0, seconds / 600) + 3 * ((i // 12) % 3))
        rows.append(
            f'<trkpt lat="{lat:.7f}" lon="13.5"><ele>{300 + (i % 120) * 0.5:.1f}</ele><time>{time}</time>'
            f"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{heart_rate}</gpxtpx:hr>"
            f"</gpxtpx:TrackPointExtension></extensions></trkpt>"
        )
    name = "Easy run" if sport == "running" else "Endurance ride"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="Athlete Vault demo" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<trk><name>{name}</name><type>{sport}</type><trkseg>{''.join(rows)}</trkseg></trk></gpx>"
    ).encode()


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
