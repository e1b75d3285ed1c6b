import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from vault.accounts.models import CoachAthleteLink, Role
from vault.coaching import selectors, services
from vault.coaching.markdown import render_markdown
from vault.coaching.models import CoachNote
from vault.testing.personas import make_user


def _note(world, **extra):
    return services.coach_note_create(athlete=world.athlete, author=world.coach, body="Easy week.", **extra)


def test_a_private_note_is_seen_by_its_author_and_admin_only(world):
    note = _note(world)
    assert note in selectors.notes_visible_to(world.coach, world.athlete)
    assert note in selectors.notes_visible_to(world.admin, world.athlete)
    assert note not in selectors.notes_visible_to(world.athlete.user, world.athlete)


def test_a_shared_note_is_seen_by_the_athlete(world):
    note = _note(world, visible_to_athlete=True)
    assert list(selectors.notes_visible_to(world.athlete.user, world.athlete)) == [note]


def test_notes_do_not_follow_the_athlete_to_a_new_coach(world):
    old = _note(world)
    new_coach = make_user("coach_nina", role=Role.COACH)
    CoachAthleteLink.objects.create(
        coach=new_coach, athlete=world.athlete, started_at=timezone.now() + dt.timedelta(seconds=1)
    )
    assert old not in selectors.notes_visible_to(new_coach, world.athlete)
    later = CoachNote.objects.create(athlete=world.athlete, author=world.coach, body="later")
    CoachNote.objects.filter(pk=later.pk).update(created_at=timezone.now() + dt.timedelta(minutes=5))
    assert later in selectors.notes_visible_to(
        new_coach, world.athlete
    )  # written while the new link is active


def test_an_ended_relationship_hides_the_athlete_from_the_coach(world, api_client):
    note = _note(world)
    CoachAthleteLink.objects.filter(coach=world.coach).update(ended_at=timezone.now())
    api_client.force_authenticate(world.coach)
    assert api_client.get(f"/api/note/{note.pk}/").status_code == 404


def test_only_a_coach_of_the_athlete_writes_notes_and_empty_notes_are_refused(world):
    with pytest.raises(ValidationError, match="coach"):
        services.coach_note_create(athlete=world.athlete, author=world.athlete.user, body="self note")
    with pytest.raises(ValidationError, match="coach"):
        services.coach_note_create(athlete=world.athlete, author=world.other_coach, body="not mine")
    with pytest.raises(ValidationError, match="empty note"):
        services.coach_note_create(athlete=world.athlete, author=world.coach, body="   ")
    assert not CoachNote.objects.exists()


def test_a_concerning_note_notifies_the_athlete_until_seen(world, client):
    _note(world, concerning=True)
    assert selectors.unseen_concerns(world.athlete).count() == 1
    client.force_login(world.athlete.user)
    assert client.get(f"/athletes/{world.athlete.public_id}/notes/").status_code == 200
    assert selectors.unseen_concerns(world.athlete).count() == 0


def test_markdown_is_rendered_without_scripts():
    html = str(render_markdown("**bold** <script>alert(1)</script> [x](javascript:alert(2))"))
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "javascript:" not in html


def test_notes_api(world, api_client):
    url = f"/api/athlete/{world.athlete.public_id}/notes/"
    api_client.force_authenticate(world.coach)
    created = api_client.post(
        url, {"body": "Good *tempo*", "domain": "run", "visible_to_athlete": True}, format="json"
    )
    assert created.status_code == 201, created.content
    assert "<em>tempo</em>" in created.json()["body_html"]
    assert api_client.post(url, {"body": ""}, format="json").status_code == 400
    assert api_client.post(url, {"body": "x", "domain": "ski"}, format="json").status_code == 400
    note_id = created.json()["id"]
    api_client.force_authenticate(world.athlete.user)
    assert api_client.get(url).json()["count"] == 1
    assert api_client.post(url, {"body": "me"}, format="json").status_code == 400
    assert api_client.patch(f"/api/note/{note_id}/", {"body": "edited"}, format="json").status_code == 400
    api_client.force_authenticate(world.coach)
    assert (
        api_client.patch(f"/api/note/{note_id}/", {"body": "edited"}, format="json").json()["body"]
        == "edited"
    )
    assert api_client.delete(f"/api/note/{note_id}/").status_code == 204
