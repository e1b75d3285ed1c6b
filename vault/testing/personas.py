"""The six personas every access test runs against, and small factories for users and athletes."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.utils import timezone

from vault.accounts.models import AthleteProfile, CoachAthleteLink, Role, User

PASSWORD = "correct-horse-battery-9"
PERSONAS = ("athlete", "coach", "other_coach", "other_athlete", "admin", "anonymous")
# The persona athlete lives in Madrid while the server runs on UTC: between 22:00 and midnight UTC her
# calendar day is already the next one, and every date the app works out for her follows her day.
ATHLETE_TIME_ZONE = "Europe/Madrid"


def athlete_today() -> dt.date:
    """Today on the persona athlete's calendar (what the app means by "today" for her)."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(ATHLETE_TIME_ZONE))


def make_user(username: str, *, role: str = Role.ATHLETE, password: str = PASSWORD, **extra) -> User:
    is_admin = role == Role.ADMIN
    return User.objects.create_user(
        username=username,
        password=password,
        role=role,
        email=extra.pop("email", f"{username}@example.test"),
        is_staff=is_admin,
        is_superuser=is_admin,
        **extra,
    )


def make_athlete(
    username: str, *, name: str | None = None, coach: User | None = None, **profile
) -> AthleteProfile:
    user = make_user(username, role=Role.ATHLETE)
    athlete = AthleteProfile.objects.create(user=user, name=name or username.title(), **profile)
    if coach is not None:
        CoachAthleteLink.objects.create(coach=coach, athlete=athlete)
    return athlete


@dataclass
class World:
    """athlete (coached by coach), other_athlete (coached by other_coach), admin; everyone's password is PASSWORD."""

    athlete: AthleteProfile
    coach: User
    other_coach: User
    other_athlete: AthleteProfile
    admin: User

    def user(self, persona: str) -> User | None:
        return {
            "athlete": self.athlete.user,
            "coach": self.coach,
            "other_coach": self.other_coach,
            "other_athlete": self.other_athlete.user,
            "admin": self.admin,
            "anonymous": None,
        }[persona]


def build_world() -> World:
    coach = make_user("coach_carla", role=Role.COACH)
    other_coach = make_user("coach_otto", role=Role.COACH)
    athlete = make_athlete("ana_athlete", name="Ana Athlete", coach=coach, time_zone=ATHLETE_TIME_ZONE)
    other_athlete = make_athlete("oscar_other", name="Oscar Other", coach=other_coach)
    admin = make_user("admin_ada", role=Role.ADMIN)
    return World(
        athlete=athlete, coach=coach, other_coach=other_coach, other_athlete=other_athlete, admin=admin
    )
