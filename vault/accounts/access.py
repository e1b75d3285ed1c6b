"""Who may see what. Every view, endpoint, export and admin action asks here (design.md §5).

The rule: an athlete sees themself; a coach sees the athletes with an active roster link; admin sees everyone.
Anything else is simply not there: `athlete_for` raises Http404, never a 403 that would confirm it exists.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from vault.accounts.models import AthleteProfile, CoachAthleteLink, Role, User


def _is_admin(user) -> bool:
    return bool(
        user and user.is_authenticated and (user.is_superuser or getattr(user, "role", None) == Role.ADMIN)
    )


def is_admin(user) -> bool:
    """Admin role (or superuser): sees and manages everyone."""
    return _is_admin(user)


def visible_athletes(user) -> QuerySet[AthleteProfile]:
    """The athletes `user` may see, as a queryset (so lists, counts and exports can never widen it)."""
    if user is None or not user.is_authenticated:
        return AthleteProfile.objects.none()
    if _is_admin(user):
        return AthleteProfile.objects.all()
    if user.role == Role.COACH:
        return AthleteProfile.objects.filter(
            coach_links__coach=user, coach_links__ended_at__isnull=True
        ).distinct()
    return AthleteProfile.objects.filter(user=user)


def can_see_athlete(user, athlete: AthleteProfile) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if _is_admin(user) or athlete.user_id == user.pk:
        return True
    return user.role == Role.COACH and is_coach_of(user, athlete)


def is_coach_of(user, athlete: AthleteProfile) -> bool:
    """True while `user` has an active roster link to `athlete`."""
    return CoachAthleteLink.objects.active().filter(coach_id=user.pk, athlete=athlete).exists()


def athlete_for(user, public_id: str) -> AthleteProfile:
    """The athlete with `public_id` if `user` may see them; otherwise Http404 (whether or not they exist)."""
    athlete = AthleteProfile.objects.filter(public_id=public_id).select_related("user").first()
    if athlete is None or not can_see_athlete(user, athlete):
        raise Http404("No athlete here.")
    return athlete


def can_manage_athlete(user, athlete: AthleteProfile) -> bool:
    """Writes on an athlete's data (races, manual entries, uploads): the athlete, their coach, admin."""
    return can_see_athlete(user, athlete)


def can_end_link(user, link: CoachAthleteLink) -> bool:
    """Either side of a roster link, or admin, may end it."""
    return bool(
        user
        and user.is_authenticated
        and (link.coach_id == user.pk or link.athlete.user_id == user.pk or _is_admin(user))
    )


def is_self(user, athlete: AthleteProfile) -> bool:
    return bool(user and user.is_authenticated and athlete.user_id == user.pk)


def own_athlete(user: User) -> AthleteProfile | None:
    if user is None or not user.is_authenticated:
        return None
    return AthleteProfile.objects.filter(user=user).first()
