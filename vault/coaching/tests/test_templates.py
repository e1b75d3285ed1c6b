"""Note templates: a coach's reusable starting points, kept on a page and through the API."""

import pytest
from django.core.exceptions import ValidationError

from vault.coaching import services
from vault.coaching.models import NoteTemplate


def _template(world, name="Recovery week", body="Easy days, sleep first."):
    return services.note_template_create(coach=world.coach, name=name, body=body)


def _rows():
    return sorted(NoteTemplate.objects.values_list("coach__username", "name", "body", "domain"))


def test_a_second_template_of_the_same_name_and_empty_text_are_refused(world):
    _template(world)
    before = _rows()
    with pytest.raises(ValidationError) as refused:
        services.note_template_create(coach=world.coach, name="Recovery week", body="other")
    assert "name" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.note_template_create(coach=world.coach, name="Taper", body="  ")
    assert "body" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.note_template_create(coach=world.athlete.user, name="Mine", body="text")
    assert "coach" in refused.value.message_dict
    assert _rows() == before
    # another coach may use the same name: templates are each coach's own
    services.note_template_create(coach=world.other_coach, name="Recovery week", body="Walk.")


def test_renaming_onto_another_template_and_changing_someone_elses_are_refused(world):
    first, second = _template(world), _template(world, name="Taper", body="Less volume.")
    before = _rows()
    with pytest.raises(ValidationError) as refused:
        services.note_template_update(template=second, by=world.coach, name="Recovery week")
    assert "already have a template named 'Recovery week'" in refused.value.message_dict["name"][0]
    with pytest.raises(ValidationError):
        services.note_template_update(template=first, by=world.other_coach, body="hijack")
    with pytest.raises(ValidationError):
        services.note_template_delete(template=first, by=world.admin)
    assert _rows() == before


def test_the_templates_page_lists_creates_edits_and_deletes(world, client):
    template = _template(world)
    client.force_login(world.coach)
    page = client.get("/note-templates/").content.decode()
    assert "Recovery week" in page and f'href="/note-templates/{template.pk}/"' in page
    assert f'action="/note-templates/{template.pk}/delete/"' in page

    created = client.post("/note-templates/", {"name": "Taper", "body": "Less volume.", "domain": "run"})
    assert created.status_code == 302
    assert NoteTemplate.objects.get(name="Taper").domain == "run"

    edit_page = client.get(f"/note-templates/{template.pk}/")
    assert edit_page.status_code == 200 and "Easy days, sleep first." in edit_page.content.decode()
    changed = client.post(
        f"/note-templates/{template.pk}/", {"name": "Recovery", "body": "Rest.", "domain": "general"}
    )
    assert changed.status_code == 302
    template.refresh_from_db()
    assert (template.name, template.body) == ("Recovery", "Rest.")

    assert client.post(f"/note-templates/{template.pk}/delete/").status_code == 302
    assert list(NoteTemplate.objects.values_list("name", flat=True)) == ["Taper"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "body": "text", "domain": "general"}, "name"),
        ({"name": "Taper", "body": "", "domain": "general"}, "body"),
        ({"name": "Taper", "body": "text", "domain": "ski"}, "domain"),
        ({"name": "Recovery week", "body": "again", "domain": "general"}, "name"),  # taken
    ],
)
def test_bad_template_input_is_refused_next_to_the_field_and_nothing_is_stored(world, client, data, field):
    _template(world)
    other = _template(world, name="Other", body="Kept as it is.")
    before = _rows()
    client.force_login(world.coach)
    for url in ("/note-templates/", f"/note-templates/{other.pk}/"):  # create, then edit
        response = client.post(url, data)
        assert response.status_code == 400, url
        assert list(response.context["form"].errors) == [field], url
        assert 'class="field-error"' in response.content.decode()
    assert _rows() == before


def test_a_template_starts_a_note_on_the_notes_page(world, client):
    template = _template(world)
    client.force_login(world.coach)
    page = client.get(f"/athletes/{world.athlete.public_id}/notes/?template={template.pk}").content.decode()
    assert "Easy days, sleep first.</textarea>" in page
    assert 'href="/note-templates/"' in page
    # someone else's template id starts nothing
    theirs = services.note_template_create(coach=world.other_coach, name="Secret", body="Hidden text")
    page = client.get(f"/athletes/{world.athlete.public_id}/notes/?template={theirs.pk}").content.decode()
    assert "Hidden text" not in page


def test_saving_a_note_as_a_template(world, client):
    client.force_login(world.coach)
    client.post(
        f"/athletes/{world.athlete.public_id}/notes/",
        {"body": "Brick on Saturday", "domain": "bike", "save_as_template": "Brick"},
    )
    assert _rows() == [("coach_carla", "Brick", "Brick on Saturday", "bike")]


def test_the_template_api(world, api_client):
    api_client.force_authenticate(world.coach)
    created = api_client.post("/api/me/note_templates/", {"name": "Taper", "body": "Less."}, format="json")
    assert created.status_code == 201, created.content
    template_id = created.json()["id"]
    assert created.json()["domain"] == "general"
    duplicate = api_client.post("/api/me/note_templates/", {"name": "Taper", "body": "x"}, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()["error"]["fields"]
    empty = api_client.post("/api/me/note_templates/", {"name": "Empty", "body": " "}, format="json")
    assert empty.status_code == 400 and "body" in empty.json()["error"]["fields"]
    listed = api_client.get("/api/me/note_templates/").json()
    assert listed["count"] == 1 and listed["results"][0]["name"] == "Taper"

    url = f"/api/note_template/{template_id}/"
    bad = api_client.patch(url, {"domain": "ski"}, format="json")
    assert bad.status_code == 400 and "domain" in bad.json()["error"]["fields"]
    assert api_client.patch(url, {"body": "Much less."}, format="json").json()["body"] == "Much less."
    api_client.force_authenticate(world.other_coach)
    assert api_client.get(url).status_code == 404
    assert api_client.delete(url).status_code == 404
    assert api_client.get("/api/me/note_templates/").json()["count"] == 0
    api_client.force_authenticate(world.coach)
    assert api_client.delete(url).status_code == 204
    assert not NoteTemplate.objects.exists()
