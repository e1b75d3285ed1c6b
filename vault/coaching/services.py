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


def _wellness_weight_entry(athlete, date: dt.date):
    """The metric-history entry a day's wellness log wrote for its weight (None when there is none)."""
    from vault.metrics.models import MetricHistory

    return MetricHistory.objects.filter(
        athlete=athlete,
        metric_type="weight",
        source="manual",
        recorded_on=date,
        source_detail=_wellness_weight_detail(date),
    ).first()


def _wellness_weight_detail(date: dt.date) -> str:
    return f"wellness log {date.isoformat()}"


def _sync_weight_history(*, athlete, date: dt.date, weight_kg: float | None, by) -> None:
    """Keep one metric-history entry per logged day in step with the day's weight: created on first entry,
    updated when the weight changes, deleted when it is cleared. Entries from anywhere else are left alone."""
    from vault.metrics.services import metric_entry_create, metric_entry_delete, metric_entry_update

    existing = _wellness_weight_entry(athlete, date)
    try:
        if weight_kg is None:
            if existing is not None:
                metric_entry_delete(entry=existing, deleted_by=by)
        elif existing is None:
            metric_entry_create(
                athlete=athlete,
                metric_type="weight",
                value=weight_kg,
                recorded_on=date,
                source="manual",
                source_detail=_wellness_weight_detail(date),
                created_by=by,
            )
        elif existing.value != weight_kg:
            metric_entry_update(entry=existing, updated_by=by, value=weight_kg)
    except ValidationError as error:
        # The metric history has its own plausible range; its refusal is about the form's weight field.
        raise ValidationError({"weight_kg": error.messages}) from None


@transaction.atomic
def wellness_entry_save(*, athlete, date: dt.date, values: dict, by) -> WellnessEntry:
    """Create or update the athlete's entry for `date`. Weight also goes to the metric history (source manual),
    one entry per day that follows later changes."""
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
    if entry.weight_kg != previous_weight:
        _sync_weight_history(athlete=athlete, date=date, weight_kg=entry.weight_kg, by=by)
    return entry


@transaction.atomic
def wellness_entry_update(*, entry: WellnessEntry, values: dict, by) -> WellnessEntry:
    """Change some measures of an existing entry (its day stays; an unknown or out-of-range value refuses all)."""
    return wellness_entry_save(athlete=entry.athlete, date=entry.date, values=values, by=by)


@transaction.atomic
def wellness_entry_delete(*, entry: WellnessEntry, by=None) -> None:
    """Delete a day's entry, and the weight it wrote to the metric history (which no longer has a source)."""
    if entry.weight_kg is not None:
        _sync_weight_history(athlete=entry.athlete, date=entry.date, weight_kg=None, by=by)
    entry.delete()


def _clean_text(value: str, field: str, *, what: str, model=None) -> str:
    """The text stripped; empty is refused, and so is text past the model field's max_length (a TextField's
    limit is not checked by full_clean, and SQLite would store any length)."""
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: [f"An empty {what} cannot be saved; write something first."]})
    limit = model._meta.get_field(field).max_length if model is not None else None
    if limit is not None and len(text) > limit:
        raise ValidationError(
            {field: [f"A {what} holds at most {limit} characters; this one has {len(text)}."]}
        )
    return text


def _check_note_links(*, athlete, activity, race) -> None:
    # The same words whether the id is someone else's or no one's: a refusal must not confirm it exists.
    if activity is not None and activity.athlete_id != athlete.pk:
        raise ValidationError({"activity": ["That is not one of this athlete's activities."]})
    if race is not None and race.athlete_id != athlete.pk:
        raise ValidationError({"race": ["That is not one of this athlete's races."]})


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
        body=_clean_text(body, "body", what="note", model=CoachNote),
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
        changes["body"] = _clean_text(changes["body"], "body", what="note", model=CoachNote)
    _check_note_links(
        athlete=note.athlete,
        activity=changes.get("activity", note.activity),
        race=changes.get("race", note.race),
    )
    raised = changes.get("concerning", note.concerning) and not note.concerning
    shared = changes.get("visible_to_athlete", note.visible_to_athlete) and not note.visible_to_athlete
    if raised or (shared and changes.get("concerning", note.concerning)):
        # A concern newly raised, or a private one now shared, is news to the athlete: notify again.
        note.athlete_seen_at = None
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


