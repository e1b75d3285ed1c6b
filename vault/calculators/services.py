"""Writes for races and calculator results. Every refusal is a ValidationError naming the field and why,
raised before anything is saved, so a refused request leaves the stored data as it was."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from trainingmath.errors import InvalidInput
from vault.accounts.models import AthleteProfile
from vault.calculators.calculators import CALCULATORS, Context
from vault.calculators.models import (
    PRESET_LEGS,
    CalculatorResult,
    CalculatorType,
    Race,
    RaceDistance,
    RacePriority,
    Sport,
)
from vault.calculators.readiness import MetricFreshness, stale_prefills, unique_metrics

# Plausibility limits: wide enough for ultra-distance races and extreme venues, narrow enough to catch typos
# (metres typed as kilometres, Fahrenheit as Celsius).
MAX_PAST_DAYS = 365
MAX_FUTURE_YEARS = 10
MAX_LEGS = 10
MAX_LEG_M = {Sport.SWIM: 50_000.0, Sport.BIKE: 2_000_000.0, Sport.RUN: 500_000.0}
NUMBER_RANGES = {
    "elevation_gain_m": (0.0, 30_000.0),
    "altitude_m": (-500.0, 5_500.0),
    "expected_temperature_c": (-30.0, 55.0),
}
RACE_FIELDS = (
    "name",
    "date",
    "distance",
    "legs",
    "elevation_gain_m",
    "altitude_m",
    "expected_temperature_c",
    "priority",
    "notes",
)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _athlete_today(athlete: AthleteProfile) -> dt.date:
    return timezone.localdate(timezone=athlete.tzinfo)


def _clean_date(value: Any, athlete: AthleteProfile, errors: dict) -> dt.date | None:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            errors["date"] = [f"{value!r} is not a date; use YYYY-MM-DD."]
            return None
    if not isinstance(value, dt.date):
        errors["date"] = ["A race date is required (YYYY-MM-DD)."]
        return None
    today = _athlete_today(athlete)
    if value < today - dt.timedelta(days=MAX_PAST_DAYS):
        errors["date"] = [
            f"{value.isoformat()} is more than a year ago; races are planned ahead, "
            f"so the date must be on or after {(today - dt.timedelta(days=MAX_PAST_DAYS)).isoformat()}."
        ]
        return None
    if value.year > today.year + MAX_FUTURE_YEARS:
        errors["date"] = [f"{value.isoformat()} is more than {MAX_FUTURE_YEARS} years ahead."]
        return None
    return value


def _clean_legs(distance: str, legs: Any, errors: dict) -> list[dict] | None:
    if distance in PRESET_LEGS:
        preset = [dict(leg) for leg in PRESET_LEGS[distance]]
        if legs and _leg_list_key(legs) != _leg_list_key(preset):
            errors["legs"] = [
                f"A {distance} race has the standard legs; set distance to 'custom' to give your own."
            ]
            return None
        return preset
    if not legs:
        errors["legs"] = ["A custom race needs at least one leg (sport swim, bike or run, and distance_m)."]
        return None
    if not isinstance(legs, list):
        errors["legs"] = ["Legs must be a list of {sport, distance_m}."]
        return None
    if len(legs) > MAX_LEGS:
        errors["legs"] = [f"A race has at most {MAX_LEGS} legs; got {len(legs)}."]
        return None
    cleaned, problems = [], []
    for number, leg in enumerate(legs, start=1):
        if not isinstance(leg, dict):
            problems.append(f"leg {number}: must be an object with sport and distance_m.")
            continue
        sport, distance_m = leg.get("sport"), leg.get("distance_m")
        if sport not in Sport.values:
            problems.append(f"leg {number}: sport {sport!r} is not one of {', '.join(Sport.values)}.")
            continue
        if not _is_number(distance_m) or distance_m <= 0:
            problems.append(
                f"leg {number}: distance_m must be a positive number of metres, got {distance_m!r}."
            )
            continue
        if distance_m > MAX_LEG_M[sport]:
            problems.append(
                f"leg {number}: a {sport} leg of {distance_m:g} m is longer than {MAX_LEG_M[sport]:g} m."
            )
            continue
        cleaned.append({"sport": sport, "distance_m": float(distance_m)})
    if problems:
        errors["legs"] = problems
        return None
    return cleaned


def _leg_list_key(legs: Any) -> list | None:
    try:
        return [(leg["sport"], float(leg["distance_m"])) for leg in legs]
    except (TypeError, KeyError, ValueError):
        return None


def _clean_race(values: dict, athlete: AthleteProfile, *, check_date: bool) -> dict:
    """The race fields checked and normalised, or ValidationError with every problem by field."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)

    name = values.get("name")
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        errors["name"] = ["A race needs a name."]
    elif len(name) > 200:
        errors["name"] = [f"The name is {len(name)} characters; at most 200."]
    cleaned["name"] = name

    if check_date:
        cleaned["date"] = _clean_date(values.get("date"), athlete, errors)

    distance = values.get("distance")
    if distance not in RaceDistance.values:
        errors["distance"] = [f"{distance!r} is not one of {', '.join(RaceDistance.values)}."]
    else:
        cleaned["legs"] = _clean_legs(distance, values.get("legs"), errors)

    priority = values.get("priority")
    if priority not in RacePriority.values:
        errors["priority"] = [f"{priority!r} is not a priority; use A, B or C."]

    for field, (low, high) in NUMBER_RANGES.items():
        value = values.get(field)
        if value is None or value == "":
            cleaned[field] = None
        elif not _is_number(value):
            errors[field] = [f"{value!r} is not a number."]
        elif not low <= value <= high:
            errors[field] = [f"{value:g} is outside the plausible range {low:g} to {high:g}."]

    notes = values.get("notes") or ""
    if not isinstance(notes, str):
        errors["notes"] = ["Notes must be text."]
    cleaned["notes"] = notes if isinstance(notes, str) else ""

    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def race_create(
    *,
    athlete: AthleteProfile,
    name: str,
    date: dt.date | str | None,
    distance: str,
    legs: list[dict] | None = None,
    elevation_gain_m: float | None = None,
    altitude_m: float | None = None,
    expected_temperature_c: float | None = None,
    priority: str = RacePriority.B,
    notes: str = "",
    created_by=None,
) -> Race:
    values = _clean_race(
        {
            "name": name,
            "date": date,
            "distance": distance,
            "legs": legs,
            "elevation_gain_m": elevation_gain_m,
            "altitude_m": altitude_m,
            "expected_temperature_c": expected_temperature_c,
            "priority": priority,
            "notes": notes,
        },
        athlete,
        check_date=True,
    )
    return Race.objects.create(athlete=athlete, created_by=created_by, **values)


