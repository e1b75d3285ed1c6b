"""Pages: an athlete's races (list, detail with the saved plan, create/edit forms, delete), the seven-step
race-plan wizard with readiness, and the printable crew plan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from trainingmath.units import format_duration
from vault.accounts.access import athlete_for, can_manage_athlete
from vault.calculators import selectors, services
from vault.calculators.calculators import CALCULATORS, WIZARD_STEPS
from vault.calculators.models import Race, RaceDistance, RacePriority, Sport
from vault.calculators.readiness import STEP_OF_METRIC, race_readiness
from vault.exports.exporters import PLAN_HEADER, race_plan_row
from vault.metrics.selectors import display_units
from vault.metrics.templatetags.metric_tags import calculator_text
from vault.metrics.types import METRIC, display_distance, display_pace, display_speed, display_value

LEG_ROWS = 5


class RaceForm(forms.Form):
    """Types and formats here; every rule about what a race may be lives in the race services."""

    name = forms.CharField(max_length=200, required=False)
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    distance = forms.ChoiceField(
        choices=RaceDistance.choices,
        initial=RaceDistance.OLYMPIC,
        # The leg rows matter only for a custom distance; show them only then (they stay usable without JS).
        widget=forms.Select(
            attrs={"onchange": "this.form.querySelector('fieldset.legs').hidden = this.value !== 'custom'"}
        ),
    )
    priority = forms.ChoiceField(choices=RacePriority.choices, initial=RacePriority.B)
    elevation_gain_m = forms.FloatField(required=False, label="Elevation gain (m)")
    altitude_m = forms.FloatField(required=False, label="Altitude (m)")
    expected_temperature_c = forms.FloatField(required=False, label="Expected temperature (°C)")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sports = [("", "—"), *Sport.choices]
        for number in range(1, LEG_ROWS + 1):
            self.fields[f"leg{number}_sport"] = forms.ChoiceField(
                choices=sports, required=False, label=f"Leg {number} sport"
            )
            self.fields[f"leg{number}_km"] = forms.FloatField(
                required=False, label=f"Leg {number} distance (km)"
            )

    @classmethod
    def initial_for(cls, race: Race) -> dict:
        initial = {field: getattr(race, field) for field in services.RACE_FIELDS if field != "legs"}
        for number, leg in enumerate(race.legs, start=1):
            initial[f"leg{number}_sport"] = leg["sport"]
            initial[f"leg{number}_km"] = leg["distance_m"] / 1000
        return initial

    def main_fields(self):
        return [self[name] for name in self.fields if not name.startswith("leg")]

    def leg_rows(self):
        return [(self[f"leg{n}_sport"], self[f"leg{n}_km"]) for n in range(1, LEG_ROWS + 1)]

    def race_values(self) -> dict:
        """The cleaned values as the race services take them (legs in metres; only a custom race has its own)."""
        values = {field: self.cleaned_data.get(field) for field in services.RACE_FIELDS if field != "legs"}
        values["legs"] = None
        if values["distance"] == RaceDistance.CUSTOM:
            values["legs"] = []
            for number in range(1, LEG_ROWS + 1):
                sport = self.cleaned_data.get(f"leg{number}_sport") or None
                km = self.cleaned_data.get(f"leg{number}_km")
                if sport is not None or km is not None:
                    values["legs"].append(
                        {"sport": sport, "distance_m": None if km is None else round(km * 1000, 2)}
                    )
        return values

    def add_service_errors(self, error: ValidationError) -> None:
        for field, problems in error.message_dict.items():
            for problem in problems:
                if field in self.fields:
                    self.add_error(field, problem)
                else:
                    self.add_error(None, f"{field.replace('_', ' ').capitalize()}: {problem}")


def _managed(user, athlete):
    if not can_manage_athlete(user, athlete):  # today the same people who may see; access.py decides
        raise PermissionDenied
    return athlete


def _form_response(request, template: str, context: dict, form: RaceForm):
    """Full page normally (400 when refused); just the form when htmx swaps it in place, always 200
    because htmx does not swap error responses and the field errors must appear."""
    if request.headers.get("HX-Request"):
        return render(request, "web/races/_form.html", context)
    return render(request, template, context, status=400 if form.is_bound and form.errors else 200)


def _saved(request, race: Race, verb: str):
    messages.success(request, f"{verb} {race.name} ({race.date:%Y-%m-%d}).")
    url = reverse("web:race-detail", kwargs={"race_id": race.pk})
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


@login_required
def race_list(request, public_id: str):
    athlete = athlete_for(request.user, public_id)
    today = timezone.localdate(timezone=athlete.tzinfo)
    system = display_units(request.user, athlete)
    races = list(selectors.races_of(athlete))
    for race in races:
        race.legs_shown = legs_text(race, system)
    return render(
        request,
        "web/races/list.html",
        {
            "athlete": athlete,
            "upcoming": sorted((r for r in races if r.date >= today), key=lambda r: r.date),
            "past": [r for r in races if r.date < today],
            "today": today,
            "units": system,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def race_create(request, public_id: str):
    athlete = _managed(request.user, athlete_for(request.user, public_id))
    form = RaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            race = services.race_create(athlete=athlete, created_by=request.user, **form.race_values())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return _saved(request, race, "Added")
    context = {"athlete": athlete, "form": form, "action": reverse("web:race-create", args=[public_id])}
    return _form_response(request, "web/races/form.html", context, form)


@login_required
@require_http_methods(["GET", "POST"])
def race_edit(request, race_id: int):
    race = selectors.race_for(request.user, race_id)
    _managed(request.user, race.athlete)
    form = RaceForm(request.POST or None, initial=RaceForm.initial_for(race))
    if request.method == "POST" and form.is_valid():
        try:
            race = services.race_update(race=race, **form.race_values())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return _saved(request, race, "Saved")
    context = {
        "athlete": race.athlete,
        "race": race,
        "form": form,
        "action": reverse("web:race-edit", args=[race.pk]),
    }
    return _form_response(request, "web/races/form.html", context, form)


def legs_text(race: Race, system: str = METRIC) -> str:
    """'swim 1.5 km / bike 40 km / run 10 km', or in miles for an imperial reader (stored in metres)."""
    return " / ".join(
        f"{leg['sport']} {display_distance(leg['distance_m'], system, trim=True)}" for leg in race.legs
    )


def _pace_100m(seconds: float, system: str = METRIC) -> str:
    return display_pace(100 / seconds, system, swim=True)  # /100m, or /100yd for imperial


def _unit(unit: str, places: int = 0) -> Callable[[float, str], str]:
    return lambda value, system=METRIC: f"{value:.{places}f} {unit}"


def _time(seconds: float, system: str = METRIC) -> str:
    return format_duration(seconds)


def _text(value, system: str = METRIC) -> str:
    return str(value)


# How the race page shows each plan column in a unit system (same columns as plan.csv; the CSV keeps the
# plain SI numbers).
PLAN_DISPLAY: dict[str, tuple[str, Callable[[Any, str], str]]] = {
    "target_swim_pace_s_per_100m": ("Target swim pace", _pace_100m),
    "css_pace_s_per_100m": ("CSS", _pace_100m),
    "css_m_per_s": ("CSS speed", _unit("m/s", 3)),
    "cp_w": ("Critical power", _unit("W")),
    "target_bike_power_w": ("Target bike power", _unit("W")),
    "target_bike_np_w": ("Target bike NP", _unit("W")),
    "bike_tss": ("Bike TSS", _unit("TSS")),
    "projected_bike_time_s": ("Projected bike time", _time),
    "cda_m2": ("CdA", _unit("m²", 3)),
    "projected_total_time_s": ("Projected total time", _time),
    "swim_s": ("Swim split", _time),
    "t1_s": ("T1", _time),
    "bike_s": ("Bike split", _time),
    "t2_s": ("T2", _time),
    "run_s": ("Run split", _time),
    "swim_kcal": ("Swim calories", _unit("kcal")),
    "bike_kcal": ("Bike calories", _unit("kcal")),
    "run_kcal": ("Run calories", _unit("kcal")),
    "total_kcal": ("Total calories", _unit("kcal")),
    "carbs_g_per_h": ("Carbohydrate", _unit("g/h")),
    "fluid_ml_per_h": ("Fluid", _unit("ml/h")),
    "sodium_mg_per_h": ("Sodium", _unit("mg/h")),
    "fueling_summary": ("Fueling plan", _text),
}


def _output(plan: dict, calculator_type: str, name: str):
    result = plan.get(calculator_type)
    value = result.outputs.get(name) if result is not None else None
    return value if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 else None


def _average_speed(race: Race, plan: dict, sport: str, step: str, time: str, speed: str = "") -> float | None:
    """The speed a step reports, else the one its projected time means over the race's legs of `sport`."""
    speed_m_per_s = _output(plan, step, speed) if speed else None
    if speed_m_per_s is None:
        seconds, metres = _output(plan, step, time), race.leg_distance_m(sport)
        speed_m_per_s = metres / seconds if seconds and metres else None
    return speed_m_per_s


