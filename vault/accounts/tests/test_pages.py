import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from vault.accounts import services
from vault.accounts.models import AthleteProfile, CoachAthleteLink, IntakeLink, JoinLink, LinkOrigin, User
from vault.accounts.ratelimit import SIGNUP_LIMITED_MESSAGE
from vault.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db


def signup_data(**overrides):
    data = {
        "name": "Nora New",
        "username": "nora",
        "email": "nora@example.test",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "sex": "female",
        "birth_date": "1993-07-08",
        "time_zone": "Europe/Oslo",
        "units": "metric",
    }
    return {**data, **overrides}


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


# --- roster


def test_roster_lists_the_coachs_athletes_and_not_others(world):
    page = signed_in(world.coach).get(reverse("web:roster")).text
    assert world.athlete.name in page
    assert world.other_athlete.name not in page


def test_roster_for_admin_lists_every_active_link(world):
    page = signed_in(world.admin).get(reverse("web:roster")).text
    assert world.athlete.name in page and world.other_athlete.name in page
    assert "New join link" not in page  # admin manages links in the Django admin


def test_coach_creates_an_athlete_and_sees_the_password_once(world):
    client = signed_in(world.coach)
    response = client.post(
        reverse("web:roster-athlete-create"),
        {
            "name": "Lea Lind",
            "username": "lea",
            "sex": "female",
            "time_zone": "Europe/Vienna",
            "units": "metric",
        },
    )
    assert response.status_code == 200
    password = response.context["created"].temporary_password
    assert password in response.text
    lea = User.objects.get(username="lea")
    assert lea.check_password(password)
    assert CoachAthleteLink.objects.active().get(athlete__user=lea).coach == world.coach
    assert password not in client.get(reverse("web:roster")).text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("username", "ana_athlete", "already exists"),
        ("username", "ANA_ATHLETE", "already exists"),
        ("time_zone", "Mars/Olympus_Mons", "is not a known time zone"),
        ("birth_date", "2999-01-01", "in the future"),
        ("birth_date", "1850-01-01", "check the year"),
        ("birth_date", "1993-13-45", "Enter a valid date"),
        ("name", "", "required"),
    ],
)
def test_create_athlete_field_errors(world, field, value, message):
    data = {
        "name": "Lea",
        "username": "lea",
        "sex": "female",
        "time_zone": "UTC",
        "units": "metric",
        field: value,
    }
    users_before = User.objects.count()
    response = signed_in(world.coach).post(reverse("web:roster-athlete-create"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert User.objects.count() == users_before


def test_coach_creates_join_and_intake_links_from_the_roster(world):
    client = signed_in(world.coach)
    tomorrow = (timezone.now().date() + dt.timedelta(days=1)).isoformat()
    assert (
        client.post(
            reverse("web:roster-join-link-create"),
            {"label": "Squad", "max_signups": "5", "valid_until": tomorrow},
        ).status_code
        == 302
    )
    link = JoinLink.objects.get(coach=world.coach)
    assert (link.label, link.max_signups) == ("Squad", 5)
    assert link.expires_at == dt.datetime.combine(
        dt.date.fromisoformat(tomorrow) + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC
    )
    assert client.post(reverse("web:roster-intake-link-create"), {"note": "Lea"}).status_code == 302
    intake = IntakeLink.objects.get(coach=world.coach)
    page = client.get(reverse("web:roster")).text
    assert reverse("web:join", kwargs={"token": link.token}) in page
    assert reverse("web:intake", kwargs={"token": intake.token}) in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"max_signups": "0"}, "max_signups", "greater than or equal to 1"),
        ({"max_signups": "many"}, "max_signups", "whole number"),
        ({"valid_until": "2001-01-01"}, "valid_until", "already passed"),
    ],
)
def test_join_link_form_errors(world, data, field, message):
    response = signed_in(world.coach).post(reverse("web:roster-join-link-create"), data)
    assert response.status_code == 200
    assert message in response.context["join_form"].errors[field][0]
    assert message in response.text
    assert not JoinLink.objects.exists()


def test_coach_ends_a_link_from_the_roster_and_history_shows_it(world):
    client = signed_in(world.coach)
    link = CoachAthleteLink.objects.get(coach=world.coach, athlete=world.athlete)
    assert client.post(reverse("web:coach-link-end", kwargs={"link_id": link.pk})).status_code == 302
    link.refresh_from_db()
    assert link.ended_by == world.coach
    page = client.get(reverse("web:roster"))
    assert list(page.context["links"]) == []
    assert list(page.context["ended_links"]) == [link]


def test_coach_cannot_end_another_coachs_link(world):
    link = CoachAthleteLink.objects.get(coach=world.other_coach)
    assert (
        signed_in(world.coach).post(reverse("web:coach-link-end", kwargs={"link_id": link.pk})).status_code
        == 404
    )
    link.refresh_from_db()
    assert link.is_active


