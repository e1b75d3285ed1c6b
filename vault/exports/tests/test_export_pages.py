"""The export pages: every export with what it holds, sizes, the privacy statement, ready archives."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from vault.exports.catalog import ATHLETE_EXPORTS, PRIVACY_STATEMENT
from vault.exports.tests.builders import fill_athlete

pytestmark = pytest.mark.django_db


def test_athlete_export_page_lists_every_export_with_size_and_privacy(world, client):
    fill_athlete(world)
    client.force_login(world.athlete.user)
    page = client.get(reverse("web:athlete-exports", kwargs={"public_id": world.athlete.public_id}))
    text = page.content.decode()
    assert escape(PRIVACY_STATEMENT) in text
    for kind in ATHLETE_EXPORTS:
        assert escape(kind.contains) in text
        assert reverse(kind.url_name, kwargs={"public_id": world.athlete.public_id}) in text
    assert "3 activities; original files" in text


def test_a_ready_archive_is_listed_with_its_size(
    world, client, api_client, django_capture_on_commit_callbacks
):
    fill_athlete(world)
    api_client.force_authenticate(world.athlete.user)
    with django_capture_on_commit_callbacks(execute=True):
        job = api_client.get(
            reverse("api:athlete-export", kwargs={"public_id": world.athlete.public_id}) + "?background=1"
        ).json()["job"]
    client.force_login(world.athlete.user)
    text = client.get(
        reverse("web:athlete-exports", kwargs={"public_id": world.athlete.public_id})
    ).content.decode()
    assert reverse("api:job-download", kwargs={"job_id": job}) in text
    assert "KB" in text and "Each is kept for 72 hours" in text


def test_coach_export_page_offers_each_roster_athlete_and_the_roster(world, client):
    client.force_login(world.coach)
    text = client.get(reverse("web:exports")).content.decode()
    assert reverse("web:athlete-exports", kwargs={"public_id": world.athlete.public_id}) in text
    assert world.other_athlete.public_id not in text
    assert reverse("api:roster-export") in text


def test_an_athlete_is_sent_to_their_own_exports(world, client):
    client.force_login(world.athlete.user)
    response = client.get(reverse("web:exports"))
    assert response["Location"] == reverse(
        "web:athlete-exports", kwargs={"public_id": world.athlete.public_id}
    )
