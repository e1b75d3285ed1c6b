import pytest
from django.core.exceptions import ValidationError

from vault.coaching import selectors, services
from vault.coaching.models import ActivityComment
from vault.coaching.tests.factories import make_activity


@pytest.fixture
def activity(world):
    return make_activity(world.athlete)


def test_thread_is_oldest_first_and_edit_delete_are_the_authors_own(world, activity):
    first = services.comment_create(activity=activity, author=world.athlete.user, body="Legs heavy")
    second = services.comment_create(activity=activity, author=world.coach, body="Rest tomorrow")
    assert list(selectors.comments_of(activity)) == [first, second]
    with pytest.raises(ValidationError, match="your own"):
        services.comment_update(comment=first, by=world.coach, body="hijack")
    with pytest.raises(ValidationError, match="your own"):
        services.comment_delete(comment=first, by=world.admin)
    services.comment_update(comment=first, by=world.athlete.user, body="Legs very heavy")
    first.refresh_from_db()
    assert first.body == "Legs very heavy" and first.edited_at is not None
    services.comment_delete(comment=second, by=world.coach)
    assert list(ActivityComment.objects.values_list("body", flat=True)) == ["Legs very heavy"]


def test_empty_comments_and_comments_on_unseen_activities_are_refused(world, activity):
    with pytest.raises(ValidationError, match="empty comment"):
        services.comment_create(activity=activity, author=world.coach, body=" \n ")
    with pytest.raises(ValidationError, match="cannot see"):
        services.comment_create(activity=activity, author=world.other_coach, body="hello")
    assert not ActivityComment.objects.exists()


def test_unread_counts_per_athlete(world, activity):
    services.comment_create(activity=activity, author=world.athlete.user, body="How was my pacing?")
    services.comment_create(activity=activity, author=world.athlete.user, body="And cadence?")
    assert selectors.unread_comment_counts(world.coach) == {world.athlete.pk: 2}
    assert selectors.unread_comment_counts(world.athlete.user) == {}  # own comments are never unread
    assert selectors.unread_comment_counts(world.other_coach) == {}
    services.comment_thread_mark_read(activity=activity, user=world.coach)
    assert selectors.unread_comment_counts(world.coach) == {}
    services.comment_create(activity=activity, author=world.coach, body="Even, well done")
    assert selectors.unread_comment_counts(world.athlete.user) == {world.athlete.pk: 1}


def test_comment_api_and_thread_page(world, activity, api_client, client):
    url = f"/api/activity/{activity.pk}/comments/"
    api_client.force_authenticate(world.coach)
    posted = api_client.post(url, {"body": "Strong finish"}, format="json")
    assert posted.status_code == 201
    assert api_client.post(url, {"body": ""}, format="json").status_code == 400
    api_client.force_authenticate(world.other_athlete.user)
    assert api_client.post(url, {"body": "spam"}, format="json").status_code == 404
    assert api_client.get(url).status_code == 404
    api_client.force_authenticate(world.athlete.user)
    assert [c["body"] for c in api_client.get(url).json()["results"]] == ["Strong finish"]
    client.force_login(world.athlete.user)
    page = client.post(f"/activities/{activity.pk}/comments/", {"body": "Thanks coach"})
    assert page.status_code == 200
    assert b"Strong finish" in page.content and b"Thanks coach" in page.content


def _thread_url(activity):
    return f"/activities/{activity.pk}/comments/"


HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_activity_page_loads_its_thread(world, activity, client):
    services.comment_create(activity=activity, author=world.coach, body="Nice negative split")
    client.force_login(world.athlete.user)
    page = client.get(f"/activities/{activity.pk}/").content.decode()
    assert f'hx-get="{_thread_url(activity)}"' in page and 'hx-trigger="load"' in page
    thread = client.get(_thread_url(activity), **HTMX).content.decode()
    assert "Nice negative split" in thread
    assert selectors.unread_comment_counts(world.athlete.user) == {}  # opening the thread reads it


def test_an_edit_refused_is_shown_inside_the_thread_beside_its_comment(world, activity, client):
    comment = services.comment_create(activity=activity, author=world.athlete.user, body="Legs heavy")
    client.force_login(world.athlete.user)
    response = client.post(f"/comments/{comment.pk}/edit/", {"body": "   "}, **HTMX)
    assert response.status_code == 200  # htmx swaps only successful answers; the refusal is in the partial
    html = response.content.decode()
    at_comment = html[html.index(f'id="comment-{comment.pk}"') : html.index("</details>")]
    assert "<details open>" in at_comment and "empty comment cannot be saved" in at_comment
    assert 'role="alert"' in at_comment
    assert not any(m.message for m in response.wsgi_request._messages)  # not through the messages list
    comment.refresh_from_db()
    assert (comment.body, comment.edited_at) == ("Legs heavy", None)
    # without htmx the same refusal is a 400
    assert client.post(f"/comments/{comment.pk}/edit/", {"body": ""}).status_code == 400


def test_someone_elses_comment_is_not_theirs_to_edit_or_delete(world, activity, client):
    comment = services.comment_create(activity=activity, author=world.athlete.user, body="Legs heavy")
    client.force_login(world.coach)
    thread = client.get(_thread_url(activity), **HTMX).content.decode()
    assert f'hx-post="/comments/{comment.pk}/edit/"' not in thread  # no edit form for others' comments
    for data in ({"body": "hijack"}, {"delete": "1"}):
        response = client.post(f"/comments/{comment.pk}/edit/", data, **HTMX)
        assert "only" in response.content.decode() and "your own comments" in response.content.decode()
    assert list(ActivityComment.objects.values_list("body", flat=True)) == ["Legs heavy"]


def test_edit_and_delete_through_the_thread(world, activity, client):
    comment = services.comment_create(activity=activity, author=world.athlete.user, body="Legs heavy")
    client.force_login(world.athlete.user)
    edited = client.post(f"/comments/{comment.pk}/edit/", {"body": "Legs very heavy"}, **HTMX)
    assert edited.status_code == 200 and "Legs very heavy" in edited.content.decode()
    assert "edited" in edited.content.decode()
    deleted = client.post(f"/comments/{comment.pk}/edit/", {"delete": "1"}, **HTMX)
    assert deleted.status_code == 200 and "No comments yet." in deleted.content.decode()
    assert not ActivityComment.objects.exists()


def test_an_empty_post_is_refused_inside_the_thread(world, activity, client):
    client.force_login(world.coach)
    response = client.post(_thread_url(activity), {"body": " "}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="comment-error"' in html and "empty comment cannot be saved" in html
    assert client.post(_thread_url(activity), {"body": ""}).status_code == 400
    too_long = client.post(_thread_url(activity), {"body": "x" * 5001}, **HTMX).content.decode()
    assert "at most 5000 characters; this one has 5001" in too_long
    assert not ActivityComment.objects.exists()
