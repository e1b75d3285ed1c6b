"""Writes of the activities app: the import pipeline (design.md §1), reprocessing and deletion.

`activity_import` is the one way an activity comes into being, whatever the source: raw bytes in, an
ImportRecord out (imported, duplicate or error), and on success an Activity with its laps and streams file,
written together or not at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

import trackfiles
from trackfiles.sniff import GZIP_MAGIC
from vault.activities import storage
from vault.activities.models import Activity, ImportRecord, ImportStatus, Lap, StoredOriginal

log = logging.getLogger(__name__)

TRAINER_SUB_SPORTS = {"indoor_cycling", "treadmill", "virtual_activity", "indoor_running", "indoor_rowing"}
NEW_FTP_WINDOW_S = 1200  # a 20-minute best whose 95% beats the FTP in force suggests a new FTP
FTP_FROM_20MIN = 0.95


@dataclass
class ImportOutcome:
    status: str  # "imported" | "duplicate" | "error"
    activity: Activity | None
    message: str
    warnings: list[str]
    record: ImportRecord

    def as_result(self) -> dict[str, Any]:
        """The per-file answer of the upload API, job results and the CLI table."""
        return {
            "file": self.record.name,
            "status": self.status,
            "activity": self.activity.pk if self.activity else None,
            "message": self.message,
            "warnings": self.warnings,
        }


@dataclass
class _Attempt:
    athlete: Any
    filename: str
    sha256: str
    source_kind: str
    source_id: int | None
    written: list[str] = field(default_factory=list)  # storage names this attempt wrote

    def outcome(self, status: str, *, message: str = "", warnings=(), activity=None) -> ImportOutcome:
        record = ImportRecord.objects.create(
            athlete=self.athlete,
            source_kind=self.source_kind,
            source_id=self.source_id,
            name=self.filename[:255],
            sha256=self.sha256,
            status=status,
            message=message,
            warnings=list(warnings),
            activity=activity,
        )
        return ImportOutcome(ImportStatus(status).value, activity, message, list(warnings), record)

    def duplicate_of(self, existing: Activity) -> ImportOutcome:
        return self.outcome(
            ImportStatus.DUPLICATE,
            message=f"{self.filename}: already imported as activity {existing.pk} ({existing.display_name})",
            activity=existing,
        )

    def error(self, problem: str) -> ImportOutcome:
        message = problem if problem.startswith(f"{self.filename}:") else f"{self.filename}: {problem}"
        return self.outcome(ImportStatus.ERROR, message=message)

    def remove_written(self, original: StoredOriginal | None) -> None:
        """Undo this attempt's files: streams always, the original only if we wrote it and nobody uses it."""
        for name in self.written:
            if original is not None and name == original.name:
                storage.original_release(original)
            else:
                storage.streams_delete(name)


def import_record_error(
    *,
    athlete,
    name: str,
    message: str,
    source_kind: str,
    source_id: int | None = None,
    status: str = ImportStatus.ERROR,
) -> ImportRecord:
    """Log a file refused before it reached the pipeline (an unsafe or oversized archive entry, ...), or,
    with status `skipped`, an entry with nothing to import (a manual activity listed in activities.csv)."""
    return ImportRecord.objects.create(
        athlete=athlete,
        source_kind=source_kind,
        source_id=source_id,
        name=name[:255],
        status=status,
        message=message,
    )


# --- reading an original --------------------------------------------------------------------------------------

CONNECTOR_CONTENT_TYPE = "application/json"
_FORMAT_CONTENT_TYPES = {
    "fit": "application/vnd.ant.fit",
    "gpx": "application/gpx+xml",
    "tcx": "application/vnd.garmin.tcx+xml",
}


def connector_recording(data: bytes, filename: str):
    """The Recording of a Strava or NRC API activity, whose stored original is the connector's JSON; None
    for anything else (a FIT/GPX/TCX file).

    The one place that knows this: the import from a full export and `activity_reprocess` (and through it the
    threshold recompute) both rebuild such activities here. A JSON original that no longer reads raises
    DecodeError naming the file, as a damaged FIT file would, so every caller handles both alike.
    """
    if not filename.endswith(".json") or data.lstrip()[:1] != b"{":
        return None
    try:
        payload = json.loads(data)
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    try:
        if "strava_activity" in payload:
            from vault.sources.connectors.strava.recording import to_recording

            return to_recording(payload["strava_activity"], payload.get("streams"))
        if "nrc_activity" in payload:
            from vault.sources.connectors.nrc.recording import to_recording

            return to_recording(payload["nrc_activity"])
    except (ValueError, TypeError, KeyError) as exc:  # the connectors' ActivityDataError is a ValueError
        raise trackfiles.DecodeError(f"{filename}: the stored API activity cannot be read ({exc})") from exc
    return None


