"""Admin: import a full export (the same as `manage.py import_export`), run as a background job."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin, messages
from django.core.files.storage import default_storage
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from vault.exports.jobs import EXPORT_IMPORT
from vault.exports.models import ExportImport
from vault.jobs.services import job_create


class ExportImportForm(forms.Form):
    archive = forms.FileField(help_text="export.zip of one athlete, or a roster export")
    athlete_username = forms.CharField(
        required=False,
        max_length=150,
        help_text="Sign-in name for the athlete; empty: the one in the archive.",
    )

    def clean_archive(self):
        archive = self.cleaned_data["archive"]
        if not archive.name.lower().endswith(".zip"):
            raise forms.ValidationError(f"{archive.name}: a full export is a .zip file.")
        return archive


@admin.register(ExportImport)
class ExportImportAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "message", "owner", "progress_done", "progress_total", "created_at")
    list_filter = ("status", "created_at")
    search_fields = ("message", "owner__username", "params")
    readonly_fields = (
        "status",
        "message",
        "results",
        "progress_done",
        "progress_total",
        "owner",
        "created_at",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(kind=EXPORT_IMPORT)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        form = ExportImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            archive = form.cleaned_data["archive"]
            upload = default_storage.save(f"imports/{uuid.uuid4().hex}.zip", archive)
            job = job_create(
                kind=EXPORT_IMPORT,
                owner=request.user,
                params={
                    "upload": upload,
                    "filename": archive.name,
                    "athlete_username": form.cleaned_data["athlete_username"],
                },
            )
            messages.success(
                request, f"Import of {archive.name} started (job {job.pk}); its row shows the outcome."
            )
            return redirect(reverse("admin:exports_exportimport_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a full export",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/exports/import_form.html", context)
