import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from vault.accounts import services
from vault.accounts.access import visible_athletes
from vault.accounts.models import (
    AthleteProfile,
    CoachAthleteLink,
    IntakeLink,
    JoinLink,
    LinkOrigin,
    Role,
    User,
)
from vault.testing.personas import PASSWORD, make_user

pytestmark = pytest.mark.django_db

PROFILE = services.AthleteProfileData(
    name="Lea Lind", sex="female", birth_date=dt.date(1995, 5, 6), time_zone="Europe/Vienna"
)


def fields_of(excinfo) -> dict:
    return excinfo.value.message_dict


# --- first account


def test_first_admin_is_admin_staff_and_superuser():
    user = services.first_admin_create(username="root", password=PASSWORD, email="root@example.test")
    assert (user.role, user.is_staff, user.is_superuser) == (Role.ADMIN, True, True)
    assert user.check_password(PASSWORD)


def test_first_admin_is_refused_once_any_account_exists():
    make_user("someone")
    with pytest.raises(PermissionDenied):
        services.first_admin_create(username="root", password=PASSWORD)
    assert not User.objects.filter(username="root").exists()


def test_first_admin_rejects_a_weak_password_on_the_password_field():
    with pytest.raises(ValidationError) as excinfo:
        services.first_admin_create(username="root", password="123")
    assert "password" in fields_of(excinfo)
    assert not User.objects.exists()


# --- direct creation


def test_coach_creates_athlete_with_profile_link_and_a_working_temporary_password(world):
    created = services.athlete_create(
        coach=world.coach, username="lea", profile=PROFILE, email="lea@example.test"
    )
    athlete = created.athlete
    assert athlete.user.role == Role.ATHLETE
    assert (athlete.name, athlete.time_zone, athlete.birth_date) == (
        "Lea Lind",
        "Europe/Vienna",
        dt.date(1995, 5, 6),
    )
    link = CoachAthleteLink.objects.get(athlete=athlete)
    assert (link.coach, link.origin, link.is_active) == (world.coach, LinkOrigin.DIRECT, True)
    assert len(created.temporary_password) >= 12
    assert athlete.user.check_password(created.temporary_password)
    assert created.temporary_password not in athlete.user.password  # only the hash is stored


def test_direct_creation_refuses_a_taken_username_on_the_username_field(world):
    with pytest.raises(ValidationError) as excinfo:
        services.athlete_create(coach=world.coach, username=world.athlete.user.username, profile=PROFILE)
    assert "username" in fields_of(excinfo)


def test_direct_creation_refuses_an_unknown_time_zone_and_creates_nothing(world):
    bad = services.AthleteProfileData(name="Lea", time_zone="Mars/Olympus_Mons")
    users_before = User.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.athlete_create(coach=world.coach, username="lea", profile=bad)
    assert "Mars/Olympus_Mons" in fields_of(excinfo)["time_zone"][0]
    assert User.objects.count() == users_before


@pytest.mark.parametrize("persona", ["athlete", "admin"])
def test_only_coaches_create_athletes(world, persona):
    with pytest.raises(PermissionDenied):
        services.athlete_create(coach=world.user(persona), username="lea", profile=PROFILE)


# --- join links


def test_join_link_signup_puts_the_athlete_on_the_roster_and_counts(world):
    link = services.join_link_create(coach=world.coach, label="Squad", max_signups=2)
    athlete = services.join_link_signup(link=link, username="newbie", password=PASSWORD, profile=PROFILE)
    assert CoachAthleteLink.objects.active().get(athlete=athlete).origin == LinkOrigin.JOIN_LINK
    assert athlete in visible_athletes(world.coach)
    link.refresh_from_db()
    assert link.signups == 1


def test_join_link_cap_is_enforced(world):
    link = services.join_link_create(coach=world.coach, max_signups=1)
    services.join_link_signup(link=link, username="first", password=PASSWORD, profile=PROFILE)
    with pytest.raises(ValidationError, match="reached its sign-up limit"):
        services.join_link_signup(link=link, username="second", password=PASSWORD, profile=PROFILE)
    assert not User.objects.filter(username="second").exists()


def test_join_link_cap_holds_even_for_a_stale_copy_of_the_link(world):
    """Two requests that both loaded the link before either signed up: the database decides."""
    link = services.join_link_create(coach=world.coach, max_signups=1)
    stale = JoinLink.objects.get(pk=link.pk)
    services.join_link_signup(link=link, username="first", password=PASSWORD, profile=PROFILE)
    with pytest.raises(ValidationError, match="sign-up limit"):
        services.join_link_signup(link=stale, username="second", password=PASSWORD, profile=PROFILE)
    assert JoinLink.objects.get(pk=link.pk).signups == 1