def _target_bike_speed(race: Race, plan: dict, system: str) -> str:
    speed = _average_speed(race, plan, "bike", "bike_plan", "bike_time_s", "avg_speed_m_per_s")
    return display_speed(speed, system) if speed else ""


def _target_run_pace(race: Race, plan: dict, system: str) -> str:
    pace_s_per_km = _output(plan, "finish_time", "run_pace_s_per_km")
    speed = (
        1000 / pace_s_per_km if pace_s_per_km else _average_speed(race, plan, "run", "finish_time", "run_s")
    )
    return display_pace(speed, system) if speed else ""


# Rows the plan derives for the page after a plan column: speeds and paces the crew reads on the course.
PLAN_DERIVED = {
    "projected_bike_time_s": ("Target bike speed", _target_bike_speed),
    "run_s": ("Target run pace", _target_run_pace),
}


def plan_display_rows(race: Race, system: str = METRIC) -> list[tuple[str, str]]:
    """(label, shown value in `system`) per plan column after the race identity, and the derived targets;
    '' where the step has no result."""
    plan = selectors.active_results_for_race(race)
    rows = []
    for header, value in zip(PLAN_HEADER, race_plan_row(race)):
        if header not in PLAN_DISPLAY:
            continue  # race identity: shown in the page heading
        label, show = PLAN_DISPLAY[header]
        try:
            shown = "" if value in (None, "") else show(value, system)
        except (TypeError, ValueError, ZeroDivisionError):  # a saved output of an unexpected kind: plainly
            shown = str(value)
        rows.append((label, shown))
        if header in PLAN_DERIVED:
            label, derive = PLAN_DERIVED[header]
            rows.append((label, derive(race, plan, system)))
    return rows


