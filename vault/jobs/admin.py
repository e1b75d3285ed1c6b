"""Admin: background jobs, to see what ran, what failed and why."""

from django.contrib import admin

from vault.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "status",
        "owner",
        "athlete",
        "progress_done",
        "progress_total",
        "created_at",
    )
    list_filter = ("status", "kind", "created_at")
    search_fields = ("kind", "message", "owner__username", "athlete__name", "athlete__public_id")
    readonly_fields = ("created_at", "started_at", "finished_at", "attempts")
    raw_id_fields = ("owner", "athlete")
