"""Import of a full export: the round trip, and refusal of damaged archives with nothing written."""

import csv
import datetime as dt
import hashlib
import io
import json
import re
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from vault.accounts.models import AthleteProfile, User
from vault.activities.models import Activity, ImportRecord, StoredOriginal
from vault.calculators.assessments import assessment_record
from vault.calculators.models import Assessment, CalculatorResult, LoadOverride, LoadOverrideChange, Race
from vault.coaching.models import ActivityComment, CoachNote, WellnessEntry
from vault.exports.importer import ImportRefused, export_import
from vault.exports.tests.builders import fill_athlete, imported, stored_files
from vault.exports.zipexport import athlete_export_stream, roster_export_stream
from vault.metrics.models import MetricHistory
from vault.testing.personas import make_athlete

pytestmark = pytest.mark.django_db

ROW_MODELS = (
    User,
    AthleteProfile,
    Activity,
    StoredOriginal,
    ImportRecord,
    Race,
    CalculatorResult,
    MetricHistory,
    WellnessEntry,
    CoachNote,
    ActivityComment,
    Assessment,
    LoadOverride,
    LoadOverrideChange,
)
# Internal ids in CSV text: a suggestion's activity, and the test an assessment's metric entries name.
_INTERNAL_ID = re.compile(rb"activity:\d+|(?<= test)(?: \(20 min\))? #\d+(?= on )")


def _export(user, athlete) -> bytes:
    return b"".join(athlete_export_stream(user, athlete))


def _empty_the_database() -> None:
    """Everything the export came from goes, as in a fresh instance (stored files included)."""
    for name in list(StoredOriginal.objects.values_list("name", flat=True)):
        default_storage.delete(name)
    User.objects.all().delete()
    StoredOriginal.objects.all().delete()


def _contents(archive_bytes: bytes) -> dict[str, object]:
    """Each file of an archive by path, with export-time stamps and internal ids aside."""
    archive = zipfile.ZipFile(io.BytesIO(archive_bytes))
    contents: dict[str, object] = {}
    for name in archive.namelist():
        data = archive.read(name)
        if name == "manifest.json":
            manifest = json.loads(data)
            for stamp in ("exported_at", "exported_by", "files"):
                manifest.pop(stamp)
            contents[name] = manifest
        elif name.endswith(".csv"):
            contents[name] = list(
                csv.reader(io.StringIO(_INTERNAL_ID.sub(b"activity:#", data).decode("utf-8-sig")))
            )
        else:
            contents[name] = hashlib.sha256(data).hexdigest()
    return contents


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ROW_MODELS}


def test_export_import_export_gives_the_same_archive(world, tmp_path):
    fill_athlete(world)
    first = _export(world.admin, world.athlete)
    summaries = {a.sha256: a.summary for a in Activity.objects.all()}
    exported_assessment_id = Assessment.objects.get().pk
    _empty_the_database()
    admin = User.objects.create_user("admin_new", role="admin", is_superuser=True)
    someone = make_athlete("someone_else")
    assessment_record(athlete=someone, kind="ftp_test", inputs={"power_20min_w": 200}, created_by=admin)

    path = tmp_path / "ana.zip"
    path.write_bytes(first)
    out = io.StringIO()
    call_command("import_export", str(path), stdout=out)
    assert "Imported Ana Athlete as ana_athlete" in out.getvalue()

    athlete = AthleteProfile.objects.get(user__username="ana_athlete")
    assert not athlete.user.has_usable_password()
    assert {a.sha256: a.summary for a in Activity.objects.filter(athlete=athlete)} == summaries
    coach = User.objects.get(username="coach_carla")
    assert coach.role == "coach" and not coach.is_active  # a stand-in author, who cannot sign in
    second = _export(admin, athlete)
    before, after = _contents(first), _contents(second)
    assert sorted(before) == sorted(after)
    for name in before:
        assert before[name] == after[name], name

    # the tables added later came back too, linked as they were
    ride = Activity.objects.get(athlete=athlete, original_filename="ride.tcx")
    assert (ride.sub_sport, ride.trainer) == ("indoor_cycling", True)
    override = LoadOverride.objects.get(activity__athlete=athlete)
    assert (override.load, override.note, override.set_by) == (85.0, "felt harder than it scored", coach)
    assert list(
        LoadOverrideChange.objects.filter(activity__athlete=athlete)
        .order_by("changed_at", "id")
        .values_list("new_load", "changed_by__username")
    ) == [(85.0, "coach_carla"), (40.0, "ana_athlete"), (None, "coach_carla")]
    assessment = Assessment.objects.get(athlete=athlete)
    assert (assessment.kind, assessment.notes, assessment.outputs["ftp_w"]) == (
        "ftp_test",
        "on the trainer",
        242.25,
    )
    # its metric entry names the recreated test (another id here: a test was made before the import)
    assert assessment.pk != exported_assessment_id
    assert MetricHistory.objects.filter(athlete=athlete, source_detail=assessment.source_detail).count() == 1