def recording_of_original(data: bytes, filename: str):
    """Decode a stored original, whatever made it: a device file or a connector's JSON."""
    recording = connector_recording(data, filename)
    if recording is None:
        recording = trackfiles.decode(data, filename=filename)
    return recording


def content_type_of(data: bytes, recording) -> str:
    """The original's media type from what its bytes are (not from the first uploader's file name)."""
    if data[:2] == GZIP_MAGIC:
        return "application/gzip"
    fmt = getattr(recording, "source_format", "") or ""
    if fmt in _FORMAT_CONTENT_TYPES:
        return _FORMAT_CONTENT_TYPES[fmt]
    if data.lstrip()[:1] == b"{":  # a connector's JSON original (its recording has no file format)
        return CONNECTOR_CONTENT_TYPE
    return "application/octet-stream"


def _existing_activity(athlete, sha256: str, external_id: str) -> Activity | None:
    found = Activity.objects.filter(athlete=athlete, sha256=sha256).first()
    if found is None and external_id:
        found = Activity.objects.filter(athlete=athlete, external_id=external_id).first()
    return found


def activity_import(
    *,
    athlete,
    data: bytes,
    filename: str,
    source_kind: str = "upload",
    source_id: int | None = None,
    external_id: str = "",
    name: str = "",
    sport: str = "",
    description: str = "",
    gear: str = "",
    recording=None,
    created_by=None,
) -> ImportOutcome:
    """Import one file for `athlete`. Never raises for bad input: the outcome (and its ImportRecord) says."""
    attempt = _Attempt(
        athlete=athlete,
        filename=filename or "unnamed file",
        sha256=hashlib.sha256(data).hexdigest(),
        source_kind=source_kind,
        source_id=source_id,
    )
    existing = _existing_activity(athlete, attempt.sha256, external_id)
    if existing is not None:
        return attempt.duplicate_of(existing)
    try:
        if recording is None:
            recording = trackfiles.decode(data, filename=attempt.filename)
        measured = measure(athlete=athlete, recording=recording, sport=sport)
    except (trackfiles.DecodeError, MeasureError) as exc:
        return attempt.error(str(exc))
    except Exception as exc:  # a bug of ours on odd data: this file fails, the batch goes on
        log.exception("measuring %s failed", attempt.filename)
        return attempt.error(f"could not be measured ({type(exc).__name__}: {exc})")

    original = None
    try:
        original, attempt.written = storage.original_store(
            data=data, sha256=attempt.sha256, content_type=content_type_of(data, recording)
        )
        streams_name = storage.streams_store(recording.streams)
        attempt.written.append(streams_name)
        with transaction.atomic():
            activity = Activity.objects.create(
                athlete=athlete,
                sport=sport or recording.sport or "generic",
                sub_sport=recording.sub_sport or "",
                start_time=recording.start_time,
                name=(name or recording.name or "")[:200],
                description=description,
                gear=gear[:200],
                source_kind=source_kind,
                external_id=external_id,
                sha256=attempt.sha256,
                original=original,
                original_filename=attempt.filename[:255],
                streams_file=streams_name,
                summary=measured.summary,
                file_summary=measured.file_summary,
                device=json_safe(dataclasses.asdict(recording.device)),
                trainer=(recording.sub_sport or "") in TRAINER_SUB_SPORTS,
                warnings=list(recording.warnings),
                created_by=created_by,
            )
            Lap.objects.bulk_create(_laps_of(activity, recording))
            outcome = attempt.outcome(
                ImportStatus.IMPORTED,
                message=f"{attempt.filename}: imported",
                warnings=recording.warnings,
                activity=activity,
            )
    except IntegrityError:
        # Another worker imported the same file (or the same external activity) a moment ago.
        attempt.remove_written(original)
        existing = _existing_activity(athlete, attempt.sha256, external_id)
        if existing is None:  # the constraint fired but its row is gone again (deleted meanwhile)
            return attempt.error(
                "could not be stored: it clashed with an activity that has since been deleted"
            )
        return attempt.duplicate_of(existing)
    except Exception as exc:  # a failure of ours must not leave files behind or stop a batch
        log.exception("import of %s failed", attempt.filename)
        attempt.remove_written(original)
        return attempt.error(f"could not be stored ({type(exc).__name__}: {exc})")
    try:
        suggest_new_bests(activity=activity, thresholds=measured.thresholds)
    except Exception:  # the activity is in; a failed suggestion must not turn that into an error
        log.exception("new-best suggestions for activity %s failed", activity.pk)
    return outcome


