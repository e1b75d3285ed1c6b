"""Strava's push subscription (specs/strava.md §12), for deployments Strava can reach: the subscription
challenge, and events. An activity event starts a sync of that athlete's connection (the event itself is not
trusted: it carries no signature, so the sync re-fetches); a deauthorisation puts the card in "reconnect"."""

from __future__ import annotations

from django.utils.crypto import constant_time_compare, salted_hmac

from vault.sources import services
from vault.sources.models import Source, SourceKind, SourceStatus


def verify_token() -> str:
    """The verify_token to give Strava when creating the subscription (derived from SECRET_KEY)."""
    return salted_hmac("vault.sources.strava.webhook", "verify-token").hexdigest()[:32]


def challenge_answer(*, mode: str, token: str, challenge: str) -> dict | None:
    """{"hub.challenge": ...} for a genuine subscription check; None for anything else."""
    if mode != "subscribe" or not challenge or not constant_time_compare(token or "", verify_token()):
        return None
    return {"hub.challenge": challenge}


class EventError(ValueError):
    pass


def handle_event(event) -> str:
    """Act on one event; returns what was done (for the log). Raises EventError for a malformed body."""
    if not isinstance(event, dict):
        raise EventError("the event is not a JSON object")
    object_type, aspect, owner = event.get("object_type"), event.get("aspect_type"), event.get("owner_id")
    if object_type not in ("activity", "athlete") or not isinstance(owner, int) or isinstance(owner, bool):
        raise EventError("the event lacks object_type (activity or athlete) or an integer owner_id")
    sources = list(Source.objects.filter(kind=SourceKind.STRAVA, config__strava_athlete_id=owner))
    updates = event.get("updates") if isinstance(event.get("updates"), dict) else {}
    if object_type == "athlete" and str(updates.get("authorized", "")).lower() == "false":
        for source in sources:
            services.source_save_secrets(source=source, secrets={})
            services.source_set_status(
                source=source,
                status=SourceStatus.RECONNECT,
                reason="access was revoked on Strava (deauthorised): connect Strava again to keep syncing",
            )
        return f"deauthorised {len(sources)} connection(s)"
    if object_type == "activity" and aspect in ("create", "update"):
        started = [
            services.source_sync_start(source=s, owner=s.created_by)
            for s in sources
            if s.status in (SourceStatus.ACTIVE, SourceStatus.NEEDS_ATTENTION)
        ]
        return f"sync started for {len(started)} connection(s)"
    return "nothing to do"
