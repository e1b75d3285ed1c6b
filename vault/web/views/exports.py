"""Pages: the export page (every export with what it holds and its size), and account deletion."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from vault.accounts.access import athlete_for, own_athlete, visible_athletes
from vault.accounts.deletion import account_delete
from vault.activities.models import Activity, StoredOriginal
from vault.exports.catalog import ATHLETE_EXPORTS, PRIVACY_STATEMENT
from vault.exports.jobs import EXPORT_KINDS, ROSTER_EXPORT, export_keep_hours
from vault.jobs.models import Job, JobStatus

FULL_EXPORT = "api:athlete-export"


def _ready_exports(user) -> list[dict]:
    """The caller's finished export archives still kept, newest first, with their size."""
    jobs = Job.objects.filter(owner=user, kind__in=EXPORT_KINDS, status=JobStatus.DONE).exclude(
        result_file=""
    )
    ready = []
    for job in jobs.select_related("athlete").order_by("-finished_at")[:20]:
        if default_storage.exists(job.result_file):
            ready.append({"job": job, "size": default_storage.size(job.result_file)})
    return ready


@login_required
@require_GET
def exports_index(request):
    """An athlete goes to their own exports; a coach or admin picks an athlete, or takes the whole roster."""
    user = request.user
    athlete = own_athlete(user)
    if athlete is not None and not (user.is_coach or user.is_admin_role):
        return redirect("web:athlete-exports", public_id=athlete.public_id)
    if not (user.is_coach or user.is_admin_role):
        raise Http404("Nothing to export here.")
    ready = _ready_exports(user)
    return render(
        request,
        "web/exports/index.html",
        {
            "athletes": visible_athletes(user).order_by("name", "pk"),
            "ready": ready,
            "roster_size": next((r["size"] for r in ready if r["job"].kind == ROSTER_EXPORT), None),
            "keep_hours": export_keep_hours(),
            "privacy": PRIVACY_STATEMENT,
        },
    )


@login_required
@require_GET
def athlete_exports(request, public_id: str):
    athlete = athlete_for(request.user, public_id)
    activities = Activity.objects.filter(athlete=athlete)
    originals_bytes = (
        StoredOriginal.objects.filter(pk__in=activities.values("original_id")).aggregate(total=Sum("size"))[
            "total"
        ]
        or 0
    )
    ready = [r for r in _ready_exports(request.user) if r["job"].athlete_id == athlete.pk]
    exports = [
        {
            "kind": kind,
            "url": reverse(kind.url_name, kwargs={"public_id": athlete.public_id}),
            # Only what is known without building anything: a kept archive's size. The rest is streamed
            # on request, so its size exists only once it is made.
            "size": ready[0]["size"] if ready and kind.url_name == FULL_EXPORT else None,
        }
        for kind in ATHLETE_EXPORTS
    ]
    return render(
        request,
        "web/exports/athlete.html",
        {
            "athlete": athlete,
            "exports": exports,
            "activity_count": activities.count(),
            "originals_bytes": originals_bytes,
            "ready": ready,
            "keep_hours": export_keep_hours(),
            "privacy": PRIVACY_STATEMENT,
        },
    )


class AccountDeleteForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput, strip=False, help_text="Type your password again.")


@login_required
@require_http_methods(["GET", "POST"])
def account_delete_page(request):
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_delete(user=request.user, password=form.cleaned_data["password"])
        except ValidationError as error:
            for message in error.message_dict.get("password", error.messages):
                form.add_error("password", message)
        else:
            logout(request)
            messages.success(request, "Your account is deleted.")
            return redirect("web:signin")
    athlete = own_athlete(request.user)
    return render(
        request,
        "web/exports/account_delete.html",
        {"form": form, "athlete": athlete, "privacy": PRIVACY_STATEMENT},
    )


urlpatterns = [
    path("exports/", exports_index, name="exports"),
    path("athletes/<str:public_id>/exports/", athlete_exports, name="athlete-exports"),
    path("account/delete/", account_delete_page, name="account-delete"),
]