def _when(race: Race) -> str:
    days = (race.date - timezone.localdate(timezone=race.athlete.tzinfo)).days
    if days == 0:
        return "today"
    unit = "day" if abs(days) == 1 else "days"
    return f"in {days} {unit}" if days > 0 else f"{-days} {unit} ago"


@login_required
def race_detail(request, race_id: int):
    race = selectors.race_for(request.user, race_id)
    plan = selectors.active_results_for_race(race)
    system = display_units(request.user, race.athlete)
    return render(
        request,
        "web/races/detail.html",
        {
            "athlete": race.athlete,
            "race": race,
            "plan_results": sorted(plan.values(), key=lambda r: r.calculator_type),
            "plan_rows": plan_display_rows(race, system),
            "has_plan": bool(plan),
            "when": _when(race),
            "legs": legs_text(race, system),
            "units": system,
        },
    )


@login_required
@require_POST
def race_delete(request, race_id: int):
    race = selectors.race_for(request.user, race_id)
    _managed(request.user, race.athlete)
    athlete, name = race.athlete, race.name
    services.race_delete(race=race)
    messages.success(request, f"Deleted {name} and its saved results.")
    return redirect("web:race-list", public_id=athlete.public_id)


def _readiness_value(metric, system: str) -> str:
    """A readiness metric's latest value in `system`: the race's own step output, else the history entry."""
    if metric.result is not None:
        output = STEP_OF_METRIC[metric.metric][1]
        return calculator_text(output, metric.result.outputs.get(output), system)
    if metric.entry is not None:
        return display_value(metric.entry.metric_type, metric.entry.value, system)
    return ""


