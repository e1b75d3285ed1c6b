"""Import of a full export (issue 6 §6): recreate an athlete and everything of theirs in another instance.

The archive is checked as a whole before anything is written: every entry name stays inside the archive,
manifest.json is readable and of a schema this instance knows, every file it lists is there with the SHA-256
it states, and nothing else is in the archive. Any problem refuses the whole archive with `ImportRefused`,
whose message names the file and what is wrong.

Then, in one transaction: the user and profile, races, threshold tests (assessments), metric history (before
the activities, so they are measured against the same thresholds), calculator results, activities through
`activity_import` from their originals (same hashes, same metrics; the new-best suggestions an import makes
are dropped, the archive carries the reviewed ones; sub-sport and trainer flag as they were), load
overrides and their audit, wellness, coach notes and comments. Every row is validated (full_clean) before it
is written, so a malformed row refuses the archive with a message naming the file, the table and the row. People the archive names (coaches who wrote
notes, reviewers) are matched by username, or created signed-out (no password, inactive) when absent.
A roster export holds one athlete per folder; each is imported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import posixpath
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from trackfiles import DecodeError
from vault.accounts.models import AthleteProfile, User
from vault.activities import storage
from vault.activities.archive import ArchiveError, archive_open, unsafe_name_problem
from vault.activities.models import Activity, StoredOriginal
from vault.activities.services import activity_import, connector_recording
from vault.calculators.models import Assessment, CalculatorResult, LoadOverride, LoadOverrideChange, Race
from vault.coaching.models import ActivityComment, CoachNote, WellnessEntry
from vault.exports.zipexport import ASSESSMENT_DETAIL_PREFIX, MANIFEST_NAME, SCHEMA_VERSION
from vault.metrics.models import MetricHistory

HASH_CHUNK = 1 << 20
_SUGGESTION_ORIGIN = re.compile(r"activity-sha256:([0-9a-f]{64})\Z")
# Tables added after the first archives were written: an archive without them simply has none.
OPTIONAL_TABLES = ("assessments", "load_overrides", "load_override_changes")

Progress = Callable[[int, int], None]


class ImportRefused(Exception):
    """The archive is damaged or cannot be imported here; nothing was written."""


@dataclass
class AthleteImported:
    athlete: AthleteProfile
    counts: dict[str, int]


@dataclass
class _Folder:
    """One athlete's export inside the archive ('' for a single export, 'name-id/' in a roster export)."""

    prefix: str
    manifest: dict[str, Any]
    people: dict[str, User] = field(default_factory=dict)


def _refuse(archive_name: str, problem: str) -> ImportRefused:
    return ImportRefused(f"{archive_name}: {problem}; nothing was imported")


def _require(mapping: Any, key: str, kind: type, where: str, archive_name: str) -> Any:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    if not isinstance(value, kind):
        raise _refuse(archive_name, f"{where} lacks {key!r} (or it is not a {kind.__name__})")
    return value


def _sha256_of(archive, name: str) -> str:
    digest = hashlib.sha256()
    with archive.open(name) as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest_folders(archive, archive_name: str) -> list[str]:
    names = archive.namelist()
    if MANIFEST_NAME in names:
        return [""]
    folders = sorted(
        name[: -len(MANIFEST_NAME)]
        for name in names
        if name.count("/") == 1 and name.endswith("/" + MANIFEST_NAME)
    )
    if not folders:
        raise _refuse(
            archive_name, f"no {MANIFEST_NAME} found, so this is not a full export of Athlete Vault"
        )
    return folders


def _read_manifest(archive, prefix: str, archive_name: str) -> dict[str, Any]:
    where = prefix + MANIFEST_NAME
    try:
        manifest = json.loads(archive.read(where))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _refuse(archive_name, f"{where} is not valid JSON ({exc})") from exc
    if not isinstance(manifest, dict):
        raise _refuse(archive_name, f"{where} is not a JSON object")
    version = manifest.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _refuse(archive_name, f"{where} has no valid schema_version")
    if version > SCHEMA_VERSION:
        raise _refuse(
            archive_name,
            f"{where} has schema version {version}, newer than the {SCHEMA_VERSION} this instance reads "
            "(upgrade this instance first)",
        )
    _require(manifest, "athlete", dict, where, archive_name)
    _require(manifest["athlete"], "username", str, f"{where} athlete", archive_name)
    _require(manifest, "files", dict, where, archive_name)
    for key in (
        "races",
        "calculator_results",
        "metrics",
        "wellness",
        "coach_notes",
        "comments",
        "activities",
    ):
        _require(manifest, key, list, where, archive_name)
    for key in OPTIONAL_TABLES:
        manifest.setdefault(key, [])
        _require(manifest, key, list, where, archive_name)
    _require(manifest, "people", dict, where, archive_name)
    return manifest


