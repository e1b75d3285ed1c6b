"""Importing a zip of activity files: a Strava bulk export (specs/strava.md §15) or any zip of FIT/GPX/TCX.

The archive is read in place, entry by entry (never extracted: entry names are only ever looked up in the
zip's own directory, never used as paths), within limits on entry count, sizes and compression ratio.
Metadata comes from `activities.csv` when present. One bad entry is reported and the batch goes on;
re-running the same archive imports nothing twice (the per-athlete file hash guards it).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings

from trackfiles.sports import sport_from_text
from vault.activities.models import ImportStatus
from vault.activities.services import activity_import, import_record_error

MAX_ENTRIES = 50_000  # a decade of activities plus media is a few thousand entries
MAX_TOTAL_BYTES = 50 * 1024**3  # uncompressed, as the zip directory declares it
MAX_RATIO = 200  # text activity files deflate ~10-40:1; far beyond that is a decompression bomb
RATIO_FREE_BYTES = 8 * 1024 * 1024  # small entries may have any ratio
ACTIVITY_SUFFIXES = (".fit", ".gpx", ".tcx", ".fit.gz", ".gpx.gz", ".tcx.gz")
SKIPPED_FOLDERS = ("routes/",)  # planned routes (GPX), not activities
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"


# What reading one damaged, encrypted or exotic entry can raise: that entry fails, the batch goes on.
ENTRY_READ_ERRORS = (
    ValueError,
    zipfile.BadZipFile,
    OSError,
    EOFError,
    zlib.error,
    RuntimeError,
    NotImplementedError,
)


class ArchiveError(Exception):
    """The archive as a whole cannot be read (not a zip, or beyond the limits)."""


def is_zip(head: bytes) -> bool:
    return head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC)


def max_entry_bytes() -> int:
    return settings.MAX_UPLOAD_MB * 1024 * 1024


def archive_open(fileobj, *, archive_name: str) -> zipfile.ZipFile:
    """Open the zip and check its directory against the limits; ArchiveError names the archive and why."""
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ArchiveError(f"{archive_name}: not a readable zip archive ({exc})") from exc
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        archive.close()
        raise ArchiveError(
            f"{archive_name}: has {len(entries)} entries, more than the limit of {MAX_ENTRIES}"
        )
    total = sum(info.file_size for info in entries)
    if total > MAX_TOTAL_BYTES:
        archive.close()
        raise ArchiveError(
            f"{archive_name}: would unpack to {total} bytes, more than the limit of {MAX_TOTAL_BYTES}"
        )
    return archive


def unsafe_name_problem(name: str) -> str | None:
    """Why an entry name is refused: absolute, with a drive, or climbing out with `..`."""
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or re.match(r"^[A-Za-z]:", normalized):
        return "absolute path in the archive; refused"
    if ".." in normalized.split("/"):
        return "path with '..' in the archive; refused"
    if "\x00" in name:
        return "NUL character in the entry name; refused"
    return None


def _entry_problem(info: zipfile.ZipInfo) -> str | None:
    problem = unsafe_name_problem(info.filename)
    if problem:
        return problem
    if info.file_size > max_entry_bytes():
        return f"unpacks to {info.file_size} bytes, more than the {settings.MAX_UPLOAD_MB} MB limit"
    if info.file_size > RATIO_FREE_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return (
            f"compression ratio {info.file_size // max(info.compress_size, 1)}:1 is beyond the limit of "
            f"{MAX_RATIO}:1 (a decompression bomb?)"
        )
    return None


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    limit = max_entry_bytes()
    with archive.open(info) as handle:
        data = handle.read(limit + 1)  # never trust the declared size alone
    if len(data) > limit:
        raise ValueError(f"unpacks to more than the {settings.MAX_UPLOAD_MB} MB limit")
    return data


# --- activities.csv ----------------------------------------------------------------------------------------


@dataclass
class CsvRow:
    activity_id: str
    name: str
    activity_type: str
    description: str
    gear: str
    filename: str


# English names of the columns we use; first occurrence wins (names repeat further right).
_COLUMN_NAMES = {
    "activity_id": ("activity id", "id"),
    "name": ("activity name", "name"),
    "activity_type": ("activity type", "type"),
    "description": ("activity description", "description"),
    "gear": ("activity gear", "gear"),
    "filename": ("filename",),
}
# Positions in the modern export, for localized headers (strava.md §15.3 item 2).
_COLUMN_POSITIONS = {
    "activity_id": 0,
    "name": 2,
    "activity_type": 3,
    "description": 4,
    "gear": 11,
    "filename": 12,
}


def _column_indices(header: list[str]) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    indices: dict[str, int] = {}
    for key, candidates in _COLUMN_NAMES.items():
        for candidate in candidates:
            if candidate in names:
                indices[key] = names.index(candidate)
                break
    if "filename" not in indices and len(header) > max(_COLUMN_POSITIONS.values()):
        return dict(_COLUMN_POSITIONS)
    return indices


def read_activities_csv(data: bytes) -> list[CsvRow]:
    """The rows of activities.csv (BOM, multi-line quoted fields and localized headers handled)."""
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        return []
    indices = _column_indices(header)

    def cell(row: list[str], key: str) -> str:
        index = indices.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    return [
        CsvRow(
            activity_id=cell(row, "activity_id"),
            name=cell(row, "name"),
            activity_type=cell(row, "activity_type"),
            description=cell(row, "description"),
            gear=cell(row, "gear"),
            filename=cell(row, "filename"),
        )
        for row in reader
        if any(field.strip() for field in row)
    ]


def sport_of_strava_type(activity_type: str) -> str:
    """Our sport for Strava's English type ("VirtualRide" -> cycling); "" when unknown (localized types)."""
    snake = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", activity_type.strip())
    sport, _ = sport_from_text(snake)
    return "" if sport == "generic" else sport