@login_required
def race_plan(request, race_id: int):
    """The seven-step wizard: each step done (date, key outputs) or pending, with readiness warnings."""
    race = selectors.race_for(request.user, race_id)
    plan = selectors.active_results_for_race(race)
    system = display_units(request.user, race.athlete)
    readiness = race_readiness(race)
    history = {}
    for calculator_type in selectors.calculator_results_of(race.athlete, race=race).values_list(
        "calculator_type", flat=True
    ):
        history[calculator_type] = history.get(calculator_type, 0) + 1
    steps = []
    for number, step in enumerate(WIZARD_STEPS, start=1):
        calculator = CALCULATORS[step]
        result = plan.get(step)
        steps.append(
            {
                "number": number,
                "key": step,
                "label": calculator.label,
                "result": result,
                "key_outputs": [
                    (name, calculator_text(name, result.outputs.get(name), system))
                    for name in calculator.key_outputs
                    if result is not None and name in result.outputs
                ],
                "earlier": max(history.get(step, 0) - 1, 0),
                # What this step's prefill would really use: a value from an earlier step of this race is
                # not the history's, so a stale history value it replaces is not warned about.
                "stale": services.calculator_prefill_report(
                    athlete=race.athlete, calculator_type=step, race=race
                ).stale(),
            }
        )
    return render(
        request,
        "web/races/plan.html",
        {
            "athlete": race.athlete,
            "race": race,
            "steps": steps,
            "readiness": readiness,
            "readiness_rows": [(metric, _readiness_value(metric, system)) for metric in readiness["metrics"]],
            "legs": legs_text(race, system),
            "units": system,
            "done": sum(1 for step in steps if step["result"] is not None),
        },
    )


@login_required
def race_plan_print(request, race_id: int):
    """One printable page for the support crew: targets, splits and the hour-by-hour fueling."""
    race = selectors.race_for(request.user, race_id)
    plan = selectors.active_results_for_race(race)
    system = display_units(request.user, race.athlete)
    fueling = plan["fueling"].outputs if "fueling" in plan else {}
    return render(
        request,
        "web/races/print.html",
        {
            "athlete": race.athlete,
            "race": race,
            "plan_rows": [(label, value) for label, value in plan_display_rows(race, system) if value],
            "legs": legs_text(race, system),
            "units": system,
            "schedule": fueling.get("schedule") or [],
            "missing": [CALCULATORS[step].label for step in WIZARD_STEPS if step not in plan],
        },
    )


urlpatterns = [
    path("races/<int:race_id>/plan/", race_plan, name="race-plan"),
    path("races/<int:race_id>/plan/print/", race_plan_print, name="race-plan-print"),
    path("athletes/<str:public_id>/races/", race_list, name="race-list"),
    path("athletes/<str:public_id>/races/new/", race_create, name="race-create"),
    path("races/<int:race_id>/", race_detail, name="race-detail"),
    path("races/<int:race_id>/edit/", race_edit, name="race-edit"),
    path("races/<int:race_id>/delete/", race_delete, name="race-delete"),
]
