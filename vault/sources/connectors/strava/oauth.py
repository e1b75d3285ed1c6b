"""Connecting Strava: the authorize URL with a signed single-use `state`, and the callback that checks it,
exchanges the code and stores the tokens encrypted. The state, not the browser session, names the source, so
a script or a phone can connect too."""

from __future__ import annotations

import secrets

from django.core import signing
from django.db import transaction

from vault.sources import selectors, services
from vault.sources.connectors.strava.client import StravaClient, StravaError
from vault.sources.models import Source, SourceKind, SourceStatus

STATE_SALT = "vault.sources.strava.oauth-state"
STATE_MAX_AGE_S = 3600
REQUESTED_SCOPE = "read,activity:read_all"


class ConnectError(Exception):
    """The callback cannot connect the source; the message says why."""


def client_for(source: Source | None = None, **kwargs) -> StravaClient:
    """A client with the configured credentials and, for a source, its tokens; refreshed tokens (Strava
    rotates refresh tokens) are stored back encrypted at once."""
    client_id, client_secret = selectors.strava_credentials()
    if not (client_id and client_secret):
        raise StravaError("Strava is not set up: enter the Client ID and Client Secret on the Settings page")
    if source is None:
        return StravaClient(client_id=client_id, client_secret=client_secret, **kwargs)
    return StravaClient(
        client_id=client_id,
        client_secret=client_secret,
        tokens=source.secrets,
        on_tokens=lambda tokens: services.source_save_secrets(source=source, secrets=tokens),
        **kwargs,
    )


def strava_authorize_url(*, source: Source, redirect_uri: str) -> str:
    """A fresh authorize URL; its state is valid once, for an hour, and only for this source."""
    source.oauth_nonce = secrets.token_urlsafe(18)
    source.save(update_fields=["oauth_nonce"])
    state = signing.dumps({"source": source.pk, "nonce": source.oauth_nonce}, salt=STATE_SALT)
    # After a consent that left scopes unticked, "auto" would have Strava grant the same too-small set again
    # without asking; force shows the consent screen so the athlete can tick them this time.
    granted = source.config.get("scopes")
    force = granted is not None and scope_problem(set(granted)) is not None
    return client_for().authorize_url(
        redirect_uri=redirect_uri, state=state, scope=REQUESTED_SCOPE, force=force
    )


def scope_problem(granted: set[str]) -> tuple[str, str] | None:
    """(status, reason) when the granted scopes are not enough; None when they are."""
    if not granted & {"activity:read", "activity:read_all"}:
        return (
            SourceStatus.RECONNECT,
            "missing scope activity:read_all: Strava granted only "
            + (", ".join(sorted(granted)) or "nothing")
            + ". Connect again and leave 'View data about your activities' ticked.",
        )
    if "activity:read_all" not in granted:
        return (
            SourceStatus.ACTIVE,
            "missing scope activity:read_all: activities visible only to you will not sync. Connect again and "
            "tick 'View data about your private activities' to include them.",
        )
    return None


def strava_connect(*, state: str, code: str = "", scope: str = "", error: str = "") -> Source:
    """Finish the OAuth round trip. Raises ConnectError for a bad, expired or reused state."""
    try:
        payload = signing.loads(state or "", salt=STATE_SALT, max_age=STATE_MAX_AGE_S)
    except signing.SignatureExpired:
        raise ConnectError("this Strava authorisation link has expired; press Connect Strava again") from None
    except signing.BadSignature:
        raise ConnectError("the Strava authorisation answer is not valid (bad state)") from None
    with transaction.atomic():
        source = (
            Source.objects.select_for_update()
            .filter(pk=payload.get("source"), kind=SourceKind.STRAVA)
            .first()
        )
        if source is None or not source.oauth_nonce or source.oauth_nonce != payload.get("nonce"):
            raise ConnectError("this Strava authorisation link was already used; press Connect Strava again")
        source.oauth_nonce = ""  # single use, whatever happens next
        source.save(update_fields=["oauth_nonce"])
    if error:
        reason = f"Strava authorisation was not granted ({error})"
        if error == "access_denied":
            reason += ": you pressed Cancel on Strava's page. Press Connect Strava and Authorize to connect."
        _refused(source, reason)
        return source
    granted = {part.strip() for part in scope.split(",") if part.strip()}
    try:
        answer = client_for(source).exchange_code(code)
    except StravaError as exc:
        _refused(source, str(exc))
        return source
    athlete = answer.get("athlete") if isinstance(answer.get("athlete"), dict) else {}
    source.config = {**source.config, "scopes": sorted(granted), "strava_athlete_id": athlete.get("id")}
    Source.objects.filter(pk=source.pk).update(config=source.config)
    problem = scope_problem(granted)
    status, reason = problem or (SourceStatus.ACTIVE, "")
    services.source_set_status(source=source, status=status, reason=reason)
    if status == SourceStatus.ACTIVE:
        services.source_sync_start(source=source, owner=source.created_by)
    return source


def _refused(source: Source, reason: str) -> None:
    """The card asks to reconnect and says why; the file log keeps it too (issue §9: card and log)."""
    services.source_set_status(source=source, status=SourceStatus.RECONNECT, reason=reason)
    services.source_log_stop(source=source, name="Strava authorisation", message=reason)
