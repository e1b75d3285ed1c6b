"""Writes for wellness, coach notes and activity comments. Keyword-only, atomic, validated."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from vault.accounts.access import can_see_athlete, is_coach_of
from vault.coaching.models import ActivityComment, CoachNote, CommentReadMark, NoteTemplate, WellnessEntry

WELLNESS_FIELDS = [
    f.name
    for f in WellnessEntry._meta.get_fields()
    if getattr(f, "concrete", False)
    and f.name not in {"id", "athlete", "date", "created_by", "created_at", "updated_at"}
]


def _athlete_today(athlete) -> dt.date:
    return timezone.now().astimezone(athlete.tzinfo).date()


@transaction.atomic
def wellness_entry_save(*, athlete, date: dt.date, values: dict, by) -> WellnessEntry:
    """Create or update the athlete's entry for `date`. Weight also goes to the metric history (source manual)."""
    unknown = set(values) - set(WELLNESS_FIELDS)
    if unknown:
        raise ValidationError({name: ["Unknown wellness field."] for name in sorted(unknown)})
    if date > _athlete_today(athlete):
        raise ValidationError({"date": [f"{date.isoformat()} is in the future; log a day that has begun."]})
    entry = WellnessEntry.objects.filter(athlete=athlete, date=date).first() or WellnessEntry(
        athlete=athlete, date=date, created_by=by
    )
    previous_weight = entry.weight_kg
    for name, value in values.items():
        setattr(entry, name, value)
    entry.full_clean(exclude=["athlete", "created_by"], validate_unique=False)
    entry.save()
    if entry.weight_kg is not None and entry.weight_kg != previous_weight:
        from vault.metrics.services import metric_entry_create

        metric_entry_create(
            athlete=athlete,
            metric_type="weight",
            value=entry.weight_kg,
            recorded_on=date,
            source="manual",
            source_detail=f"wellness log {date.isoformat()}",
            created_by=by,
        )
    return entry


@transaction.atomic
def wellness_entry_delete(*, entry: WellnessEntry) -> None:
    entry.delete()


def _clean_text(value: str, field: str, *, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: [f"An empty {what} cannot be saved; write something first."]})
    return text


def _check_note_links(*, athlete, activity, race) -> None:
    if activity is not None and activity.athlete_id != athlete.pk:
        raise ValidationError({"activity": ["That activity belongs to another athlete."]})
    if race is not None and race.athlete_id != athlete.pk:
        raise ValidationError({"race": ["That race belongs to another athlete."]})


@transaction.atomic
def coach_note_create(
    *,
    athlete,
    author,
    body: str,
    domain: str = "general",
    activity=None,
    race=None,
    visible_to_athlete: bool = False,
    concerning: bool = False,
) -> CoachNote:
    if not (author.is_admin_role or is_coach_of(author, athlete)):
        raise ValidationError({"author": ["Only the athlete's coach (or an admin) writes coach notes."]})
    _check_note_links(athlete=athlete, activity=activity, race=race)
    note = CoachNote(
        athlete=athlete,
        author=author,
        body=_clean_text(body, "body", what="note"),
        domain=domain,
        activity=activity,
        race=race,
        visible_to_athlete=visible_to_athlete,
        concerning=concerning,
    )
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def coach_note_update(*, note: CoachNote, by, **changes) -> CoachNote:
    if not (by.pk == note.author_id or by.is_admin_role):
        raise ValidationError({"author": ["Only the note's author (or an admin) can change it."]})
    allowed = {"body", "domain", "visible_to_athlete", "concerning", "activity", "race"}
    for name in sorted(set(changes) - allowed):
        raise ValidationError({name: ["This field of a note cannot be changed."]})
    if "body" in changes:
        changes["body"] = _clean_text(changes["body"], "body", what="note")
    _check_note_links(
        athlete=note.athlete,
        activity=changes.get("activity", note.activity),
        race=changes.get("race", note.race),
    )
    if changes.get("concerning") and not note.concerning:
        note.athlete_seen_at = None  # a newly raised concern notifies the athlete again
    for name, value in changes.items():
        setattr(note, name, value)
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def coach_note_delete(*, note: CoachNote, by) -> None:
    if not (by.pk == note.author_id or by.is_admin_role):
        raise ValidationError({"author": ["Only the note's author (or an admin) can delete it."]})
    note.delete()


def concerns_mark_seen(*, athlete) -> int:
    return CoachNote.objects.filter(athlete=athlete, concerning=True, athlete_seen_at__isnull=True).update(
        athlete_seen_at=timezone.now()
    )


@transaction.atomic
def note_template_save(*, coach, name: str, body: str, domain: str = "general") -> NoteTemplate:
    name = _clean_text(name, "name", what="template name")
    template, _ = NoteTemplate.objects.update_or_create(
        coach=coach,
        name=name,
        defaults={"body": _clean_text(body, "body", what="template"), "domain": domain},
    )
    return template


@transaction.atomic
def comment_create(*, activity, author, body: str) -> ActivityComment:
    if not can_see_athlete(author, activity.athlete):
        raise ValidationError({"activity": ["You cannot comment on an activity you cannot see."]})
    comment = ActivityComment.objects.create(
        activity=activity, author=author, body=_clean_text(body, "body", what="comment")
    )
    comment_thread_mark_read(activity=activity, user=author)
    return comment


@transaction.atomic
def comment_update(*, comment: ActivityComment, by, body: str) -> ActivityComment:
    if by.pk != comment.author_id:
        raise ValidationError({"author": ["You can only edit your own comments."]})
    comment.body = _clean_text(body, "body", what="comment")
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    return comment


@transaction.atomic
def comment_delete(*, comment: ActivityComment, by) -> None:
    if by.pk != comment.author_id:
        raise ValidationError({"author": ["You can only delete your own comments."]})
    comment.delete()


def comment_thread_mark_read(*, activity, user) -> None:
    CommentReadMark.objects.update_or_create(
        user=user, activity=activity, defaults={"read_at": timezone.now()}
    )
