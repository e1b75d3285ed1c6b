from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from vault.accounts.access import visible_athletes
from vault.jobs.models import Job


def jobs_visible_to(user) -> QuerySet[Job]:
    if not user.is_authenticated:
        return Job.objects.none()
    return Job.objects.filter(Q(owner=user) | Q(athlete__in=visible_athletes(user)))


def job_for(user, job_id: int) -> Job:
    job = jobs_visible_to(user).filter(pk=job_id).first()
    if job is None:
        raise Http404("No job here.")
    return job
