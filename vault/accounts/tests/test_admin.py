import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from vault.accounts.models import CoachAthleteLink

ACCOUNTS_MODELS = list(apps.get_app_config("accounts").get_models())


@pytest.mark.parametrize("model", ACCOUNTS_MODELS, ids=lambda m: m.__name__)
def test_every_accounts_model_is_in_the_admin_with_filters_and_search(model):
    model_admin = admin.site._registry[model]
    assert model_admin.list_filter, f"{model.__name__} admin has no list_filter"
    assert model_admin.search_fields, f"{model.__name__} admin has no search_fields"


@pytest.mark.django_db
@pytest.mark.parametrize("model", ACCOUNTS_MODELS, ids=lambda m: m.__name__)
def test_admin_changelists_answer_with_a_search(world, model):
    client = Client()
    client.force_login(world.admin)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client.get(url, {"q": "ana"}).status_code == 200


@pytest.mark.django_db
def test_admin_action_ends_links_and_keeps_them(world):
    client = Client()
    client.force_login(world.admin)
    link = CoachAthleteLink.objects.get(coach=world.coach)
    response = client.post(
        reverse("admin:accounts_coachathletelink_changelist"),
        {"action": "end_links", "_selected_action": [link.pk]},
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.ended_at is not None and link.ended_by == world.admin


@pytest.mark.django_db
def test_admin_creates_a_coach(world):
    from vault.accounts.models import Role, User
    from vault.testing.personas import PASSWORD

    client = Client()
    client.force_login(world.admin)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new_coach",
            "email": "coach@example.test",
            "role": Role.COACH,
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    coach = User.objects.get(username="new_coach")
    assert coach.role == Role.COACH and coach.check_password(PASSWORD)


@pytest.mark.django_db
def test_admin_change_pages_answer(world):
    from vault.accounts import services
    from vault.accounts.models import AthleteProfile, IntakeLink, JoinLink, User

    services.join_link_create(coach=world.coach)
    services.intake_link_create(coach=world.coach)
    client = Client()
    client.force_login(world.admin)
    for model in (User, AthleteProfile, CoachAthleteLink, JoinLink, IntakeLink):
        obj = model.objects.first()
        url = reverse(f"admin:accounts_{model._meta.model_name}_change", args=[obj.pk])
        assert client.get(url).status_code == 200, model.__name__
