"""Access rows for the sources API and pages (vault/testing/access_matrix.py)."""

import tempfile

from vault.sources.models import Source, SourceKind
from vault.testing.access_matrix import (
    Row,
    api_owner_coach_admin,
    expect,
    page_any_signed_in,
    page_owner_coach_admin,
)


def _athlete(world):
    return {"public_id": world.athlete.public_id}


def _folder_source(world):
    source = Source.objects.create(
        athlete=world.athlete, kind=SourceKind.WATCHED_FOLDER, config={"path": tempfile.mkdtemp()}
    )
    return {"source_id": source.pk}


def _nrc_source(world):
    source = Source(athlete=world.athlete, kind=SourceKind.NRC)
    source.secrets = {"access_token": "old-token"}
    source.save()
    return {"source_id": source.pk}


def _new_folder(world):
    return {"kind": "watched_folder", "path": tempfile.mkdtemp()}


def _page_new_folder(world):
    return {"athlete": world.athlete.public_id, "kind": "watched_folder", "path": tempfile.mkdtemp()}


ROWS = [
    Row("api:source-list", api_owner_coach_admin(200), kwargs=_athlete),
    Row("api:source-list", api_owner_coach_admin(201), method="post", kwargs=_athlete, data=_new_folder),
    Row("api:source-detail", api_owner_coach_admin(200), kwargs=_folder_source),
    Row(
        "api:source-detail",
        api_owner_coach_admin(200),
        method="patch",
        kwargs=_nrc_source,
        data=lambda world: {"token": "fresh-token", "refresh_token": "fresh-refresh-token"},
    ),
    Row("api:source-detail", api_owner_coach_admin(204), method="delete", kwargs=_folder_source),
    Row("api:source-scan", api_owner_coach_admin(202), method="post", kwargs=_folder_source),
    Row("api:source-sync", api_owner_coach_admin(202), method="post", kwargs=_nrc_source),
    Row("api:source-files", api_owner_coach_admin(200), kwargs=_folder_source),
    # Without ?athlete= the page shows the caller's own sources (or, for coaches, whose to pick).
    Row("web:sources", page_any_signed_in(200)),
    Row("web:source-add", page_owner_coach_admin(302), method="post", data=_page_new_folder),
    Row("web:source-card", page_owner_coach_admin(200), kwargs=_folder_source),
    Row("web:source-live", page_owner_coach_admin(200), kwargs=_folder_source),
    Row(
        "web:source-run", page_owner_coach_admin(302), method="post", kwargs=_folder_source, data=lambda w: {}
    ),
    Row(
        "web:source-token",
        page_owner_coach_admin(302),
        method="post",
        kwargs=_nrc_source,
        data=lambda world: {"token": "fresh-token"},
    ),
    Row(
        "web:source-remove",
        page_owner_coach_admin(302),
        method="post",
        kwargs=_folder_source,
        data=lambda w: {},
    ),
    # The callback is reached without a session (the signed state decides); without a state it is refused.
    Row(
        "web:strava-callback",
        expect(athlete=400, coach=400, other_coach=400, other_athlete=400, admin=400, anonymous=400),
    ),
    # Strava calls the webhook without a session; a GET without the verify token is refused alike for everyone.
    Row(
        "web:strava-webhook",
        expect(athlete=403, coach=403, other_coach=403, other_athlete=403, admin=403, anonymous=403),
    ),
    # Strava posts events without a session or CSRF token; a body that is no Strava event is refused alike.
    Row(
        "web:strava-webhook",
        expect(athlete=400, coach=400, other_coach=400, other_athlete=400, admin=400, anonymous=400),
        method="post",
        data=lambda world: {"not": "an event"},
    ),
    Row("web:settings", page_any_signed_in(200)),
    # Connector settings are the admin's; everyone else finds nothing to save (404).
    Row(
        "web:settings",
        expect(athlete=404, coach=404, other_coach=404, other_athlete=404, admin=302, anonymous=302),
        method="post",
        data=lambda world: {"part": "connectors", "watch_poll_seconds": "300", "sync_interval_minutes": "60"},
    ),
    # Units and time zone belong to an athlete's own profile; coaches and admin have none (404).
    Row(
        "web:settings",
        expect(athlete=302, coach=404, other_coach=404, other_athlete=302, admin=404, anonymous=302),
        method="post",
        data=lambda world: {"part": "athlete", "units": "imperial", "time_zone": "Europe/Oslo"},
    ),
]
