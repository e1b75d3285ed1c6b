"""Account deletion (issue 6 §7), after the password is typed again.

An athlete's account goes entirely: the user, the profile and every row that hangs off it (activities, laps,
metric history, races, results, wellness, notes about them, comments on their activities, sources, jobs,
the import log), and every stored file of theirs: streams, export archives, and originals no other athlete
shares by content. Their coach links end with them.

A coach's (or admin's) account cannot take their athletes' data with it: the user row stays as a signed-out
stand-in named "deleted-user-<id>" (no password, no e-mail, inactive) so the comments they wrote in athletes'
threads and the notes they shared stay readable; their roster links end, and what was only theirs goes: notes
never shared with the athlete, note templates, join and intake links, tokens, jobs and their files.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from vault.accounts import ratelimit
from vault.accounts.models import CoachAthleteLink, IntakeLink, JoinLink, Role, User

WRONG_PASSWORD = "That is not your password; nothing was deleted."
TOO_MANY = "Too many wrong passwords; try again in 15 minutes. Nothing was deleted."


def _check_password(user: User, password: str) -> None:
    scope = "account-delete"
    if ratelimit.hits(scope, user.username) >= settings.SIGNIN_RATE_LIMIT:
        raise ValidationError({"password": [TOO_MANY]})
    if not password or not user.check_password(password):
        ratelimit.hit(scope, user.username)
        raise ValidationError({"password": [WRONG_PASSWORD]})


def _job_files(jobs) -> list[str]:
    names = []
    for result_file, params in jobs.values_list("result_file", "params"):
        names.append(result_file)
        if isinstance(params, dict) and isinstance(params.get("upload"), str):
            names.append(params["upload"])  # an uploaded archive a job had not processed yet
    return [name for name in names if name]


def _delete_files_on_commit(names: list[str]) -> None:
    def delete() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete)


def _delete_athlete(user: User) -> None:
    from vault.activities.models import Activity, StoredOriginal
    from vault.jobs.models import Job

    athlete = user.athlete_profile
    activities = Activity.objects.filter(athlete=athlete)
    streams = [name for name in activities.values_list("streams_file", flat=True) if name]
    original_ids = set(activities.values_list("original_id", flat=True))
    files = streams + _job_files(Job.objects.filter(athlete=athlete) | Job.objects.filter(owner=user))
    CoachAthleteLink.objects.active().filter(athlete=athlete).update(ended_at=timezone.now(), ended_by=user)
    user.delete()  # cascades to the profile and every row of the athlete's
    # An original shared by content with another athlete's activity stays for them.
    orphaned = StoredOriginal.objects.filter(pk__in=original_ids, activities__isnull=True)
    files += list(orphaned.values_list("name", flat=True))
    orphaned.delete()
    _delete_files_on_commit(files)


def _retire_user(user: User) -> None:
    from rest_framework.authtoken.models import Token

    from vault.coaching.models import CoachNote, NoteTemplate
    from vault.jobs.models import Job

    now = timezone.now()
    CoachAthleteLink.objects.active().filter(coach=user).update(ended_at=now, ended_by=user)
    CoachNote.objects.filter(author=user, visible_to_athlete=False).delete()
    NoteTemplate.objects.filter(coach=user).delete()
    JoinLink.objects.filter(coach=user).delete()
    IntakeLink.objects.filter(coach=user).delete()
    Token.objects.filter(user=user).delete()
    jobs = Job.objects.filter(owner=user)
    _delete_files_on_commit(_job_files(jobs))
    jobs.delete()
    user.username = f"deleted-user-{user.pk}"
    user.email = user.first_name = user.last_name = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.save()


@transaction.atomic
def account_delete(*, user: User, password: str) -> None:
    """Delete `user`'s account once `password` is theirs; ValidationError on "password" otherwise."""
    _check_password(user, password)
    if user.is_admin_role:
        other_admins = User.objects.filter(is_active=True).exclude(pk=user.pk)
        if not (other_admins.filter(role=Role.ADMIN) | other_admins.filter(is_superuser=True)).exists():
            raise ValidationError(
                {"password": ["You are the only admin; make someone else admin first. Nothing was deleted."]}
            )
    if hasattr(user, "athlete_profile"):
        _delete_athlete(user)
    else:
        _retire_user(user)
