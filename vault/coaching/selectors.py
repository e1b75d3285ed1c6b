"""Reads for wellness, notes and comments, always narrowed by who is asking."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404

from vault.accounts.access import visible_athletes
from vault.accounts.models import CoachAthleteLink
from vault.coaching.models import ActivityComment, CoachNote, CommentReadMark, NoteTemplate, WellnessEntry

BASELINE_DAYS = 14


def notes_visible_to(user, athlete) -> QuerySet[CoachNote]:
    """The author and admin always see a note; the athlete only shared ones; another coach only notes written
    while their current relationship with the athlete is active (notes do not follow an athlete to a new coach)."""
    notes = CoachNote.objects.filter(athlete=athlete).select_related("author", "activity", "race")
    if not user.is_authenticated:
        return notes.none()
    if user.is_admin_role:
        return notes
    if athlete.user_id == user.pk:
        return notes.filter(visible_to_athlete=True)
    link = CoachAthleteLink.objects.active().filter(coach=user, athlete=athlete).first()
    if link is None:
        return notes.filter(author=user)
    return notes.filter(Q(author=user) | Q(created_at__gte=link.started_at))


def note_for(user, note_id: int) -> CoachNote:
    note = (
        CoachNote.objects.filter(pk=note_id, athlete__in=visible_athletes(user))
        .select_related("athlete")
        .first()
    )
    if note is None or not notes_visible_to(user, note.athlete).filter(pk=note.pk).exists():
        raise Http404("No note here.")
    return note


def unseen_concerns(athlete) -> QuerySet[CoachNote]:
    """Concerning notes the athlete has not seen yet, among those shared with them only: a private concern
    is the coaches' own, and neither its flag nor its existence reaches the athlete."""
    return CoachNote.objects.filter(
        athlete=athlete, concerning=True, visible_to_athlete=True, athlete_seen_at__isnull=True
    )


def note_templates_of(user) -> QuerySet[NoteTemplate]:
    return NoteTemplate.objects.filter(coach=user) if user.is_authenticated else NoteTemplate.objects.none()


def note_template_for(user, template_id: int) -> NoteTemplate:
    """One of the caller's own templates; anyone else's (or none) is 404, as for any unseen object."""
    template = note_templates_of(user).filter(pk=template_id).first()
    if template is None:
        raise Http404("No template here.")
    return template


def wellness_entries(athlete, *, since: dt.date | None = None, until: dt.date | None = None):
    entries = WellnessEntry.objects.filter(athlete=athlete)
    if since:
        entries = entries.filter(date__gte=since)
    if until:
        entries = entries.filter(date__lte=until)
    return entries


def wellness_with_flags(athlete, *, days: int = 28) -> list[dict]:
    """The last `days` entries, oldest first, each with its 14-day baselines and the flags it raises
    (science.md §11; each flag a {code, message})."""
    from trainingmath.wellness import baseline, wellness_flags_by_date

    newest = (
        WellnessEntry.objects.filter(athlete=athlete).order_by("-date").values_list("date", flat=True).first()
    )
    if newest is None:
        return []
    entries = list(
        WellnessEntry.objects.filter(
            athlete=athlete, date__gte=newest - dt.timedelta(days=days - 1 + BASELINE_DAYS)
        ).order_by("date")
    )
    flags_by_date = wellness_flags_by_date(
        {
            e.date: {
                "illness": e.illness,
                "sleep_s": None if e.sleep_hours is None else e.sleep_hours * 3600,
                "stress": e.stress,
                "soreness": e.soreness,
                "hrv_ms": e.hrv_rmssd_ms,
                "resting_hr": e.resting_hr,
            }
            for e in entries
        }
    )
    shown_from = newest - dt.timedelta(days=days - 1)
    rows = []
    for entry in entries:
        if entry.date < shown_from:
            continue
        window = [e for e in entries if entry.date - dt.timedelta(days=BASELINE_DAYS) <= e.date < entry.date]
        rows.append(
            {
                "entry": entry,
                "hrv_baseline": baseline(e.hrv_rmssd_ms for e in window),
                "resting_hr_baseline": baseline(e.resting_hr for e in window),
                "flags": flags_by_date.get(entry.date, []),
            }
        )
    return rows


def latest_wellness_flags(athlete, *, on_date: dt.date) -> list[dict] | None:
    """Flags of the entry of `on_date`, or None when that day has no entry (the coach sees it is missing)."""
    rows = [r for r in wellness_with_flags(athlete, days=1) if r["entry"].date == on_date]
    return rows[0]["flags"] if rows else None


def comments_of(activity) -> QuerySet[ActivityComment]:
    return ActivityComment.objects.filter(activity=activity).select_related("author")


def unread_comments(user) -> QuerySet[ActivityComment]:
    """Comments by others, on activities the user can see, newer than the user's read mark of that thread."""
    read_after = CommentReadMark.objects.filter(
        user=user, activity=OuterRef("activity"), read_at__gte=OuterRef("created_at")
    )
    return (
        ActivityComment.objects.filter(activity__athlete__in=visible_athletes(user))
        .exclude(author=user)
        .annotate(already_read=Exists(read_after))
        .filter(already_read=False)
    )


def unread_comment_counts(user) -> dict[int, int]:
    """athlete id -> unread comments, for the dashboard and the roster."""
    return {athlete_id: thread["count"] for athlete_id, thread in unread_threads(user).items()}


def unread_threads(user) -> dict[int, dict]:
    """athlete id -> {count: unread comments, activity_id: the thread holding the oldest of them}, so an
    unread badge can open the conversation that has waited longest."""
    unread = unread_comments(user)
    rows = unread.values(athlete_id=F("activity__athlete_id")).annotate(n=Count("id"))
    return {
        row["athlete_id"]: {
            "count": row["n"],
            "activity_id": unread.filter(activity__athlete_id=row["athlete_id"])
            .order_by("created_at", "pk")
            .values_list("activity_id", flat=True)
            .first(),
        }
        for row in rows
    }


def roster_coaching(user, athletes) -> dict[int, dict]:
    """Per athlete id, what the coach's dashboard shows beside the thresholds: the last activity, today's
    wellness (or that it is missing), its flags, open concerns and unread comments."""
    from vault.activities.models import Activity

    unread = unread_threads(user)
    rows: dict[int, dict] = {}
    for athlete in athletes:
        today = dt.datetime.now(tz=athlete.tzinfo).date()
        rows[athlete.pk] = {
            "last_activity": Activity.objects.filter(athlete=athlete).order_by("-start_time").first(),
            "wellness_flags": latest_wellness_flags(athlete, on_date=today),  # None: nothing logged today
            "concerns": CoachNote.objects.filter(athlete=athlete, concerning=True)
            .filter(pk__in=notes_visible_to(user, athlete))
            .count(),
            "unread_comments": unread.get(athlete.pk, {}).get("count", 0),
            "unread_activity_id": unread.get(athlete.pk, {}).get("activity_id"),
        }
    return rows