@transaction.atomic
def race_update(*, race: Race, **changes: Any) -> Race:
    """Change some fields of a race. Switching to a preset distance resets the legs to the preset's.

    The date is checked only when it changes, so last season's race keeps accepting notes.
    """
    unknown = sorted(set(changes) - set(RACE_FIELDS))
    if unknown:
        raise ValidationError({field: ["This field cannot be changed."] for field in unknown})
    values = {field: getattr(race, field) for field in RACE_FIELDS}
    if changes.get("distance") not in (None, RaceDistance.CUSTOM) and "legs" not in changes:
        values["legs"] = None  # the preset fills them
    values.update(changes)
    date_changed = "date" in changes and changes["date"] != race.date
    cleaned = _clean_race(values, race.athlete, check_date=date_changed)
    for field in RACE_FIELDS:
        setattr(race, field, cleaned[field])
    race.save()
    return race


@transaction.atomic
def race_delete(*, race: Race) -> None:
    """Delete a race; its saved calculator results go with it (they only make sense for that race)."""
    race.delete()


@transaction.atomic
def calculator_result_save(
    *,
    athlete: AthleteProfile,
    calculator_type: str,
    inputs: dict,
    outputs: dict,
    race: Race | None = None,
    created_by=None,
) -> CalculatorResult:
    """Save a calculator run. It becomes the active result for its (race, type); older ones stay as history."""
    errors = {}
    if calculator_type not in CalculatorType.values:
        errors["calculator_type"] = [
            f"{calculator_type!r} is not a calculator; known: {', '.join(CalculatorType.values)}."
        ]
    if race is not None and race.athlete_id != athlete.pk:
        errors["race"] = ["That race belongs to another athlete."]
    if not isinstance(inputs, dict):
        errors["inputs"] = ["Inputs must be an object of named values."]
    if not isinstance(outputs, dict):
        errors["outputs"] = ["Outputs must be an object of named values."]
    if errors:
        raise ValidationError(errors)
    _deactivate_siblings(athlete=athlete, calculator_type=calculator_type, race=race)
    return CalculatorResult.objects.create(
        athlete=athlete,
        calculator_type=calculator_type,
        race=race,
        inputs=inputs,
        outputs=outputs,
        is_active=True,
        created_by=created_by,
    )


@transaction.atomic
def calculator_result_activate(*, result: CalculatorResult) -> CalculatorResult:
    """Choose an older result again as the active one for its (race, type)."""
    _deactivate_siblings(athlete=result.athlete, calculator_type=result.calculator_type, race=result.race)
    result.is_active = True
    result.save(update_fields=["is_active"])
    return result


def _deactivate_siblings(*, athlete: AthleteProfile, calculator_type: str, race: Race | None) -> None:
    CalculatorResult.objects.filter(
        athlete=athlete, calculator_type=calculator_type, race=race, is_active=True
    ).update(is_active=False)


