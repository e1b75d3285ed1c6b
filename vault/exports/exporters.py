"""The CSV exports: metric history, calculator results and race plans (issue 2); wellness, coach notes,
comments and activities (issue 6).

Each takes an athlete (or race) the caller has already been allowed to see and answers a streaming download.
`*_table` functions give (header, lazy rows) so the full export writes the very same files into its zip.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone

from vault.accounts.models import AthleteProfile
from vault.activities.models import Activity
from vault.calculators.models import CalculatorResult, Race
from vault.calculators.selectors import active_results_for_race
from vault.coaching.models import ActivityComment, WellnessEntry
from vault.coaching.selectors import notes_visible_to
from vault.coaching.services import WELLNESS_FIELDS
from vault.exports.csv import csv_response, export_filename
from vault.metrics.models import MetricHistory

ITERATOR_CHUNK = 2000

METRICS_HEADER = (
    "metric_type",
    "value",
    "value_display",
    "date",
    "source",
    "source_detail",
    "needs_review",
)


def _today_name(athlete: AthleteProfile) -> str:
    return timezone.localdate(timezone=athlete.tzinfo).isoformat()


def metrics_rows(athlete: AthleteProfile) -> Iterator[tuple]:
    return (
        MetricHistory.objects.filter(athlete=athlete)
        .order_by("recorded_on", "id")
        .values_list(
            "metric_type",
            "value",
            "value_display",
            "recorded_on",
            "source",
            "source_detail",
            "needs_review",
        )
        .iterator(chunk_size=ITERATOR_CHUNK)
    )


def metrics_csv(athlete: AthleteProfile) -> StreamingHttpResponse:
    """One row per MetricHistory entry, oldest first."""
    filename = export_filename(athlete.name, "metrics", _today_name(athlete))
    return csv_response(filename, METRICS_HEADER, metrics_rows(athlete))


def flatten_outputs(outputs: Any, prefix: str = "") -> dict[str, Any]:
    """Nested objects become dotted keys ({"zones": {"z1": 1}} -> "zones.z1"); lists stay whole, as JSON."""
    if not isinstance(outputs, dict):
        return {prefix.rstrip(".") or "value": outputs}
    flat: dict[str, Any] = {}
    for key, value in outputs.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten_outputs(value, f"{name}."))
        elif isinstance(value, list | dict):
            flat[name] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        else:
            flat[name] = value
    return flat


CALCULATOR_RESULTS_HEADER = ("calculator_type", "race", "date_created")


def _local_time(value, tz) -> str | None:
    return value.astimezone(tz).isoformat(timespec="seconds") if value is not None else None


def calculator_results_table(athlete: AthleteProfile) -> tuple[tuple[str, ...], Iterator[list]]:
    """One row per saved result, oldest first; one column per output key, the union over all rows in
    alphabetical order (stable whatever order the database keeps JSON keys in)."""
    results = CalculatorResult.objects.filter(athlete=athlete).order_by("created_at", "id")
    output_keys: set[str] = set()
    for outputs in results.values_list("outputs", flat=True).iterator(chunk_size=ITERATOR_CHUNK):
        output_keys.update(flatten_outputs(outputs))
    columns = sorted(output_keys)
    tz = athlete.tzinfo

    def rows() -> Iterator[list]:
        for calculator_type, race_name, created_at, outputs in results.values_list(
            "calculator_type", "race__name", "created_at", "outputs"
        ).iterator(chunk_size=ITERATOR_CHUNK):
            flat = flatten_outputs(outputs)
            yield [
                calculator_type,
                race_name,
                _local_time(created_at, tz),
                *(flat.get(column) for column in columns),
            ]

    return (*CALCULATOR_RESULTS_HEADER, *columns), rows()


def calculator_results_csv(athlete: AthleteProfile) -> StreamingHttpResponse:
    filename = export_filename(athlete.name, "calculator-results", _today_name(athlete))
    return csv_response(filename, *calculator_results_table(athlete))


# The race plan, one row. Each column: (header, calculator type, output name). Output names are design.md §6's.
PLAN_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("css_pace_s_per_100m", "css", "css_pace_s_per_100m"),
    ("css_m_per_s", "css", "css_m_per_s"),
    ("cp_w", "critical_power", "cp_w"),
    ("target_bike_power_w", "bike_plan", "power_w"),
    ("target_bike_np_w", "bike_plan", "np_w"),
    ("bike_tss", "bike_plan", "tss"),
    ("projected_bike_time_s", "bike_plan", "bike_time_s"),
    ("cda_m2", "cda", "cda_m2"),
    ("projected_total_time_s", "finish_time", "total_s"),
    ("swim_s", "finish_time", "swim_s"),
    ("t1_s", "finish_time", "t1_s"),
    ("bike_s", "finish_time", "bike_s"),
    ("t2_s", "finish_time", "t2_s"),
    ("run_s", "finish_time", "run_s"),
    ("total_kcal", "calories", "total_kcal"),
    ("carbs_g_per_h", "fueling", "carbs_g_per_h"),
    ("fluid_ml_per_h", "fueling", "fluid_ml_per_h"),
    ("sodium_mg_per_h", "fueling", "sodium_mg_per_h"),
)
PLAN_LEGS = ("swim", "bike", "run")
PLAN_HEADER = (
    "race",
    "date",
    "distance",
    "athlete",
    "target_swim_pace_s_per_100m",
    *(header for header, _, _ in PLAN_COLUMNS),
    *(f"{sport}_kcal" for sport in PLAN_LEGS),
    "fueling_summary",
)


def _number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _target_swim_pace(race: Race, finish: CalculatorResult | None) -> float | None:
    """The race swim pace the finish-time plan used: its input, else its swim split over the swim distance."""
    if finish is None:
        return None
    pace = _number(finish.outputs.get("swim_pace_s_per_100m")) or _number(
        finish.inputs.get("swim_pace_s_per_100m")
    )
    swim_s, swim_m = _number(finish.outputs.get("swim_s")), race.leg_distance_m("swim")
    if pace is None and swim_s and swim_m:
        pace = round(swim_s / swim_m * 100, 1)
    return pace


def leg_kcal(calories_outputs: dict, sport: str) -> float | None:
    """kcal of one leg from the calories calculator's per-leg outputs: {"legs": [{"sport", "kcal"}...]},
    {"legs": {"swim": {"kcal"}}} or {"swim": {"kcal"}}."""
    legs = calories_outputs.get("legs", calories_outputs)
    if isinstance(legs, list):
        total = [
            _number(leg.get("kcal")) for leg in legs if isinstance(leg, dict) and leg.get("sport") == sport
        ]
        total = [kcal for kcal in total if kcal is not None]
        return sum(total) if total else None
    leg = legs.get(sport) if isinstance(legs, dict) else None
    return _number(leg.get("kcal")) if isinstance(leg, dict) else _number(leg)


def fueling_summary(outputs: dict) -> str:
    parts = [
        f"{outputs[key]:g} {unit}"
        for key, unit in (
            ("carbs_g_per_h", "g carbohydrate/h"),
            ("fluid_ml_per_h", "ml fluid/h"),
            ("sodium_mg_per_h", "mg sodium/h"),
        )
        if _number(outputs.get(key)) is not None
    ]
    schedule = outputs.get("schedule")
    if isinstance(schedule, list) and schedule:
        parts.append(f"{len(schedule)}-step schedule")
    return ", ".join(parts)


def race_plan_row(race: Race) -> list[Any]:
    plan = active_results_for_race(race)

    def output(calculator_type: str, name: str) -> Any:
        result = plan.get(calculator_type)
        return result.outputs.get(name) if result is not None else None

    calories = plan["calories"].outputs if "calories" in plan else {}
    return [
        race.name,
        race.date,
        race.distance_summary,
        race.athlete.name,
        _target_swim_pace(race, plan.get("finish_time")),
        *(output(calculator_type, name) for _, calculator_type, name in PLAN_COLUMNS),
        *(leg_kcal(calories, sport) for sport in PLAN_LEGS),
        fueling_summary(plan["fueling"].outputs) if "fueling" in plan else "",
    ]


def race_plan_csv(race: Race) -> StreamingHttpResponse:
    """The race's active results flattened into one row; a step without a saved result leaves its cells empty."""
    filename = export_filename(race.athlete.name, race.name, "plan", _today_name(race.athlete))
    return csv_response(filename, PLAN_HEADER, [race_plan_row(race)])


