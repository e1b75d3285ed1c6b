"""Pages: an athlete's metric history (table, trend charts, manual entry) and the coach's review queue."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from vault.accounts.access import athlete_for, is_self, visible_athletes
from vault.metrics import services
from vault.metrics.models import MetricHistory, Source
from vault.metrics.selectors import (
    change_for,
    chart_series,
    display_units,
    metric_history,
    pending_reviews_for_coach,
)
from vault.metrics.types import IMPERIAL, METRIC, METRIC_TYPE_CHOICES, METRIC_TYPES, display_value

# How to type a value, in the athlete's unit system (the form reads what the pages show).
VALUE_HELP = {
    METRIC: "Paces as m:ss (CSS per 100 m, threshold run pace per km); W′ in kJ; everything else in its unit.",
    IMPERIAL: "Paces as m:ss (CSS per 100 yd, threshold run pace per mile); weight in lb; height as 5'9; "
    "W′ in kJ; everything else in its unit.",
}


class MetricEntryForm(forms.Form):
    """A manual entry as a person types it: the value in display terms ("1:32" for a CSS pace, kJ for W′),
    in the athlete's unit system (lb and min/mi for imperial); stored SI whatever was typed."""

    metric_type = forms.ChoiceField(choices=METRIC_TYPE_CHOICES)
    value = forms.CharField(max_length=20, help_text=VALUE_HELP[METRIC])
    recorded_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Date")
    source_detail = forms.CharField(max_length=200, required=False, label="Note (how it was measured)")

    def __init__(self, *args, units: str = METRIC, **kwargs):
        self.units = units
        super().__init__(*args, **kwargs)
        self.fields["value"].help_text = VALUE_HELP.get(units, VALUE_HELP[METRIC])

    def metric_type_key(self, cleaned) -> str:
        return cleaned.get("metric_type", "")

    def clean(self):
        cleaned = super().clean()
        info = METRIC_TYPES.get(self.metric_type_key(cleaned))
        if info is not None and cleaned.get("value"):
            try:
                cleaned["value"] = info.parse(cleaned["value"], self.units)
            except ValueError as error:
                self.add_error("value", f"{info.label}: {error} ({info.view(self.units).input_hint})")
        return cleaned


class MetricEntryEditForm(MetricEntryForm):
    """Editing keeps the entry's type; an unchanged value text keeps the stored value exactly."""

    def __init__(self, *args, entry: MetricHistory, units: str = METRIC, **kwargs):
        self.entry = entry
        info = METRIC_TYPES[entry.metric_type]
        self.initial_value_text = info.input_text(entry.value, units)
        kwargs.setdefault(
            "initial",
            {
                "value": self.initial_value_text,
                "recorded_on": entry.recorded_on,
                "source_detail": entry.source_detail,
            },
        )
        super().__init__(*args, units=units, **kwargs)
        del self.fields["metric_type"]
        self.fields["value"].label = f"{info.label} ({info.view(units).input_hint})"

    def metric_type_key(self, cleaned) -> str:
        return self.entry.metric_type

    def clean(self):
        unchanged = (self.data.get("value") or "").strip() == self.initial_value_text
        cleaned = super().clean()
        if unchanged and "value" in cleaned:
            cleaned["value"] = None  # rounding "1:32" again would shift the stored speed slightly
        return cleaned


def _shown(entry: MetricHistory, units: str) -> str:
    return display_value(entry.metric_type, entry.value, units)


def _history_context(request, athlete, form, units: str):
    shown_type = request.GET.get("metric_type", "")
    shown_type = shown_type if shown_type in METRIC_TYPES else ""
    series = chart_series(athlete, units)
    return {
        "athlete": athlete,
        "entries": metric_history(athlete, metric_type=shown_type or None),
        "shown_type": shown_type,
        # A trend needs two points; a single value is in the table.
        "series": {key: data for key, data in series.items() if len(data["x"]) >= 2},
        "form": form,
        "is_self": is_self(request.user, athlete),
        "types": METRIC_TYPES.values(),
        "units": units,
    }


