from django.contrib import admin, messages

import trackfiles
from vault.activities.models import Activity, ImportRecord, Lap, StoredOriginal
from vault.activities.services import MeasureError, activity_reprocess


@admin.action(description="Recompute summaries, laps and streams from the stored originals")
def reprocess_activities(modeladmin, request, queryset):
    done, failed = 0, []
    for activity in queryset.select_related("athlete", "original"):
        try:
            activity_reprocess(activity=activity)
            done += 1
        except (trackfiles.DecodeError, MeasureError, OSError) as exc:
            failed.append(f"{activity.pk}: {exc}")
    modeladmin.message_user(request, f"Reprocessed {done} activities.")
    for problem in failed:
        modeladmin.message_user(request, problem, level=messages.ERROR)


class LapInline(admin.TabularInline):
    model = Lap
    extra = 0
    readonly_fields = ("index", "start_time", "elapsed_s", "distance_m", "summary")


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("id", "athlete", "sport", "start_time", "name", "source_kind", "created_at")
    list_filter = ("sport", "source_kind", "trainer")
    search_fields = (
        "name",
        "athlete__name",
        "athlete__public_id",
        "external_id",
        "sha256",
        "original_filename",
    )
    raw_id_fields = ("athlete", "original", "created_by")
    date_hierarchy = "start_time"
    inlines = [LapInline]
    actions = [reprocess_activities]


@admin.register(Lap)
class LapAdmin(admin.ModelAdmin):
    list_display = ("activity", "index", "elapsed_s", "distance_m")
    list_filter = ("activity__sport",)
    search_fields = ("activity__name", "activity__athlete__name")
    raw_id_fields = ("activity",)


@admin.register(StoredOriginal)
class StoredOriginalAdmin(admin.ModelAdmin):
    list_display = ("sha256", "size", "content_type", "created_at")
    list_filter = ("content_type",)
    search_fields = ("sha256", "name")


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    list_display = ("name", "athlete", "source_kind", "status", "created_at")
    list_filter = ("status", "source_kind")
    search_fields = ("name", "sha256", "message", "athlete__name", "athlete__public_id")
    raw_id_fields = ("athlete", "activity")