# --- the CSVs of issue 6: wellness, coach notes, comments, activities ----------------------------------------

WELLNESS_HEADER = ("date", *WELLNESS_FIELDS)


def wellness_table(athlete: AthleteProfile) -> tuple[tuple[str, ...], Iterator[tuple]]:
    """One row per logged day, oldest first, every measure of the log in its stored unit."""
    rows = (
        WellnessEntry.objects.filter(athlete=athlete)
        .order_by("date")
        .values_list(*WELLNESS_HEADER)
        .iterator(chunk_size=ITERATOR_CHUNK)
    )
    return WELLNESS_HEADER, rows


def wellness_csv(athlete: AthleteProfile) -> StreamingHttpResponse:
    return csv_response(
        export_filename(athlete.name, "wellness", _today_name(athlete)), *wellness_table(athlete)
    )


COACH_NOTES_HEADER = (
    "created_at",
    "updated_at",
    "author",
    "domain",
    "activity_start",
    "activity",
    "race",
    "race_date",
    "visible_to_athlete",
    "concerning",
    "body",
)


def coach_notes_table(user, athlete: AthleteProfile) -> tuple[tuple[str, ...], Iterator[list]]:
    """The notes `user` may see (notes_visible_to), oldest first; authors by username."""
    tz = athlete.tzinfo
    notes = notes_visible_to(user, athlete).order_by("created_at", "id")

    def rows() -> Iterator[list]:
        for note in notes.iterator(chunk_size=ITERATOR_CHUNK):
            activity, race = note.activity, note.race
            yield [
                _local_time(note.created_at, tz),
                _local_time(note.updated_at, tz),
                note.author.username,
                note.domain,
                _local_time(activity.start_time, tz) if activity else None,
                activity.display_name if activity else None,
                race.name if race else None,
                race.date if race else None,
                note.visible_to_athlete,
                note.concerning,
                note.body,
            ]

    return COACH_NOTES_HEADER, rows()