def _roster_contents(archive_bytes: bytes) -> dict[str, dict[str, object]]:
    """Per athlete folder, its files' contents as _contents gives them."""
    archive = zipfile.ZipFile(io.BytesIO(archive_bytes))
    by_folder: dict[str, dict[str, object]] = {}
    for folder in {name.split("/")[0] for name in archive.namelist()}:
        inner = io.BytesIO()
        with zipfile.ZipFile(inner, "w") as single:
            for name in archive.namelist():
                if name.startswith(folder + "/"):
                    single.writestr(name.removeprefix(folder + "/"), archive.read(name))
        by_folder[folder] = _contents(inner.getvalue())
    return by_folder


def test_the_demo_athletes_survive_a_roster_export_and_import(db, tmp_path):
    call_command("demo", password="demo-password-1", stdout=io.StringIO())
    admin = User.objects.get(username="admin")
    first = b"".join(roster_export_stream(admin, AthleteProfile.objects.order_by("name", "pk")))
    _empty_the_database()

    path = tmp_path / "demo-roster.zip"
    path.write_bytes(first)
    out = io.StringIO()
    call_command("import_export", str(path), stdout=out)
    assert out.getvalue().count("Imported ") == 3

    new_admin = User.objects.create_user("admin_new", role="admin", is_superuser=True)
    second = b"".join(roster_export_stream(new_admin, AthleteProfile.objects.order_by("name", "pk")))
    before, after = _roster_contents(first), _roster_contents(second)
    assert sorted(before) == sorted(after) and len(before) == 3
    for files in before.values():  # a year of history, results and a planned race each
        manifest = files["manifest.json"]
        assert manifest["metrics"] and manifest["calculator_results"] and manifest["races"]
        # and the conversation of issue 6: a flagged wellness log, shared and private notes, threads
        assert len(manifest["wellness"]) >= 14
        assert {(n["visible_to_athlete"], n["concerning"]) for n in manifest["coach_notes"]} >= {
            (True, False),
            (False, False),
        }
        assert manifest["comments"] and manifest["activities"]
    concerning = [
        n for files in before.values() for n in files["manifest.json"]["coach_notes"] if n["concerning"]
    ]
    assert len(concerning) == 1
    for folder, files in before.items():
        assert sorted(files) == sorted(after[folder]), folder
        for name in files:
            assert files[name] == after[folder][name], f"{folder}/{name}"


def test_import_under_another_username_and_roster_exports(world):
    fill_athlete(world)
    roster = b"".join(roster_export_stream(world.coach, [world.athlete, world.other_athlete]))
    single = _export(world.coach, world.athlete)
    [result] = export_import(fileobj=io.BytesIO(single), archive_name="a.zip", athlete_username="ana_two")
    assert result.athlete.user.username == "ana_two" and result.counts["activities"] == 3
    assert result.athlete.public_id != world.athlete.public_id  # taken here, so a new one
    with pytest.raises(ImportRefused, match="'ana_athlete' already exists here"):
        export_import(fileobj=io.BytesIO(roster), archive_name="roster.zip")
    User.objects.filter(username__in=["ana_athlete", "oscar_other"]).delete()
    names = {r.athlete.user.username for r in export_import(fileobj=io.BytesIO(roster), archive_name="r.zip")}
    assert names == {"ana_athlete", "oscar_other"}


def _rewritten(archive_bytes: bytes, change) -> bytes:
    """A copy of the archive with `change(entries)` applied to its {name: bytes}."""
    source = zipfile.ZipFile(io.BytesIO(archive_bytes))
    entries = {name: source.read(name) for name in source.namelist()}
    change(entries)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name, data in entries.items():
            target.writestr(name, data)
    return buffer.getvalue()


def _manifest_change(edit):
    def change(entries):
        manifest = json.loads(entries["manifest.json"])
        edit(manifest)
        entries["manifest.json"] = json.dumps(manifest).encode()

    return change


