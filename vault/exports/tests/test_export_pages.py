"""The export pages: every export with what it holds, sizes, the privacy statement, ready archives."""

import pytest
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import escape

from vault.exports.catalog import ATHLETE_EXPORTS, PRIVACY_STATEMENT
from vault.exports.tests.builders import fill_athlete
from vault.jobs.models import Job

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


def _size_cells(text: str) -> list[str]:
    cells, start = [], 0
    while (start := text.find('class="export-size"', start)) != -1:
        cells.append(text[start : text.index("</td>", start)])
        start += 1
    return cells


def test_each_export_says_its_size_where_it_is_known_cheaply(
    world, client, api_client, django_capture_on_commit_callbacks
):
    fill_athlete(world)
    client.force_login(world.athlete.user)
    url = reverse("web:athlete-exports", kwargs={"public_id": world.athlete.public_id})
    cells = _size_cells(client.get(url).content.decode())
    assert len(cells) == len(ATHLETE_EXPORTS)
    assert all("size known when built" in cell for cell in cells)
    assert "original files alone:" in cells[0] and "KB" in cells[0]  # the originals' total is a sum away

    api_client.force_authenticate(world.athlete.user)
    with django_capture_on_commit_callbacks(execute=True):
        api_client.get(
            reverse("api:athlete-export", kwargs={"public_id": world.athlete.public_id}) + "?background=1"
        )
    job = Job.objects.get(owner=world.athlete.user)
    size = default_storage.size(job.result_file)
    cells = _size_cells(client.get(url).content.decode())
    assert filesizeformat(size) in cells[0] and "size known when built" not in cells[0]
    assert all("size known when built" in cell for cell in cells[1:])  # CSVs are made on request


def test_the_roster_export_says_its_size_once_an_archive_is_ready(
    world, client, api_client, django_capture_on_commit_callbacks
):
    client.force_login(world.coach)
    assert "Size known when built." in client.get(reverse("web:exports")).content.decode()
    api_client.force_authenticate(world.coach)
    with django_capture_on_commit_callbacks(execute=True):
        api_client.get(reverse("api:roster-export") + "?background=1")
    job = Job.objects.get(owner=world.coach)
    text = client.get(reverse("web:exports")).content.decode()
    assert f"Size: {filesizeformat(default_storage.size(job.result_file))}" in text