def coach_notes_csv(user, athlete: AthleteProfile) -> StreamingHttpResponse:
    filename = export_filename(athlete.name, "coach-notes", _today_name(athlete))
    return csv_response(filename, *coach_notes_table(user, athlete))


COMMENTS_HEADER = ("activity_start", "activity", "author", "created_at", "edited_at", "body")


def comments_table(athlete: AthleteProfile) -> tuple[tuple[str, ...], Iterator[list]]:
    """Every comment on the athlete's activities, grouped by activity (oldest activity first), thread order."""
    tz = athlete.tzinfo
    comments = (
        ActivityComment.objects.filter(activity__athlete=athlete)
        .select_related("activity", "author")
        .order_by("activity__start_time", "activity_id", "created_at", "id")
    )

    def rows() -> Iterator[list]:
        for comment in comments.iterator(chunk_size=ITERATOR_CHUNK):
            yield [
                _local_time(comment.activity.start_time, tz),
                comment.activity.display_name,
                comment.author.username,
                _local_time(comment.created_at, tz),
                _local_time(comment.edited_at, tz),
                comment.body,
            ]

    return COMMENTS_HEADER, rows()


def comments_csv(athlete: AthleteProfile) -> StreamingHttpResponse:
    return csv_response(
        export_filename(athlete.name, "comments", _today_name(athlete)), *comments_table(athlete)
    )


ACTIVITIES_HEADER = (
    "start_time",
    "sport",
    "sub_sport",
    "name",
    "description",
    "gear",
    "trainer",
    "source",
    "external_id",
    "original_filename",
    "sha256",
    # The load that counts (the override when there is one; summary.load keeps the computed) and its method.
    "load",
    "load_method",
)
ACTIVITY_FIELDS = (
    "start_time",
    "sport",
    "sub_sport",
    "name",
    "description",
    "gear",
    "trainer",
    "source_kind",
    "external_id",
    "original_filename",
    "sha256",
)


def activities_table(athlete: AthleteProfile) -> tuple[tuple[str, ...], Iterator[list]]:
    """One row per activity, oldest first, with its summary metrics one column each (the union over all
    activities, alphabetical; nested values dotted, lists such as the power curve as JSON)."""
    activities = Activity.objects.filter(athlete=athlete).order_by("start_time", "id")
    summary_keys: set[str] = set()
    for summary in activities.values_list("summary", flat=True).iterator(chunk_size=ITERATOR_CHUNK):
        summary_keys.update(flatten_outputs(summary))
    columns = sorted(summary_keys)
    tz = athlete.tzinfo

    def rows() -> Iterator[list]:
        for *fields, override, summary in activities.values_list(
            *ACTIVITY_FIELDS, "load_override__load", "summary"
        ).iterator(chunk_size=ITERATOR_CHUNK):
            flat = flatten_outputs(summary)
            computed = summary or {}
            load = (
                [override, "override"]
                if override is not None
                else [computed.get("load"), computed.get("load_method")]
            )
            yield [_local_time(fields[0], tz), *fields[1:], *load, *(flat.get(column) for column in columns)]

    return (*ACTIVITIES_HEADER, *(f"summary.{column}" for column in columns)), rows()


def activities_csv(athlete: AthleteProfile) -> StreamingHttpResponse:
    filename = export_filename(athlete.name, "activities", _today_name(athlete))
    return csv_response(filename, *activities_table(athlete))
