"""The Django admin asks access.py (design.md §5): role=admin opens it, nobody else does, a staff flag on
a coach opens nothing, and the flags follow the role whenever a user is saved."""

from __future__ import annotations

import io

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse

from vault.accounts.models import Role, User
from vault.testing.personas import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _has_permission(user) -> bool:
    request = RequestFactory().get("/admin/")
    request.user = user
    return admin.site.has_permission(request)


def test_role_admin_without_django_flags_opens_the_admin(world):
    # Made with the role only, as a service or a shell would: save() gives the flags Django's admin needs.
    boss = User.objects.create_user("boss", password=PASSWORD, role=Role.ADMIN)
    assert (boss.is_staff, boss.is_superuser) == (True, True)
    assert _has_permission(boss)
    client = _client(boss)
    assert client.get(reverse("admin:index")).status_code == 200
    listing = client.get(reverse("admin:accounts_athleteprofile_changelist"))
    assert listing.status_code == 200
    assert world.athlete.name in listing.text and world.other_athlete.name in listing.text
    page = client.get(reverse("admin:accounts_athleteprofile_change", args=[world.other_athlete.pk]))
    assert page.status_code == 200


def test_a_staff_coach_sees_no_athlete_in_the_admin(world):
    # Even with is_staff forced past save() (an old row, a raw UPDATE), the gate asks access.py.
    User.objects.filter(pk=world.coach.pk).update(is_staff=True)
    coach = User.objects.get(pk=world.coach.pk)
    assert coach.is_staff and not _has_permission(coach)
    client = _client(coach)
    for url in (
        reverse("admin:index"),
        reverse("admin:accounts_athleteprofile_changelist"),
        reverse("admin:accounts_athleteprofile_change", args=[world.other_athlete.pk]),
        reverse("admin:metrics_metrichistory_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
        assert world.other_athlete.name not in response.text
    # Where the admin sends them, a signed-in non-admin finds nothing (no sign-in loop, no admin form).
    followed = client.get(reverse("admin:accounts_athleteprofile_changelist"), follow=True)
    assert followed.status_code == 404
    assert world.other_athlete.name not in followed.text


@pytest.mark.parametrize("persona", ["athlete", "coach", "other_coach", "other_athlete"])
def test_no_one_but_admin_passes_the_gate(world, persona):
    assert not _has_permission(world.user(persona))
    assert _client(world.user(persona)).get(reverse("admin:index"), follow=True).status_code == 404


def test_the_admin_persona_passes_the_gate(world):
    assert _has_permission(world.admin)


def test_anonymous_is_sent_to_the_apps_rate_limited_sign_in(world):
    response = Client().get(reverse("admin:accounts_user_changelist"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("web:signin"))
    assert "next=" in response.redirect_chain[-1][0]
    # The admin's own login form is gone: a POST there authenticates nobody.
    client = Client()
    answer = client.post(reverse("admin:login"), {"username": world.admin.username, "password": PASSWORD})
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("web:signin"))
    assert "_auth_user_id" not in client.session


def test_signing_in_through_the_app_lands_in_the_admin(world):
    client = Client()
    response = client.post(
        reverse("web:signin") + "?next=/admin/",
        {"username": world.admin.username, "password": PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_flags_follow_the_role_on_every_save(world):
    user = make_user("shifty", role=Role.COACH)
    assert (user.is_staff, user.is_superuser) == (False, False)
    user.role = Role.ADMIN
    user.save(update_fields=["role"])
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (True, True)
    user.role = Role.COACH
    user.is_staff = user.is_superuser = True  # a stray checkbox does not make a coach staff
    user.save()
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert not _has_permission(user)


def test_a_deactivated_admin_loses_the_flags(world):
    world.admin.is_active = False
    world.admin.save()
    world.admin.refresh_from_db()
    assert (world.admin.is_staff, world.admin.is_superuser) == (False, False)


def test_createsuperuser_makes_an_admin(world):
    call_command(
        "createsuperuser",
        interactive=False,
        username="root2",
        email="root2@example.test",
        stdout=io.StringIO(),
    )
    root = User.objects.get(username="root2")
    assert (root.role, root.is_staff, root.is_superuser) == (Role.ADMIN, True, True)


def test_demoting_in_the_admin_closes_it(world):
    boss = make_user("boss2", role=Role.ADMIN)
    client = _client(world.admin)
    page = client.get(reverse("admin:accounts_user_change", args=[boss.pk]))
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update(
        role=Role.COACH,
        date_joined_0=boss.date_joined.strftime("%Y-%m-%d"),
        date_joined_1=boss.date_joined.strftime("%H:%M:%S"),
        groups=[],
        user_permissions=[],
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)
    data.pop("password", None)
    response = client.post(reverse("admin:accounts_user_change", args=[boss.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    boss.refresh_from_db()
    assert (boss.role, boss.is_staff, boss.is_superuser) == (Role.COACH, False, False)
    assert _client(boss).get(reverse("admin:index"), follow=True).status_code == 404


def test_the_migration_brings_old_rows_in_line(world):
    import importlib

    from django.apps import apps as django_apps

    migration = importlib.import_module("vault.accounts.migrations.0002_admin_flags_follow_role")
    old_root = make_user("old_root")
    User.objects.filter(pk=old_root.pk).update(is_superuser=True, is_staff=True)  # createsuperuser, before
    User.objects.filter(pk=world.coach.pk).update(is_staff=True)
    User.objects.filter(pk=world.admin.pk).update(is_staff=False, is_superuser=False)
    migration.forwards(django_apps, None)
    flags = dict(
        (username, (role, staff, superuser))
        for username, role, staff, superuser in User.objects.values_list(
            "username", "role", "is_staff", "is_superuser"
        )
    )
    assert flags["old_root"] == (Role.ADMIN, True, True)
    assert flags[world.coach.username] == (Role.COACH, False, False)
    assert flags[world.admin.username] == (Role.ADMIN, True, True)
