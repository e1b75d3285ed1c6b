"""Access answers for the coaching endpoints and pages."""

from django.utils import timezone

from vault.coaching import services
from vault.coaching.models import CoachNote
from vault.testing.access_matrix import Row, api_owner_coach_admin, expect, page_owner_coach_admin


def _pid(world):
    return {"public_id": world.athlete.public_id}


def _shared_note(world):
    note = services.coach_note_create(
        athlete=world.athlete, author=world.coach, body="Shared", visible_to_athlete=True
    )
    return {"note_id": note.pk}


def _concerning_note(world):
    note = services.coach_note_create(
        athlete=world.athlete, author=world.coach, body="Knee again", visible_to_athlete=True, concerning=True
    )
    return {"note_id": note.pk}


def _note_edit_body(world):
    note = CoachNote.objects.filter(athlete=world.athlete).latest("pk")
    return {f"note-{note.pk}-body": "Changed", f"note-{note.pk}-domain": "run"}


def _coach_template(world):
    template = services.note_template_create(coach=world.coach, name="Recovery week", body="Easy days.")
    return {"template_id": template.pk}


def _wellness_entry(world):
    entry = services.wellness_entry_save(
        athlete=world.athlete,
        date=timezone.now().astimezone(world.athlete.tzinfo).date(),
        values={"mood": 6},
        by=world.athlete.user,
    )
    return {"entry_id": entry.pk}


def _activity(world):
    from vault.coaching.tests.factories import make_activity

    return make_activity(world.athlete)


def _activity_kwargs(world):
    return {"activity_id": _activity(world).pk}


def _athletes_comment(world):
    comment = services.comment_create(activity=_activity(world), author=world.athlete.user, body="Felt good")
    return {"comment_id": comment.pk}


def _wellness_body(world):
    return {"date": timezone.now().astimezone(world.athlete.tzinfo).date().isoformat(), "mood": 7}


# Only the comment's author may change it: everyone else who can see it is refused (400), others 404.
# (Pages alike, but the edit answers the thread partial: 200 to its author, 400 with the refusal shown.)
_AUTHOR_ONLY = expect(athlete=200, coach=400, other_coach=404, other_athlete=404, admin=400, anonymous=401)
_AUTHOR_ONLY_DELETE = {**_AUTHOR_ONLY, "athlete": 204}
# Writing a note: coaches of the athlete and admin; the athlete is refused (400); strangers 404.
_NOTE_WRITERS = expect(athlete=400, coach=201, other_coach=404, other_athlete=404, admin=201, anonymous=401)
# Changing a note on its page: the author and admin are sent back to the notes (302); the athlete sees the
# shared note but is refused (400, the page with the message); strangers 404.
_NOTE_CHANGERS_PAGE = expect(
    athlete=400, coach=302, other_coach=404, other_athlete=404, admin=302, anonymous=302
)
# Templates are a coach's own tools: any coach or admin has a (possibly empty) list; athletes 404.
_TEMPLATE_KEEPERS_API = expect(
    athlete=404, coach=200, other_coach=200, other_athlete=404, admin=200, anonymous=401
)
_TEMPLATE_KEEPERS_PAGE = expect(
    athlete=404, coach=200, other_coach=200, other_athlete=404, admin=200, anonymous=302
)


def _template_owner(ok: int, anonymous: int) -> dict:
    """One template: only the coach who made it; everyone else (admin too) 404, as for any unseen object."""
    return expect(athlete=404, coach=ok, other_coach=404, other_athlete=404, admin=404, anonymous=anonymous)