def _check_files(archive, folders: list[_Folder], archive_name: str) -> None:
    """Every entry name safe, every listed file present with its hash, nothing unlisted in the archive."""
    present = {}
    for info in archive.infolist():
        problem = unsafe_name_problem(info.filename)
        if problem:
            raise _refuse(archive_name, f"entry {info.filename!r} points outside the archive ({problem})")
        if not info.is_dir():
            present[info.filename] = info
    listed = {folder.prefix + MANIFEST_NAME for folder in folders}
    for folder in folders:
        files = folder.manifest["files"]
        for path, info in files.items():
            if unsafe_name_problem(path) or path.startswith("/") or posixpath.normpath(path) != path:
                raise _refuse(archive_name, f"the manifest names {path!r}, a path outside the archive")
            full = folder.prefix + path
            if full not in present:
                raise _refuse(archive_name, f"{full} is listed in the manifest but missing from the archive")
            expected = info.get("sha256") if isinstance(info, dict) else None
            actual = _sha256_of(archive, full)
            if actual != expected:
                raise _refuse(
                    archive_name,
                    f"{full} is damaged: its SHA-256 is {actual}, the manifest says {expected}",
                )
            listed.add(full)
        for activity in folder.manifest["activities"]:
            original = activity.get("original") if isinstance(activity, dict) else None
            if original not in files:
                raise _refuse(
                    archive_name,
                    f"an activity's original {original!r} is not among the manifest's files",
                )
    extra = sorted(set(present) - listed)
    if extra:
        raise _refuse(archive_name, f"{extra[0]} is in the archive but not in its manifest")


def _check_users(folders: list[_Folder], athlete_username: str | None, archive_name: str) -> None:
    if athlete_username and len(folders) > 1:
        raise _refuse(archive_name, "--athlete-username needs an export of one athlete, not a roster export")
    for folder in folders:
        username = athlete_username or folder.manifest["athlete"]["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise _refuse(
                archive_name,
                f"a user named {username!r} already exists here; choose another name (--athlete-username)",
            )


def _when(value: str | None) -> dt.datetime | None:
    return parse_datetime(value) if value else None


def _stamp(value: str | None) -> dt.datetime:
    """A creation time from the archive; an archive without one gets the moment of import."""
    return _when(value) or timezone.now()


def _day(value: str | None) -> dt.date | None:
    return parse_date(value) if value else None


def _person(folder: _Folder, username: str | None) -> User | None:
    """The user the archive names: this import's athlete, someone of that name here, or a signed-out stand-in."""
    if not username:
        return None
    if username not in folder.people:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username, role=folder.manifest["people"].get(username, "coach"), is_active=False
            )
            user.set_unusable_password()
            user.save()
        folder.people[username] = user
    return folder.people[username]


@dataclass
class _Written:
    """Files an import may have put into storage, to take out again when its transaction rolls back."""

    streams: list[str] = field(default_factory=list)
    original_hashes: list[str] = field(default_factory=list)

    def remove_orphans(self) -> None:
        for name in self.streams:
            storage.streams_delete(name)
        for sha256 in self.original_hashes:
            if not StoredOriginal.objects.filter(sha256=sha256).exists():
                default_storage.delete(storage.original_name(sha256))


