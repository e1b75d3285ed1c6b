"""manage.py import (files, folders, archives; progress and summary table) and manage.py reprocess."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from vault.activities.models import Activity
from vault.activities.tests.files import gpx_bytes, gz, tcx_bytes, zip_bytes

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_files_folders_and_archives(world, tmp_path):
    folder = tmp_path / "watch"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.gpx").write_bytes(gpx_bytes())
    (folder / "sub" / "b.tcx.gz").write_bytes(gz(tcx_bytes()))
    (folder / "notes.txt").write_text("not an activity")
    single = tmp_path / "broken.fit"
    single.write_bytes(b"nope")
    archive = tmp_path / "export.zip"
    archive.write_bytes(
        zip_bytes({"activities/c.gpx": gpx_bytes(heart_rate=111), "activities/a.gpx": gpx_bytes()})
    )

    out, err = run("import", "--athlete", world.athlete.user.username, str(folder), str(single), str(archive))

    assert Activity.objects.filter(athlete=world.athlete).count() == 3
    assert "4/4" in err  # the progress bar reached the end (two found in the folder, a file, an archive)
    lines = out.splitlines()
    assert lines[0].split() == ["file", "status", "activity", "message"]
    assert any("broken.fit" in line and "error" in line for line in lines)
    assert any("activities/a.gpx" in line and "duplicate" in line for line in lines)
    assert lines[-1] == "Total: 3 imported, 1 duplicate, 1 error"
    assert not any("notes.txt" in line for line in lines)


def test_import_by_public_id_and_unknown_athlete(world, tmp_path):
    path = tmp_path / "a.gpx"
    path.write_bytes(gpx_bytes())
    world.athlete.public_id = "-starts-with-dash"  # random ids may; the --athlete=<id> form takes them
    world.athlete.save(update_fields=["public_id"])
    out, _ = run("import", f"--athlete={world.athlete.public_id}", "--no-progress", str(path))
    assert out.splitlines()[-1] == "Total: 1 imported"
    with pytest.raises(CommandError, match="nobody: no athlete"):
        run("import", "--athlete", "nobody", str(path))
    with pytest.raises(CommandError, match=r"missing\.gpx: no such file"):
        run("import", f"--athlete={world.athlete.public_id}", str(tmp_path / "missing.gpx"))


def test_reprocess_recomputes_summaries(world, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "b.tcx"
    path.write_bytes(tcx_bytes())
    run("import", f"--athlete={world.athlete.public_id}", "--no-progress", str(path))
    activity = Activity.objects.get()
    computed = activity.summary
    Activity.objects.update(summary={})

    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run("reprocess", "--athlete", world.athlete.user.username)

    assert out.strip() == "Reprocessed 1 activities."
    activity.refresh_from_db()
    assert activity.summary == computed
    with pytest.raises(CommandError, match="ghost: no athlete"):
        run("reprocess", "--athlete", "ghost")


def test_admin_action_reprocesses_selected_activities(client, world, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from vault.activities.services import activity_import
    from vault.activities.tests.files import tcx_bytes

    activity = activity_import(athlete=world.athlete, data=tcx_bytes(), filename="b.tcx").activity
    computed = activity.summary
    Activity.objects.update(summary={})
    client.force_login(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:activities_activity_changelist"),
            {"action": "reprocess_activities", "_selected_action": [activity.pk]},
            follow=True,
        )
    assert "Reprocessed 1 activities." in response.content.decode()
    activity.refresh_from_db()
    assert activity.summary == computed


def test_import_of_a_file_over_the_limit_is_an_error_with_a_record(world, tmp_path, settings):
    from vault.activities.models import ImportRecord

    settings.MAX_UPLOAD_MB = 1
    big = tmp_path / "big.gpx"
    big.write_bytes(b" " * (1024 * 1024 + 1))
    (tmp_path / "ok.gpx").write_bytes(gpx_bytes())
    out, _ = run("import", "--athlete", world.athlete.user.username, "--no-progress", str(tmp_path))
    assert out.splitlines()[-1] == "Total: 1 imported, 1 error"
    assert any("big.gpx: more than the 1 MB limit" in line for line in out.splitlines())
    record = ImportRecord.objects.get(name="big.gpx")
    assert (record.status, record.source_kind) == ("error", "cli") and not Activity.objects.filter(
        original_filename="big.gpx"
    ).exists()
