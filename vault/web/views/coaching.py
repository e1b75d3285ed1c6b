"""Pages: the wellness log, coach notes and their templates, and activity comment threads (htmx partial)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from vault.accounts.access import athlete_for, is_coach_of, visible_athletes
from vault.activities.models import Activity
from vault.calculators.models import Race
from vault.coaching import selectors, services
from vault.coaching.markdown import render_markdown
from vault.coaching.models import ActivityComment, CoachNote, NoteTemplate, WellnessEntry

# --- wellness

# The check-in in the order an athlete thinks through a morning, so the form is quick on a phone; the
# menstrual-cycle fields are optional and folded away in their own section.
WELLNESS_SECTIONS = (
    ("sleep", "Sleep", ("sleep_hours", "sleep_quality")),
    ("body", "Body", ("hrv_rmssd_ms", "resting_hr", "weight_kg", "body_battery", "soreness", "fatigue")),
    ("mind", "Mind", ("stress", "mood", "motivation")),
    ("other", "Other", ("travel", "alcohol_units", "illness", "illness_note", "note")),
)
CYCLE_FIELDS = ("cycle_day", "cycle_phase", "cycle_flow", "cycle_symptoms")
_SCALE_HINT = "1 (low) to 10 (high)"


class WellnessForm(forms.ModelForm):
    class Meta:
        model = WellnessEntry
        fields = ["date", *services.WELLNESS_FIELDS]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "note": forms.Textarea(attrs={"rows": 2}),
            "cycle_symptoms": forms.TextInput(),
        }
        labels = {
            "hrv_rmssd_ms": "HRV (rMSSD, ms)",
            "resting_hr": "Resting heart rate (bpm)",
            "weight_kg": "Weight (kg)",
            "sleep_hours": "Sleep (hours)",
            "alcohol_units": "Alcohol (units)",
        }
        help_texts = {
            name: _SCALE_HINT
            for name in ("sleep_quality", "stress", "soreness", "fatigue", "mood", "motivation")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            model_field = WellnessEntry._meta.get_field(name)
            bounds = {
                type(v).__name__: v.limit_value for v in model_field.validators if hasattr(v, "limit_value")
            }
            if isinstance(field, forms.IntegerField):  # FloatField is one too
                # Phones then offer the number pad; the bounds are hints, the server is the judge (novalidate).
                decimal = isinstance(field, forms.FloatField)
                field.widget.attrs["inputmode"] = "decimal" if decimal else "numeric"
                if "MinValueValidator" in bounds:
                    field.widget.attrs["min"] = bounds["MinValueValidator"]
                if "MaxValueValidator" in bounds:
                    field.widget.attrs["max"] = bounds["MaxValueValidator"]

    def sections(self) -> list[dict]:
        return [
            {"key": key, "title": title, "fields": [self[name] for name in names]}
            for key, title, names in WELLNESS_SECTIONS
        ]

    def cycle_fields(self) -> list:
        return [self[name] for name in CYCLE_FIELDS]

    def cycle_open(self) -> bool:
        """Unfold the cycle section when it holds something, or an error the athlete must see."""
        return any(self[name].errors or self[name].value() not in (None, "") for name in CYCLE_FIELDS)


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
        status=400 if form.is_bound and form.errors else 200,
    )


# --- coach notes


class _RecentFirstChoice(forms.ModelChoiceField):
    """A choice among one athlete's own activities or races. Validation takes any of them; the menu lists
    the most recent only, so a long history does not make a huge page. An id of someone else's is refused
    with the same words as an id of nothing, so a refusal confirms nothing."""

    MENU_SIZE = 100

    def __init__(self, queryset, *, label_of, what: str, **kwargs):
        self.label_of = label_of
        super().__init__(queryset, required=False, **kwargs)
        self.error_messages = {
            **self.error_messages,
            "invalid_choice": f"That is not one of this athlete's {what}; choose one from the list.",
        }

    def label_from_instance(self, obj) -> str:
        return self.label_of(obj)

    def limit_menu(self) -> None:
        recent = self.queryset[: self.MENU_SIZE]
        self.widget.choices = [("", "—"), *((obj.pk, self.label_of(obj)) for obj in recent)]


def _activity_label(activity: Activity) -> str:
    local = activity.start_time.astimezone(activity.athlete.tzinfo)
    return f"{local:%Y-%m-%d} {activity.name or activity.sport}"


def _race_label(race: Race) -> str:
    return f"{race.name} ({race.date:%Y-%m-%d})"


class NoteForm(forms.ModelForm):
    """A new note. Its activity and race are chosen among that athlete's only."""

    activity = _RecentFirstChoice(Activity.objects.none(), label_of=_activity_label, what="activities")
    race = _RecentFirstChoice(Race.objects.none(), label_of=_race_label, what="races")

    class Meta:
        model = CoachNote
        fields = ["body", "domain", "activity", "race", "visible_to_athlete", "concerning"]
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}
        labels = {
            "visible_to_athlete": "Share with the athlete",
            "concerning": "Concerning (flags the athlete)",
        }

    def __init__(self, *args, athlete, **kwargs):
        super().__init__(*args, **kwargs)
        activity, race = self.fields["activity"], self.fields["race"]
        activity.queryset = (
            Activity.objects.filter(athlete=athlete).select_related("athlete").order_by("-start_time")
        )
        race.queryset = Race.objects.filter(athlete=athlete).order_by("-date")
        activity.limit_menu()
        race.limit_menu()


