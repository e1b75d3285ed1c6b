"""Admin: background jobs, to see what ran, what failed and why."""

from django.contrib import admin

from vault.jobs.models import Job, JobResult


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


@admin.register(JobResult)
class JobResultAdmin(admin.ModelAdmin):
    """A job's per-item results (a file imported, an activity recomputed), one row each. Read-only: the
    worker writes them; a page of its own, because an archive import has thousands (no inline on the job)."""

    list_display = ("id", "job", "data")
    list_filter = ("job__kind", "job__status")
    search_fields = ("=job__id", "job__kind", "job__owner__username")
    raw_id_fields = ("job",)
    readonly_fields = ("job", "data")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
