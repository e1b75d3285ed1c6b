"""A source left "syncing" by a sync that died (a killed worker, a lost queue) goes back to its status, and the
periodic sync takes it again (issue §3: "a periodic sync ... runs in the worker"; audit gap 7)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vault.jobs.models import Job, JobStatus
from vault.jobs.services import job_create
from vault.sources import services, tasks
from vault.sources.models import Source, SourceKind, SourceStatus
from vault.sources.selectors import SYNC_JOB_KIND

pytestmark = pytest.mark.django_db


def _nrc(athlete, status=SourceStatus.ACTIVE, **fields) -> Source:
    source = Source(athlete=athlete, kind=SourceKind.NRC, status=status, **fields)
    source.secrets = {"access_token": "t"}
    source.save()
    return source


def _killed_mid_sync(source: Source, *, silent_for: dt.timedelta) -> Job:
    """What a worker killed mid-sync leaves behind: the job 'running', the card 'syncing', no sign of life
    since."""
    job = job_create(kind=SYNC_JOB_KIND, params={"source_id": source.pk, "action": "sync"}, enqueue=False)
    services.source_begin_sync(source=source)
    then = timezone.now() - silent_for
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=then, created_at=then)
    Source.objects.filter(pk=source.pk).update(heartbeat_at=then)
    return job


def test_begin_sync_remembers_the_status_from_before_the_first_sync(world):
    source = _nrc(world.athlete, status=SourceStatus.NEEDS_ATTENTION, status_reason="HTTP 502")
    services.source_begin_sync(source=source)
    services.source_begin_sync(source=source)  # a resumed sync (after a pause, or re-run after a restart)
    source.refresh_from_db()
    assert source.status == SourceStatus.SYNCING and source.status_before_sync == SourceStatus.NEEDS_ATTENTION


def test_a_dead_sync_returns_the_source_and_the_periodic_sync_takes_it_again(world, settings):
    settings.SYNC_INTERVAL_MINUTES = 60
    source = _nrc(world.athlete, status=SourceStatus.NEEDS_ATTENTION, status_reason="HTTP 502")
    dead = _killed_mid_sync(source, silent_for=dt.timedelta(hours=2))
    assert services.source_sync_start(source=source).pk == dead.pk  # before: "already running", forever
    jobs = services.sources_sync_due()
    source.refresh_from_db()
    dead.refresh_from_db()
    assert dead.status == JobStatus.FAILED and "abandoned" in dead.message
    assert source.status == SourceStatus.NEEDS_ATTENTION
    assert "stopped without finishing" in source.status_reason
    assert [job.params["source_id"] for job in jobs] == [source.pk]  # not skipped: a new sync is queued
    assert jobs[0].pk != dead.pk and jobs[0].status == JobStatus.QUEUED


def test_a_source_whose_job_already_ended_is_returned_at_once(world):
    source = _nrc(world.athlete)
    job = _killed_mid_sync(source, silent_for=dt.timedelta(seconds=5))
    Job.objects.filter(pk=job.pk).update(status=JobStatus.DONE)  # the row finished; the status never did
    assert [s.pk for s in services.sources_recover_stuck()] == [source.pk]
    source.refresh_from_db()
    assert source.status == SourceStatus.ACTIVE and "continues where it stopped" in source.status_reason


def test_a_live_sync_and_a_sync_waiting_out_a_rate_limit_are_left_alone(world):
    live = _nrc(world.athlete)
    running = _killed_mid_sync(live, silent_for=dt.timedelta(minutes=2))  # quiet, but not for long
    waiting = Source.objects.create(athlete=world.other_athlete, kind=SourceKind.STRAVA)
    services.source_begin_sync(source=waiting)
    resume_at = timezone.now() + dt.timedelta(hours=5)  # the daily limit: resumes at midnight UTC
    paused = job_create(
        kind=SYNC_JOB_KIND,
        params={"source_id": waiting.pk, "action": "sync", "resume_at": resume_at.isoformat()},
        enqueue=False,
    )
    Job.objects.filter(pk=paused.pk).update(created_at=timezone.now() - dt.timedelta(hours=19))
    assert services.sources_recover_stuck() == []
    assert services.sources_sync_due() == []  # neither gets a second sync
    for source, job in ((live, running), (waiting, paused)):
        source.refresh_from_db()
        job.refresh_from_db()
        assert source.status == SourceStatus.SYNCING and not job.is_finished

    # the worker that held the pause was lost: long after it was due, the source is given back
    later = resume_at + dt.timedelta(hours=1)
    assert [s.pk for s in services.sources_recover_stuck(now=later)] == [live.pk, waiting.pk]


def test_worker_start_recovers_stuck_sources(world):
    source = _nrc(world.athlete, status=SourceStatus.RECONNECT, status_reason="token expired")
    _killed_mid_sync(source, silent_for=dt.timedelta(hours=3))
    tasks.recover_stuck_sources()  # the hook Huey runs when a worker starts
    source.refresh_from_db()
    assert source.status == SourceStatus.RECONNECT  # back to what it was, still waiting for a token
    assert "continues" not in source.status_reason