# --- measuring ---------------------------------------------------------------------------------------------


class MeasureError(Exception):
    """The recording cannot be measured (no start time, or trainingmath refused its streams)."""


@dataclass
class Measured:
    summary: dict
    file_summary: dict
    thresholds: dict


THRESHOLD_METRICS = {
    # summarize_activity argument -> metric_type (metric history keeps SI values; paces as speeds in m/s).
    # Also the list whose changes recompute activities (vault/calculators/signals.py reads it).
    "ftp_w": "ftp",
    "threshold_hr": "threshold_hr",
    "max_hr": "max_hr",
    "resting_hr": "resting_hr",
    "threshold_pace_s_per_km": "threshold_run_pace",
    "css_m_per_s": "css_pace",
    "weight_kg": "weight",
    "cp_w": "critical_power",
    "w_prime_j": "w_prime",
}


def thresholds_on(athlete, on_date: dt.date) -> dict[str, float | None]:
    """The thresholds in force on `on_date`, as summarize_activity's keyword arguments."""
    from vault.metrics.selectors import metric_value_on

    values = {
        argument: metric_value_on(athlete, metric_type, on_date)
        for argument, metric_type in THRESHOLD_METRICS.items()
    }
    if values["threshold_pace_s_per_km"]:
        values["threshold_pace_s_per_km"] = 1000.0 / values["threshold_pace_s_per_km"]
    return values


def measure(*, athlete, recording, sport: str = "") -> Measured:
    from trainingmath import InvalidInput
    from trainingmath.summary import summarize_activity

    if recording.start_time is None:
        raise MeasureError("the file has no timestamps, so the activity cannot be placed in time")
    on_date = recording.start_time.astimezone(athlete.tzinfo).date()
    thresholds = thresholds_on(athlete, on_date)
    try:
        summary = summarize_activity(
            recording.streams,
            sport=sport or recording.sport or "generic",
            lengths=recording.lengths or None,
            pool_length_m=recording.pool_length_m,
            sex="female"
            if athlete.sex == "female"
            else "male",  # the formulas know two tables; male is their default
            **thresholds,
        )
    except InvalidInput as exc:
        raise MeasureError(f"cannot be measured: {exc}") from exc
    file_summary = {"sessions": json_safe(recording.sessions)} if recording.sessions else {}
    return Measured(summary=json_safe(summary), file_summary=file_summary, thresholds=thresholds)


def _laps_of(activity: Activity, recording) -> list[Lap]:
    laps = []
    for index, lap in enumerate(recording.laps):
        summary = {k: v for k, v in lap.items() if k not in ("start_time", "elapsed_s", "distance_m")}
        laps.append(
            Lap(
                activity=activity,
                index=index,
                start_time=lap.get("start_time"),
                elapsed_s=_finite(lap.get("elapsed_s")),
                distance_m=_finite(lap.get("distance_m")),
                summary=json_safe(summary),
            )
        )
    return laps


