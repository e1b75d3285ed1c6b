"""The `source_sync` job: one scan of a watched folder or one sync of Strava or NRC, with progress."""

from __future__ import annotations

from vault.jobs.registry import job_handler
from vault.jobs.services import job_progress
from vault.sources import services
from vault.sources.models import Source, SourceKind, SourceStatus
from vault.sources.selectors import SYNC_JOB_KIND


@job_handler(SYNC_JOB_KIND)
def source_sync(job) -> None:
    source = Source.objects.filter(pk=job.params.get("source_id")).select_related("athlete").first()
    if source is None:
        job_progress(job=job, done=0, message="the source was removed; nothing to do")
        return
    if source.kind == SourceKind.WATCHED_FOLDER:
        from vault.sources.connectors.folder.scan import folder_scan

        folder_scan(source=source, job=job)
    elif source.kind == SourceKind.STRAVA:
        from vault.sources.connectors.strava.sync import strava_sync

        _with_syncing_status(source, job, strava_sync)
    elif source.kind == SourceKind.NRC:
        from vault.sources.connectors.nrc.sync import nrc_sync

        _with_syncing_status(source, job, nrc_sync)


def _with_syncing_status(source: Source, job, sync) -> None:
    """The card shows "syncing" while the sync runs; the sync sets the final status (active, reconnect,
    needs attention) itself, and a crash leaves it needing attention instead of syncing forever."""
    services.source_begin_sync(source=source)
    try:
        sync(source=source, job=job)
    except Exception as exc:
        services.source_set_status(
            source=source,
            status=SourceStatus.NEEDS_ATTENTION,
            reason=f"sync failed: {type(exc).__name__}: {exc}",
        )
        raise
