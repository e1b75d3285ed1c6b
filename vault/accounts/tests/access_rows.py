"""Access rows for sign-in, setup, password reset, join and intake links, roster, profile and the
token, me and athletes endpoints (vault/testing/access_matrix.py)."""

from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from vault.accounts.models import CoachAthleteLink, IntakeLink, JoinLink
from vault.testing.access_matrix import (
    Row,
    api_any_signed_in,
    expect,
    page_any_signed_in,
    page_owner_coach_admin,
)
from vault.testing.personas import PASSWORD, make_user


def everyone(status: int) -> dict:
    return expect(
        athlete=status, coach=status, other_coach=status, other_athlete=status, admin=status, anonymous=status
    )


# Pages only the coach role has: athletes and admin (who manages links in the Django admin) find nothing.
COACH_PAGE_200 = expect(athlete=404, coach=200, other_coach=200, other_athlete=404, admin=404, anonymous=302)
COACH_POST_302 = expect(athlete=404, coach=302, other_coach=302, other_athlete=404, admin=404, anonymous=302)
# A sign-up link answers the form to anyone; a signed-in person sees "sign out first" (200) and nothing is
# created; anonymous signs up and is redirected to the dashboard.
SIGNUP_POST = expect(athlete=200, coach=200, other_coach=200, other_athlete=200, admin=200, anonymous=302)


def _reset_link(world):
    # Not a persona: signing a persona in changes its last_login, which voids a token made before.
    user = make_user("reset_rita")
    return {
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }


def _join_link(world):
    return {"token": JoinLink.objects.create(coach=world.coach).token}


def _intake_link(world):
    return {"token": IntakeLink.objects.create(coach=world.coach).token}


def _signup(world):
    return {
        "username": "new_athlete",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "name": "New Athlete",
        "sex": "female",
        "birth_date": "1990-04-01",
        "time_zone": "Europe/Oslo",
        "units": "metric",
    }


def _profile(world):
    return {
        "name": "Renamed",
        "sex": "male",
        "birth_date": "1991-02-03",
        "time_zone": "Asia/Tokyo",
        "units": "imperial",
    }


def _roster_link(world):
    return {"link_id": CoachAthleteLink.objects.get(coach=world.coach, athlete=world.athlete).pk}


def _signin(password: str):
    return lambda world: {"username": world.athlete.user.username, "password": password}


NEW_PASSWORD = "another-horse-battery-7"
# Signed-in people are sent on from the sign-in page whatever they post (redirect_authenticated_user).
SIGNED_IN_302 = expect(athlete=302, coach=302, other_coach=302, other_athlete=302, admin=302, anonymous=200)

ROWS = [
    Row("web:signin", SIGNED_IN_302),
    # Right credentials sign in (302 to the dashboard); wrong ones show the form again with its error.
    Row("web:signin", everyone(302), method="post", data=_signin(PASSWORD)),
    Row("web:signin", SIGNED_IN_302, method="post", data=_signin("wrong-password-1")),
    # Form pages refuse PUT (Django would route it to post()); see FORM_METHODS in vault/web/views/accounts.py.
    # Signed-in people are redirected before the method is looked at.
    Row("web:signin", {**SIGNED_IN_302, "anonymous": 405}, method="put", data=_signin(PASSWORD)),
    Row("web:signout", everyone(302), method="post"),
    Row("web:setup", everyone(404)),  # the world has accounts, so setup is gone for everyone
    Row("web:setup", everyone(404), method="post", data=lambda world: {"username": "x"}),
    Row("web:password-reset", everyone(200)),
    Row(
        "web:password-reset",
        everyone(302),
        method="post",
        data=lambda world: {"email": "nobody@example.test"},
    ),
    Row("web:password-reset-sent", everyone(200)),
    # A valid link moves its token into the session and redirects to the form (Django's reset flow).
    Row("web:password-reset-confirm", everyone(302), kwargs=_reset_link),
    # Posting to the link itself only moves the token into the session too; a spoiled link shows the
    # "invalid link" page (200) and changes nothing.
    Row(
        "web:password-reset-confirm",
        everyone(302),
        method="post",
        kwargs=_reset_link,
        data=lambda world: {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    ),
    Row(
        "web:password-reset-confirm",
        everyone(200),
        method="post",
        kwargs=lambda world: {**_reset_link(world), "token": "spoiled-token"},
        data=lambda world: {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    ),
    Row("web:password-reset-complete", everyone(200)),
    Row("web:password-change", page_any_signed_in(200)),
    # Each signed-in persona changes their own password (302 to the profile); a wrong old one is refused.
    Row(
        "web:password-change",
        page_any_signed_in(302),
        method="post",
        data=lambda world: {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    ),
    Row(
        "web:password-change",
        page_any_signed_in(200),
        method="post",
        data=lambda world: {
            "old_password": "not-the-password",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    ),
    Row("web:join", everyone(200), kwargs=_join_link),
    Row("web:join", SIGNUP_POST, method="post", kwargs=_join_link, data=_signup),
    # An athlete with an account joins with one button (then lands on their profile); others cannot.
    Row(
        "web:join",
        expect(athlete=302, coach=200, other_coach=200, other_athlete=302, admin=200, anonymous=200),
        method="post",
        kwargs=_join_link,
        data=lambda world: {"join_existing": "1"},
    ),
    Row("web:intake", everyone(200), kwargs=_intake_link),
    Row("web:intake", SIGNUP_POST, method="post", kwargs=_intake_link, data=_signup),
    Row(
        "web:roster",
        expect(athlete=404, coach=200, other_coach=200, other_athlete=404, admin=200, anonymous=302),
    ),
    Row("web:roster-athlete-create", COACH_PAGE_200),
    Row(
        "web:roster-athlete-create",
        COACH_PAGE_200,  # the answer page shows the temporary password once
        method="post",
        data=lambda world: {
            "username": "created_one",
            "name": "Created One",
            "sex": "other",
            "time_zone": "UTC",
            "units": "metric",
        },
    ),
    Row(
        "web:roster-join-link-create", COACH_POST_302, method="post", data=lambda world: {"max_signups": "3"}
    ),
    Row(
        "web:roster-join-link-revoke",
        expect(athlete=404, coach=302, other_coach=404, other_athlete=404, admin=404, anonymous=302),
        method="post",
        kwargs=lambda world: {"link_id": JoinLink.objects.create(coach=world.coach).pk},
    ),
    Row("web:roster-intake-link-create", COACH_POST_302, method="post", data=lambda world: {"note": "Lea"}),
    Row("web:coach-link-end", page_owner_coach_admin(302), method="post", kwargs=_roster_link),
    Row("web:profile", page_any_signed_in(200)),
    # Only athletes have a profile to edit; each edits their own.
    Row(
        "web:profile",
        expect(athlete=302, coach=404, other_coach=404, other_athlete=302, admin=404, anonymous=302),
        method="post",
        data=_profile,
    ),
    Row(
        "web:profile",
        page_any_signed_in(302),
        method="post",
        data=lambda world: {"form": "account", "email": "changed@example.test"},
    ),
    Row(
        "api:auth-token",
        everyone(200),
        method="post",
        data=lambda world: {"username": world.athlete.user.username, "password": PASSWORD},
    ),
    Row("api:me", api_any_signed_in(200)),
    Row("api:athletes", api_any_signed_in(200)),
]
