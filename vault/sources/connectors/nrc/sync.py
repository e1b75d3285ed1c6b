"""One Nike Run Club sync. The list only goes newest to oldest, so a sync is a pass from the newest run down
to the newest one a previous pass completed (`known_newest_ms`), or to the end of the list the first time.
The page a pass is on and the newest run it has seen are saved after every run, so an expired token or an
outage stops the pass where it is and the next sync (after a fresh token) continues it; runs already in the
file log are not fetched again.

A run whose detail stays malformed after the retries is logged as a transient error and fetched again, by id,
at the start of the next sync (the pass may have moved past it); unusable data (no series, wrong types) is
permanent and reported once. Whatever stops a whole sync goes to the card and to the file log.
"""

from __future__ import annotations

from vault.jobs.services import job_progress
from vault.sources import services
from vault.sources.connectors.nrc.client import (
    TOKEN_STEPS,
    NrcBadData,
    NrcBlocked,
    NrcClient,
    NrcError,
    NrcMalformed,
    NrcNotFound,
    NrcTokenExpired,
)
from vault.sources.connectors.nrc.recording import (
    ActivityDataError,
    canonical_bytes,
    skip_reason,
    to_recording,
)
from vault.sources.models import FileStatus, Source, SourceFileLog, SourceStatus


class SourceRemoved(Exception):
    pass


SYNC_LOG_NAME = "Nike Run Club sync"


def _stop(source: Source, status: str, reason: str) -> None:
    services.source_set_status(source=source, status=status, reason=reason)
    services.source_log_stop(source=source, name=SYNC_LOG_NAME, message=reason)


def nrc_sync(*, source: Source, job, client: NrcClient | None = None) -> None:
    secrets = source.secrets
    token = secrets.get("access_token", "")
    if not token:
        services.source_set_status(
            source=source, status=SourceStatus.RECONNECT, reason=f"no token: paste one. {TOKEN_STEPS}"
        )
        return
    client = client or NrcClient(
        token=token,
        refresh_token=secrets.get("refresh_token", ""),
        on_tokens=lambda tokens: services.source_save_secrets(source=source, secrets=tokens),
    )
    cursor = dict(source.cursor)
    known = int(cursor.get("known_newest_ms", 0))
    state = {
        "page": cursor.get("pass_before_id") or "*",
        "pass_newest_ms": int(cursor.get("pass_newest_ms", 0)),
    }
    done = 0

    def save() -> None:
        source.cursor = {
            "known_newest_ms": known,
            "pass_before_id": state["page"],
            "pass_newest_ms": state["pass_newest_ms"],
        }
        if not services.source_save_cursor(source=source):
            raise SourceRemoved

    try:
        attempted = _retry_transient(source, client)
        done += len(attempted)
        seen_cursors = set()
        resumed = state["page"] != "*"
        while True:
            try:
                body = client.list_page(state["page"])
            except NrcNotFound:
                if not resumed:
                    raise
                body = {"activities": []}
            activities = body.get("activities")
            if activities is None:
                activities = []
            if not isinstance(activities, list):
                raise NrcBadData("the activity list's field 'activities' is not a list")
            if resumed and not activities:
                # The saved cursor names a run Nike no longer knows (deleted since): the feed answers 404 or
                # an empty page. Ending the pass here would skip every older run it had not reached, so walk
                # again from the newest; runs already in the file log are not fetched again.
                resumed = False
                state["page"] = "*"
                continue
            resumed = False
            reached_known = False
            for item in activities:
                if not services.source_exists(source):
                    raise SourceRemoved
                start = item.get("start_epoch_ms") if isinstance(item, dict) else None
                if isinstance(start, int) and not isinstance(start, bool):
                    if start <= known:
                        reached_known = True
                        break
                    state["pass_newest_ms"] = max(state["pass_newest_ms"], start)
                _sync_one(source, client, item, attempted)
                done += 1
                save()
                job_progress(job=job, done=done, message=f"{done} Nike Run Club activities processed")
            paging = body.get("paging")
            next_page = paging.get("before_id") if isinstance(paging, dict) else None
            seen_cursors.add(state["page"])
            if reached_known or not activities or not isinstance(next_page, str) or not next_page:
                break
            if next_page in seen_cursors:  # a cursor that repeats would loop forever
                break
            state["page"] = next_page
            save()
    except SourceRemoved:
        job_progress(job=job, done=done, message=f"the source was removed; stopped after {done} activities")
        return
    except NrcTokenExpired as exc:
        reason = f"{exc}. {TOKEN_STEPS} The next sync continues where this one stopped."
        _stop(source, SourceStatus.RECONNECT, reason)
        job_progress(job=job, done=done, message=str(exc))
        return
    except NrcBlocked as exc:
        reason = f"{exc}; Nike may block this network. The next sync continues where this one stopped."
        _stop(source, SourceStatus.NEEDS_ATTENTION, reason)
        job_progress(job=job, done=done, message=reason)
        return
    except NrcError as exc:
        reason = f"{exc}; the next sync continues where this one stopped"
        _stop(source, SourceStatus.NEEDS_ATTENTION, reason)
        job_progress(job=job, done=done, message=reason)
        return
    finally:
        client.close()
    source.cursor = {"known_newest_ms": max(known, state["pass_newest_ms"])}
    if not services.source_save_cursor(source=source):
        return
    services.source_set_status(source=source, status=SourceStatus.ACTIVE, reason="")
    services.source_mark_synced(source=source)
    job_progress(job=job, done=done, total=done, message=f"{done} Nike Run Club activities processed")


