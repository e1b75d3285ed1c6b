"""Pages: the wellness log, coach notes, and activity comment threads (htmx partial)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from vault.accounts.access import athlete_for, is_coach_of, visible_athletes
from vault.activities.models import Activity
from vault.coaching import selectors, services
from vault.coaching.markdown import render_markdown
from vault.coaching.models import ActivityComment, CoachNote, NoteTemplate, WellnessEntry


class WellnessForm(forms.ModelForm):
    class Meta:
        model = WellnessEntry
        fields = ["date", *services.WELLNESS_FIELDS]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }


class NoteForm(forms.ModelForm):
    class Meta:
        model = CoachNote
        fields = ["body", "domain", "visible_to_athlete", "concerning"]
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}


def _apply_errors(form, error: ValidationError) -> None:
    for field, msgs in error.message_dict.items():
        form.add_error(field if field in form.fields else None, msgs)


@login_required
@require_http_methods(["GET", "POST"])
def wellness_page(request, public_id):
    athlete = athlete_for(request.user, public_id)
    today = timezone.now().astimezone(athlete.tzinfo).date()
    existing = WellnessEntry.objects.filter(athlete=athlete, date=today).first()
    form = WellnessForm(request.POST or None, instance=existing, initial={"date": today})
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in services.WELLNESS_FIELDS}
        try:
            services.wellness_entry_save(
                athlete=athlete, date=form.cleaned_data["date"], values=values, by=request.user
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Wellness saved.")
            return redirect("web:wellness", public_id=public_id)
    rows = selectors.wellness_with_flags(athlete, days=28)
    chart = {
        "dates": [r["entry"].date.isoformat() for r in rows],
        "hrv": [r["entry"].hrv_rmssd_ms for r in rows],
        "hrv_baseline": [r["hrv_baseline"] for r in rows],
        "resting_hr": [r["entry"].resting_hr for r in rows],
        "resting_hr_baseline": [r["resting_hr_baseline"] for r in rows],
        "sleep": [r["entry"].sleep_hours for r in rows],
    }
    return render(
        request,
        "web/coaching/wellness.html",
        {"athlete": athlete, "form": form, "rows": list(reversed(rows)), "chart_json": json.dumps(chart)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def notes_page(request, public_id):
    athlete = athlete_for(request.user, public_id)
    may_write = request.user.is_admin_role or is_coach_of(request.user, athlete)
    templates = NoteTemplate.objects.filter(coach=request.user) if may_write else NoteTemplate.objects.none()
    chosen = templates.filter(pk=request.GET.get("template") or 0).first()
    initial = {"body": chosen.body, "domain": chosen.domain} if chosen else None
    form = NoteForm(request.POST or None, initial=initial) if may_write else None
    if request.method == "POST":
        if form is None:
            return render(request, "web/not_found.html", status=404)
        if form.is_valid():
            try:
                services.coach_note_create(athlete=athlete, author=request.user, **form.cleaned_data)
                if request.POST.get("save_as_template"):
                    services.note_template_save(
                        coach=request.user,
                        name=request.POST["save_as_template"],
                        body=form.cleaned_data["body"],
                        domain=form.cleaned_data["domain"],
                    )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, "Note saved.")
                return redirect("web:notes", public_id=public_id)
    notes = selectors.notes_visible_to(request.user, athlete)
    if request.user.pk == athlete.user_id:
        services.concerns_mark_seen(athlete=athlete)
    return render(
        request,
        "web/coaching/notes.html",
        {
            "athlete": athlete,
            "form": form,
            "templates": templates,
            "notes": [(n, render_markdown(n.body)) for n in notes],
        },
    )


def _activity_for(user, activity_id) -> Activity:
    return get_object_or_404(Activity, pk=activity_id, athlete__in=visible_athletes(user))


@login_required
@require_http_methods(["GET", "POST"])
def comment_thread(request, activity_id):
    """The thread as an htmx partial, embedded in the activity page; POST adds a comment."""
    activity = _activity_for(request.user, activity_id)
    error = None
    if request.method == "POST":
        try:
            services.comment_create(activity=activity, author=request.user, body=request.POST.get("body", ""))
        except ValidationError as exc:
            error = "; ".join(m for msgs in exc.message_dict.values() for m in msgs)
    services.comment_thread_mark_read(activity=activity, user=request.user)
    return render(
        request,
        "web/coaching/_comments.html",
        {"activity": activity, "comments": selectors.comments_of(activity), "error": error},
    )


@login_required
@require_POST
def comment_edit(request, comment_id):
    comment = get_object_or_404(
        ActivityComment, pk=comment_id, activity__athlete__in=visible_athletes(request.user)
    )
    try:
        if request.POST.get("delete"):
            services.comment_delete(comment=comment, by=request.user)
        else:
            services.comment_update(comment=comment, by=request.user, body=request.POST.get("body", ""))
    except ValidationError as exc:
        messages.error(request, "; ".join(m for msgs in exc.message_dict.values() for m in msgs))
    return redirect("web:comment-thread", activity_id=comment.activity_id)


urlpatterns = [
    path("athletes/<str:public_id>/wellness/", wellness_page, name="wellness"),
    path("athletes/<str:public_id>/notes/", notes_page, name="notes"),
    path("activities/<int:activity_id>/comments/", comment_thread, name="comment-thread"),
    path("comments/<int:comment_id>/edit/", comment_edit, name="comment-edit"),
]