class NoteEditForm(forms.ModelForm):
    """What the author changes on a written note: its text, domain, sharing and the concerning flag."""

    class Meta:
        model = CoachNote
        fields = ["body", "domain", "visible_to_athlete", "concerning"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}
        labels = NoteForm.Meta.labels

    def __init__(self, *args, instance: CoachNote, **kwargs):
        # One form per note on the page: the prefix keeps each form's ids and field names apart.
        super().__init__(*args, instance=instance, prefix=f"note-{instance.pk}", **kwargs)


def _may_write_notes(user, athlete) -> bool:
    return user.is_admin_role or is_coach_of(user, athlete)


def _may_change(user, note: CoachNote) -> bool:
    return user.is_admin_role or user.pk == note.author_id


def _render_notes(request, athlete, *, form=None, edit_forms=None, refusals=None, status=200):
    """The notes page. `edit_forms` holds a refused edit's bound form (by note id), shown open with its
    errors; `refusals` the messages of a refused delete or resolve, shown at the note they concern."""
    may_write = _may_write_notes(request.user, athlete)
    templates = selectors.note_templates_of(request.user) if may_write else NoteTemplate.objects.none()
    if form is None and may_write:
        chosen = templates.filter(pk=request.GET.get("template") or 0).first()
        initial = {"body": chosen.body, "domain": chosen.domain} if chosen else None
        form = NoteForm(initial=initial, athlete=athlete)
    edit_forms, refusals = edit_forms or {}, refusals or {}
    notes = []
    for note in selectors.notes_visible_to(request.user, athlete):
        editable = _may_change(request.user, note)
        notes.append(
            {
                "note": note,
                "html": render_markdown(note.body),
                "editable": editable,
                "edit_form": edit_forms.get(note.pk) or (NoteEditForm(instance=note) if editable else None),
                "refused": note.pk in edit_forms or note.pk in refusals,
                "refusal": refusals.get(note.pk, []),
            }
        )
    if request.user.pk == athlete.user_id:
        services.concerns_mark_seen(athlete=athlete)
    return render(
        request,
        "web/coaching/notes.html",
        {"athlete": athlete, "form": form, "templates": templates, "notes": notes},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def notes_page(request, public_id):
    athlete = athlete_for(request.user, public_id)
    if request.method == "GET":
        return _render_notes(request, athlete)
    if not _may_write_notes(request.user, athlete):
        raise Http404("Only the athlete's coach writes notes here.")
    form = NoteForm(request.POST, athlete=athlete)
    if form.is_valid():
        try:
            services.coach_note_create(athlete=athlete, author=request.user, **form.cleaned_data)
            if request.POST.get("save_as_template", "").strip():
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
    return _render_notes(request, athlete, form=form, status=400)


def _note_or_404(request, note_id: int) -> CoachNote:
    return selectors.note_for(request.user, note_id)


@login_required
@require_POST
def note_edit(request, note_id):
    note = _note_or_404(request, note_id)
    form = NoteEditForm(request.POST, instance=CoachNote.objects.get(pk=note.pk))
    if form.is_valid():
        try:
            services.coach_note_update(
                note=note,
                by=request.user,
                **{name: form.cleaned_data[name] for name in NoteEditForm.Meta.fields},
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Note changed.")
            return redirect("web:notes", public_id=note.athlete.public_id)
    return _render_notes(request, note.athlete, edit_forms={note.pk: form}, status=400)


def _note_action(request, note_id, action, done: str):
    note = _note_or_404(request, note_id)
    try:
        action(note=note, by=request.user)
    except ValidationError as error:
        return _render_notes(request, note.athlete, refusals={note.pk: error.messages}, status=400)
    messages.success(request, done)
    return redirect("web:notes", public_id=note.athlete.public_id)


@login_required
@require_POST
def note_delete(request, note_id):
    return _note_action(request, note_id, services.coach_note_delete, "Note deleted.")


@login_required
@require_POST
def note_resolve(request, note_id):
    return _note_action(
        request,
        note_id,
        services.coach_note_resolve,
        "Concern resolved; the athlete's roster mark is cleared.",
    )


# --- note templates


class NoteTemplateForm(forms.ModelForm):
    class Meta:
        model = NoteTemplate
        fields = ["name", "body", "domain"]
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}


def _template_keeper_or_404(user) -> None:
    if not (user.is_coach or user.is_admin_role):
        raise Http404("Note templates are for coaches.")


@login_required
@require_http_methods(["GET", "POST"])
def note_templates_page(request):
    _template_keeper_or_404(request.user)
    form = NoteTemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.note_template_create(coach=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Template saved.")
            return redirect("web:note-templates")
    return render(
        request,
        "web/coaching/templates.html",
        {"templates": selectors.note_templates_of(request.user), "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def note_template_edit(request, template_id):
    template = selectors.note_template_for(request.user, template_id)
    form = NoteTemplateForm(request.POST or None, instance=NoteTemplate.objects.get(pk=template.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.note_template_update(template=template, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Template changed.")
            return redirect("web:note-templates")
    return render(
        request,
        "web/coaching/template_edit.html",
        {"template": template, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def note_template_delete(request, template_id):
    template = selectors.note_template_for(request.user, template_id)
    services.note_template_delete(template=template, by=request.user)
    messages.success(request, f"Template {template.name!r} deleted.")
    return redirect("web:note-templates")


# --- activity comments


def _activity_for(user, activity_id) -> Activity:
    return get_object_or_404(Activity, pk=activity_id, athlete__in=visible_athletes(user))


def _errors_text(error: ValidationError) -> str:
    return "; ".join(m for msgs in error.message_dict.values() for m in msgs)


def _thread(request, activity, *, error=None, edit_error=None):
    """The thread partial. A refusal is shown inside it: htmx swaps only successful answers, so an htmx
    request gets 200 with the message, any other request 400."""
    services.comment_thread_mark_read(activity=activity, user=request.user)
    refused = error is not None or edit_error is not None
    status = 400 if refused and not request.headers.get("HX-Request") else 200
    return render(
        request,
        "web/coaching/_comments.html",
        {
            "activity": activity,
            "comments": selectors.comments_of(activity),
            "error": error,
            "edit_error": edit_error,
        },
        status=status,
    )


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
            error = {"message": _errors_text(exc), "body": request.POST.get("body", "")}
    return _thread(request, activity, error=error)


@login_required
@require_POST
def comment_edit(request, comment_id):
    """Edit (or, with `delete`, remove) one's own comment; answers the whole thread, a refusal shown beside
    the comment it concerns."""
    comment = get_object_or_404(
        ActivityComment.objects.select_related("activity"),
        pk=comment_id,
        activity__athlete__in=visible_athletes(request.user),
    )
    edit_error = None
    try:
        if request.POST.get("delete"):
            services.comment_delete(comment=comment, by=request.user)
        else:
            services.comment_update(comment=comment, by=request.user, body=request.POST.get("body", ""))
    except ValidationError as exc:
        edit_error = {
            "comment_id": comment.pk,
            "message": _errors_text(exc),
            "body": request.POST.get("body", ""),
        }
    return _thread(request, comment.activity, edit_error=edit_error)


urlpatterns = [
    path("athletes/<str:public_id>/wellness/", wellness_page, name="wellness"),
    path("athletes/<str:public_id>/notes/", notes_page, name="notes"),
    path("notes/<int:note_id>/edit/", note_edit, name="note-edit"),
    path("notes/<int:note_id>/delete/", note_delete, name="note-delete"),
    path("notes/<int:note_id>/resolve/", note_resolve, name="note-resolve"),
    path("note-templates/", note_templates_page, name="note-templates"),
    path("note-templates/<int:template_id>/", note_template_edit, name="note-template-edit"),
    path("note-templates/<int:template_id>/delete/", note_template_delete, name="note-template-delete"),
    path("activities/<int:activity_id>/comments/", comment_thread, name="comment-thread"),
    path("comments/<int:comment_id>/edit/", comment_edit, name="comment-edit"),
]