def test_expired_and_revoked_join_links_refuse(world):
    expired = JoinLink.objects.create(coach=world.coach, expires_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(ValidationError, match="expired"):
        services.join_link_signup(link=expired, username="late", password=PASSWORD, profile=PROFILE)
    revoked = services.join_link_revoke(link=JoinLink.objects.create(coach=world.coach), by=world.coach)
    with pytest.raises(ValidationError, match="withdrawn"):
        services.join_link_signup(link=revoked, username="late", password=PASSWORD, profile=PROFILE)
    assert not User.objects.filter(username="late").exists()


def test_join_link_signup_with_a_taken_username_leaves_the_count_alone(world):
    link = services.join_link_create(coach=world.coach, max_signups=1)
    with pytest.raises(ValidationError) as excinfo:
        services.join_link_signup(
            link=link, username=world.coach.username, password=PASSWORD, profile=PROFILE
        )
    assert "username" in fields_of(excinfo)
    assert JoinLink.objects.get(pk=link.pk).signups == 0


def test_join_link_create_validates_expiry_and_cap(world):
    with pytest.raises(ValidationError) as excinfo:
        services.join_link_create(coach=world.coach, expires_at=timezone.now() - dt.timedelta(days=1))
    assert "expires_at" in fields_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.join_link_create(coach=world.coach, max_signups=0)
    assert "max_signups" in fields_of(excinfo)
    with pytest.raises(PermissionDenied):
        services.join_link_create(coach=world.athlete.user)


def test_only_the_links_coach_or_admin_revokes_it(world):
    link = services.join_link_create(coach=world.coach)
    with pytest.raises(PermissionDenied):
        services.join_link_revoke(link=link, by=world.other_coach)
    assert services.join_link_revoke(link=link, by=world.admin).revoked


# --- intake links


def test_intake_link_collects_the_profile_once(world):
    link = services.intake_link_create(coach=world.coach, email="lea@example.test", note="Lea")
    athlete = services.intake_link_complete(link=link, username="lea", password=PASSWORD, profile=PROFILE)
    assert athlete.user.email == "lea@example.test"  # taken from the invitation when the form left it empty
    assert CoachAthleteLink.objects.active().get(athlete=athlete).origin == LinkOrigin.INTAKE
    link.refresh_from_db()
    assert link.used_at is not None and link.athlete == athlete
    with pytest.raises(ValidationError, match="already been used"):
        services.intake_link_complete(link=link, username="lea2", password=PASSWORD, profile=PROFILE)


def test_a_stale_copy_of_an_intake_link_cannot_be_used_twice(world):
    link = services.intake_link_create(coach=world.coach)
    stale = IntakeLink.objects.get(pk=link.pk)
    services.intake_link_complete(link=link, username="lea", password=PASSWORD, profile=PROFILE)
    with pytest.raises(ValidationError, match="already been used"):
        services.intake_link_complete(link=stale, username="lea2", password=PASSWORD, profile=PROFILE)
    assert not User.objects.filter(username="lea2").exists()


def test_expired_intake_link_refuses(world):
    link = IntakeLink.objects.create(coach=world.coach, expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationError, match="expired"):
        services.intake_link_complete(link=link, username="lea", password=PASSWORD, profile=PROFILE)


def test_intake_with_a_bad_profile_leaves_the_link_unused(world):
    link = services.intake_link_create(coach=world.coach)
    bad = services.AthleteProfileData(name="Lea", time_zone="Nowhere/City")
    with pytest.raises(ValidationError) as excinfo:
        services.intake_link_complete(link=link, username="lea", password=PASSWORD, profile=bad)
    assert "time_zone" in fields_of(excinfo)
    link.refresh_from_db()
    assert link.used_at is None


# --- ending a relationship


def _link(world):
    return CoachAthleteLink.objects.get(coach=world.coach, athlete=world.athlete)


@pytest.mark.parametrize("persona", ["coach", "athlete", "admin"])
def test_either_side_or_admin_ends_the_link_and_history_stays(world, persona):
    ended = services.coach_link_end(link=_link(world), by=world.user(persona))
    assert ended.ended_at is not None and ended.ended_by == world.user(persona)
    assert world.athlete not in visible_athletes(world.coach)
    assert CoachAthleteLink.objects.filter(pk=ended.pk).exists()
    assert AthleteProfile.objects.filter(pk=world.athlete.pk).exists()


@pytest.mark.parametrize("persona", ["other_coach", "other_athlete"])
def test_outsiders_cannot_end_a_link(world, persona):
    with pytest.raises(PermissionDenied):
        services.coach_link_end(link=_link(world), by=world.user(persona))
    assert _link(world).is_active


def test_ending_twice_says_it_already_ended(world):
    link = _link(world)
    services.coach_link_end(link=link, by=world.coach)
    with pytest.raises(ValidationError, match="already ended"):
        services.coach_link_end(link=link, by=world.athlete.user)


def test_a_new_link_after_an_ended_one_keeps_both(world):
    services.coach_link_end(link=_link(world), by=world.coach)
    # An admin re-adds the athlete: a fresh active row beside the ended one.
    CoachAthleteLink.objects.create(coach=world.coach, athlete=world.athlete, origin=LinkOrigin.ADMIN)
    assert CoachAthleteLink.objects.filter(coach=world.coach, athlete=world.athlete).count() == 2
    assert world.athlete in visible_athletes(world.coach)


def test_usernames_differing_only_in_case_are_refused(world):
    link = services.join_link_create(coach=world.coach)
    with pytest.raises(ValidationError) as excinfo:
        services.join_link_signup(link=link, username="COACH_CARLA", password=PASSWORD, profile=PROFILE)
    assert "username" in fields_of(excinfo)
