"""Periodic work in the worker: the Strava and NRC syncs that are due (SYNC_INTERVAL_MINUTES), and sources a
killed worker left "syncing" (checked when a worker starts and on every tick)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, on_startup

from vault.sources import services


@db_periodic_task(crontab(minute="*/5"))
def sync_due_sources() -> None:
    services.sources_sync_due()


@on_startup()
def recover_stuck_sources() -> None:
    # The worker that ran a sync may have been killed mid-way; its source must not stay "syncing" forever.
    services.sources_recover_stuck()
