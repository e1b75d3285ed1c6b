import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from vault.accounts.models import CoachAthleteLink, Role
from vault.calculators.tests.factories import make_race
from vault.coaching import selectors, services
from vault.coaching.markdown import render_markdown
from vault.coaching.models import CoachNote
from vault.coaching.tests.factories import make_activity
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


def test_a_shared_concerning_note_notifies_the_athlete_until_seen(world, client):
    _note(world, concerning=True, visible_to_athlete=True)
    assert selectors.unseen_concerns(world.athlete).count() == 1
    client.force_login(world.athlete.user)
    assert client.get(f"/athletes/{world.athlete.public_id}/notes/").status_code == 200
    assert selectors.unseen_concerns(world.athlete).count() == 0


def test_a_private_concern_never_notifies_the_athlete_until_it_is_shared(world, client):
    note = _note(world, concerning=True)
    assert selectors.unseen_concerns(world.athlete).count() == 0
    client.force_login(world.athlete.user)
    client.get(f"/athletes/{world.athlete.public_id}/notes/")  # reading the page does not "see" it either
    note.refresh_from_db()
    assert note.athlete_seen_at is None
    services.coach_note_update(note=note, by=world.coach, visible_to_athlete=True)
    assert list(selectors.unseen_concerns(world.athlete)) == [note]


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


# --- the notes page: activity and race links, edit, delete, resolve


def _notes_url(world):
    return f"/athletes/{world.athlete.public_id}/notes/"


def test_a_note_tied_to_the_athletes_activity_and_race_shows_both_links(world, client):
    activity, race = make_activity(world.athlete), make_race(world.athlete, name="Lake Sprint")
    client.force_login(world.coach)
    form = client.get(_notes_url(world)).content.decode()
    assert f'<option value="{activity.pk}">' in form and f'<option value="{race.pk}">' in form
    response = client.post(
        _notes_url(world),
        {"body": "Pace the swim", "domain": "swim", "activity": activity.pk, "race": race.pk},
    )
    assert response.status_code == 302
    note = CoachNote.objects.get()
    assert (note.activity, note.race, note.domain) == (activity, race, "swim")
    html = client.get(_notes_url(world)).content.decode()
    for link in (f"/activities/{activity.pk}/", f"/races/{race.pk}/"):
        assert f'href="{link}"' in html
        assert client.get(link).status_code == 200, link
    assert "Lake Sprint" in html


@pytest.mark.parametrize("field", ["activity", "race"])
def test_another_athletes_activity_or_race_is_refused_like_an_id_of_nothing(world, client, field):
    theirs = make_activity(world.other_athlete) if field == "activity" else make_race(world.other_athlete)
    client.force_login(world.coach)
    answers = []
    for value in (theirs.pk, 999_999):
        response = client.post(_notes_url(world), {"body": "Look at this", "domain": "general", field: value})
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert list(errors) == [field]
        answers.append(errors[field])
    assert answers[0] == answers[1]  # the same words: the refusal does not confirm the id exists
    assert "this athlete's" in answers[0][0]
    assert not CoachNote.objects.exists()


def test_the_api_refuses_another_athletes_activity_exactly_as_a_missing_one(world, api_client):
    theirs = make_activity(world.other_athlete)
    api_client.force_authenticate(world.coach)
    url = f"/api/athlete/{world.athlete.public_id}/notes/"
    answers = []
    for value in (theirs.pk, 999_999):
        response = api_client.post(url, {"body": "x", "activity": value}, format="json")
        assert response.status_code == 400
        answers.append(response.json()["error"]["fields"]["activity"][0].replace(str(value), "<id>"))
    assert answers[0] == answers[1]
    assert not CoachNote.objects.exists()


def _edit(client, note, **values):
    data = {"body": note.body, "domain": note.domain, **values}
    if data.pop("shared", note.visible_to_athlete):
        data["visible_to_athlete"] = "on"
    if data.pop("flagged", note.concerning):
        data["concerning"] = "on"
    return client.post(f"/notes/{note.pk}/edit/", {f"note-{note.pk}-{k}": v for k, v in data.items()})


