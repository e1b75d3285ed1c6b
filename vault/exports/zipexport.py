"""The full export (issue 6 §5): one zip per athlete, written as a stream so memory stays flat.

Layout of an athlete's archive (a roster export holds one such folder per athlete):

    manifest.json                      schema version, counts, SHA-256 of every file, and every row the
                                       importer needs (vault/exports/importer.py) to recreate the athlete
    csv/<what>.csv                     the same CSVs the API serves (metrics, calculator_results, wellness,
                                       coach_notes, comments, activities)
    plans/<race>-<date>.csv            each race's plan
    originals/<year>/<original name>   every original file under its own name (collisions get " (2)", ...)
    streams/<year>/<original name>.csv each activity's streams, one column per channel

The zip goes through a write-only sink that hands its bytes on after every piece, so a response or a job
never holds more than one chunk of one file. Nothing in the archive is a secret (design.md §8): source
tokens are not exported at all.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from django.utils import timezone

from vault.accounts.models import AthleteProfile
from vault.activities import storage
from vault.activities.models import Activity
from vault.calculators.models import Assessment, CalculatorResult, LoadOverride, LoadOverrideChange, Race
from vault.coaching.models import ActivityComment, WellnessEntry
from vault.coaching.selectors import notes_visible_to
from vault.exports import exporters
from vault.exports.csv import csv_chunks, export_filename
from vault.metrics.models import MetricHistory

SCHEMA_VERSION = 1
MANIFEST_NAME = "manifest.json"
READ_CHUNK = 1 << 20
FLUSH_AT = 1 << 18  # hand bytes on once this much is waiting
_UNSAFE_NAME = re.compile(r'[\x00-\x1f/\\:*?"<>|]+')

Progress = Callable[[int, int], None]


class _Sink:
    """A write-only, unseekable file object: zipfile then writes data descriptors and never seeks back."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._waiting = 0
        self._offset = 0

    def write(self, data) -> int:
        data = bytes(data)
        self._parts.append(data)
        self._waiting += len(data)
        self._offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self._offset

    def seek(self, *args):
        raise OSError("the export stream cannot seek")

    def flush(self) -> None:
        pass

    @property
    def waiting(self) -> int:
        return self._waiting

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts, self._waiting = [], 0
        return data


