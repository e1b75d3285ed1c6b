import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from vault.accounts.ratelimit import SIGNIN_LIMITED_MESSAGE
from vault.accounts.services import WRONG_CREDENTIALS_MESSAGE
from vault.testing.personas import PASSWORD, make_athlete

pytestmark = pytest.mark.django_db

TOKEN_URL = reverse("api:auth-token")


def test_token_for_good_credentials_then_token_authentication(world):
    api = APIClient()
    response = api.post(TOKEN_URL, {"username": world.coach.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=world.coach).key == token
    # The same token on every exchange, so several clients of one user do not sign each other out.
    again = api.post(TOKEN_URL, {"username": world.coach.username, "password": PASSWORD}, format="json")
    assert again.json()["token"] == token
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(reverse("api:me")).json()["username"] == world.coach.username


@pytest.mark.parametrize("username", ["coach_carla", "nobody_here"])
def test_wrong_credentials_are_400_and_do_not_say_which_part(world, username):
    response = APIClient().post(TOKEN_URL, {"username": username, "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": WRONG_CREDENTIALS_MESSAGE,
            "fields": {"non_field_errors": [WRONG_CREDENTIALS_MESSAGE]},
        }
    }


def test_missing_fields_are_named():
    response = APIClient().post(TOKEN_URL, {"username": "x"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["password"]


def test_token_endpoint_is_rate_limited_like_signin(world, settings):
    settings.SIGNIN_RATE_LIMIT = 2
    api = APIClient()
    for _ in range(2):
        api.post(TOKEN_URL, {"username": world.coach.username, "password": "wrong"}, format="json")
    response = api.post(TOKEN_URL, {"username": world.coach.username, "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["error"]["message"] == SIGNIN_LIMITED_MESSAGE
    assert not Token.objects.filter(user=world.coach).exists()


def test_page_and_api_failures_share_the_accounts_counter(world, settings, client):
    settings.SIGNIN_RATE_LIMIT = 2
    client.post(reverse("web:signin"), {"username": world.coach.username, "password": "wrong"})
    APIClient().post(TOKEN_URL, {"username": world.coach.username, "password": "wrong"}, format="json")
    response = APIClient().post(
        TOKEN_URL, {"username": world.coach.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("persona", "role", "has_public_id"),
    [("athlete", "athlete", True), ("coach", "coach", False), ("admin", "admin", False)],
)
def test_me(world, persona, role, has_public_id):
    api = APIClient()
    api.force_authenticate(world.user(persona))
    body = api.get(reverse("api:me")).json()
    assert body["username"] == world.user(persona).username
    assert body["role"] == role
    assert body["public_id"] == (world.athlete.public_id if has_public_id else None)


def test_anonymous_api_is_401_with_the_error_shape():
    response = APIClient().get(reverse("api:me"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_bad_token_is_401():
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get(reverse("api:athletes")).status_code == 401


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("athlete", ["Ana Athlete"]),
        ("coach", ["Ana Athlete"]),
        ("other_coach", ["Oscar Other"]),
        ("admin", ["Ana Athlete", "Oscar Other"]),
    ],
)
def test_athletes_lists_exactly_the_visible_ones(world, persona, expected):
    api = APIClient()
    api.force_authenticate(world.user(persona))
    body = api.get(reverse("api:athletes")).json()
    assert [a["name"] for a in body["results"]] == expected
    assert body["count"] == len(expected) and body["next"] is None
    assert set(body["results"][0]) == {"public_id", "name"}


def test_athletes_is_paginated(world):
    for n in range(3):
        make_athlete(f"extra{n}", name=f"Extra {n}", coach=world.coach)
    api = APIClient()
    api.force_authenticate(world.coach)
    first = api.get(reverse("api:athletes"), {"page_size": 2}).json()
    assert first["count"] == 4 and len(first["results"]) == 2 and first["next"]
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None
    names = [a["name"] for a in first["results"] + second["results"]]
    assert names == ["Ana Athlete", "Extra 0", "Extra 1", "Extra 2"]
