"""Help pages: every link and every URL a page names works; the data page is generated from the models."""

import html
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from vault.calculators.tests.factories import make_plan, make_race
from vault.coaching.models import WellnessEntry
from vault.exports.jobs import ATHLETE_EXPORT
from vault.jobs.services import job_create
from vault.web.views.help import HELP_PAGES

pytestmark = pytest.mark.django_db

_LINK = re.compile(r'href="(/[^"#]*)"')
_NAMED_URL = re.compile(r"<code>(GET|POST) (/[^<\s]*)</code>")


def _help_html(client, name: str) -> str:
    response = client.get(reverse(f"web:{name}"))
    assert response.status_code == 200, name
    return response.content.decode()


@pytest.mark.parametrize("persona", ["athlete", "coach"])
def test_every_link_and_url_on_the_help_pages_works(world, client, api_client, persona):
    user = world.user(persona)
    race = make_race(world.athlete)
    make_plan(race)
    job = job_create(kind=ATHLETE_EXPORT, owner=user, athlete=world.athlete, enqueue=False)
    placeholders = {"PUBLIC_ID": world.athlete.public_id, "RACE_ID": str(race.pk), "JOB_ID": str(job.pk)}
    client.force_login(user)
    api_client.force_authenticate(user)
    links, named = set(), set()
    for name in ("help-index", *(page for page, _ in HELP_PAGES)):
        page = _help_html(client, name)
        links |= {html.unescape(link) for link in _LINK.findall(page)}
        named |= {(method, html.unescape(url)) for method, url in _NAMED_URL.findall(page)}
    links -= {reverse("web:signout")}  # a form's action in the header, not a page
    assert reverse("web:help-data") in links and ("POST", reverse("api:me-delete")) in named
    for link in sorted(links):
        if link.startswith("/static/"):
            continue
        assert client.get(link, follow=True).status_code == 200, link
    for method, url in sorted(named):
        for placeholder, value in placeholders.items():
            url = url.replace(placeholder, value)
        if method == "GET":
            assert api_client.get(url).status_code == 200, url
        else:  # a write named on a help page answers an empty request with the field it needs, not 404/405
            response = api_client.post(url, {}, format="multipart")
            assert response.status_code == 400 and response.json()["error"]["fields"], url


def test_what_we_collect_lists_every_field_of_the_models(world, client):
    client.force_login(world.athlete.user)
    page = _help_html(client, "help-data")
    for field in WellnessEntry._meta.concrete_fields:
        if not field.primary_key:
            assert f"<td>{escape(field.verbose_name)}</td>" in page, field.name
    assert "stored only as a salted hash" in page
    assert "encrypted; never shown again and never exported" in page


def test_exporting_help_carries_the_privacy_statement_and_every_export(world, client):
    from vault.exports.catalog import ATHLETE_EXPORTS, PRIVACY_STATEMENT

    client.force_login(world.athlete.user)
    page = _help_html(client, "help-exporting")
    assert escape(PRIVACY_STATEMENT) in page
    for kind in ATHLETE_EXPORTS:
        assert escape(kind.title) in page