ROWS = [
    Row("api:wellness-list", api_owner_coach_admin(), kwargs=_pid),
    Row("api:wellness-list", api_owner_coach_admin(201), method="post", kwargs=_pid, data=_wellness_body),
    Row("api:note-list", api_owner_coach_admin(), kwargs=_pid),
    Row("api:note-list", _NOTE_WRITERS, method="post", kwargs=_pid, data=lambda w: {"body": "Keep it easy."}),
    Row("api:note-detail", api_owner_coach_admin(), kwargs=_shared_note),
    Row(
        "api:note-detail",
        expect(athlete=400, coach=200, other_coach=404, other_athlete=404, admin=200, anonymous=401),
        method="patch",
        kwargs=_shared_note,
        data=lambda w: {"body": "Changed"},
    ),
    Row(
        "api:note-detail",
        expect(athlete=400, coach=204, other_coach=404, other_athlete=404, admin=204, anonymous=401),
        method="delete",
        kwargs=_shared_note,
    ),
    Row("api:comment-list", api_owner_coach_admin(), kwargs=_activity_kwargs),
    Row(
        "api:comment-list",
        api_owner_coach_admin(201),
        method="post",
        kwargs=_activity_kwargs,
        data=lambda w: {"body": "Nice"},
    ),
    Row(
        "api:comment-detail",
        _AUTHOR_ONLY,
        method="patch",
        kwargs=_athletes_comment,
        data=lambda w: {"body": "Edit"},
    ),
    Row("api:comment-detail", _AUTHOR_ONLY_DELETE, method="delete", kwargs=_athletes_comment),
    Row("api:wellness-detail", api_owner_coach_admin(), kwargs=_wellness_entry),
    Row(
        "api:wellness-detail",
        api_owner_coach_admin(),
        method="patch",
        kwargs=_wellness_entry,
        data=lambda w: {"mood": 8},
    ),
    Row("api:wellness-detail", api_owner_coach_admin(204), method="delete", kwargs=_wellness_entry),
    Row("api:note-template-list", _TEMPLATE_KEEPERS_API),
    Row(
        "api:note-template-list",
        {**_TEMPLATE_KEEPERS_API, "coach": 201, "other_coach": 201, "admin": 201},
        method="post",
        data=lambda w: {"name": "Taper", "body": "Less volume, same intensity."},
    ),
    Row("api:note-template-detail", _template_owner(200, 401), kwargs=_coach_template),
    Row(
        "api:note-template-detail",
        _template_owner(200, 401),
        method="patch",
        kwargs=_coach_template,
        data=lambda w: {"body": "Easier days."},
    ),
    Row("api:note-template-detail", _template_owner(204, 401), method="delete", kwargs=_coach_template),
    Row("web:note-edit", _NOTE_CHANGERS_PAGE, method="post", kwargs=_shared_note, data=_note_edit_body),
    Row("web:note-delete", _NOTE_CHANGERS_PAGE, method="post", kwargs=_shared_note),
    Row("web:note-resolve", _NOTE_CHANGERS_PAGE, method="post", kwargs=_concerning_note),
    Row("web:note-templates", _TEMPLATE_KEEPERS_PAGE),
    Row(
        "web:note-templates",
        {**_TEMPLATE_KEEPERS_PAGE, "coach": 302, "other_coach": 302, "admin": 302},
        method="post",
        data=lambda w: {"name": "Taper", "body": "Less volume.", "domain": "general"},
    ),
    Row("web:note-template-edit", _template_owner(200, 302), kwargs=_coach_template),
    Row(
        "web:note-template-edit",
        _template_owner(302, 302),
        method="post",
        kwargs=_coach_template,
        data=lambda w: {"name": "Recovery week", "body": "Easier days.", "domain": "general"},
    ),
    Row("web:note-template-delete", _template_owner(302, 302), method="post", kwargs=_coach_template),
    Row("web:wellness", page_owner_coach_admin(), kwargs=_pid),
    Row("web:wellness", page_owner_coach_admin(302), method="post", kwargs=_pid, data=_wellness_body),
    Row("web:notes", page_owner_coach_admin(), kwargs=_pid),
    # Only the athlete's coach and admin write notes; the athlete finds no form to post to (404).
    Row(
        "web:notes",
        expect(athlete=404, coach=302, other_coach=404, other_athlete=404, admin=302, anonymous=302),
        method="post",
        kwargs=_pid,
        data=lambda w: {"body": "Keep it easy.", "domain": "general"},
    ),
    Row("web:comment-thread", page_owner_coach_admin(), kwargs=_activity_kwargs),
    Row(
        "web:comment-thread",
        page_owner_coach_admin(),
        method="post",
        kwargs=_activity_kwargs,
        data=lambda w: {"body": "Nice"},
    ),
    Row(
        "web:comment-edit",
        expect(athlete=200, coach=400, other_coach=404, other_athlete=404, admin=400, anonymous=302),
        method="post",
        kwargs=_athletes_comment,
        data=lambda w: {"body": "Edited"},
    ),
]