def _finite(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def json_safe(value):
    """Plain JSON values: NaN and infinity -> None, numpy scalars/arrays -> Python, datetimes -> ISO text."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, np.generic):
        return json_safe(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


# --- new bests ---------------------------------------------------------------------------------------------


def best_power_w(summary: dict, seconds: int) -> float | None:
    """The mean-maximal power for `seconds` from a summary's power curve ([[duration_s, watts], ...])."""
    for duration, watts in summary.get("power_curve") or []:
        if duration == seconds:
            return _finite(watts)
    return None


def _pending_best(athlete, metric_type: str, on_date: dt.date) -> float | None:
    """The highest suggestion of this type still waiting for review, recorded on or before `on_date`."""
    from vault.metrics.models import WAITING_STATUSES, MetricHistory

    values = MetricHistory.objects.filter(
        athlete=athlete,
        metric_type=metric_type,
        recorded_on__lte=on_date,
        review_status__in=WAITING_STATUSES,
    ).values_list("value", flat=True)
    return max(values, default=None)


def suggest_new_bests(*, activity: Activity, thresholds: dict) -> list:
    """MetricHistory entries (needing review) for bests this activity sets beyond the values in force.

    - FTP only from rides: a running-power 20-minute best says nothing about the bike FTP.
    - With no FTP (or max HR) in force yet, the first ride with a 20-minute power (the first activity with
      a heart rate) suggests one: a new athlete's history starts from their files.
    - A suggestion already waiting for review counts as the bar to beat, so a batch of rides imported before
      anyone reviews makes one suggestion per real improvement, not one per ride.
    """
    from vault.metrics.services import metric_entry_create

    athlete = activity.athlete
    on_date = activity.start_time.astimezone(athlete.tzinfo).date()

    def beats(metric_type: str, in_force, value: float) -> bool:
        bars = [b for b in (in_force, _pending_best(athlete, metric_type, on_date)) if b]
        return not bars or value > max(bars)

    suggestions = []
    power_20min = best_power_w(activity.summary, NEW_FTP_WINDOW_S)
    if power_20min and activity.summary.get("sport_category") == "bike":
        ftp = round(FTP_FROM_20MIN * power_20min, 1)
        if beats("ftp", thresholds.get("ftp_w"), ftp):
            suggestions.append(("ftp", ftp))
    peak_hr = _finite(activity.summary.get("max_heart_rate"))
    if peak_hr and beats("max_hr", thresholds.get("max_hr"), peak_hr):
        suggestions.append(("max_hr", peak_hr))
    created = []
    for metric_type, value in suggestions:
        try:
            created.append(
                metric_entry_create(
                    athlete=athlete,
                    metric_type=metric_type,
                    value=value,
                    recorded_on=on_date,
                    source="activity",
                    source_detail=f"activity:{activity.pk}",
                    needs_review=True,
                )
            )
        except ValidationError as exc:  # e.g. a sensor spike outside the metric's plausible range
            log.info("no %s suggestion from activity %s: %s", metric_type, activity.pk, exc)
    return created


# --- reprocess and delete ----------------------------------------------------------------------------------


def activity_reprocess(*, activity: Activity) -> Activity:
    """Recompute every derived value (summary, laps, streams, device, warnings) from the stored original."""
    data = storage.original_read(activity.original)
    recording = recording_of_original(data, activity.original_filename)
    measured = measure(athlete=activity.athlete, recording=recording, sport=activity.sport)
    old_streams = activity.streams_file
    new_streams = storage.streams_store(recording.streams)
    try:
        with transaction.atomic():
            activity.sub_sport = recording.sub_sport or ""
            activity.start_time = recording.start_time
            activity.streams_file = new_streams
            activity.summary = measured.summary
            activity.file_summary = measured.file_summary
            activity.device = json_safe(dataclasses.asdict(recording.device))
            activity.trainer = activity.sub_sport in TRAINER_SUB_SPORTS
            activity.warnings = list(recording.warnings)
            activity.save()
            activity.laps.all().delete()
            Lap.objects.bulk_create(_laps_of(activity, recording))
            # Originals stored before the type came from the content carry the first uploader's guess.
            StoredOriginal.objects.filter(pk=activity.original_id).update(
                content_type=content_type_of(data, recording)
            )
    except Exception:
        storage.streams_delete(new_streams)
        raise
    transaction.on_commit(lambda: storage.streams_delete(old_streams))
    return activity


def activity_delete(*, activity: Activity) -> None:
    """Delete the activity; its streams file goes, its original too unless another activity shares it."""
    original, streams_name = activity.original, activity.streams_file
    with transaction.atomic():
        activity.delete()
        transaction.on_commit(
            lambda: (storage.streams_delete(streams_name), storage.original_release(original))
        )
