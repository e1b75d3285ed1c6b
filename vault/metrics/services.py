"""Writes on the metric history: create, edit and delete entries, and the review actions.

Review rule: a value an athlete enters for themself waits for their coach (pending). An athlete without an
active coach has nobody to wait for, so their own entries count at once, and they review the entries other
parts flag for them themself. A coach's or admin's entry for an athlete counts at once. Pending and
declined entries are never the current value; asking for information keeps an entry pending.
"""

from __future__ import annotations

import datetime as dt
import math
from numbers import Real

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from vault.accounts.access import can_see_athlete, is_coach_of
from vault.accounts.models import AthleteProfile, CoachAthleteLink
from vault.metrics.models import MetricHistory, ReviewStatus, Source
from vault.metrics.types import METRIC_TYPES, unknown_type_message

# Older than this is a typo (a year like 1926 for 2026), not a measurement.
OLDEST_YEARS = 100


def has_active_coach(athlete: AthleteProfile) -> bool:
    return CoachAthleteLink.objects.active().filter(athlete=athlete).exists()


def can_review(user, athlete: AthleteProfile) -> bool:
    """The athlete's coach or an admin reviews; an athlete without an active coach reviews their own."""
    if user is None or not user.is_authenticated or not can_see_athlete(user, athlete):
        return False
    if user.is_admin_role or is_coach_of(user, athlete):
        return True
    return athlete.user_id == user.pk and not has_active_coach(athlete)


def _athlete_today(athlete: AthleteProfile) -> dt.date:
    return timezone.localdate(timezone=athlete.tzinfo)


def _clean_value(metric_type: str, value) -> float:
    info = METRIC_TYPES[metric_type]
    if isinstance(value, bool) or not isinstance(value, Real | str):
        raise ValidationError({"value": f"must be a number in {info.unit or 'points'}, got {value!r}"})
    try:
        number = float(value)
    except ValueError:
        raise ValidationError(
            {"value": f"must be a number in {info.unit or 'points'}, got {value!r}"}
        ) from None
    if not math.isfinite(number):
        raise ValidationError({"value": f"must be a finite number, got {value!r}"})
    if not info.min_value <= number <= info.max_value:
        raise ValidationError(
            {
                "value": f"{info.display(number) if number > 0 else number} is outside the valid range for "
                f"{metric_type} ({info.range_text()})"
            }
        )
    return number


def _clean_date(athlete: AthleteProfile, recorded_on) -> dt.date:
    if isinstance(recorded_on, str):
        try:
            recorded_on = dt.date.fromisoformat(recorded_on)
        except ValueError:
            raise ValidationError(
                {"recorded_on": f"expected a date as YYYY-MM-DD, got {recorded_on!r}"}
            ) from None
    if isinstance(recorded_on, dt.datetime):
        recorded_on = recorded_on.date()
    if not isinstance(recorded_on, dt.date):
        raise ValidationError({"recorded_on": f"expected a date as YYYY-MM-DD, got {recorded_on!r}"})
    today = _athlete_today(athlete)
    if recorded_on > today:
        raise ValidationError({"recorded_on": f"{recorded_on} is in the future (today is {today})"})
    oldest = today.replace(year=today.year - OLDEST_YEARS, day=min(today.day, 28))
    if recorded_on < oldest:
        raise ValidationError({"recorded_on": f"{recorded_on} is more than {OLDEST_YEARS} years ago"})
    if athlete.birth_date and recorded_on < athlete.birth_date:
        raise ValidationError({"recorded_on": f"{recorded_on} is before the athlete's birth date"})
    return recorded_on


def _self_entered_needs_coach(athlete: AthleteProfile, created_by) -> bool:
    return created_by is not None and created_by.pk == athlete.user_id and has_active_coach(athlete)


