import pytest
from django.contrib import admin

from vault.jobs.models import Job


def test_job_is_in_the_admin_with_filters_and_search():
    model_admin = admin.site._registry[Job]
    assert model_admin.list_filter and model_admin.search_fields


@pytest.mark.django_db
def test_job_admin_pages_answer(world):
    from django.test import Client

    Job.objects.create(kind="export", owner=world.athlete.user, message="boom")
    client = Client()
    client.force_login(world.admin)
    assert client.get("/admin/jobs/job/?status__exact=queued&q=boom").status_code == 200