class _Recreation:
    """Writes one athlete's folder of the archive, table by table, in the order the data depends on."""

    def __init__(self, archive, folder: _Folder, archive_name: str, written: _Written) -> None:
        self.archive, self.folder, self.archive_name, self.written = archive, folder, archive_name, written
        self.manifest = folder.manifest
        self.races: dict[int, Race] = {}
        self.activities: dict[str, Activity] = {}  # by sha256, which the archive names them by

    def person(self, username: str | None) -> User | None:
        return _person(self.folder, username)

    def rows(self, table: str) -> Iterator[tuple[dict, AbstractContextManager]]:
        """The manifest's rows of `table`, each with a context to write it in: any problem inside refuses the
        archive naming the table and the row."""
        for index, row in enumerate(self.manifest[table]):
            with self._row(table, index):
                if not isinstance(row, dict):
                    raise TypeError("a row is not a JSON object")
            yield row, self._row(table, index)

    @contextmanager
    def _row(self, table: str, index: int):
        where = f"{self.folder.prefix}{MANIFEST_NAME} {table} row {index + 1}"
        try:
            yield
        except ValidationError as exc:
            raise _refuse(
                self.archive_name, f"{where} holds a value this instance refuses ({_problems(exc)})"
            ) from exc
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _refuse(self.archive_name, f"{where} is malformed ({type(exc).__name__}: {exc})") from exc

    def activity(self, sha256) -> Activity:
        activity = self.activities.get(sha256)
        if activity is None:
            raise ValueError(f"it names an activity ({sha256!r}) the archive does not hold")
        return activity

    def race(self, key) -> Race | None:
        return self.races.get(key) if key is not None else None

    def run(self, athlete_username: str | None, progress: Progress | None) -> AthleteImported:
        self.athlete = self.profile(athlete_username)
        self.recreate_races()
        self.recreate_assessments()
        last_metric = self.recreate_metrics()
        self.recreate_calculator_results()
        self.recreate_activities(last_metric, progress)
        self.recreate_load_overrides()
        self.recreate_wellness()
        self.recreate_notes()
        self.recreate_comments()
        counts = {
            key: len(self.manifest[key]) for key in self.manifest.get("counts", {}) if key in self.manifest
        }
        return AthleteImported(athlete=self.athlete, counts=counts)

    def profile(self, athlete_username: str | None) -> AthleteProfile:
        profile = self.manifest["athlete"]
        user = User(
            username=athlete_username or profile["username"],
            email=profile.get("email") or "",
            first_name=profile.get("first_name") or "",
            last_name=profile.get("last_name") or "",
            role="athlete",
        )
        user.set_unusable_password()  # the athlete sets one through "forgot password" or an admin
        user.save()
        self.folder.people[profile["username"]] = user
        athlete = AthleteProfile(
            user=user,
            name=profile.get("name") or user.username,
            sex=profile.get("sex") or "unspecified",
            birth_date=_day(profile.get("birth_date")),
            time_zone=profile.get("time_zone") or "UTC",
            units=profile.get("units") or "metric",
        )
        public_id = profile.get("public_id")
        if public_id and not AthleteProfile.objects.filter(public_id=public_id).exists():
            athlete.public_id = public_id  # kept where it is free, so links and notes keep working
        athlete.full_clean(exclude=["user"])
        athlete.save()
        AthleteProfile.objects.filter(pk=athlete.pk).update(created_at=_stamp(profile.get("created_at")))
        return athlete

    def recreate_races(self) -> None:
        for row, refusing in self.rows("races"):
            with refusing:
                race = Race(
                    athlete=self.athlete,
                    **{k: row.get(k) for k in ("name", "distance", "legs", "elevation_gain_m", "altitude_m")},
                    date=_day(row["date"]),
                    expected_temperature_c=row.get("expected_temperature_c"),
                    priority=row.get("priority") or "B",
                    notes=row.get("notes") or "",
                )
                race.full_clean(exclude=["athlete", "created_by"])
                race.save()
                Race.objects.filter(pk=race.pk).update(created_at=_stamp(row.get("created_at")))
                self.races[row.get("key")] = race

    def recreate_assessments(self) -> None:
        """Threshold tests as done; their metric entries follow with the metric history, which names them."""
        self.assessments: dict[int, Assessment] = {}
        for row, refusing in self.rows("assessments"):
            with refusing:
                assessment = Assessment(
                    athlete=self.athlete,
                    kind=row["kind"],
                    tested_on=_day(row["tested_on"]),
                    inputs=row.get("inputs") or {},
                    outputs=row.get("outputs") or {},
                    notes=row.get("notes") or "",
                    created_by=self.person(row.get("created_by")),
                )
                assessment.full_clean(exclude=["athlete", "inputs", "outputs"])
                assessment.save()
                Assessment.objects.filter(pk=assessment.pk).update(created_at=_stamp(row.get("created_at")))
                self.assessments[row.get("key")] = assessment

    def metric_detail(self, detail: str) -> str:
        """'assessment-key:<n>' back to what the recreated test's entries say (its new id in the text)."""
        if detail.startswith(ASSESSMENT_DETAIL_PREFIX):
            key = detail.removeprefix(ASSESSMENT_DETAIL_PREFIX)
            assessment = self.assessments.get(int(key)) if key.isdigit() else None
            if assessment is None:
                raise ValueError(f"its source names a test ({detail!r}) the archive does not hold")
            return assessment.source_detail
        return detail

    def recreate_metrics(self) -> int:
        """Every metric-history row as it was (review state included); returns the last id before activities."""
        entries = []
        for row, refusing in self.rows("metrics"):
            with refusing:
                entry = MetricHistory(
                    athlete=self.athlete,
                    **{
                        k: row.get(k)
                        for k in (
                            "metric_type",
                            "value",
                            "value_display",
                            "source",
                            "needs_review",
                            "review_status",
                        )
                    },
                    recorded_on=_day(row["recorded_on"]),
                    source_detail=self.metric_detail(row.get("source_detail") or ""),
                    review_note=row.get("review_note") or "",
                    reviewed_by=self.person(row.get("reviewed_by")),
                    reviewed_at=_when(row.get("reviewed_at")),
                    created_by=self.person(row.get("created_by")),
                    created_at=_stamp(row.get("created_at")),
                )
                entry.full_clean(exclude=["athlete", "reviewed_by", "created_by"])
                entries.append(entry)
        MetricHistory.objects.bulk_create(entries)
        return MetricHistory.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def recreate_calculator_results(self) -> None:
        for row, refusing in self.rows("calculator_results"):
            with refusing:
                result = CalculatorResult.objects.create(
                    athlete=self.athlete,
                    calculator_type=row["calculator_type"],
                    race=self.race(row.get("race")),
                    inputs=row.get("inputs") or {},
                    outputs=row.get("outputs") or {},
                    is_active=bool(row.get("is_active")),
                    created_by=self.person(row.get("created_by")),
                )
                CalculatorResult.objects.filter(pk=result.pk).update(created_at=_stamp(row.get("created_at")))

    def recreate_activities(self, last_metric: int, progress: Progress | None) -> None:
        rows = self.manifest["activities"]
        for done, (row, refusing) in enumerate(self.rows("activities"), start=1):
            with refusing:
                data = self.archive.read(self.folder.prefix + row["original"])
                filename = row.get("original_filename") or posixpath.basename(row["original"])
                self.written.original_hashes.append(hashlib.sha256(data).hexdigest())
                try:  # Strava/NRC API activities: their original is the connector's JSON (one shared reader)
                    recording = connector_recording(data, filename)
                except DecodeError as exc:
                    raise _refuse(
                        self.archive_name,
                        f"{self.folder.prefix}{row['original']} could not be imported: {exc}",
                    ) from exc
                outcome = activity_import(
                    athlete=self.athlete,
                    data=data,
                    filename=filename,
                    source_kind=row.get("source_kind") or "upload",
                    external_id=row.get("external_id") or "",
                    name=row.get("name") or "",
                    sport=row.get("sport") or "",
                    description=row.get("description") or "",
                    gear=row.get("gear") or "",
                    recording=recording,
                    created_by=self.athlete.user,
                )
                if outcome.status != "imported":
                    raise _refuse(
                        self.archive_name,
                        f"{self.folder.prefix}{row['original']} could not be imported: {outcome.message}",
                    )
                activity = outcome.activity
                self.written.streams.append(activity.streams_file)
                # What the file says unless someone corrected it (an indoor ride the file calls a road ride).
                kept = {name: row[name] for name in ("sub_sport", "trainer") if name in row}
                if kept and any(getattr(activity, name) != value for name, value in kept.items()):
                    for name, value in kept.items():
                        setattr(activity, name, value)
                    # Only these two are checked: the rest came from the import itself just now.
                    others = [f.name for f in Activity._meta.fields if f.name not in kept]
                    activity.full_clean(exclude=others, validate_unique=False, validate_constraints=False)
                    activity.save(update_fields=list(kept))
                # The archive carries the suggestions the original import made, with their review state.
                MetricHistory.objects.filter(
                    athlete=self.athlete,
                    pk__gt=last_metric,
                    source="activity",
                    source_detail=f"activity:{activity.pk}",
                ).delete()
                self.activities[activity.sha256] = activity
                if progress is not None:
                    progress(done, len(rows))
        suggestions = MetricHistory.objects.filter(
            athlete=self.athlete, source_detail__startswith="activity-sha256:"
        )
        for entry in suggestions:
            match = _SUGGESTION_ORIGIN.match(entry.source_detail)
            if match and match.group(1) in self.activities:
                entry.source_detail = f"activity:{self.activities[match.group(1)].pk}"
                entry.save(update_fields=["source_detail"])

    def recreate_load_overrides(self) -> None:
        """Overridden loads and the audit of every change, with who made them and when."""
        for row, refusing in self.rows("load_overrides"):
            with refusing:
                override = LoadOverride(
                    activity=self.activity(row.get("activity")),
                    load=row["load"],
                    note=row.get("note") or "",
                    set_by=self.person(row.get("set_by")),
                )
                override.full_clean()
                override.save()
                LoadOverride.objects.filter(pk=override.pk).update(set_at=_stamp(row.get("set_at")))
        for row, refusing in self.rows("load_override_changes"):
            with refusing:
                change = LoadOverrideChange(
                    activity=self.activity(row.get("activity")),
                    **{k: row.get(k) for k in ("old_load", "new_load", "computed_load")},
                    note=row.get("note") or "",
                    changed_by=self.person(row.get("changed_by")),
                )
                change.full_clean()
                change.save()
                LoadOverrideChange.objects.filter(pk=change.pk).update(
                    changed_at=_stamp(row.get("changed_at"))
                )

    def recreate_wellness(self) -> None:
        for row, refusing in self.rows("wellness"):
            with refusing:
                values = {k: v for k, v in row.items() if k not in ("date", "created_by", "created_at")}
                entry = WellnessEntry(
                    athlete=self.athlete,
                    date=_day(row["date"]),
                    created_by=self.person(row.get("created_by")),
                    **values,
                )
                entry.full_clean(exclude=["athlete", "created_by"])
                entry.save()
                WellnessEntry.objects.filter(pk=entry.pk).update(created_at=_stamp(row.get("created_at")))

    def recreate_notes(self) -> None:
        for row, refusing in self.rows("coach_notes"):
            with refusing:
                activity_sha = row.get("activity")
                note = CoachNote(
                    athlete=self.athlete,
                    author=self.person(row.get("author")),
                    body=row.get("body") or "",
                    domain=row.get("domain") or "general",
                    activity=self.activity(activity_sha) if activity_sha else None,
                    race=self.race(row.get("race")),
                    visible_to_athlete=bool(row.get("visible_to_athlete")),
                    concerning=bool(row.get("concerning")),
                    athlete_seen_at=_when(row.get("athlete_seen_at")),
                )
                note.full_clean()  # an author-less or empty note is refused here, naming its row
                note.save()
                CoachNote.objects.filter(pk=note.pk).update(
                    created_at=_stamp(row.get("created_at")), updated_at=_stamp(row.get("updated_at"))
                )

    def recreate_comments(self) -> None:
        for row, refusing in self.rows("comments"):
            with refusing:
                comment = ActivityComment(
                    activity=self.activity(row.get("activity")),
                    author=self.person(row.get("author")),
                    body=row.get("body") or "",
                )
                comment.full_clean()
                comment.save()
                ActivityComment.objects.filter(pk=comment.pk).update(
                    created_at=_stamp(row.get("created_at")), edited_at=_when(row.get("edited_at"))
                )


