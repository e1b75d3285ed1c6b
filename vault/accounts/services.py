"""Writes for accounts: the first admin, sign-in, athletes, join and intake links, ending roster links.

Every function here is the only way the pages, the API and the admin actions do these things, so the
rules (who may, what is valid, what the database guarantees) live in one place.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from vault.accounts import ratelimit
from vault.accounts.access import can_end_link, is_admin
from vault.accounts.models import (
    AthleteProfile,
    CoachAthleteLink,
    IntakeLink,
    JoinLink,
    LinkOrigin,
    Role,
    Sex,
    Units,
    User,
)

WRONG_CREDENTIALS_MESSAGE = "That username and password do not match an account."


# --- sign-in


def signin_authenticate(*, request, username: str, password: str) -> User:
    """The user for these credentials, counting failures per account and per address.

    Raises RateLimited once either counter is full (before checking the password, so a limited
    attacker learns nothing), and ValidationError with one message for any wrong credential.
    """
    address = ratelimit.client_address(request)
    ratelimit.signin_check(username=username, address=address)
    user = authenticate(request, username=username, password=password)
    if user is None:
        ratelimit.signin_failed(username=username, address=address)
        raise ValidationError(WRONG_CREDENTIALS_MESSAGE, code="invalid_login")
    ratelimit.signin_succeeded(username=username)
    return user


# --- accounts


def _validated_password(password: str, user: User) -> str:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    return password


def _user_create(*, username: str, password: str, email: str = "", role: str, **flags) -> User:
    user = User(username=username, email=email, role=role, **flags)
    user.full_clean(exclude=["password"])  # username rules and uniqueness, e-mail format
    # Names differing only in case would be told apart by the database but not by people signing in.
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": ["A user with that username already exists."]})
    user.set_password(_validated_password(password, user))
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # a concurrent sign-up took the name after full_clean looked
        raise ValidationError({"username": ["A user with that username already exists."]}) from None
    return user


def any_user_exists() -> bool:
    return User.objects.exists()


@transaction.atomic
def first_admin_create(*, username: str, password: str, email: str = "") -> User:
    """The very first account, as admin. Refused once any account exists."""
    if connection.vendor == "postgresql":
        # Two setup forms sent at once must not both see an empty table: serialise them (SQLite's
        # IMMEDIATE transactions already do).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('vault.first_admin_create'))")
    if any_user_exists():
        raise PermissionDenied("The first account already exists; ask an admin for an account.")
    return _user_create(
        username=username, password=password, email=email, role=Role.ADMIN, is_staff=True, is_superuser=True
    )


@dataclass(frozen=True)
class AthleteProfileData:
    """The profile fields an athlete has; validated by AthleteProfile.full_clean."""

    name: str
    sex: str = Sex.UNSPECIFIED
    birth_date: date | None = None
    time_zone: str = "UTC"
    units: str = Units.METRIC


def _athlete_create(
    *, username: str, password: str, email: str, profile: AthleteProfileData, coach: User, origin: str
) -> AthleteProfile:
    user = _user_create(username=username, password=password, email=email, role=Role.ATHLETE)
    athlete = AthleteProfile(
        user=user,
        name=profile.name,
        sex=profile.sex,
        birth_date=profile.birth_date,
        time_zone=profile.time_zone,
        units=profile.units,
    )
    athlete.full_clean(exclude=["user"])
    athlete.save()
    CoachAthleteLink.objects.create(coach=coach, athlete=athlete, origin=origin)
    return athlete


def _require_coach(user: User) -> None:
    if not (user and user.is_authenticated and user.role == Role.COACH):
        raise PermissionDenied("Only a coach can add athletes to a roster.")


@dataclass(frozen=True)
class CreatedAthlete:
    athlete: AthleteProfile
    temporary_password: str  # shown once to the coach; only its hash is stored


def temporary_password() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def athlete_create(
    *, coach: User, username: str, profile: AthleteProfileData, email: str = ""
) -> CreatedAthlete:
    """A coach creates an athlete directly: account, profile and an active roster link."""
    _require_coach(coach)
    password = temporary_password()
    athlete = _athlete_create(
        username=username,
        password=password,
        email=email,
        profile=profile,
        coach=coach,
        origin=LinkOrigin.DIRECT,
    )
    return CreatedAthlete(athlete=athlete, temporary_password=password)


@transaction.atomic
def user_email_update(*, user: User, email: str) -> User:
    user.email = email
    user.full_clean(exclude=["password"])
    user.save(update_fields=["email"])
    return user


@transaction.atomic
def athlete_profile_update(*, athlete: AthleteProfile, profile: AthleteProfileData) -> AthleteProfile:
    for field in ("name", "sex", "birth_date", "time_zone", "units"):
        setattr(athlete, field, getattr(profile, field))
    athlete.full_clean(exclude=["user"])
    athlete.save()
    return athlete


# --- join links (reusable)


def _check_expiry(expires_at: datetime | None) -> None:
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": ["The expiry must be in the future."]})


@transaction.atomic
def join_link_create(
    *, coach: User, label: str = "", expires_at: datetime | None = None, max_signups: int | None = None
) -> JoinLink:
    _require_coach(coach)
    _check_expiry(expires_at)
    if max_signups is not None and max_signups < 1:
        raise ValidationError({"max_signups": ["The sign-up cap must be at least 1 (or empty for no cap)."]})
    link = JoinLink(coach=coach, label=label, expires_at=expires_at, max_signups=max_signups)
    link.full_clean()
    link.save()
    return link


def join_link_problem(link: JoinLink) -> str | None:
    """Why the link cannot be used now, in words for the person holding it; None when usable."""
    if link.revoked:
        return "This join link was withdrawn by the coach."
    if link.expires_at is not None and link.expires_at <= timezone.now():
        return "This join link has expired. Ask your coach for a new one."
    if link.max_signups is not None and link.signups >= link.max_signups:
        return "This join link has reached its sign-up limit. Ask your coach for a new one."
    return None


@transaction.atomic
def join_link_signup(
    *, link: JoinLink, username: str, password: str, profile: AthleteProfileData, email: str = ""
) -> AthleteProfile:
    """Someone with the link signs up: an athlete account on the coach's roster (origin join_link)."""
    _join_link_claim(link)
    athlete = _athlete_create(
        username=username,
        password=password,
        email=email,
        profile=profile,
        coach=link.coach,
        origin=LinkOrigin.JOIN_LINK,
    )
    link.refresh_from_db(fields=["signups"])
    return athlete


