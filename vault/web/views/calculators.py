"""Pages: the calculators (a form per type: preview or save), an athlete's saved calculator results (list with
filters, detail, choosing an older one again)."""

from __future__ import annotations

import datetime as dt
import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST
from rest_framework import serializers

from vault.accounts.access import athlete_for, can_manage_athlete
from vault.activities import load as training_load
from vault.activities.selectors import activity_for
from vault.calculators import selectors, services
from vault.calculators.assessments import ASSESSMENTS, assessment_record
from vault.calculators.calculators import CALCULATORS, CalculatorInput, display_value, unit_of
from vault.calculators.models import AssessmentKind, CalculatorType
from vault.exports.exporters import flatten_outputs
from vault.metrics.selectors import display_units
from vault.metrics.services import has_active_coach
from vault.metrics.templatetags.metric_tags import calculator_text

PAGE_SIZE = 50


class ResultFilterForm(forms.Form):
    calculator_type = forms.ChoiceField(
        choices=[("", "All calculators"), *CalculatorType.choices], required=False
    )
    race = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args, athlete, **kwargs):
        super().__init__(*args, **kwargs)
        races = selectors.races_of(athlete).values_list("pk", "name", "date")
        self.fields["race"].choices = [
            ("", "Any race or none"),
            *((pk, f"{name} ({date})") for pk, name, date in races),
        ]


