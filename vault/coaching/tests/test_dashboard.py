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
    assert "concerning note" in row
    assert '<span class="badge warn">1</span>' in row  # one unread comment

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


def test_athlete_dashboard_announces_a_concern_and_unread_comments(world, client):
    activity = make_activity(world.athlete)
    services.coach_note_create(athlete=world.athlete, author=world.coach, body="Let's talk", concerning=True)
    services.comment_create(activity=activity, author=world.coach, body="Great pacing")
    client.force_login(world.athlete.user)
    html = client.get("/").content.decode()
    assert "Your coach flagged a concern" in html
    assert "1 unread comment" in html
