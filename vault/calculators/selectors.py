"""Reads for races and calculator results, always through the access policy (others' data is a 404)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from vault.accounts.access import visible_athletes
from vault.accounts.models import AthleteProfile
from vault.calculators.models import Assessment, CalculatorResult, Race


def races_of(athlete: AthleteProfile) -> QuerySet[Race]:
    return Race.objects.filter(athlete=athlete).order_by("-date", "-id")


def race_for(user, race_id: int) -> Race:
    """The race if `user` may see its athlete; Http404 otherwise (whether or not it exists)."""
    race = (
        Race.objects.filter(pk=race_id, athlete__in=visible_athletes(user))
        .select_related("athlete", "athlete__user")
        .first()
    )
    if race is None:
        raise Http404("No race here.")
    return race


def calculator_results_of(
    athlete: AthleteProfile, *, calculator_type: str | None = None, race: Race | None = None
) -> QuerySet[CalculatorResult]:
    results = CalculatorResult.objects.filter(athlete=athlete).select_related("race", "created_by")
    if calculator_type:
        results = results.filter(calculator_type=calculator_type)
    if race is not None:
        results = results.filter(race=race)
    return results.order_by("-created_at", "-id")


def calculator_result_for(user, result_id: int) -> CalculatorResult:
    result = (
        CalculatorResult.objects.filter(pk=result_id, athlete__in=visible_athletes(user))
        .select_related("athlete", "race", "created_by")
        .first()
    )
    if result is None:
        raise Http404("No calculator result here.")
    return result


def active_results_for_race(race: Race) -> dict[str, CalculatorResult]:
    """The plan of a race: its active result per calculator type."""
    return {
        result.calculator_type: result
        for result in CalculatorResult.objects.filter(race=race, is_active=True).order_by("created_at")
    }


def assessments_of(athlete: AthleteProfile) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(athlete=athlete).select_related("created_by").order_by("-tested_on", "-id")
    )