@login_required
def calculator_result_list(request, public_id: str):
    athlete = athlete_for(request.user, public_id)
    form = ResultFilterForm(request.GET or None, athlete=athlete)
    calculator_type, race = None, None
    if form.is_bound and form.is_valid():
        calculator_type = form.cleaned_data["calculator_type"] or None
        race_id = form.cleaned_data["race"]
        race = selectors.races_of(athlete).get(pk=race_id) if race_id else None
    results = selectors.calculator_results_of(athlete, calculator_type=calculator_type, race=race)
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(result, list(flatten_outputs(result.outputs).items())[:4]) for result in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/calculators/list.html",
        {
            "athlete": athlete,
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "calculators": CALCULATORS.values(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def calculator_result_detail(request, result_id: int):
    result = selectors.calculator_result_for(request.user, result_id)
    return render(
        request,
        "web/calculators/detail.html",
        {
            "athlete": result.athlete,
            "result": result,
            "inputs": flatten_outputs(result.inputs).items(),
            "outputs": flatten_outputs(result.outputs).items(),
        },
    )


@login_required
@require_POST
def calculator_result_activate(request, result_id: int):
    result = selectors.calculator_result_for(request.user, result_id)
    if not can_manage_athlete(request.user, result.athlete):
        raise PermissionDenied
    services.calculator_result_activate(result=result)
    where = f" for {result.race.name}" if result.race else ""
    messages.success(
        request, f"This {result.get_calculator_type_display()} result is now the one in use{where}."
    )
    return redirect("web:calculator-result-detail", result_id=result.pk)


def _input_rows(calculator, posted, prefilled, errors) -> list[dict]:
    """One row per input of the calculator's form: its name, unit, help, what was typed and the prefill."""
    rows = []
    for name, field in calculator.inputs().fields.items():
        if name in CalculatorInput().fields:
            continue
        structured = isinstance(field, serializers.ListField | serializers.DictField)
        prefill = prefilled.get(name)
        if structured:
            prefill_text = json.dumps(prefill) if prefill is not None else ""
        else:
            prefill_text = (
                "" if prefill is None else f"{prefill:g}" if isinstance(prefill, float) else str(prefill)
            )
        rows.append(
            {
                "name": name,
                "unit": unit_of(name),
                "help": getattr(field, "plain_help", field.help_text),  # the unit is shown beside it
                "structured": structured,
                "choices": list(field.choices) if isinstance(field, serializers.ChoiceField) else None,
                "value": posted.get(name, ""),
                "prefill": prefill_text,
                "errors": errors.get(name, []),
            }
        )
    return rows


def _posted_inputs(calculator, data) -> tuple[dict, dict]:
    """The typed inputs as the API takes them (numbers as typed, lists and objects as JSON), and JSON errors."""
    inputs, errors = {}, {}
    for name, field in calculator.inputs().fields.items():
        text = (data.get(name) or "").strip()
        if not text:
            continue
        if isinstance(field, serializers.ListField | serializers.DictField):
            try:
                inputs[name] = json.loads(text)
            except ValueError as error:
                errors[name] = [f"is not valid JSON ({error.msg} at character {error.pos})."]
        else:
            inputs[name] = text
    return inputs, errors


@login_required
def calculator_page(request, public_id: str, calculator_type: str):
    """A calculator's form: omitted inputs show (and use) their prefill; Preview computes, Save also stores."""
    athlete = athlete_for(request.user, public_id)
    calculator = CALCULATORS.get(calculator_type)
    if calculator is None:
        raise Http404("No such calculator.")
    data = request.POST if request.method == "POST" else request.GET
    races = list(selectors.races_of(athlete))
    race_id = data.get("race") or ""
    race = next((candidate for candidate in races if str(candidate.pk) == race_id), None)
    inputs, errors = _posted_inputs(calculator, data)
    result, status = None, 200
    if request.method == "POST" and not errors:
        save = request.POST.get("action") == "save"
        try:
            result = services.calculator_run(
                athlete=athlete,
                calculator_type=calculator_type,
                inputs=inputs,
                save=save,
                created_by=request.user,
            )
        except ValidationError as error:
            errors = error.message_dict
        else:
            if save:
                messages.success(request, f"{calculator.label} saved.")
                if race is not None and request.POST.get("next") == "plan":
                    return redirect("web:race-plan", race_id=race.pk)
                return redirect("web:calculator-result-detail", result_id=result.pk)
    if errors:
        status = 400
    on_date = data.get("on_date") or None
    try:
        prefill_date = dt.date.fromisoformat(on_date) if on_date else None
    except ValueError:
        prefill_date = None
        errors.setdefault("on_date", [f"{on_date!r} is not a date; use YYYY-MM-DD."])
        status = 400
    prefill = services.calculator_prefill_report(
        athlete=athlete, calculator_type=calculator_type, race=race, on_date=prefill_date
    )
    prefilled = prefill.values
    # After a run, its own warnings (exactly what it used); before, the stale values the empty fields would
    # take, so the warning is on the step's page and not only behind the wizard's confirm().
    warnings = result.warnings if result is not None else [m.warning() for m in prefill.stale(typed=inputs)]
    rows = _input_rows(calculator, data, prefilled, errors)
    known = {row["name"] for row in rows}
    return render(
        request,
        "web/calculators/run.html",
        {
            "athlete": athlete,
            "calculator": calculator,
            "calculators": CALCULATORS.values(),
            "rows": rows,
            "races": races,
            "race": race,
            "on_date": on_date or "",
            "next": data.get("next", ""),
            "warnings": warnings,
            "other_errors": {name: why for name, why in errors.items() if name not in known},
            "outputs": [
                (name, calculator_text(name, value, display_units(request.user, athlete)))
                for name, value in flatten_outputs(result.outputs).items()
            ]
            if result is not None
            else None,
        },
        status=status,
    )


@login_required
def assessment_list(request, public_id: str):
    """The athlete's threshold tests and a form to record one (its thresholds go to the metric history)."""
    athlete = athlete_for(request.user, public_id)
    kind = (request.POST.get("kind") if request.method == "POST" else request.GET.get("kind")) or "css_test"
    if kind not in ASSESSMENTS:
        raise Http404("No such test.")
    test = ASSESSMENTS[kind]
    inputs, errors = _posted_inputs(test, request.POST)
    status = 200
    if request.method == "POST" and not errors:
        tested_on = request.POST.get("tested_on") or None
        try:
            assessment = assessment_record(
                athlete=athlete,
                kind=kind,
                inputs=inputs,
                tested_on=dt.date.fromisoformat(tested_on) if tested_on else None,
                created_by=request.user,
            )
        except ValueError:
            errors = {"tested_on": [f"{tested_on!r} is not a date; use YYYY-MM-DD."]}
        except ValidationError as error:
            errors = error.message_dict
        else:
            # Only an athlete with a coach has a review queue to wait in (assessments.py decides the same).
            waits = (
                " It waits for the coach's review."
                if assessment.athlete.user_id == request.user.pk and has_active_coach(athlete)
                else ""
            )
            messages.success(request, f"{assessment.get_kind_display()} recorded.{waits}")
            return redirect("web:assessment-list", public_id=athlete.public_id)
    if errors:
        status = 400
    rows = _input_rows(test, request.POST, {}, errors)
    known = {row["name"] for row in rows}
    return render(
        request,
        "web/calculators/assessments.html",
        {
            "athlete": athlete,
            "has_coach": has_active_coach(athlete),
            "kind": kind,
            "kinds": AssessmentKind.choices,
            "rows": rows,
            "tested_on": request.POST.get("tested_on", ""),
            "other_errors": {name: why for name, why in errors.items() if name not in known},
            "assessments": [
                (
                    assessment,
                    [
                        (name, display_value(name, value))
                        for name, value in assessment.outputs.items()
                        if not isinstance(value, list | dict)
                    ],
                )
                for assessment in selectors.assessments_of(athlete)[:PAGE_SIZE]
            ],
        },
        status=status,
    )


@login_required
def activity_load(request, activity_id: int):
    """An activity's training load: computed (with its method), the override, and who changed it when."""
    activity = activity_for(request.user, activity_id)
    errors = {}
    if request.method == "POST":
        if not can_manage_athlete(request.user, activity.athlete):
            raise PermissionDenied
        text = (request.POST.get("load") or "").strip()
        try:
            value = float(text.replace(",", ".")) if text else None
        except ValueError:
            errors = {"load": [f"{text!r} is not a number."]}
        else:
            try:
                training_load.activity_load_set(
                    activity=activity, load=value, note=request.POST.get("note", ""), changed_by=request.user
                )
            except ValidationError as error:
                errors = error.message_dict
            else:
                messages.success(
                    request, "Load saved." if value is not None else "Back to the computed load."
                )
                return redirect("web:activity-load", activity_id=activity.pk)
    return render(
        request,
        "web/calculators/activity_load.html",
        {
            "athlete": activity.athlete,
            "activity": activity,
            "load": training_load.load_of(activity),
            "changes": activity.load_changes.select_related("changed_by"),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def modeled_thresholds(request, public_id: str):
    """Model CP, W′ and eFTP from the best 90-day power curve into the metric history (source modeled)."""
    athlete = athlete_for(request.user, public_id)
    if not can_manage_athlete(request.user, athlete):
        raise PermissionDenied
    created = training_load.modeled_thresholds_update(athlete=athlete)
    if created:
        waiting = sum(entry.needs_review for entry in created)
        text = ", ".join(f"{entry.metric_type} {entry.value_display}" for entry in created)
        messages.success(request, f"Modeled {text}." + (f" {waiting} wait for review." if waiting else ""))
    else:
        messages.info(request, "Nothing new: the curve gives no model, or the same values as last time.")
    return redirect("web:athlete-detail", public_id=athlete.public_id)


urlpatterns = [
    path("athletes/<str:public_id>/modeled-thresholds/", modeled_thresholds, name="modeled-thresholds"),
    path("activities/<int:activity_id>/load/", activity_load, name="activity-load"),
    path("athletes/<str:public_id>/assessments/", assessment_list, name="assessment-list"),
    path("athletes/<str:public_id>/calculators/<str:calculator_type>/", calculator_page, name="calculator"),
    path(
        "athletes/<str:public_id>/calculator-results/", calculator_result_list, name="calculator-result-list"
    ),
    path("calculator-results/<int:result_id>/", calculator_result_detail, name="calculator-result-detail"),
    path(
        "calculator-results/<int:result_id>/activate/",
        calculator_result_activate,
        name="calculator-result-activate",
    ),
]