@transaction.atomic
def coach_note_resolve(*, note: CoachNote, by) -> CoachNote:
    """The concern is dealt with: the note stays, unflagged, and the athlete's roster mark clears."""
    return coach_note_update(note=note, by=by, concerning=False)


def concerns_mark_seen(*, athlete) -> int:
    """The athlete has read their notes page: the shared concerns on it are seen (private ones never shown)."""
    from vault.coaching.selectors import unseen_concerns

    return unseen_concerns(athlete).update(athlete_seen_at=timezone.now())


def _template_values(*, name: str, body: str, domain: str) -> dict:
    return {
        "name": _clean_text(name, "name", what="template name", model=NoteTemplate),
        "body": _clean_text(body, "body", what="template", model=NoteTemplate),
        "domain": domain,
    }


def _template_name_taken(coach, name: str, *, other_than: int | None = None) -> bool:
    return NoteTemplate.objects.filter(coach=coach, name=name).exclude(pk=other_than).exists()


def _check_template_writer(coach) -> None:
    if not (coach.is_coach or coach.is_admin_role):
        raise ValidationError({"coach": ["Only coaches (and admin) keep note templates."]})


def _template_store(template: NoteTemplate, values: dict) -> NoteTemplate:
    for field, value in values.items():
        setattr(template, field, value)
    template.full_clean(exclude=["coach"], validate_unique=False)
    template.save()
    return template


@transaction.atomic
def note_template_save(*, coach, name: str, body: str, domain: str = "general") -> NoteTemplate:
    """Create the coach's template of that name, or replace its text (the note form's "save as template")."""
    _check_template_writer(coach)
    values = _template_values(name=name, body=body, domain=domain)
    template = NoteTemplate.objects.filter(coach=coach, name=values["name"]).first() or NoteTemplate(
        coach=coach
    )
    return _template_store(template, values)


@transaction.atomic
def note_template_create(*, coach, name: str, body: str, domain: str = "general") -> NoteTemplate:
    """A new template; a name the coach already uses is refused (edit that one instead)."""
    _check_template_writer(coach)
    values = _template_values(name=name, body=body, domain=domain)
    if _template_name_taken(coach, values["name"]):
        raise ValidationError({"name": [f"You already have a template named {values['name']!r}."]})
    return _template_store(NoteTemplate(coach=coach), values)


@transaction.atomic
def note_template_update(*, template: NoteTemplate, by, **changes) -> NoteTemplate:
    if by.pk != template.coach_id:
        raise ValidationError({"coach": ["Only the coach who made a template can change it."]})
    for name in sorted(set(changes) - {"name", "body", "domain"}):
        raise ValidationError({name: ["This field of a template cannot be changed."]})
    values = _template_values(
        name=changes.get("name", template.name),
        body=changes.get("body", template.body),
        domain=changes.get("domain", template.domain),
    )
    if _template_name_taken(template.coach, values["name"], other_than=template.pk):
        raise ValidationError({"name": [f"You already have a template named {values['name']!r}."]})
    return _template_store(template, values)


@transaction.atomic
def note_template_delete(*, template: NoteTemplate, by) -> None:
    if by.pk != template.coach_id:
        raise ValidationError({"coach": ["Only the coach who made a template can delete it."]})
    template.delete()


@transaction.atomic
def comment_create(*, activity, author, body: str) -> ActivityComment:
    if not can_see_athlete(author, activity.athlete):
        raise ValidationError({"activity": ["You cannot comment on an activity you cannot see."]})
    comment = ActivityComment(
        activity=activity,
        author=author,
        body=_clean_text(body, "body", what="comment", model=ActivityComment),
    )
    comment.full_clean()
    comment.save()
    comment_thread_mark_read(activity=activity, user=author)
    return comment


@transaction.atomic
def comment_update(*, comment: ActivityComment, by, body: str) -> ActivityComment:
    if by.pk != comment.author_id:
        raise ValidationError({"author": ["You can only edit your own comments."]})
    comment.body = _clean_text(body, "body", what="comment", model=ActivityComment)
    comment.edited_at = timezone.now()
    comment.full_clean()
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