def _damage_original(entries):
    entries["originals/2026/run.gpx"] = entries["originals/2026/run.gpx"].replace(
        b"Morning run", b"Evening run"
    )


def _bad_hash_in_manifest(manifest):
    manifest["files"]["csv/wellness.csv"]["sha256"] = "0" * 64


BAD_ARCHIVES = [
    pytest.param(_damage_original, "originals/2026/run.gpx is damaged: its SHA-256 is", id="wrong-hash"),
    pytest.param(
        _manifest_change(_bad_hash_in_manifest), "csv/wellness.csv is damaged", id="wrong-hash-listed"
    ),
    pytest.param(
        lambda entries: entries.pop("streams/2025/ride.tcx.csv"),
        "streams/2025/ride.tcx.csv is listed in the manifest but missing from the archive",
        id="missing-file",
    ),
    pytest.param(
        lambda entries: entries.pop("manifest.json"), "no manifest.json found", id="missing-manifest"
    ),
    pytest.param(
        _manifest_change(lambda m: m.update(schema_version=99)),
        "schema version 99, newer than the 1 this instance reads",
        id="newer-schema",
    ),
    pytest.param(
        lambda entries: entries.update({"../../etc/evil": b"x"}),
        "entry '../../etc/evil' points outside the archive",
        id="entry-outside",
    ),
    pytest.param(
        _manifest_change(lambda m: m["files"].update({"/etc/passwd": {"sha256": "0" * 64}})),
        "the manifest names '/etc/passwd', a path outside the archive",
        id="manifest-path-outside",
    ),
    pytest.param(
        lambda entries: entries.update({"extra/unlisted.txt": b"hello"}),
        "extra/unlisted.txt is in the archive but not in its manifest",
        id="unlisted-file",
    ),
    pytest.param(
        lambda entries: entries.update({"manifest.json": b"{not json"}),
        "manifest.json is not valid JSON",
        id="broken-manifest",
    ),
    pytest.param(
        _manifest_change(lambda m: m.pop("metrics")),
        "manifest.json lacks 'metrics'",
        id="manifest-without-metrics",
    ),
]


@pytest.mark.parametrize(("change", "message"), BAD_ARCHIVES)
def test_a_damaged_archive_is_refused_with_nothing_written(world, change, message):
    fill_athlete(world)
    damaged = _rewritten(_export(world.coach, world.athlete), change)
    User.objects.filter(username="ana_athlete").delete()  # so the name would be free
    before = _counts()
    with pytest.raises(ImportRefused, match=re.escape(message)) as refused:
        export_import(fileobj=io.BytesIO(damaged), archive_name="ana.zip")
    assert str(refused.value).startswith("ana.zip: ") and str(refused.value).endswith("nothing was imported")
    assert _counts() == before


def test_a_value_the_instance_refuses_rolls_back_everything(world):
    fill_athlete(world)

    def bad_wellness(manifest):
        manifest["wellness"][0]["mood"] = 42

    archive = _rewritten(_export(world.coach, world.athlete), _manifest_change(bad_wellness))
    User.objects.filter(username="ana_athlete").delete()
    before, stored = _counts(), stored_files()
    with pytest.raises(ImportRefused, match=r"refuses.*mood"):
        export_import(fileobj=io.BytesIO(archive), archive_name="ana.zip")
    assert _counts() == before
    assert stored_files() == stored  # the streams the activities got before the refusal are gone again


def test_not_a_zip_and_a_missing_file_are_clear_command_errors(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"this is no zip")
    with pytest.raises(CommandError, match=re.escape("junk.zip: not a readable zip archive")):
        call_command("import_export", str(junk))
    with pytest.raises(CommandError, match=re.escape("nowhere.zip: no such file")):
        call_command("import_export", str(tmp_path / "nowhere.zip"))


