"""Sources API and services: connecting, validation with reasons, secrets, file log, scan/sync, removal."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from vault.activities.models import Activity
from vault.jobs.models import Job
from vault.sources import crypto, services
from vault.sources.models import ConnectorSettings, Source, SourceFileLog, SourceKind, SourceStatus
from vault.sources.tests.files import gpx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(api_client, world):
    api_client.force_authenticate(world.athlete.user)
    return api_client


def _sources_url(world):
    return reverse("api:source-list", kwargs={"public_id": world.athlete.public_id})


def test_folder_source_is_created_and_scanned_at_once(
    signed_in, world, tmp_path, django_capture_on_commit_callbacks
):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "morning.gpx").write_bytes(gpx_bytes(1))
    (tmp_path / "notes.txt").write_text("not an activity")
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            _sources_url(world), {"kind": "watched_folder", "path": str(tmp_path)}, format="json"
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "watched_folder" and body["path"] == str(tmp_path) and body["status"] == "active"
    files = signed_in.get(reverse("api:source-files", kwargs={"source_id": body["id"]})).json()
    assert [(f["name"], f["status"]) for f in files["results"]] == [("sub/morning.gpx", "imported")]
    assert Activity.objects.get(pk=files["results"][0]["activity"]).athlete == world.athlete
    detail = signed_in.get(reverse("api:source-detail", kwargs={"source_id": body["id"]})).json()
    assert detail["counts"] == {"imported": 1, "duplicate": 0, "error": 0}
    assert detail["last_sync_at"] is not None


@pytest.mark.parametrize(
    ("make_path", "reason"),
    [
        (lambda tmp: str(tmp / "absent"), "does not exist"),
        (lambda tmp: str(tmp / "file.gpx"), "is not a directory"),
        (lambda tmp: "relative/path", "is not a full path"),
        (lambda tmp: "", "enter the full path of a folder"),
    ],
)
def test_bad_folder_paths_are_refused_with_the_reason(signed_in, world, tmp_path, make_path, reason):
    (tmp_path / "file.gpx").write_bytes(gpx_bytes())
    response = signed_in.post(
        _sources_url(world), {"kind": "watched_folder", "path": make_path(tmp_path)}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert reason in " ".join(error["fields"]["path"])
    assert not Source.objects.exists()


def test_unreadable_folder_is_refused(signed_in, world, tmp_path, monkeypatch):
    # Tests run as root, for whom permission bits do not apply: make listing this folder fail as it would.
    real_scandir = os.scandir

    def scandir(path):
        if str(path) == str(tmp_path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    response = signed_in.post(
        _sources_url(world), {"kind": "watched_folder", "path": str(tmp_path)}, format="json"
    )
    assert response.status_code == 400
    assert "cannot be read (permission denied)" in response.json()["error"]["fields"]["path"][0]


def test_several_folders_per_athlete_but_not_the_same_twice(signed_in, world, tmp_path):
    (tmp_path / "watch").mkdir()
    (tmp_path / "phone").mkdir()
    for name in ("watch", "phone"):
        assert (
            signed_in.post(
                _sources_url(world), {"kind": "watched_folder", "path": str(tmp_path / name)}, format="json"
            ).status_code
            == 201
        )
    again = signed_in.post(
        _sources_url(world), {"kind": "watched_folder", "path": str(tmp_path / "watch") + "/"}, format="json"
    )
    assert again.status_code == 400
    assert "already watched" in again.json()["error"]["fields"]["path"][0]
    listed = signed_in.get(_sources_url(world)).json()
    assert listed["count"] == 2 and {s["path"] for s in listed["results"]} == {
        str(tmp_path / "watch"),
        str(tmp_path / "phone"),
    }


def test_nrc_token_is_encrypted_and_never_answered(
    signed_in, world, django_capture_on_commit_callbacks, settings
):
    settings.NRC_BASE_URL = "http://127.0.0.1:9"  # nothing listens: the first sync fails, the token stays
    response = signed_in.post(
        _sources_url(world), {"kind": "nrc", "token": "eyJhbGciOi.secret-token.sig"}, format="json"
    )
    assert response.status_code == 201
    assert "secret-token" not in response.content.decode()
    source = Source.objects.get()
    assert "secret-token" not in source.secrets_encrypted
    assert source.secrets == {"access_token": "eyJhbGciOi.secret-token.sig"}
    missing = signed_in.post(_sources_url(world), {"kind": "nrc", "token": " "}, format="json")
    assert (
        missing.status_code == 400
        and "paste the access token" in missing.json()["error"]["fields"]["token"][0]
    )


def test_nrc_takes_an_optional_refresh_token_on_connecting_and_on_a_fresh_token(signed_in, world, settings):
    settings.NRC_BASE_URL = "http://127.0.0.1:9"  # nothing listens: the first sync fails, the tokens stay
    response = signed_in.post(
        _sources_url(world),
        {"kind": "nrc", "token": "access-1", "refresh_token": " refresh-secret-1 "},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert "refresh-secret" not in response.content.decode()  # written, never answered
    source = Source.objects.get()
    assert "refresh-secret" not in source.secrets_encrypted
    assert source.secrets == {"access_token": "access-1", "refresh_token": "refresh-secret-1"}
    detail = reverse("api:source-detail", kwargs={"source_id": source.pk})
    answer = signed_in.patch(
        detail, {"token": "access-2", "refresh_token": "refresh-secret-2"}, format="json"
    )
    assert answer.status_code == 200 and "refresh-secret" not in answer.content.decode()
    source.refresh_from_db()
    assert source.secrets == {"access_token": "access-2", "refresh_token": "refresh-secret-2"}
    # a fresh token pasted alone replaces both, as on the page: an old refresh token belongs to the old one
    assert signed_in.patch(detail, {"token": "access-3"}, format="json").status_code == 200
    source.refresh_from_db()
    assert source.secrets == {"access_token": "access-3"}


def test_strava_needs_credentials_first(signed_in, world, settings):
    settings.STRAVA_CLIENT_ID = settings.STRAVA_CLIENT_SECRET = ""
    response = signed_in.post(_sources_url(world), {"kind": "strava"}, format="json")
    assert response.status_code == 400
    assert "Settings page" in response.json()["error"]["fields"]["kind"][0]


def test_strava_answers_an_authorize_url_with_a_fresh_state(signed_in, world, settings):
    settings.STRAVA_CLIENT_ID, settings.STRAVA_CLIENT_SECRET = "4242", "env-secret"
    settings.STRAVA_BASE_URL = "https://strava.example.test"
    first = signed_in.post(_sources_url(world), {"kind": "strava"}, format="json").json()
    second = signed_in.post(_sources_url(world), {"kind": "strava"}, format="json").json()
    assert first["id"] == second["id"] and first["status"] == "reconnect"
    assert first["authorize_url"].startswith("https://strava.example.test/oauth/authorize?client_id=4242&")
    assert "scope=read%2Cactivity%3Aread_all" in first["authorize_url"]
    assert "%2Fsources%2Fstrava%2Fcallback%2F" in first["authorize_url"]
    assert first["authorize_url"] != second["authorize_url"]  # each answer carries a new single-use state


def test_scan_and_sync_answer_a_job_and_refuse_the_wrong_action(signed_in, world, tmp_path):
    folder = Source.objects.create(
        athlete=world.athlete, kind=SourceKind.WATCHED_FOLDER, config={"path": str(tmp_path)}
    )
    answer = signed_in.post(reverse("api:source-scan", kwargs={"source_id": folder.pk}))
    assert answer.status_code == 202
    job = Job.objects.get(pk=answer.json()["job"])
    assert job.kind == "source_sync" and job.params == {"source_id": folder.pk, "action": "scan"}
    # a second press while it is queued answers the same job instead of starting another
    assert signed_in.post(reverse("api:source-scan", kwargs={"source_id": folder.pk})).json()["job"] == job.pk
    wrong = signed_in.post(reverse("api:source-sync", kwargs={"source_id": folder.pk}))
    assert wrong.status_code == 400 and "updated with scan" in wrong.json()["error"]["fields"]["action"][0]


def test_file_log_is_newest_first_with_every_field(signed_in, world, tmp_path):
    source = Source.objects.create(
        athlete=world.athlete, kind=SourceKind.WATCHED_FOLDER, config={"path": str(tmp_path)}
    )
    for name, status in (("a.fit", "imported"), ("b.fit", "duplicate"), ("c.fit", "error")):
        services.source_log(source=source, name=name, status=status, message=f"{name}: {status}")
    services.source_log(
        source=source, name="strava-1.json", status="error", message="malformed", external_id="1", retry=True
    )
    rows = signed_in.get(reverse("api:source-files", kwargs={"source_id": source.pk})).json()["results"]
    assert [r["name"] for r in rows] == ["strava-1.json", "c.fit", "b.fit", "a.fit"]
    assert set(rows[0]) >= {"name", "status", "message", "activity", "external_id", "retry", "at"}
    # retry: a transient failure the next sync fetches again; every other entry is final
    assert [r["retry"] for r in rows] == [True, False, False, False]


def test_removing_a_source_keeps_its_activities(
    signed_in, world, tmp_path, django_capture_on_commit_callbacks
):
    (tmp_path / "run.gpx").write_bytes(gpx_bytes(2))
    with django_capture_on_commit_callbacks(execute=True):
        source_id = signed_in.post(
            _sources_url(world), {"kind": "watched_folder", "path": str(tmp_path)}, format="json"
        ).json()["id"]
    assert Activity.objects.filter(athlete=world.athlete).count() == 1
    assert signed_in.delete(reverse("api:source-detail", kwargs={"source_id": source_id})).status_code == 204
    assert not Source.objects.exists() and not SourceFileLog.objects.exists()
    assert Activity.objects.filter(athlete=world.athlete).count() == 1


def test_nrc_token_can_be_replaced_and_other_kinds_refuse_a_token(signed_in, world, tmp_path):
    nrc = Source(
        athlete=world.athlete,
        kind=SourceKind.NRC,
        status=SourceStatus.RECONNECT,
        status_reason="token expired",
    )
    nrc.secrets = {"access_token": "old"}
    nrc.save()
    answer = signed_in.patch(
        reverse("api:source-detail", kwargs={"source_id": nrc.pk}), {"token": "new"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["status"] == "active"
    nrc.refresh_from_db()
    assert nrc.secrets == {"access_token": "new"}
    folder = Source.objects.create(
        athlete=world.athlete, kind=SourceKind.WATCHED_FOLDER, config={"path": str(tmp_path)}
    )
    refused = signed_in.patch(
        reverse("api:source-detail", kwargs={"source_id": folder.pk}), {"token": "x"}, format="json"
    )
    assert refused.status_code == 400


def test_connector_settings_keep_the_secret_encrypted_and_win_over_the_environment(db, settings):
    from vault.sources import selectors

    settings.STRAVA_CLIENT_ID, settings.STRAVA_CLIENT_SECRET = "1", "env"
    assert selectors.strava_credentials() == ("1", "env")
    services.connector_settings_update(strava_client_id="777", strava_client_secret="s3cr3t-value")
    stored = ConnectorSettings.objects.get()
    assert "s3cr3t" not in stored.strava_client_secret_encrypted
    assert selectors.strava_credentials() == ("777", "s3cr3t-value")
    services.connector_settings_update(
        strava_client_id="777", strava_client_secret=""
    )  # empty keeps the secret
    assert selectors.strava_credentials() == ("777", "s3cr3t-value")
    assert crypto.mask("s3cr3t-value") == "••••••••alue"
    with pytest.raises(Exception) as bad:
        services.connector_settings_update(strava_client_id="abc", sync_interval_minutes=1)
    assert set(bad.value.message_dict) == {"strava_client_id", "sync_interval_minutes"}


def test_secrets_written_with_another_key_are_reported_not_crashed(db, settings, world):
    source = Source(athlete=world.athlete, kind=SourceKind.NRC)
    source.secrets = {"access_token": "t"}
    settings.SECRET_KEY = "a-different-key-altogether-0123456789"
    with pytest.raises(crypto.SecretUnreadable, match="enter it again"):
        source.secrets