class ArchiveWriter:
    """A zip being streamed out; `entry` yields the archive's bytes while it adds one file, recording the
    file's SHA-256 and size under its path (relative to the athlete's folder) for the manifest."""

    def __init__(self) -> None:
        self._sink = _Sink()
        self._zip = zipfile.ZipFile(self._sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)

    def entry(self, path: str, chunks: Iterable[bytes], files: dict[str, dict]) -> Iterator[bytes]:
        digest, size = hashlib.sha256(), 0
        info = zipfile.ZipInfo(path, date_time=timezone.now().timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        with self._zip.open(info, "w") as handle:
            for chunk in chunks:
                handle.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                if self._sink.waiting >= FLUSH_AT:
                    yield self._sink.drain()
        files[path] = {"sha256": digest.hexdigest(), "size": size}
        yield self._sink.drain()

    def close(self) -> Iterator[bytes]:
        self._zip.close()
        yield self._sink.drain()


def _safe_file_name(name: str) -> str:
    """The last component of an original's name, without characters that mean something to a file system."""
    base = _UNSAFE_NAME.sub("_", posixpath.basename(name.replace("\\", "/"))).strip(" .")
    return base[:200] or "activity"


def _unique(name: str, taken: set[str]) -> str:
    """`name`, or 'stem (2).ext', 'stem (3).ext'... when a file of that name is already in the folder."""
    if name.lower() not in taken:
        taken.add(name.lower())
        return name
    stem, dot, extension = name.partition(".")
    counter = 2
    while True:
        candidate = f"{stem} ({counter}){dot}{extension}"
        if candidate.lower() not in taken:
            taken.add(candidate.lower())
            return candidate
        counter += 1


def _original_chunks(activity: Activity) -> Iterator[bytes]:
    with storage.original_open(activity.original) as handle:
        while chunk := handle.read(READ_CHUNK):
            yield chunk


# Decimals kept per stored precision: float32 channels carry ~7 significant digits (6 decimals lose nothing
# at training magnitudes); float64 channels are timestamps and coordinates (7 decimals is a centimetre).
_DECIMALS = {np.dtype(np.float32): 6, np.dtype(np.float64): 7}


def _cells(values: np.ndarray) -> list:
    """One channel as CSV cells, without a Python call per sample: whole numbers as ints, others rounded to
    their stored precision (so float32 0.1 is written 0.1), missing samples empty."""
    if values.dtype.kind != "f":
        return values.tolist()
    missing = np.isnan(values)
    filled = np.where(missing, 0, values)
    if np.array_equal(filled, np.round(filled)) and np.abs(filled).max(initial=0) < 2**53:
        cells = filled.astype(np.int64).tolist()
    else:
        cells = np.round(filled.astype(np.float64), _DECIMALS.get(values.dtype, 7)).tolist()
    for index in np.flatnonzero(missing).tolist():
        cells[index] = None
    return cells


def streams_csv_chunks(streams_file: str) -> Iterator[bytes]:
    """One activity's streams as CSV: timestamp first, then the other channels alphabetically."""
    streams = storage.streams_read(streams_file)
    channels = sorted(streams, key=lambda channel: (channel != "timestamp", channel))
    return csv_chunks(channels, zip(*(_cells(streams[channel]) for channel in channels)))


EXPORTED_ACTIVITY_FIELDS = (
    "sha256",
    "original_filename",
    "start_time",
    "sport",
    "sub_sport",
    "trainer",
    "name",
    "description",
    "gear",
    "source_kind",
    "external_id",
)


def _with_streams_csv(activity: Activity) -> tuple[Activity, bytes | None]:
    if not activity.streams_file:
        return activity, None
    return activity, b"".join(streams_csv_chunks(activity.streams_file))


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _username(user) -> str | None:
    return user.username if user is not None else None


class _People:
    """Usernames the manifest names (authors, reviewers), with their roles, so an import can recreate them."""

    def __init__(self) -> None:
        self.roles: dict[str, str] = {}

    def __call__(self, user) -> str | None:
        if user is None:
            return None
        self.roles[user.username] = user.role
        return user.username


def _races(athlete: AthleteProfile) -> list[Race]:
    return list(Race.objects.filter(athlete=athlete).order_by("date", "id"))


def _manifest_rows(user, athlete: AthleteProfile, races: list[Race], people: _People) -> dict[str, Any]:
    """Every row of the athlete's own data, by field, with ids replaced by keys the archive itself defines."""
    race_key = {race.pk: index for index, race in enumerate(races)}
    sha_of = dict(Activity.objects.filter(athlete=athlete).values_list("pk", "sha256"))
    metrics = MetricHistory.objects.filter(athlete=athlete).select_related("created_by", "reviewed_by")
    assessments = list(
        Assessment.objects.filter(athlete=athlete)
        .select_related("created_by")
        .order_by("tested_on", "created_at", "id")
    )
    # The metric entries a test wrote name it by its id in their source_detail; the archive names it by key.
    assessment_key = {assessment.source_detail: index for index, assessment in enumerate(assessments)}
    return {
        "assessments": [
            {
                "key": index,
                "kind": assessment.kind,
                "tested_on": assessment.tested_on.isoformat(),
                "inputs": assessment.inputs,
                "outputs": assessment.outputs,
                "notes": assessment.notes,
                "created_by": people(assessment.created_by),
                "created_at": _iso(assessment.created_at),
            }
            for index, assessment in enumerate(assessments)
        ],
        "races": [
            {
                "key": race_key[race.pk],
                "name": race.name,
                "date": race.date.isoformat(),
                "distance": race.distance,
                "legs": race.legs,
                "elevation_gain_m": race.elevation_gain_m,
                "altitude_m": race.altitude_m,
                "expected_temperature_c": race.expected_temperature_c,
                "priority": race.priority,
                "notes": race.notes,
                "created_at": _iso(race.created_at),
            }
            for race in races
        ],
        "calculator_results": [
            {
                "calculator_type": result.calculator_type,
                "race": race_key.get(result.race_id),
                "inputs": result.inputs,
                "outputs": result.outputs,
                "is_active": result.is_active,
                "created_at": _iso(result.created_at),
                "created_by": people(result.created_by),
            }
            for result in CalculatorResult.objects.filter(athlete=athlete)
            .select_related("created_by")
            .order_by("created_at", "id")
        ],
        "metrics": [
            {
                "metric_type": entry.metric_type,
                "value": entry.value,
                "value_display": entry.value_display,
                "recorded_on": entry.recorded_on.isoformat(),
                "source": entry.source,
                "source_detail": _metric_detail(entry, sha_of, assessment_key),
                "needs_review": entry.needs_review,
                "review_status": entry.review_status,
                "review_note": entry.review_note,
                "reviewed_by": people(entry.reviewed_by),
                "reviewed_at": _iso(entry.reviewed_at),
                "created_by": people(entry.created_by),
                "created_at": _iso(entry.created_at),
            }
            for entry in metrics.order_by("recorded_on", "created_at", "id")
        ],
        "wellness": [
            {
                **{name: getattr(entry, name) for name in exporters.WELLNESS_HEADER},
                "date": entry.date.isoformat(),
                "created_by": people(entry.created_by),
                "created_at": _iso(entry.created_at),
            }
            for entry in WellnessEntry.objects.filter(athlete=athlete)
            .select_related("created_by")
            .order_by("date")
        ],
        "coach_notes": [
            {
                "author": people(note.author),
                "body": note.body,
                "domain": note.domain,
                "activity": note.activity.sha256 if note.activity else None,
                "race": race_key.get(note.race_id),
                "visible_to_athlete": note.visible_to_athlete,
                "concerning": note.concerning,
                "athlete_seen_at": _iso(note.athlete_seen_at),
                "created_at": _iso(note.created_at),
                "updated_at": _iso(note.updated_at),
            }
            for note in notes_visible_to(user, athlete).order_by("created_at", "id")
        ],
        "comments": [
            {
                "activity": comment.activity.sha256,
                "author": people(comment.author),
                "body": comment.body,
                "created_at": _iso(comment.created_at),
                "edited_at": _iso(comment.edited_at),
            }
            for comment in ActivityComment.objects.filter(activity__athlete=athlete)
            .select_related("activity", "author")
            .order_by("created_at", "id")
        ],
        "load_overrides": [
            {
                "activity": override.activity.sha256,
                "load": override.load,
                "note": override.note,
                "set_by": people(override.set_by),
                "set_at": _iso(override.set_at),
            }
            for override in LoadOverride.objects.filter(activity__athlete=athlete)
            .select_related("activity", "set_by")
            .order_by("activity__start_time", "id")
        ],
        "load_override_changes": [
            {
                "activity": change.activity.sha256,
                "old_load": change.old_load,
                "new_load": change.new_load,
                "computed_load": change.computed_load,
                "note": change.note,
                "changed_by": people(change.changed_by),
                "changed_at": _iso(change.changed_at),
            }
            for change in LoadOverrideChange.objects.filter(activity__athlete=athlete)
            .select_related("activity", "changed_by")
            .order_by("changed_at", "id")
        ],
    }


_ACTIVITY_DETAIL = re.compile(r"activity:(\d+)\Z")
ASSESSMENT_DETAIL_PREFIX = "assessment-key:"


def _metric_detail(entry: MetricHistory, sha_of: dict[int, str], assessment_key: dict[str, int]) -> str:
    """A metric entry's source_detail with internal ids replaced by what survives an import: an activity by
    its file's hash, the test (assessment) that wrote it by its key in the archive."""
    if entry.source == "assessment" and entry.source_detail in assessment_key:
        return f"{ASSESSMENT_DETAIL_PREFIX}{assessment_key[entry.source_detail]}"
    return _activity_detail(entry.source_detail, sha_of)


def _activity_detail(detail: str, sha_of: dict[int, str]) -> str:
    """'activity:<id>' (a suggestion's origin) names the activity by its file's hash, which survives an import."""
    match = _ACTIVITY_DETAIL.match(detail)
    if match and int(match.group(1)) in sha_of:
        return f"activity-sha256:{sha_of[int(match.group(1))]}"
    return detail


def athlete_export_count(athlete: AthleteProfile) -> int:
    """How many activities the export of `athlete` carries (what decides a background job)."""
    return Activity.objects.filter(athlete=athlete).count()


def athlete_archive_chunks(
    writer: ArchiveWriter,
    user,
    athlete: AthleteProfile,
    *,
    folder: str = "",
    progress: Progress | None = None,
) -> Iterator[bytes]:
    """Write one athlete's export into `writer` under `folder`, yielding archive bytes as they are made."""
    files: dict[str, dict] = {}

    def entry(path: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
        yield from writer.entry(folder + path, chunks, files)
        files[path] = files.pop(folder + path)

    tables = {
        "metrics": (exporters.METRICS_HEADER, exporters.metrics_rows(athlete)),
        "calculator_results": exporters.calculator_results_table(athlete),
        "wellness": exporters.wellness_table(athlete),
        "coach_notes": exporters.coach_notes_table(user, athlete),
        "comments": exporters.comments_table(athlete),
        "activities": exporters.activities_table(athlete),
    }
    for name, (header, rows) in tables.items():
        yield from entry(f"csv/{name}.csv", csv_chunks(header, rows))
    races = _races(athlete)
    plan_names: set[str] = set()
    for race in races:
        name = _unique(export_filename(race.name, race.date.isoformat(), "plan"), plan_names)
        yield from entry(f"plans/{name}", csv_chunks(exporters.PLAN_HEADER, [exporters.race_plan_row(race)]))

    activities = (
        Activity.objects.filter(athlete=athlete)
        .select_related("original")
        .only(*EXPORTED_ACTIVITY_FIELDS, "streams_file", "original__name")
        .order_by("start_time", "id")
    )
    total = activities.count()
    taken: dict[str, set[str]] = {}
    activity_rows = []
    tz = athlete.tzinfo

    def write(activity: Activity, streams_csv: bytes | None) -> Iterator[bytes]:
        year = str(activity.start_time.astimezone(tz).year)
        name = _unique(_safe_file_name(activity.original_filename), taken.setdefault(year, set()))
        original_path, streams_path = f"originals/{year}/{name}", f"streams/{year}/{name}.csv"
        yield from entry(original_path, _original_chunks(activity))
        if streams_csv is not None:
            yield from entry(streams_path, [streams_csv])
        activity_rows.append(
            {
                **{field: getattr(activity, field) for field in EXPORTED_ACTIVITY_FIELDS},
                "start_time": activity.start_time.isoformat(),
                "original": original_path,
                "streams": streams_path if streams_csv is not None else None,
            }
        )
        if progress is not None:
            progress(len(activity_rows), total)

    # The next activity's streams CSV is made in a helper thread while this one's original is compressed
    # (zlib lets go of the interpreter lock), so the two cores share the two biggest costs.
    with ThreadPoolExecutor(max_workers=1) as helper:
        pending = None
        for activity in activities.iterator(chunk_size=500):
            upcoming = helper.submit(_with_streams_csv, activity)
            if pending is not None:
                yield from write(*pending.result())
            pending = upcoming
        if pending is not None:
            yield from write(*pending.result())

    people = _People()
    rows = _manifest_rows(user, athlete, races, people)
    rows["activities"] = activity_rows
    profile_user = athlete.user
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "exported_at": timezone.now().isoformat(),
        "exported_by": user.username,
        "athlete": {
            "username": profile_user.username,
            "email": profile_user.email,
            "first_name": profile_user.first_name,
            "last_name": profile_user.last_name,
            "public_id": athlete.public_id,
            "name": athlete.name,
            "sex": athlete.sex,
            "birth_date": _iso(athlete.birth_date),
            "time_zone": athlete.time_zone,
            "units": athlete.units,
            "created_at": _iso(athlete.created_at),
        },
        "people": dict(sorted(people.roles.items())),
        "counts": {key: len(value) for key, value in rows.items()},
        **rows,
        "files": dict(sorted(files.items())),
    }
    data = json.dumps(manifest, ensure_ascii=False, indent=1, default=str).encode("utf-8")
    yield from writer.entry(folder + MANIFEST_NAME, [data], {})


def athlete_export_stream(
    user, athlete: AthleteProfile, *, progress: Progress | None = None
) -> Iterator[bytes]:
    """The whole zip of one athlete, in pieces."""
    writer = ArchiveWriter()
    yield from athlete_archive_chunks(writer, user, athlete, progress=progress)
    yield from writer.close()


def roster_export_stream(user, athletes: Iterable[AthleteProfile], *, progress: Progress | None = None):
    """One zip with each athlete's full export in its own folder ('<name>-<public_id>/')."""
    athletes = list(athletes)
    total = sum(athlete_export_count(athlete) for athlete in athletes)
    finished = 0
    writer = ArchiveWriter()
    for athlete in athletes:
        # The public id verbatim (URL-safe, so file-safe): slugging it would fold case and could merge two.
        folder = f"{export_filename(athlete.name, extension='').rstrip('.')}-{athlete.public_id}/"

        def athlete_progress(done: int, _total: int, before: int = finished) -> None:
            if progress is not None:
                progress(before + done, total)

        yield from athlete_archive_chunks(writer, user, athlete, folder=folder, progress=athlete_progress)
        finished += athlete_export_count(athlete)
    yield from writer.close()


def athlete_export_filename(athlete: AthleteProfile) -> str:
    today = timezone.localdate(timezone=athlete.tzinfo).isoformat()
    return export_filename(athlete.name, "export", today, extension="zip")


def roster_export_filename(user) -> str:
    return export_filename(user.username, "roster-export", timezone.localdate().isoformat(), extension="zip")
