"""Access answers for the coaching endpoints and pages."""

from django.utils import timezone

from vault.coaching import services
from vault.testing.access_matrix import Row, api_owner_coach_admin, expect, page_owner_coach_admin


def _pid(world):
    return {"public_id": world.athlete.public_id}


def _shared_note(world):
    note = services.coach_note_create(
        athlete=world.athlete, author=world.coach, body="Shared", visible_to_athlete=True
    )
    return {"note_id": note.pk}


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
_AUTHOR_ONLY = expect(athlete=200, coach=400, other_coach=404, other_athlete=404, admin=400, anonymous=401)
_AUTHOR_ONLY_DELETE = {**_AUTHOR_ONLY, "athlete": 204}
# Writing a note: coaches of the athlete and admin; the athlete is refused (400); strangers 404.
_NOTE_WRITERS = expect(athlete=400, coach=201, other_coach=404, other_athlete=404, admin=201, anonymous=401)

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
    Row("web:wellness", page_owner_coach_admin(), kwargs=_pid),
    Row("web:notes", page_owner_coach_admin(), kwargs=_pid),
    Row("web:comment-thread", page_owner_coach_admin(), kwargs=_activity_kwargs),
    Row(
        "web:comment-edit",
        page_owner_coach_admin(302),
        method="post",
        kwargs=_athletes_comment,
        data=lambda w: {"body": "Edited"},
    ),
]