@transaction.atomic
def join_link_accept(*, link: JoinLink, athlete: AthleteProfile) -> CoachAthleteLink:
    """An athlete who already has an account joins this coach's roster too (a second coach, or again)."""
    if CoachAthleteLink.objects.active().filter(coach=link.coach, athlete=athlete).exists():
        raise ValidationError("You are already on this coach's roster.", code="already_linked")
    _join_link_claim(link)
    roster_link = CoachAthleteLink.objects.create(
        coach=link.coach, athlete=athlete, origin=LinkOrigin.JOIN_LINK
    )
    link.refresh_from_db(fields=["signups"])
    return roster_link


def _join_link_claim(link: JoinLink) -> None:
    """Count one sign-up on the link, or refuse saying why it cannot be used.

    The cap holds under concurrency: the count only moves while it is below the cap, in one UPDATE.
    """
    problem = join_link_problem(link)
    if problem:
        raise ValidationError(problem, code="link_unusable")
    claimed = (
        JoinLink.objects.filter(pk=link.pk, revoked=False)
        .filter(Q(max_signups__isnull=True) | Q(signups__lt=F("max_signups")))
        .update(signups=F("signups") + 1)
    )
    if not claimed:
        raise ValidationError(
            "This join link has reached its sign-up limit. Ask your coach for a new one.",
            code="link_unusable",
        )


@transaction.atomic
def join_link_revoke(*, link: JoinLink, by: User) -> JoinLink:
    if link.coach_id != by.pk and not is_admin(by):
        raise PermissionDenied("Only the link's coach or an admin can withdraw it.")
    link.revoked = True
    link.save(update_fields=["revoked"])
    return link


# --- intake links (single use, collect the profile)


@transaction.atomic
def intake_link_create(
    *, coach: User, email: str = "", note: str = "", expires_at: datetime | None = None
) -> IntakeLink:
    _require_coach(coach)
    _check_expiry(expires_at)
    link = IntakeLink(coach=coach, email=email, note=note, expires_at=expires_at)
    link.full_clean()
    link.save()
    return link


def intake_link_problem(link: IntakeLink) -> str | None:
    if link.used_at is not None:
        return "This intake link has already been used. Ask your coach for a new one."
    if link.expires_at is not None and link.expires_at <= timezone.now():
        return "This intake link has expired. Ask your coach for a new one."
    return None


@transaction.atomic
def intake_link_complete(
    *, link: IntakeLink, username: str, password: str, profile: AthleteProfileData, email: str = ""
) -> AthleteProfile:
    """The invited athlete fills in their profile and account; the link is then spent."""
    problem = intake_link_problem(link)
    if problem:
        raise ValidationError(problem, code="link_unusable")
    now = timezone.now()
    # Single use under concurrency: only one request can move used_at from empty.
    if not IntakeLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now):
        raise ValidationError(
            "This intake link has already been used. Ask your coach for a new one.", code="link_unusable"
        )
    athlete = _athlete_create(
        username=username,
        password=password,
        email=email or link.email,
        profile=profile,
        coach=link.coach,
        origin=LinkOrigin.INTAKE,
    )
    IntakeLink.objects.filter(pk=link.pk).update(athlete=athlete)
    link.refresh_from_db()
    return link.athlete


# --- ending a roster link


@transaction.atomic
def coach_link_end(*, link: CoachAthleteLink, by: User) -> CoachAthleteLink:
    """Either side (or an admin) ends the relationship; the row stays as history."""
    if not can_end_link(by, link):
        raise PermissionDenied("Only the coach, the athlete or an admin can end this link.")
    ended = CoachAthleteLink.objects.filter(pk=link.pk, ended_at__isnull=True).update(
        ended_at=timezone.now(), ended_by=by
    )
    if not ended:
        raise ValidationError("This coaching relationship has already ended.", code="already_ended")
    link.refresh_from_db()
    return link
