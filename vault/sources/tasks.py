"""Periodic work in the worker: the Strava and NRC syncs that are due (SYNC_INTERVAL_MINUTES)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from vault.sources import services


@db_periodic_task(crontab(minute="*/5"))
def sync_due_sources() -> None:
    services.sources_sync_due()