def field_errors(errors) -> dict[str, list[str]]:
    """DRF's nested error details as {field: [message, ...]} with a path for nested fields (efforts.1.power_w)."""
    flat: dict[str, list[str]] = {}

    def walk(value, prefix: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{prefix}.{key}" if prefix else str(key))
        elif isinstance(value, list) and value and not all(isinstance(item, str) for item in value):
            for index, inner in enumerate(value):
                if inner:
                    walk(inner, f"{prefix}.{index}")
        else:
            messages = value if isinstance(value, list) else [value]
            flat.setdefault(prefix or "inputs", []).extend(str(message) for message in messages)

    walk(errors, "")
    return flat


@dataclass
class Prefill:
    """What a calculator would take when inputs are omitted, and which of those values are stale."""

    values: dict
    stale_inputs: dict[str, MetricFreshness] = dataclass_field(
        default_factory=dict
    )  # input name -> its stale source

    def stale(self, *, typed=()) -> list[MetricFreshness]:
        """The stale metrics behind the prefilled inputs, leaving out inputs typed in since."""
        return unique_metrics({name: f for name, f in self.stale_inputs.items() if name not in typed})

    @property
    def warnings(self) -> list[str]:
        return [metric.warning() for metric in self.stale()]


def calculator_prefill_report(
    *,
    athlete: AthleteProfile,
    calculator_type: str,
    race: Race | None = None,
    on_date: dt.date | None = None,
    given: dict | None = None,
) -> Prefill:
    """The inputs a calculator would take from the metric history (as of `on_date`, default today), the race
    and (for a CdA from a ride) the chosen activity when they are omitted, only those known; and the stale
    history values among those it would use (a typed input overrides its prefill, so it is not judged).
    Raises InvalidInput for a chosen activity that cannot be used."""
    given = {name: value for name, value in (given or {}).items() if value is not None}
    context = Context(athlete=athlete, on_date=on_date or _athlete_today(athlete), race=race, given=given)
    prefilled = CALCULATORS[calculator_type].prefill(context)
    values = {name: value for name, value in prefilled.items() if value is not None}
    return Prefill(values, stale_prefills(context, [name for name in values if name not in given]))


def calculator_prefill(
    *,
    athlete: AthleteProfile,
    calculator_type: str,
    race: Race | None = None,
    on_date: dt.date | None = None,
    given: dict | None = None,
) -> dict:
    """The prefilled inputs alone (see `calculator_prefill_report`)."""
    return calculator_prefill_report(
        athlete=athlete, calculator_type=calculator_type, race=race, on_date=on_date, given=given
    ).values


def calculator_run(
    *,
    athlete: AthleteProfile,
    calculator_type: str,
    inputs: dict,
    save: bool = True,
    created_by=None,
) -> CalculatorResult:
    """Run one calculator: check the inputs, prefill the omitted ones (metric history as of `on_date`, the race
    and its active steps), compute, and save the result unless `save` is False (a preview, not stored).

    The result carries `warnings`: one sentence per stale history value the prefill used (readiness windows).
    A refused input raises ValidationError naming the field and why; nothing is saved then.
    """
    calculator = CALCULATORS.get(calculator_type)
    if calculator is None:
        raise ValidationError(
            {
                "calculator_type": [
                    f"{calculator_type!r} is not a calculator; known: {', '.join(CALCULATORS)}."
                ]
            }
        )
    if not isinstance(inputs, dict):
        raise ValidationError({"inputs": ["Inputs must be a JSON object of named values."]})
    unknown = sorted(set(inputs) - set(calculator.inputs().fields))
    if unknown:
        raise ValidationError(
            {name: [f"is not an input of the {calculator_type} calculator."] for name in unknown}
        )
    serializer = calculator.inputs(data=inputs)
    if not serializer.is_valid():
        raise ValidationError(field_errors(serializer.errors))
    given = dict(serializer.validated_data)
    race_id = given.pop("race", None)
    race = None
    if race_id is not None:
        race = Race.objects.filter(pk=race_id, athlete=athlete).first()
        if race is None:
            raise ValidationError({"race": [f"{race_id} is not a race of this athlete."]})
    on_date = given.pop("on_date", None) or _athlete_today(athlete)
    try:
        prefill = calculator_prefill_report(
            athlete=athlete, calculator_type=calculator_type, race=race, on_date=on_date, given=given
        )
        effective = {**prefill.values, **{name: value for name, value in given.items() if value is not None}}
        outputs = calculator.execute(dict(effective))
    except InvalidInput as error:
        raise ValidationError({error.field: [error.message]}) from None
    stored_inputs = {**effective, "on_date": on_date.isoformat()}
    if not save:
        result = CalculatorResult(
            athlete=athlete,
            calculator_type=calculator_type,
            race=race,
            inputs=stored_inputs,
            outputs=outputs,
            is_active=False,
            created_by=created_by,
        )
    else:
        result = calculator_result_save(
            athlete=athlete,
            calculator_type=calculator_type,
            inputs=stored_inputs,
            outputs=outputs,
            race=race,
            created_by=created_by,
        )
    # Not stored: staleness is about the day the result was made, which its inputs' on_date already records.
    result.warnings = prefill.warnings
    return result
