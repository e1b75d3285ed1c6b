"""The coach's dashboard: per athlete the last activity, today's wellness or its absence, flags, unread comments."""

from django.utils import timezone

from vault.coaching import services
from vault.coaching.tests.factories import make_activity


def _roster_row(html: str, public_id: str) -> str:
    start = html.index(f'data-athlete="{public_id}"')
    return html[start : html.index("</tr>", start)]


def test_coach_dashboard_shows_activity_wellness_flags_and_unread(world, client):
    athlete = world.athlete
    activity = make_activity(athlete)
    services.comment_create(activity=activity, author=athlete.user, body="Was this too hard?")
    services.coach_note_create(athlete=athlete, author=world.coach, body="Knee pain again", concerning=True)
    client.force_login(world.coach)

    row = _roster_row(client.get("/").content.decode(), athlete.public_id)
    assert activity.display_name in row
    assert "missing" in row  # nothing logged today
    assert "concerning note" in row  # a private concern marks the roster for the coach
    # one unread comment, the badge opening the activity's thread
    assert f'href="/activities/{activity.pk}/#comments"' in row and ">1</a>" in row

    today = timezone.now().astimezone(athlete.tzinfo).date()
    services.wellness_entry_save(
        athlete=athlete, date=today, values={"illness": True, "sleep_hours": 4}, by=athlete.user
    )
    row = _roster_row(client.get("/").content.decode(), athlete.public_id)
    assert "illness reported" in row and "slept 4.0 h (under 5 h)" in row
    assert "missing" not in row


def test_unrelated_coach_dashboard_shows_nothing_of_the_athlete(world, client):
    make_activity(world.athlete)
    client.force_login(world.other_coach)
    html = client.get("/").content.decode()
    assert world.athlete.public_id not in html and world.athlete.name not in html


def test_athlete_dashboard_announces_a_shared_concern_and_unread_comments(world, client):
    activity = make_activity(world.athlete)
    services.coach_note_create(
        athlete=world.athlete, author=world.coach, body="Let's talk", concerning=True, visible_to_athlete=True
    )
    services.comment_create(activity=activity, author=world.coach, body="Great pacing")
    client.force_login(world.athlete.user)
    html = client.get("/").content.decode()
    assert "Your coach flagged a concern" in html
    assert f'href="/activities/{activity.pk}/#comments"' in html and "1 unread comment" in html
    thread = client.get(f"/activities/{activity.pk}/").content.decode()
    assert 'id="comments"' in thread and f'hx-get="/activities/{activity.pk}/comments/"' in thread


def test_a_private_concern_reaches_neither_the_athletes_dashboard_nor_their_notes(world, client):
    services.coach_note_create(
        athlete=world.athlete, author=world.coach, body="Watch for overreaching", concerning=True
    )
    client.force_login(world.athlete.user)
    assert "flagged a concern" not in client.get("/").content.decode()
    notes = client.get(f"/athletes/{world.athlete.public_id}/notes/").content.decode()
    assert "overreaching" not in notes and "concerning" not in notes
    client.force_login(world.coach)
    assert "concerning note" in _roster_row(client.get("/").content.decode(), world.athlete.public_id)


def test_the_roster_page_shows_the_dashboards_concern_mark_and_unread_counts(world, client):
    activity = make_activity(world.athlete)
    services.comment_create(activity=activity, author=world.athlete.user, body="Too hard?")
    services.comment_create(activity=activity, author=world.athlete.user, body="Felt flat")
    note = services.coach_note_create(athlete=world.athlete, author=world.coach, body="Sore", concerning=True)
    client.force_login(world.coach)
    row = _roster_row(client.get("/roster/").content.decode(), world.athlete.public_id)
    assert "concerning note" in row and f"/athletes/{world.athlete.public_id}/notes/" in row
    assert f'href="/activities/{activity.pk}/#comments"' in row and ">2</a>" in row
    services.coach_note_resolve(note=note, by=world.coach)
    services.comment_thread_mark_read(activity=activity, user=world.coach)
    row = _roster_row(client.get("/roster/").content.decode(), world.athlete.public_id)
    assert "concerning note" not in row and '<span class="muted">0</span>' in row
    # the other coach's roster page holds nothing of this athlete
    client.force_login(world.other_coach)
    assert world.athlete.public_id not in client.get("/roster/").content.decode()


def test_the_athlete_page_links_to_wellness_and_notes_for_everyone_who_sees_it(world, client):
    page = f"/athletes/{world.athlete.public_id}/"
    for user in (world.athlete.user, world.coach, world.admin):
        client.force_login(user)
        html = client.get(page).content.decode()
        for link in (
            f"/athletes/{world.athlete.public_id}/wellness/",
            f"/athletes/{world.athlete.public_id}/notes/",
        ):
            assert f'href="{link}"' in html, (user, link)
            assert client.get(link).status_code == 200, (user, link)
    client.force_login(world.other_coach)
    assert client.get(page).status_code == 404