def test_the_author_edits_a_note_on_the_page(world, client):
    note = _note(world)
    client.force_login(world.coach)
    response = _edit(client, note, body="Hard week ahead", domain="bike", shared=True, flagged=True)
    assert response.status_code == 302 and response["Location"] == _notes_url(world)
    note.refresh_from_db()
    assert (note.body, note.domain, note.visible_to_athlete, note.concerning) == (
        "Hard week ahead",
        "bike",
        True,
        True,
    )
    assert list(selectors.unseen_concerns(world.athlete)) == [note]  # newly shared and concerning


def test_an_empty_or_unknown_edit_is_refused_next_to_the_field_and_nothing_changes(world, client):
    note = _note(world, visible_to_athlete=True)
    client.force_login(world.coach)
    response = _edit(client, note, body="   ")
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_note-{note.pk}-body-errors"' in html and "This field is required." in html
    assert "<details open><summary>Edit or delete</summary>" in html
    response = _edit(client, note, domain="ski")
    assert (
        response.status_code == 400 and f'id="id_note-{note.pk}-domain-errors"' in response.content.decode()
    )
    note.refresh_from_db()
    assert (note.body, note.domain) == ("Easy week.", "general")


def test_only_the_author_or_admin_edits_deletes_or_resolves(world, client):
    note = _note(world, visible_to_athlete=True, concerning=True)
    client.force_login(world.athlete.user)
    html = client.get(_notes_url(world)).content.decode()
    assert "Edit or delete" not in html and "Resolve concern" not in html
    assert _edit(client, note, body="mine now").status_code == 400
    assert client.post(f"/notes/{note.pk}/delete/").status_code == 400
    refused = client.post(f"/notes/{note.pk}/resolve/")
    assert refused.status_code == 400 and "Only the note&#x27;s author" in refused.content.decode()
    client.force_login(world.other_coach)
    assert client.post(f"/notes/{note.pk}/delete/").status_code == 404
    note.refresh_from_db()
    assert (note.body, note.concerning) == ("Easy week.", True)

    client.force_login(world.admin)
    assert client.post(f"/notes/{note.pk}/resolve/").status_code == 302
    note.refresh_from_db()
    assert not note.concerning
    assert client.post(f"/notes/{note.pk}/delete/").status_code == 302
    assert not CoachNote.objects.exists()


def test_resolving_a_concern_clears_the_roster_mark(world, client):
    note = _note(world, concerning=True)
    client.force_login(world.coach)
    assert "concerning note" in client.get("/").content.decode()
    assert "Resolve concern" in client.get(_notes_url(world)).content.decode()
    assert client.post(f"/notes/{note.pk}/resolve/").status_code == 302
    note.refresh_from_db()
    assert not note.concerning and note.body == "Easy week."  # the note stays, unflagged
    assert "concerning note" not in client.get("/").content.decode()


def test_the_author_deletes_a_note_on_the_page(world, client):
    note = _note(world)
    client.force_login(world.coach)
    page = client.get(_notes_url(world)).content.decode()
    assert f'action="/notes/{note.pk}/delete/"' in page
    assert client.post(f"/notes/{note.pk}/delete/")["Location"] == _notes_url(world)
    assert not CoachNote.objects.exists()


def test_an_athlete_sees_shared_notes_with_links_but_no_form(world, client):
    activity = make_activity(world.athlete)
    _note(world, visible_to_athlete=True, activity=activity)
    _note(world)
    client.force_login(world.athlete.user)
    response = client.get(_notes_url(world))
    assert response.status_code == 200 and response.context["form"] is None
    html = response.content.decode()
    assert html.count('class="card note"') == 1 and f'href="/activities/{activity.pk}/"' in html
    assert client.post(_notes_url(world), {"body": "self note"}).status_code == 404
    assert CoachNote.objects.count() == 2