# --- join links


def test_join_signup_creates_the_athlete_and_signs_them_in(world):
    link = services.join_link_create(coach=world.coach)
    client = Client()
    response = client.post(reverse("web:join", kwargs={"token": link.token}), signup_data())
    assert response.status_code == 302 and response.url == reverse("web:dashboard")
    nora = AthleteProfile.objects.get(user__username="nora")
    assert (nora.name, nora.time_zone, nora.sex) == ("Nora New", "Europe/Oslo", "female")
    assert CoachAthleteLink.objects.active().get(athlete=nora).origin == LinkOrigin.JOIN_LINK
    assert client.get(reverse("web:profile")).context["athlete"] == nora


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"username": "coach_carla"}, "username", "already exists"),
        ({"time_zone": "Atlantis/Capital"}, "time_zone", "is not a known time zone"),
        ({"password2": "something-else-2"}, "password2", "didn’t match"),
        ({"password1": "123", "password2": "123"}, "password2", "too short"),
        ({"email": "not-an-address"}, "email", "valid email"),
    ],
)
def test_join_signup_field_errors(world, overrides, field, message):
    link = services.join_link_create(coach=world.coach)
    response = Client().post(reverse("web:join", kwargs={"token": link.token}), signup_data(**overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert (
        not User.objects.filter(username=overrides.get("username", "nora"), athlete_profile__isnull=False)
        .exclude(pk=world.coach.pk)
        .exists()
    )
    assert JoinLink.objects.get(pk=link.pk).signups == 0


def test_expired_join_link_says_so(world):
    link = JoinLink.objects.create(coach=world.coach, expires_at=timezone.now() - dt.timedelta(hours=1))
    response = Client().get(reverse("web:join", kwargs={"token": link.token}))
    assert response.status_code == 410
    assert "expired" in response.text


def test_full_join_link_says_so_and_refuses_a_post(world):
    link = JoinLink.objects.create(coach=world.coach, max_signups=1, signups=1)
    response = Client().post(reverse("web:join", kwargs={"token": link.token}), signup_data())
    assert response.status_code == 410
    assert "sign-up limit" in response.text
    assert not User.objects.filter(username="nora").exists()


def test_cap_reached_between_page_and_submit_is_a_form_error(world, monkeypatch):
    """The page was opened while a place was left; another sign-up took it before this one was sent."""
    link = services.join_link_create(coach=world.coach, max_signups=1)
    monkeypatch.setattr(services, "join_link_problem", lambda link: None)  # the page's early check passed
    services.join_link_signup(
        link=link, username="first", password=PASSWORD, profile=services.AthleteProfileData("F")
    )
    response = Client().post(reverse("web:join", kwargs={"token": link.token}), signup_data())
    assert response.status_code == 200
    assert "sign-up limit" in response.context["form"].non_field_errors()[0]
    assert not User.objects.filter(username="nora").exists()


def test_unknown_join_token_is_not_found():
    assert Client().get(reverse("web:join", kwargs={"token": "no-such-token"})).status_code == 404


def test_join_signups_are_limited_per_address(world, settings):
    settings.SIGNIN_RATE_LIMIT = 2
    link = services.join_link_create(coach=world.coach)
    url = reverse("web:join", kwargs={"token": link.token})
    for n in range(2):
        assert Client().post(url, signup_data(username=f"n{n}"), REMOTE_ADDR="10.5.5.5").status_code == 302
    refused = Client().post(url, signup_data(username="n2"), REMOTE_ADDR="10.5.5.5")
    assert refused.status_code == 429
    assert SIGNUP_LIMITED_MESSAGE in refused.text
    assert not User.objects.filter(username="n2").exists()
    assert Client().post(url, signup_data(username="n3"), REMOTE_ADDR="10.6.6.6").status_code == 302


def test_signed_in_visitor_of_a_join_link_creates_nothing(world):
    link = services.join_link_create(coach=world.coach)
    url = reverse("web:join", kwargs={"token": link.token})
    as_coach = signed_in(world.other_coach).post(url, signup_data())
    assert as_coach.status_code == 200
    assert "sign out first" in as_coach.text
    as_athlete = signed_in(world.other_athlete.user).post(url, signup_data())
    assert as_athlete.status_code == 200
    assert "Join with my account" in as_athlete.text
    assert not User.objects.filter(username="nora").exists()
    assert JoinLink.objects.get(pk=link.pk).signups == 0


# --- intake links


def test_intake_collects_profile_and_is_then_closed(world):
    link = services.intake_link_create(coach=world.coach, email="nora@example.test")
    url = reverse("web:intake", kwargs={"token": link.token})
    assert 'value="nora@example.test"' in Client().get(url).text
    assert Client().post(url, signup_data()).status_code == 302
    nora = AthleteProfile.objects.get(user__username="nora")
    assert nora.birth_date == dt.date(1993, 7, 8)
    second = Client().get(url)
    assert second.status_code == 410
    assert "already been used" in second.text


def test_intake_requires_the_birth_date(world):
    link = services.intake_link_create(coach=world.coach)
    response = Client().post(reverse("web:intake", kwargs={"token": link.token}), signup_data(birth_date=""))
    assert "birth_date" in response.context["form"].errors
    assert IntakeLink.objects.get(pk=link.pk).used_at is None


# --- profile


def test_athlete_edits_their_profile(world):
    client = signed_in(world.athlete.user)
    response = client.post(
        reverse("web:profile"),
        {
            "name": "Ana A.",
            "sex": "female",
            "birth_date": "1990-01-02",
            "time_zone": "America/Denver",
            "units": "imperial",
        },
    )
    assert response.status_code == 302
    world.athlete.refresh_from_db()
    assert (world.athlete.name, world.athlete.time_zone, world.athlete.units) == (
        "Ana A.",
        "America/Denver",
        "imperial",
    )


def test_profile_rejects_an_unknown_time_zone_and_keeps_the_old_one(world):
    response = signed_in(world.athlete.user).post(
        reverse("web:profile"),
        {"name": "Ana", "sex": "female", "time_zone": "Europe/Atlantis", "units": "metric"},
    )
    assert response.status_code == 200
    assert "'Europe/Atlantis' is not a known time zone" in response.context["form"].errors["time_zone"][0]
    world.athlete.refresh_from_db()
    assert world.athlete.time_zone == "Europe/Madrid"


def test_athlete_ends_their_coach_from_the_profile(world):
    client = signed_in(world.athlete.user)
    link = CoachAthleteLink.objects.get(athlete=world.athlete)
    page = client.get(reverse("web:profile")).text
    assert reverse("web:coach-link-end", kwargs={"link_id": link.pk}) in page
    response = client.post(reverse("web:coach-link-end", kwargs={"link_id": link.pk}))
    assert response.status_code == 302 and response.url == reverse("web:profile")
    link.refresh_from_db()
    assert link.ended_by == world.athlete.user
    assert len(signed_in(world.coach).get(reverse("web:roster")).context["links"]) == 0


def test_coach_profile_has_no_athlete_form(world):
    response = signed_in(world.coach).get(reverse("web:profile"))
    assert response.status_code == 200
    assert response.context["form"] is None


def test_signed_in_athlete_joins_a_second_coach_with_one_button(world):
    link = services.join_link_create(coach=world.coach, max_signups=1)
    client = signed_in(world.other_athlete.user)
    url = reverse("web:join", kwargs={"token": link.token})
    assert "Join with my account" in client.get(url).text
    response = client.post(url, {"join_existing": "1"})
    assert response.status_code == 302 and response.url == reverse("web:profile")
    coaches = {
        roster.coach for roster in CoachAthleteLink.objects.active().filter(athlete=world.other_athlete)
    }
    assert coaches == {world.coach, world.other_coach}
    assert JoinLink.objects.get(pk=link.pk).signups == 1


def test_athlete_already_on_the_roster_is_told_so(world):
    link = services.join_link_create(coach=world.coach)
    client = signed_in(world.athlete.user)
    url = reverse("web:join", kwargs={"token": link.token})
    assert "already on this roster" in client.get(url).text
    response = client.post(url, {"join_existing": "1"}, follow=True)
    assert "already on this coach" in response.text
    assert CoachAthleteLink.objects.filter(athlete=world.athlete).count() == 1
    assert JoinLink.objects.get(pk=link.pk).signups == 0


def test_athlete_whose_coach_ended_it_can_rejoin_and_history_stays(world):
    old = CoachAthleteLink.objects.get(athlete=world.athlete)
    services.coach_link_end(link=old, by=world.coach)
    link = services.join_link_create(coach=world.coach)
    signed_in(world.athlete.user).post(
        reverse("web:join", kwargs={"token": link.token}), {"join_existing": "1"}
    )
    links = CoachAthleteLink.objects.filter(coach=world.coach, athlete=world.athlete)
    assert links.count() == 2 and links.active().count() == 1


@pytest.mark.parametrize("persona", ["athlete", "coach"])
def test_everyone_sets_their_email_for_password_resets(world, persona):
    user = world.user(persona)
    client = signed_in(user)
    response = client.post(reverse("web:profile"), {"form": "account", "email": "fresh@example.test"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "fresh@example.test"
    bad = client.post(reverse("web:profile"), {"form": "account", "email": "not an address"})
    assert "valid email" in bad.context["email_form"].errors["email"][0]
    user.refresh_from_db()
    assert user.email == "fresh@example.test"


def test_coach_posting_an_athlete_profile_finds_nothing(world):
    response = signed_in(world.coach).post(reverse("web:profile"), {"name": "X", "time_zone": "UTC"})
    assert response.status_code == 404