# --- the import ----------------------------------------------------------------------------------------------


def _find_csv(archive: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    for info in archive.infolist():
        if PurePosixPath(info.filename).name.lower() == "activities.csv" and not unsafe_name_problem(
            info.filename
        ):
            return info
    return None


def _normalized(name: str) -> str:
    """Zip names written on Windows may use backslashes; activities.csv always uses slashes."""
    return name.replace("\\", "/")


def _is_activity_entry(name: str, info: zipfile.ZipInfo, prefix: str) -> bool:
    lower = name.lower()
    relative = lower.removeprefix(prefix.lower()).lstrip("./")
    return (
        not info.is_dir() and lower.endswith(ACTIVITY_SUFFIXES) and not relative.startswith(SKIPPED_FOLDERS)
    )


def archive_refused(
    *, athlete, archive_name: str, problem: ArchiveError, source_kind: str, source_id: int | None = None
) -> dict:
    """Log an archive refused as a whole (unreadable, beyond the limits) like any file; its result entry."""
    record = import_record_error(
        athlete=athlete, name=archive_name, message=str(problem), source_kind=source_kind, source_id=source_id
    )
    return {
        "file": archive_name,
        "status": "error",
        "activity": None,
        "message": record.message,
        "warnings": [],
    }


def archive_import(
    *,
    athlete,
    fileobj,
    archive_name: str,
    created_by=None,
    source_kind: str = "strava_archive",
    source_id: int | None = None,
    on_result: Callable[[int, int, dict], None] | None = None,
) -> list[dict]:
    """Import every activity file of the zip; returns one result per entry (and per manual activity).

    Raises ArchiveError only when the archive as a whole is unreadable or beyond the limits.
    """
    try:
        archive = archive_open(fileobj, archive_name=archive_name)
    except ArchiveError as exc:
        archive_refused(
            athlete=athlete,
            archive_name=archive_name,
            problem=exc,
            source_kind=source_kind,
            source_id=source_id,
        )
        raise
    with archive:
        entries = {_normalized(info.filename): info for info in archive.infolist()}
        csv_info = _find_csv(archive)
        # An export re-zipped by hand may sit in a folder: the csv's paths are relative to its own folder.
        prefix = ""
        if csv_info is not None and "/" in _normalized(csv_info.filename):
            prefix = _normalized(csv_info.filename).rsplit("/", 1)[0] + "/"
        rows: list[CsvRow] = []
        if csv_info is not None:
            try:
                rows = read_activities_csv(_read_entry(archive, csv_info))
            except ENTRY_READ_ERRORS as exc:
                error = ArchiveError(f"{archive_name}: activities.csv cannot be read ({exc})")
                archive_refused(
                    athlete=athlete,
                    archive_name=archive_name,
                    problem=error,
                    source_kind=source_kind,
                    source_id=source_id,
                )
                raise error from exc
        with_file = [row for row in rows if row.filename and not _is_error_marker(row.filename)]
        planned: list[tuple[str, CsvRow | None]] = [
            (prefix + _normalized(row.filename), row) for row in with_file
        ]
        listed = {name for name, _ in planned}
        planned += [
            (name, None)
            for name, info in entries.items()
            if _is_activity_entry(name, info, prefix) and name not in listed
        ]
        manual = [row for row in rows if not row.filename or _is_error_marker(row.filename)]
        total = len(planned) + len(manual)
        results: list[dict] = []

        def report(result: dict) -> None:
            results.append(result)
            if on_result is not None:
                on_result(len(results), total, result)

        for entry_name, row in planned:
            report(
                _import_entry(
                    archive,
                    entries.get(entry_name),
                    entry_name,
                    row,
                    athlete=athlete,
                    created_by=created_by,
                    source_kind=source_kind,
                    source_id=source_id,
                )
            )
        for row in manual:
            report(_row_without_file(row, athlete=athlete, source_kind=source_kind, source_id=source_id))
    return results


def _is_error_marker(filename: str) -> bool:
    """Strava writes `#error#` into the Filename cell of activities it could not export (§15.3.6)."""
    return "#error#" in filename.lower()


def _row_without_file(row: CsvRow, *, athlete, source_kind: str, source_id: int | None) -> dict:
    """A manual activity (reported, not failed) or one Strava tagged #error# (failed): logged like any file."""
    label = row.name or f"activity {row.activity_id}"
    name = f"{label} (activities.csv)"
    if _is_error_marker(row.filename):
        status = ImportStatus.ERROR
        message = (
            f"{label}: activities.csv marks its file as {row.filename!r}: Strava could not export it, so the "
            "archive holds no file for this activity (download it from Strava and upload it by hand)"
        )
    else:
        status = ImportStatus.SKIPPED
        message = f"{label}: a manual activity without a file; nothing to import"
    import_record_error(
        athlete=athlete,
        name=name,
        message=message,
        source_kind=source_kind,
        source_id=source_id,
        status=status,
    )
    return {"file": name, "status": status.value, "activity": None, "message": message, "warnings": []}


def _import_entry(archive, info, entry_name, row, *, athlete, created_by, source_kind, source_id) -> dict:
    def refused(problem: str) -> dict:
        # Logged like any import attempt, though the bytes never reach the pipeline.
        record = import_record_error(
            athlete=athlete,
            name=entry_name,
            message=f"{entry_name}: {problem}",
            source_kind=source_kind,
            source_id=source_id,
        )
        return {
            "file": entry_name,
            "status": "error",
            "activity": None,
            "message": record.message,
            "warnings": [],
        }

    if info is None:
        return refused("listed in activities.csv but not in the archive")
    problem = _entry_problem(info)
    if problem:
        return refused(problem)
    try:
        data = _read_entry(archive, info)
    except ENTRY_READ_ERRORS as exc:
        return refused(f"cannot be read from the archive ({type(exc).__name__}: {exc})")
    outcome = activity_import(
        athlete=athlete,
        data=data,
        filename=PurePosixPath(entry_name).name,
        source_kind=source_kind,
        source_id=source_id,
        external_id=row.activity_id if row else "",
        name=row.name if row else "",
        sport=sport_of_strava_type(row.activity_type) if row else "",
        description=row.description if row else "",
        gear=row.gear if row else "",
        created_by=created_by,
    )
    return {**outcome.as_result(), "file": entry_name}