@login_required
@require_http_methods(["GET", "POST"])
def metric_history_page(request, public_id: str):
    athlete = athlete_for(request.user, public_id)
    today = timezone.localdate(timezone=athlete.tzinfo)
    units = display_units(request.user, athlete)
    form = MetricEntryForm(request.POST or None, initial={"recorded_on": today}, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.metric_entry_create(
                athlete=athlete, source=Source.MANUAL, created_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            waiting = " It waits for your coach's review." if entry.needs_review else ""
            messages.success(
                request, f"Saved {entry.label} {_shown(entry, units)} on {entry.recorded_on}.{waiting}"
            )
            return redirect("web:metric-history", public_id=athlete.public_id)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "web/metrics/history.html", _history_context(request, athlete, form, units), status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def metric_edit(request, public_id: str, entry_id: int):
    athlete = athlete_for(request.user, public_id)
    entry = get_object_or_404(MetricHistory, athlete=athlete, pk=entry_id)
    if not entry.is_manual:
        messages.error(
            request,
            f"Only manual entries can be edited; this {entry.label} came from {entry.get_source_display().lower()}.",
        )
        return redirect("web:metric-history", public_id=athlete.public_id)
    units = display_units(request.user, athlete)
    form = MetricEntryEditForm(request.POST or None, entry=entry, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.metric_entry_update(entry=entry, updated_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            waiting = " It waits for your coach's review." if entry.needs_review else ""
            messages.success(
                request, f"Saved {entry.label} {_shown(entry, units)} on {entry.recorded_on}.{waiting}"
            )
            return redirect("web:metric-history", public_id=athlete.public_id)
    status = 400 if form.is_bound and form.errors else 200
    context = {"athlete": athlete, "entry": entry, "form": form, "units": units}
    return render(request, "web/metrics/edit.html", context, status=status)


@login_required
@require_POST
def metric_delete(request, public_id: str, entry_id: int):
    athlete = athlete_for(request.user, public_id)
    entry = get_object_or_404(MetricHistory, athlete=athlete, pk=entry_id)
    try:
        services.metric_entry_delete(entry=entry, deleted_by=request.user)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    else:
        shown = _shown(entry, display_units(request.user, athlete))
        messages.success(request, f"Deleted {entry.label} {shown} of {entry.recorded_on}.")
    return redirect("web:metric-history", public_id=athlete.public_id)


@login_required
def review_queue(request):
    changes = pending_reviews_for_coach(request.user)
    for change in changes:
        change.can_review = services.can_review(request.user, change.entry.athlete)
    return render(request, "web/metrics/reviews.html", {"changes": changes})


REVIEW_ACTIONS = {
    "accept": lambda entry, user, note: services.metric_review_accept(entry=entry, reviewer=user, note=note),
    "decline": lambda entry, user, note: services.metric_review_decline(
        entry=entry, reviewer=user, reason=note
    ),
    "request_info": lambda entry, user, note: services.metric_review_request_info(
        entry=entry, reviewer=user, note=note
    ),
}


@login_required
@require_POST
def review_action(request, entry_id: int):
    entry = get_object_or_404(
        MetricHistory.objects.select_related("athlete"),
        pk=entry_id,
        athlete__in=visible_athletes(request.user),
    )
    if not services.can_review(request.user, entry.athlete):
        raise PermissionDenied("Only the athlete's coach or an admin reviews this entry.")
    action = request.POST.get("action", "")
    if action not in REVIEW_ACTIONS:
        raise Http404("No such review action.")
    error = ""
    try:
        entry = REVIEW_ACTIONS[action](entry, request.user, request.POST.get("note", ""))
    except ValidationError as exc:
        error = "; ".join(exc.messages)
    if request.headers.get("HX-Request"):
        change = change_for(entry)
        change.can_review = True
        return render(request, "web/metrics/_review_row.html", {"change": change, "error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            f"{entry.athlete.name}: {entry.label} {_shown(entry, entry.athlete.units)} — "
            f"{entry.get_review_status_display().lower()}.",
        )
    return redirect(reverse("web:review-queue"))


urlpatterns = [
    path("athletes/<str:public_id>/metrics/", metric_history_page, name="metric-history"),
    path("athletes/<str:public_id>/metrics/<int:entry_id>/edit/", metric_edit, name="metric-edit"),
    path("athletes/<str:public_id>/metrics/<int:entry_id>/delete/", metric_delete, name="metric-delete"),
    path("reviews/", review_queue, name="review-queue"),
    path("reviews/<int:entry_id>/", review_action, name="review-action"),
]
