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
