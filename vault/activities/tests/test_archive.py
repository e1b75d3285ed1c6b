"""Strava bulk-export archives: activities.csv metadata, every format, manual rows, bad entries, limits, re-runs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import posixpath
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vault.activities.archive import (
    ArchiveError,
    archive_import,
    read_activities_csv,
    sport_of_strava_type,
    unsafe_name_problem,
)
from vault.activities.models import Activity, ImportRecord
from vault.activities.tests.files import gpx_bytes, gz, tcx_bytes, zip_bytes

pytestmark = pytest.mark.django_db

# The columns of a 2024 English export we read, at their real positions, with the repeated names after them.
HEADER = [
    "Activity ID",
    "Activity Date",
    "Activity Name",
    "Activity Type",
    "Activity Description",
    "Elapsed Time",
    "Distance",
    "Max Heart Rate",
    "Relative Effort",
    "Commute",
    "Activity Private Note",
    "Activity Gear",
    "Filename",
    "Athlete Weight",
    "Bike Weight",
    "Elapsed Time",
    "Moving Time",
    "Distance",
]


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row + [""] * (len(header) - len(row)))
    return ("\ufeff" + buffer.getvalue()).encode()


def row(activity_id, name, kind, description, gear, filename):
    return [
        activity_id,
        "Mar 14, 2026, 6:02:11 AM",
        name,
        kind,
        description,
        "2990",
        "10,23",
        "",
        "",
        "false",
        "",
        gear,
        filename,
    ]


def strava_export() -> bytes:
    later = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    return zip_bytes(
        {
            "activities.csv": csv_bytes(
                [
                    row(
                        "101",
                        "Auwald tempo",
                        "Run",
                        'Windy, "fast"\nsecond line',
                        "Pegasus 41",
                        "activities/101.gpx",
                    ),
                    row("102", "Commute", "Ride", "", "Canyon", "activities/102.tcx.gz"),
                    row("103", "Treadmill", "Run", "", "", ""),
                    row("104", "Lost file", "Run", "", "", "activities/104.fit.gz"),
                    row("105", "Broken", "Ride", "", "", "activities/105.fit"),
                ]
            ),
            "activities/101.gpx": gpx_bytes(),
            "activities/102.tcx.gz": gz(tcx_bytes()),
            "activities/105.fit": b"this is not a fit file at all",
            "activities/999.gpx.gz": gz(gpx_bytes(start=later, name="not in the csv")),
            "routes/1.gpx": gpx_bytes(heart_rate=99),
            "media/abc.jpg": b"\xff\xd8\xff",
            "profile.csv": b"name\nAna\n",
        }
    )


def by_file(results):
    return {r["file"]: r for r in results}


def test_strava_export_imports_every_file_with_csv_metadata(world):
    progress = []
    results = archive_import(
        athlete=world.athlete,
        fileobj=io.BytesIO(strava_export()),
        archive_name="export_1.zip",
        on_result=lambda done, total, result: progress.append((done, total)),
    )
    got = by_file(results)

    assert got["activities/101.gpx"]["status"] == "imported"
    run = Activity.objects.get(pk=got["activities/101.gpx"]["activity"])
    assert (run.name, run.description, run.gear, run.external_id, run.sport) == (
        "Auwald tempo",
        'Windy, "fast"\nsecond line',
        "Pegasus 41",
        "101",
        "running",
    )
    assert run.source_kind == "strava_archive" and run.original_filename == "101.gpx"
    ride = Activity.objects.get(pk=got["activities/102.tcx.gz"]["activity"])
    assert (ride.name, ride.gear, ride.sport) == ("Commute", "Canyon", "cycling")
    assert got["activities/999.gpx.gz"]["status"] == "imported"  # in the zip but not in the csv
    assert got["Treadmill (activities.csv)"]["status"] == "skipped"
    assert "manual activity" in got["Treadmill (activities.csv)"]["message"]
    assert got["activities/104.fit.gz"]["status"] == "error"
    assert "not in the archive" in got["activities/104.fit.gz"]["message"]
    assert got["activities/105.fit"]["status"] == "error"
    assert (
        got["activities/105.fit"]["message"].startswith("activities/105.fit: ")
        or "105.fit" in got["activities/105.fit"]["message"]
    )
    assert "routes/1.gpx" not in got and "media/abc.jpg" not in got
    assert Activity.objects.count() == 3
    assert progress[-1] == (len(results), len(results)) and [d for d, _ in progress] == list(
        range(1, len(results) + 1)
    )


def test_rerunning_the_archive_imports_nothing_twice(world):
    archive_import(athlete=world.athlete, fileobj=io.BytesIO(strava_export()), archive_name="export_1.zip")
    again = by_file(
        archive_import(
            athlete=world.athlete, fileobj=io.BytesIO(strava_export()), archive_name="export_1.zip"
        )
    )

    assert Activity.objects.count() == 3
    for name in ("activities/101.gpx", "activities/102.tcx.gz", "activities/999.gpx.gz"):
        assert again[name]["status"] == "duplicate"


def test_unsafe_entry_names_are_refused_and_the_rest_imports(world, storage_files, tmp_path):
    data = zip_bytes(
        {
            "../evil.gpx": gpx_bytes(heart_rate=120),
            "/etc/abs.gpx": gpx_bytes(heart_rate=121),
            "C:/windows/drive.gpx": gpx_bytes(heart_rate=122),
            "activities/ok.gpx": gpx_bytes(),
        }
    )
    got = by_file(archive_import(athlete=world.athlete, fileobj=io.BytesIO(data), archive_name="evil.zip"))

    assert got["../evil.gpx"]["status"] == "error" and "'..'" in got["../evil.gpx"]["message"]
    assert got["/etc/abs.gpx"]["status"] == "error" and "absolute path" in got["/etc/abs.gpx"]["message"]
    assert got["C:/windows/drive.gpx"]["status"] == "error"
    assert got["activities/ok.gpx"]["status"] == "imported"
    assert Activity.objects.count() == 1
    assert not any("evil" in name or "abs" in name for name in storage_files())


def test_too_many_entries_refuses_the_archive(world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for i in range(100_000):
            archive.writestr(f"media/{i}.jpg", b"")
    with pytest.raises(ArchiveError, match=r"many\.zip: has 100000 entries, more than the limit"):
        archive_import(athlete=world.athlete, fileobj=buffer, archive_name="many.zip")
    # the refusal is logged like any file the source saw; nothing else is
    [record] = ImportRecord.objects.all()
    assert (record.name, record.status, record.source_kind) == ("many.zip", "error", "strava_archive")
    assert record.message.startswith("many.zip: has 100000 entries") and record.activity is None
    assert Activity.objects.count() == 0


def test_not_a_zip_is_a_clear_archive_error(world):
    with pytest.raises(ArchiveError, match=r"broken\.zip: not a readable zip archive"):
        archive_import(
            athlete=world.athlete, fileobj=io.BytesIO(b"PK\x03\x04garbage"), archive_name="broken.zip"
        )
    [record] = ImportRecord.objects.all()
    assert record.name == "broken.zip" and record.status == "error"
    assert record.message.startswith("broken.zip: not a readable zip archive")


def test_unreadable_activities_csv_refuses_the_archive_with_a_record(world, monkeypatch):
    import vault.activities.archive as archive_module

    real_read = archive_module._read_entry

    def failing(archive, info):
        if info.filename.endswith("activities.csv"):
            raise zipfile.BadZipFile("Bad CRC-32 for file 'activities.csv'")
        return real_read(archive, info)

    monkeypatch.setattr(archive_module, "_read_entry", failing)
    with pytest.raises(ArchiveError, match=r"activities\.csv cannot be read"):
        archive_import(athlete=world.athlete, fileobj=io.BytesIO(strava_export()), archive_name="x.zip")
    [record] = ImportRecord.objects.all()
    assert record.name == "x.zip" and "activities.csv cannot be read (Bad CRC-32" in record.message


def test_manual_and_error_tagged_rows_each_leave_an_import_record(world):
    """Manual activities are reported (skipped, not failed); rows Strava tagged #error# (§15.3.6) are
    errors that say Strava could not export the file; the other rows import."""
    data = zip_bytes(
        {
            "activities.csv": csv_bytes(
                [
                    row("201", "Gym", "Workout", "", "", ""),
                    row("202", "Lost by Strava", "Ride", "", "", "#error#"),
                    row("203", "", "Run", "", "", "activities/#error#"),
                    row("204", "Good", "Run", "", "", "activities/204.gpx"),
                ]
            ),
            "activities/204.gpx": gpx_bytes(),
        }
    )
    got = by_file(archive_import(athlete=world.athlete, fileobj=io.BytesIO(data), archive_name="e.zip"))

    assert got["Gym (activities.csv)"]["status"] == "skipped"
    lost = got["Lost by Strava (activities.csv)"]
    assert lost["status"] == "error" and lost["activity"] is None
    assert lost["message"].startswith("Lost by Strava: activities.csv marks its file as '#error#'")
    assert "Strava could not export it" in lost["message"]
    assert got["activity 203 (activities.csv)"]["status"] == "error"
    assert got["activities/204.gpx"]["status"] == "imported"
    assert not any("#error#" in name for name in got)  # never looked up as an entry
    records = {r.name: r for r in ImportRecord.objects.filter(athlete=world.athlete)}
    assert records["Gym (activities.csv)"].status == "skipped"
    assert (
        records["Gym (activities.csv)"].message == "Gym: a manual activity without a file; nothing to import"
    )
    assert records["Lost by Strava (activities.csv)"].status == "error"
    assert records["activity 203 (activities.csv)"].status == "error"
    assert records["204.gpx"].status == "imported"
    assert Activity.objects.count() == 1


def test_compression_bomb_entry_is_refused_and_the_rest_imports(world, storage_files):
    data = zip_bytes({"activities/bomb.gpx": b" " * (40 * 1024 * 1024), "activities/ok.gpx": gpx_bytes()})
    got = by_file(archive_import(athlete=world.athlete, fileobj=io.BytesIO(data), archive_name="bomb.zip"))

    assert got["activities/bomb.gpx"]["status"] == "error"
    assert "compression ratio" in got["activities/bomb.gpx"]["message"]
    assert got["activities/ok.gpx"]["status"] == "imported"


def test_entry_over_the_upload_limit_is_refused(world, settings):
    settings.MAX_UPLOAD_MB = 1
    data = zip_bytes({"activities/big.gpx": gpx_bytes(points=8000)}, compression=zipfile.ZIP_STORED)
    got = by_file(archive_import(athlete=world.athlete, fileobj=io.BytesIO(data), archive_name="big.zip"))
    assert got["activities/big.gpx"]["status"] == "error"
    assert "1 MB limit" in got["activities/big.gpx"]["message"]


def test_localized_header_is_read_by_position():
    german = [
        "Aktivitäts-ID",
        "Aktivitätsdatum",
        "Name der Aktivität",
        "Aktivitätsart",
        "Beschreibung der Aktivität",
        "Verstrichene Zeit",
        "Distanz",
        "Maximale Herzfrequenz",
        "Relative Leistung",
        "Pendeln",
        "Private Notiz",
        "Aktivitätsausrüstung",
        "Dateiname",
        "Gewicht",
    ]
    rows = read_activities_csv(
        csv_bytes([row("7", "Lauf am Morgen", "Lauf", "", "Schuh", "activities/7.fit.gz")], header=german)
    )
    assert rows[0].activity_id == "7" and rows[0].name == "Lauf am Morgen"
    assert rows[0].filename == "activities/7.fit.gz" and rows[0].gear == "Schuh"


def test_old_lowercase_header():
    header = [
        "id",
        "date",
        "name",
        "type",
        "description",
        "elapsed_time",
        "distance",
        "commute",
        "gear",
        "filename",
    ]
    data = csv_bytes(
        [
            [
                "9",
                "2017-01-01 10:00:00",
                "Old ride",
                "Ride",
                "",
                "100",
                "1000",
                "false",
                "Bike",
                "activities/9.gpx",
            ]
        ],
        header=header,
    )
    rows = read_activities_csv(data)
    assert (rows[0].activity_id, rows[0].name, rows[0].gear, rows[0].filename) == (
        "9",
        "Old ride",
        "Bike",
        "activities/9.gpx",
    )


@pytest.mark.parametrize(
    ("strava_type", "sport"),
    [
        ("Run", "running"),
        ("Ride", "cycling"),
        ("VirtualRide", "cycling"),
        ("Swim", "swimming"),
        ("Hike", "hiking"),
        ("NordicSki", "cross_country_skiing"),
        ("Radfahrt", ""),
        ("Workout", ""),
    ],
)
def test_sport_of_strava_type(strava_type, sport):
    assert sport_of_strava_type(strava_type) == sport


def test_export_inside_a_folder_with_windows_separators(world):
    data = zip_bytes(
        {
            "export_48213377/activities.csv": csv_bytes(
                [row("201", "Foldered run", "Run", "", "", "activities/201.gpx")]
            ),
            "export_48213377\\activities\\201.gpx": gpx_bytes(),
            "export_48213377/routes/7.gpx": gpx_bytes(heart_rate=99),
        }
    )
    results = archive_import(athlete=world.athlete, fileobj=io.BytesIO(data), archive_name="export.zip")
    assert [(r["file"], r["status"]) for r in results] == [("export_48213377/activities/201.gpx", "imported")]
    assert Activity.objects.get().name == "Foldered run"


@given(
    st.lists(st.sampled_from(["..", ".", "", "a", "b.gpx", "C:", "\\", "..\\x", "/"]), min_size=1, max_size=6)
)
def test_names_that_pass_the_check_never_leave_a_root(parts):
    name = "/".join(parts)
    if unsafe_name_problem(name) is None:
        resolved = posixpath.normpath(posixpath.join("/root", name.replace("\\", "/")))
        assert resolved == "/root" or resolved.startswith("/root/")


def test_a_corrupt_entry_fails_alone(world):
    good, damaged = gpx_bytes(), gpx_bytes(heart_rate=123)
    data = bytearray(zip_bytes({"activities/damaged.gpx": damaged, "activities/good.gpx": good}))
    start = data.index(b"activities/damaged.gpx") + len(
        "activities/damaged.gpx"
    )  # its compressed bytes follow
    data[start + 200 : start + 260] = bytes(60)
    got = by_file(
        archive_import(athlete=world.athlete, fileobj=io.BytesIO(bytes(data)), archive_name="damaged.zip")
    )
    assert got["activities/damaged.gpx"]["status"] == "error"
    assert "cannot be read from the archive" in got["activities/damaged.gpx"]["message"]
    assert got["activities/good.gpx"]["status"] == "imported"


def test_refused_entries_are_logged_as_import_records(world):
    data = zip_bytes({"../evil.gpx": gpx_bytes(heart_rate=120), "activities/ok.gpx": gpx_bytes()})
    archive_import(athlete=world.athlete, fileobj=io.BytesIO(data), archive_name="evil.zip")
    records = {r.name: r for r in ImportRecord.objects.filter(athlete=world.athlete)}
    assert records["../evil.gpx"].status == "error" and "'..'" in records["../evil.gpx"].message
    assert records["../evil.gpx"].source_kind == "strava_archive"
    assert records["ok.gpx"].status == "imported"
