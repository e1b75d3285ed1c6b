"""Periodic work in the worker: deleting export archives that outlived EXPORT_KEEP_HOURS."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from vault.exports.jobs import exports_purge_expired


@db_periodic_task(crontab(minute="17"))
def purge_expired_exports() -> None:
    exports_purge_expired()
