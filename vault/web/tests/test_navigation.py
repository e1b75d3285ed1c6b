"""The main navigation: each destination once, for every role."""

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["athlete", "coach", "admin"])
def test_every_nav_link_appears_once(world, client, persona):
    client.force_login(world.user(persona))
    html = client.get("/").content.decode()
    nav = html[html.index('<nav class="mainnav">') : html.index("</nav>")]
    labels = re.findall(r"<a [^>]*>([^<]+)</a>", nav)
    assert len(labels) == len(set(labels)), labels
    assert labels.count("Profile") == 1
    assert labels.count("Roster") == (0 if persona == "athlete" else 1)
