"""Reads for accounts: rosters, links and their owners. Visibility itself is decided in access.py."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from vault.accounts.access import can_end_link, is_admin
from vault.accounts.models import AthleteProfile, CoachAthleteLink, IntakeLink, JoinLink, User


def roster_links(user: User) -> QuerySet[CoachAthleteLink]:
    """Active links the user manages from the roster page: a coach's own; every link for admin."""
    links = CoachAthleteLink.objects.active().select_related("athlete", "athlete__user", "coach")
    if is_admin(user):
        return links.order_by("coach__username", "athlete__name")
    return links.filter(coach=user).order_by("athlete__name")


def ended_roster_links(user: User) -> QuerySet[CoachAthleteLink]:
    links = CoachAthleteLink.objects.filter(ended_at__isnull=False).select_related(
        "athlete", "coach", "ended_by"
    )
    if not is_admin(user):
        links = links.filter(coach=user)
    return links.order_by("-ended_at")


def coach_links_of(athlete: AthleteProfile) -> QuerySet[CoachAthleteLink]:
    """An athlete's coaches, active first, then the ended ones (history)."""
    return (
        CoachAthleteLink.objects.filter(athlete=athlete)
        .select_related("coach", "ended_by")
        .order_by("-ended_at", "-started_at")
    )


def join_links_of(coach: User) -> QuerySet[JoinLink]:
    return JoinLink.objects.filter(coach=coach)


def intake_links_of(coach: User) -> QuerySet[IntakeLink]:
    return IntakeLink.objects.filter(coach=coach).select_related("athlete")


def join_link_by_token(token: str) -> JoinLink:
    link = JoinLink.objects.select_related("coach").filter(token=token).first()
    if link is None:
        raise Http404("No such join link.")
    return link


def intake_link_by_token(token: str) -> IntakeLink:
    link = IntakeLink.objects.select_related("coach").filter(token=token).first()
    if link is None:
        raise Http404("No such intake link.")
    return link


def link_for(user: User, link_id: int) -> CoachAthleteLink:
    """A roster link either side of it (or admin) may act on; Http404 for anyone else."""
    link = CoachAthleteLink.objects.select_related("athlete", "coach").filter(pk=link_id).first()
    if link is None or not can_end_link(user, link):
        raise Http404("No such link.")
    return link


def join_link_for(user: User, link_id: int) -> JoinLink:
    link = JoinLink.objects.filter(pk=link_id).first()
    if link is None or not (link.coach_id == user.pk or is_admin(user)):
        raise Http404("No such join link.")
    return link