def _log_error(source: Source, activity_id: str, problem: str, *, retry: bool = False) -> None:
    services.source_log(
        source=source,
        name=f"nrc-{activity_id}.json",
        status=FileStatus.ERROR,
        external_id=activity_id,
        message=f"Nike Run Club activity {activity_id}: {problem}; "
        + ("tried again at the next sync" if retry else "skipped"),
        retry=retry,
    )


def _retry_transient(source: Source, client: NrcClient) -> set[str]:
    """Fetch again the runs an earlier sync could not read; returns the ids tried (not fetched again below)."""
    attempted = set()
    for activity_id in services.pending_retries(source):
        attempted.add(activity_id)
        _fetch_and_import(source, client, activity_id)
        services.source_log_retried(source=source, external_id=activity_id)
    return attempted


def _fetch_and_import(source: Source, client: NrcClient, activity_id: str) -> None:
    try:
        detail = client.activity(activity_id)
    except (NrcNotFound, NrcBadData) as exc:
        _log_error(source, activity_id, str(exc), retry=isinstance(exc, NrcMalformed))
        return
    try:
        recording = to_recording(detail)
    except ActivityDataError as exc:
        _log_error(source, activity_id, str(exc))
        return
    services.source_import(
        source=source,
        data=canonical_bytes(detail),
        filename=f"nrc-{activity_id}.json",
        external_id=activity_id,
        recording=recording,
        name=recording.name or "",
        sport="running",
    )


def _sync_one(source: Source, client: NrcClient, item, attempted: set[str]) -> None:
    """Import one listed run, or log why not; only token, blocking and outage errors propagate."""
    if not isinstance(item, dict):
        services.source_log(
            source=source,
            name="Nike Run Club activity list",
            status=FileStatus.ERROR,
            message=f"an activity list entry is a {type(item).__name__}, not an object; skipped",
        )
        return
    activity_id = item.get("id")
    if not isinstance(activity_id, str) or not activity_id:
        services.source_log(
            source=source,
            name="Nike Run Club activity list",
            status=FileStatus.ERROR,
            message=f"activity list entry: field 'id' is missing or not a string ({activity_id!r}); skipped",
        )
        return
    if skip_reason(item) or activity_id in attempted:
        return
    # done: any outcome but a transient error (which is fetched again)
    if SourceFileLog.objects.filter(source=source, external_id=activity_id, retry=False).exists():
        return
    attempted.add(activity_id)  # a pass restarted from the newest run does not fetch it again
    _fetch_and_import(source, client, activity_id)