@transaction.atomic
def metric_entry_create(
    *,
    athlete: AthleteProfile,
    metric_type: str,
    value: float,
    recorded_on: dt.date,
    source: str,
    source_detail: str = "",
    needs_review: bool = False,
    created_by=None,
) -> MetricHistory:
    """Validate and store one entry. Raises ValidationError naming the field for any bad input."""
    if metric_type not in METRIC_TYPES:
        raise ValidationError({"metric_type": unknown_type_message(metric_type)})
    if source not in Source.values:
        raise ValidationError(
            {"source": f"{source!r} is not a source; use one of: {', '.join(Source.values)}"}
        )
    number = _clean_value(metric_type, value)
    day = _clean_date(athlete, recorded_on)
    source_detail = (source_detail or "").strip()
    if len(source_detail) > 200:
        raise ValidationError({"source_detail": "must be at most 200 characters"})
    waits = needs_review or (source == Source.MANUAL and _self_entered_needs_coach(athlete, created_by))
    return MetricHistory.objects.create(
        athlete=athlete,
        metric_type=metric_type,
        value=number,
        value_display=METRIC_TYPES[metric_type].display(number),
        recorded_on=day,
        source=source,
        source_detail=source_detail,
        needs_review=waits,
        review_status=ReviewStatus.PENDING if waits else ReviewStatus.NOT_REQUIRED,
        created_by=created_by,
    )


def _require_manual(entry: MetricHistory, verb: str) -> None:
    if entry.source != Source.MANUAL:
        raise ValidationError(
            {
                "source": f"only manual entries can be {verb}; this one came from {entry.get_source_display().lower()}"
                + (f" ({entry.source_detail})" if entry.source_detail else "")
            }
        )


@transaction.atomic
def metric_entry_update(
    *, entry: MetricHistory, updated_by, value=None, recorded_on=None, source_detail: str | None = None
) -> MetricHistory:
    """Edit a manual entry. An athlete's own edit goes back to their coach for review."""
    _require_manual(entry, "edited")
    number = entry.value if value is None else _clean_value(entry.metric_type, value)
    day = entry.recorded_on if recorded_on is None else _clean_date(entry.athlete, recorded_on)
    if source_detail is not None:
        source_detail = source_detail.strip()
        if len(source_detail) > 200:
            raise ValidationError({"source_detail": "must be at most 200 characters"})
        entry.source_detail = source_detail
    entry.value = number
    entry.value_display = METRIC_TYPES[entry.metric_type].display(number)
    entry.recorded_on = day
    if _self_entered_needs_coach(entry.athlete, updated_by):
        entry.needs_review = True
        entry.review_status = ReviewStatus.PENDING
        entry.reviewed_by = None
        entry.reviewed_at = None
    entry.save()
    return entry


@transaction.atomic
def metric_entry_delete(*, entry: MetricHistory, deleted_by=None) -> None:
    _require_manual(entry, "deleted")
    entry.delete()


def _review(entry: MetricHistory, reviewer, status: str, note: str) -> MetricHistory:
    if not can_review(reviewer, entry.athlete):
        raise PermissionDenied("Only the athlete's coach or an admin can review this entry.")
    # Lock the row so two reviewers clicking at once cannot both act on the same pending entry.
    locked = MetricHistory.objects.select_for_update().select_related("athlete").get(pk=entry.pk)
    if not locked.needs_review:
        raise ValidationError(
            {
                "action": f"this entry is not waiting for review (it is {locked.get_review_status_display().lower()})"
            }
        )
    locked.review_status = status
    locked.needs_review = status in (ReviewStatus.PENDING, ReviewStatus.INFO_REQUESTED)
    locked.review_note = note
    locked.reviewed_by = reviewer
    locked.reviewed_at = timezone.now()
    locked.save()
    return locked


@transaction.atomic
def metric_review_accept(*, entry: MetricHistory, reviewer, note: str = "") -> MetricHistory:
    """The entry counts from now on (it becomes current if it is the latest of its type)."""
    return _review(entry, reviewer, ReviewStatus.ACCEPTED, (note or "").strip())


@transaction.atomic
def metric_review_decline(*, entry: MetricHistory, reviewer, reason: str = "") -> MetricHistory:
    """The entry never counts; the reason (optional) is shown to the athlete."""
    return _review(entry, reviewer, ReviewStatus.DECLINED, (reason or "").strip())


@transaction.atomic
def metric_review_request_info(*, entry: MetricHistory, reviewer, note: str) -> MetricHistory:
    """The entry stays pending and the athlete sees the question."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "say what information you need"})
    return _review(entry, reviewer, ReviewStatus.INFO_REQUESTED, note)