def test_activities_from_strava_and_nrc_come_back_from_their_json_originals(world):
    from vault.sources.connectors.nrc import recording as nrc
    from vault.sources.connectors.strava import recording as strava
    from vault.sources.tests.fakes.nrc import make_run
    from vault.sources.tests.fakes.strava import make_activity

    start = dt.datetime(2026, 1, 5, 6, 0, tzinfo=dt.UTC)
    summary, streams = make_activity(7, start, sport_type="Ride", samples=30)
    keyed = {k: {"data": v} for k, v in streams.items()}
    run = make_run(start + dt.timedelta(days=1), activity_id="nrc-run-1")
    sources = [
        (
            strava.canonical_bytes(summary, keyed),
            strava.to_recording(summary, keyed),
            "strava-7.json",
            "strava",
            "7",
        ),
        (nrc.canonical_bytes(run), nrc.to_recording(run), "nrc-nrc-run-1.json", "nrc", "nrc-run-1"),
    ]
    for data, recording, filename, kind, external_id in sources:
        imported(
            world.athlete, data, filename, recording=recording, source_kind=kind, external_id=external_id
        )
    before = {a.sha256: (a.summary, a.source_kind, a.external_id) for a in world.athlete.activities.all()}
    archive = _export(world.athlete.user, world.athlete)
    [result] = export_import(
        fileobj=io.BytesIO(archive), archive_name="ana.zip", athlete_username="ana_again"
    )
    after = {a.sha256: (a.summary, a.source_kind, a.external_id) for a in result.athlete.activities.all()}
    assert after == before and len(after) == 2


def _drop_author(manifest):
    manifest["coach_notes"][1]["author"] = None


def _empty_comment(manifest):
    manifest["comments"][0]["body"] = ""


def _comment_on_nothing(manifest):
    manifest["comments"][1]["activity"] = "0" * 64


def _note_in_a_strange_domain(manifest):
    manifest["coach_notes"][0]["domain"] = "ski"


def _load_override_not_a_number(manifest):
    manifest["load_overrides"][0]["load"] = "heavy"


def _assessment_without_a_day(manifest):
    del manifest["assessments"][0]["tested_on"]


def _wellness_row_not_an_object(manifest):
    manifest["wellness"][1] = "2026-03-02"


MALFORMED_ROWS = [
    pytest.param(
        _drop_author,
        "manifest.json coach_notes row 2 holds a value this instance refuses (author:",
        id="note-author",
    ),
    pytest.param(
        _empty_comment,
        "manifest.json comments row 1 holds a value this instance refuses (body:",
        id="empty-comment",
    ),
    pytest.param(
        _comment_on_nothing,
        "manifest.json comments row 2 is malformed (ValueError: it names an activity",
        id="comment-activity",
    ),
    pytest.param(
        _note_in_a_strange_domain,
        "manifest.json coach_notes row 1 holds a value this instance refuses (domain:",
        id="note-domain",
    ),
    pytest.param(
        _load_override_not_a_number,
        "manifest.json load_overrides row 1 holds a value this instance refuses (load:",
        id="load",
    ),
    pytest.param(
        _assessment_without_a_day,
        "manifest.json assessments row 1 is malformed (KeyError: 'tested_on')",
        id="assessment",
    ),
    pytest.param(
        _wellness_row_not_an_object,
        "manifest.json wellness row 2 is malformed (TypeError: a row is not a JSON object)",
        id="wellness-row",
    ),
]


@pytest.mark.parametrize(("edit", "message"), MALFORMED_ROWS)
def test_a_malformed_row_is_refused_naming_the_file_and_row_with_nothing_written(world, edit, message):
    fill_athlete(world)
    archive = _rewritten(_export(world.coach, world.athlete), _manifest_change(edit))
    User.objects.filter(username="ana_athlete").delete()
    before, stored = _counts(), stored_files()
    with pytest.raises(ImportRefused) as refused:
        export_import(fileobj=io.BytesIO(archive), archive_name="ana.zip")
    assert str(refused.value).startswith(f"ana.zip: {message}"), str(refused.value)
    assert str(refused.value).endswith("nothing was imported")
    assert _counts() == before and stored_files() == stored


def test_an_archive_from_before_the_later_tables_still_imports(world):
    fill_athlete(world)

    def older(manifest):
        for key in ("assessments", "load_overrides", "load_override_changes"):
            manifest.pop(key)
            manifest["counts"].pop(key)
        for activity in manifest["activities"]:
            activity.pop("sub_sport")
            activity.pop("trainer")
        for entry in manifest["metrics"]:  # older archives named the test in words
            if entry["source_detail"].startswith("assessment-key:"):
                entry["source_detail"] = "FTP test (20 min) on 2025-01-07"

    archive = _rewritten(_export(world.coach, world.athlete), _manifest_change(older))
    [result] = export_import(fileobj=io.BytesIO(archive), archive_name="old.zip", athlete_username="ana_old")
    assert result.counts["activities"] == 3 and "assessments" not in result.counts
    assert not LoadOverride.objects.filter(activity__athlete=result.athlete).exists()
    # without the correction in the archive, the ride is what its file says
    assert not result.athlete.activities.get(original_filename="ride.tcx").trainer