def _problems(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
    return " ".join(error.messages)


def export_import(
    *, fileobj, archive_name: str, athlete_username: str | None = None, progress: Progress | None = None
) -> list[AthleteImported]:
    """Check the archive, then recreate each athlete it holds. Raises ImportRefused, having written nothing."""
    try:
        archive = archive_open(fileobj, archive_name=archive_name)
    except ArchiveError as exc:
        raise ImportRefused(f"{exc}; nothing was imported") from exc
    with archive:
        folders = [
            _Folder(prefix, _read_manifest(archive, prefix, archive_name))
            for prefix in _manifest_folders(archive, archive_name)
        ]
        _check_files(archive, folders, archive_name)
        _check_users(folders, athlete_username, archive_name)
        written = _Written()
        try:
            with transaction.atomic():
                return [
                    _Recreation(archive, folder, archive_name, written).run(athlete_username, progress)
                    for folder in folders
                ]
        except Exception as exc:
            written.remove_orphans()
            if isinstance(exc, ImportRefused):
                raise
            if isinstance(exc, ValidationError):
                raise _refuse(
                    archive_name, f"the manifest holds a value this instance refuses: {exc}"
                ) from exc
            if isinstance(exc, KeyError | TypeError | ValueError | AttributeError):
                raise _refuse(
                    archive_name, f"{MANIFEST_NAME} is malformed ({type(exc).__name__}: {exc})"
                ) from exc
            raise
