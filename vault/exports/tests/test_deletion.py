"""Account deletion: an athlete's rows and files go (shared originals stay), a coach's athletes keep theirs."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from vault.accounts.models import AthleteProfile, CoachAthleteLink, User
from vault.activities import storage
from vault.activities.models import Activity, ImportRecord, Lap, StoredOriginal
from vault.activities.tests.files import gpx_bytes
from vault.calculators.models import CalculatorResult, Race
from vault.coaching.models import ActivityComment, CoachNote, CommentReadMark, WellnessEntry
from vault.exports.tests.builders import fill_athlete, imported, stored_files
from vault.jobs.models import Job
from vault.metrics.models import MetricHistory
from vault.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db

ATHLETE_ROWS = {
    Activity: "athlete",
    ImportRecord: "athlete",
    MetricHistory: "athlete",
    Race: "athlete",
    CalculatorResult: "athlete",
    WellnessEntry: "athlete",
    CoachNote: "athlete",
    ActivityComment: "activity__athlete",
    CoachAthleteLink: "athlete",
    Job: "athlete",
}


def _rows_of(athlete_pk: int) -> dict[str, int]:
    return {
        model.__name__: model.objects.filter(**{field: athlete_pk}).count()
        for model, field in ATHLETE_ROWS.items()
    }


def _delete(api_client, user, password=PASSWORD):
    api_client.force_authenticate(user)
    return api_client.post(reverse("api:me-delete"), {"password": password}, format="json")


def _can_sign_in(api_client, username) -> bool:
    api_client.force_authenticate(None)
    response = api_client.post(
        reverse("api:auth-token"), {"username": username, "password": PASSWORD}, format="json"
    )
    return response.status_code == 200


def test_athlete_deletion_removes_every_row_and_file_but_a_shared_original(
    world, api_client, django_capture_on_commit_callbacks
):
    made = fill_athlete(world)
    shared_bytes = storage.original_read(made["activities"][2].original)
    theirs = imported(world.other_athlete, shared_bytes, "same-ride.tcx")  # same content, another athlete
    api_client.force_authenticate(world.athlete.user)
    with django_capture_on_commit_callbacks(execute=True):
        export_job = api_client.get(  # an export archive in storage must go too
            reverse("api:athlete-export", kwargs={"public_id": world.athlete.public_id}) + "?background=true"
        )
    assert export_job.status_code == 202 and _can_sign_in(api_client, "ana_athlete")
    athlete_pk, user_pk = world.athlete.pk, world.athlete.user.pk
    activities = list(Activity.objects.filter(athlete_id=athlete_pk).select_related("original"))
    files_before = stored_files()
    own_files = (
        {a.streams_file for a in activities}
        | {a.original.name for a in activities if a.original_id != theirs.original_id}
        | {Job.objects.get(pk=export_job.json()["job"]).result_file}
    )
    assert own_files <= files_before
    assert all(_rows_of(athlete_pk).values())  # something of every kind existed

    with django_capture_on_commit_callbacks(execute=True):
        response = _delete(api_client, world.athlete.user)
    assert response.status_code == 200 and response.json() == {"deleted": True}

    assert not User.objects.filter(pk=user_pk).exists()
    assert not AthleteProfile.objects.filter(pk=athlete_pk).exists()
    assert set(_rows_of(athlete_pk).values()) == {0}
    assert not Lap.objects.filter(activity__in=[a.pk for a in activities]).exists()
    assert not CommentReadMark.objects.filter(activity__in=[a.pk for a in activities]).exists()
    assert stored_files() == files_before - own_files
    # The ride the other athlete shares by content is still theirs, file and row.
    assert StoredOriginal.objects.filter(pk=theirs.original_id).exists()
    assert default_storage.exists(theirs.original.name)
    assert StoredOriginal.objects.count() == 1
    assert not _can_sign_in(api_client, "ana_athlete")
    assert world.coach.roster_links.count() == 0


def test_a_wrong_password_deletes_nothing_and_says_so(world, api_client):
    fill_athlete(world)
    before = _rows_of(world.athlete.pk)
    response = _delete(api_client, world.athlete.user, password="not-it")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["password"] == [
        "That is not your password; nothing was deleted."
    ]
    assert _rows_of(world.athlete.pk) == before
    assert _delete(api_client, world.athlete.user, password="").status_code == 400


def test_coach_deletion_leaves_the_athletes_data_whole(world, api_client, django_capture_on_commit_callbacks):
    fill_athlete(world)
    files_before = stored_files()
    rows_before = _rows_of(world.athlete.pk)
    coach_pk = world.coach.pk
    with django_capture_on_commit_callbacks(execute=True):
        assert _delete(api_client, world.coach).status_code == 200
    rows_after = _rows_of(world.athlete.pk)
    assert rows_after.pop("CoachNote") == rows_before.pop("CoachNote") - 1  # the never-shared note went
    assert rows_after == rows_before
    assert stored_files() == files_before
    retired = User.objects.get(pk=coach_pk)
    assert retired.username == f"deleted-user-{coach_pk}" and not retired.is_active and retired.email == ""
    assert list(CoachNote.objects.values_list("body", flat=True)) == ["Shared about the tempo"]
    assert ActivityComment.objects.filter(author=retired).count() == 1
    assert not CoachAthleteLink.objects.active().filter(coach=retired).exists()
    assert not _can_sign_in(api_client, "coach_carla")
    assert not _can_sign_in(api_client, retired.username)


def test_the_only_admin_cannot_delete_their_account(world, api_client):
    response = _delete(api_client, world.admin)
    assert response.status_code == 400
    assert "only admin" in response.json()["error"]["fields"]["password"][0]
    assert User.objects.filter(pk=world.admin.pk, is_active=True).exists()


def test_deletion_page_offers_the_export_first_and_signs_out(world, client):
    imported(world.athlete, gpx_bytes(points=20), "a.gpx")
    client.force_login(world.athlete.user)
    page = client.get(reverse("web:account-delete"))
    exports_url = reverse("web:athlete-exports", kwargs={"public_id": world.athlete.public_id})
    assert exports_url in page.content.decode()
    wrong = client.post(reverse("web:account-delete"), {"password": "nope"})
    assert "That is not your password; nothing was deleted." in wrong.content.decode()
    response = client.post(reverse("web:account-delete"), {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("web:signin")
    assert not User.objects.filter(username="ana_athlete").exists()
    assert client.get(reverse("web:dashboard")).status_code == 302  # signed out
