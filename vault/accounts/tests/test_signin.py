import re

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core import mail
from django.test import Client
from django.urls import reverse

import config.settings as project_settings
from vault.accounts.models import Role, User
from vault.accounts.ratelimit import SIGNIN_LIMITED_MESSAGE
from vault.accounts.services import WRONG_CREDENTIALS_MESSAGE
from vault.testing.personas import PASSWORD, make_user

pytestmark = pytest.mark.django_db

SIGNIN = reverse("web:signin")


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(SIGNIN, {"username": username, "password": password}, REMOTE_ADDR=address)


# --- first account


def test_signin_offers_setup_only_while_no_account_exists(client):
    assert reverse("web:setup") in client.get(SIGNIN).text
    make_user("someone")
    assert reverse("web:setup") not in client.get(SIGNIN).text


def test_setup_creates_the_admin_and_signs_in(client):
    response = client.post(
        reverse("web:setup"),
        {"username": "root", "email": "root@example.test", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302 and response.url == reverse("web:dashboard")
    user = User.objects.get()
    assert (user.username, user.role, user.is_staff, user.is_superuser) == ("root", Role.ADMIN, True, True)
    assert client.get(reverse("web:dashboard")).wsgi_request.user == user
    assert client.get(reverse("web:setup")).status_code == 404
    assert Client().get(reverse("web:setup")).status_code == 404


def test_setup_shows_field_errors_and_creates_nothing(client):
    response = client.post(
        reverse("web:setup"), {"username": "bad name!", "password1": PASSWORD, "password2": "different-one-1"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "username" in errors and "password2" in errors
    assert not User.objects.exists()


# --- sign-in and its limits


def test_signin_and_signout(client, world):
    response = sign_in(client, world.coach.username, PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("web:dashboard")).status_code == 200
    assert client.get(reverse("web:signout")).status_code == 405  # sign-out is a POST only
    assert client.post(reverse("web:signout")).status_code == 302
    assert client.get(reverse("web:dashboard")).status_code == 302


def test_wrong_username_and_wrong_password_answer_the_same(client, world):
    wrong_password = sign_in(client, world.coach.username, "not-the-password")
    no_such_user = sign_in(client, "nobody_at_all", "not-the-password")
    for response in (wrong_password, no_such_user):
        assert response.status_code == 200
        assert response.context["form"].non_field_errors() == [WRONG_CREDENTIALS_MESSAGE]


def test_signin_is_limited_per_account_across_addresses(client, world, settings):
    settings.SIGNIN_RATE_LIMIT = 3
    for attempt in range(3):
        sign_in(client, world.coach.username, "wrong", address=f"10.0.0.{attempt}")
    # Even the right password is refused now, from a fresh address: the account is limited.
    response = sign_in(client, world.coach.username, PASSWORD, address="10.9.9.9")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [SIGNIN_LIMITED_MESSAGE]
    # Another account from that address is unaffected.
    assert sign_in(Client(), world.other_coach.username, PASSWORD, address="10.9.9.9").status_code == 302


def test_signin_is_limited_per_address_across_accounts(client, world, settings):
    settings.SIGNIN_RATE_LIMIT = 3
    for username in ("a", "b", "c"):
        sign_in(client, username, "wrong", address="10.1.1.1")
    response = sign_in(client, world.coach.username, PASSWORD, address="10.1.1.1")
    assert response.context["form"].non_field_errors() == [SIGNIN_LIMITED_MESSAGE]
    assert sign_in(Client(), world.coach.username, PASSWORD, address="10.2.2.2").status_code == 302


def test_a_successful_signin_clears_the_accounts_failures(client, world, settings):
    settings.SIGNIN_RATE_LIMIT = 3
    sign_in(client, world.coach.username, "wrong", address="10.0.0.1")
    sign_in(client, world.coach.username, "wrong", address="10.0.0.2")
    assert sign_in(Client(), world.coach.username, PASSWORD, address="10.0.0.3").status_code == 302
    sign_in(client, world.coach.username, "wrong", address="10.0.0.4")
    sign_in(client, world.coach.username, "wrong", address="10.0.0.5")
    assert sign_in(Client(), world.coach.username, PASSWORD, address="10.0.0.6").status_code == 302


def test_inactive_account_cannot_sign_in_and_is_not_told_apart(client, world):
    world.coach.is_active = False
    world.coach.save()
    response = sign_in(client, world.coach.username, PASSWORD)
    assert response.context["form"].non_field_errors() == [WRONG_CREDENTIALS_MESSAGE]


# --- passwords


def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # the project's, not the tests' fast one
    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    user = make_user("hashed")
    assert user.password.startswith("argon2$")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password(PASSWORD)


def test_password_reset_answer_does_not_reveal_whether_the_account_exists(client, world):
    existing = client.post(reverse("web:password-reset"), {"email": world.coach.email})
    missing = client.post(reverse("web:password-reset"), {"email": "nobody@example.test"})
    assert existing.status_code == missing.status_code == 302
    assert existing.url == missing.url == reverse("web:password-reset-sent")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world.coach.email]
    page = client.get(missing.url).text
    assert "If that address belongs to an account" in page


def test_password_reset_link_sets_a_new_password_and_lives_one_hour(client, world, settings):
    assert project_settings.PASSWORD_RESET_TIMEOUT == 3600
    client.post(reverse("web:password-reset"), {"email": world.coach.email})
    link = re.search(r"https?://[^/]+(/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    new_password = "another-horse-staple-7"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert done.status_code == 302 and done.url == reverse("web:password-reset-complete")
    world.coach.refresh_from_db()
    assert world.coach.check_password(new_password)
    # Used once, the link is spent.
    assert not client.get(link, follow=True).context["validlink"]


def test_password_reset_link_expires_after_an_hour(client, world, settings, monkeypatch):
    import datetime as dt

    from django.contrib.auth.tokens import default_token_generator

    client.post(reverse("web:password-reset"), {"email": world.coach.email})
    link = re.search(r"https?://[^/]+(/reset/\S+/)", mail.outbox[0].body).group(1)
    sent_at = dt.datetime.now()
    monkeypatch.setattr(default_token_generator, "_now", lambda: sent_at + dt.timedelta(minutes=59))
    assert Client().get(link, follow=True).context["validlink"]
    monkeypatch.setattr(default_token_generator, "_now", lambda: sent_at + dt.timedelta(minutes=61))
    assert not Client().get(link, follow=True).context["validlink"]


def test_password_change_page(client, world):
    client.force_login(world.athlete.user)
    new_password = "another-horse-staple-7"
    response = client.post(
        reverse("web:password-change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302 and response.url == reverse("web:profile")
    world.athlete.user.refresh_from_db()
    assert world.athlete.user.check_password(new_password)
    wrong = client.post(
        reverse("web:password-change"),
        {"old_password": "nope", "new_password1": new_password, "new_password2": new_password},
    )
    assert "old_password" in wrong.context["form"].errors


def test_password_reset_mails_are_limited_per_address_without_a_different_answer(client, world, settings):
    settings.SIGNIN_RATE_LIMIT = 2
    answers = [
        client.post(reverse("web:password-reset"), {"email": world.coach.email}, REMOTE_ADDR="10.7.7.7")
        for _ in range(4)
    ]
    assert {(a.status_code, a.url) for a in answers} == {(302, reverse("web:password-reset-sent"))}
    assert len(mail.outbox) == 2
    client.post(reverse("web:password-reset"), {"email": world.coach.email}, REMOTE_ADDR="10.8.8.8")
    assert len(mail.outbox) == 3
