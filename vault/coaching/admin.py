from django.contrib import admin

from vault.coaching.models import ActivityComment, CoachNote, CommentReadMark, NoteTemplate, WellnessEntry


@admin.register(WellnessEntry)
class WellnessEntryAdmin(admin.ModelAdmin):
    list_display = ["athlete", "date", "sleep_hours", "hrv_rmssd_ms", "resting_hr", "illness"]
    list_filter = ["illness", "travel", "date"]
    search_fields = ["athlete__name", "athlete__public_id", "note"]
    date_hierarchy = "date"


@admin.register(CoachNote)
class CoachNoteAdmin(admin.ModelAdmin):
    list_display = ["athlete", "author", "domain", "visible_to_athlete", "concerning", "created_at"]
    list_filter = ["domain", "visible_to_athlete", "concerning"]
    search_fields = ["athlete__name", "author__username", "body"]


@admin.register(NoteTemplate)
class NoteTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "coach", "domain"]
    list_filter = ["domain"]
    search_fields = ["name", "coach__username", "body"]


@admin.register(ActivityComment)
class ActivityCommentAdmin(admin.ModelAdmin):
    list_display = ["activity", "author", "created_at", "edited_at"]
    list_filter = ["created_at"]
    search_fields = ["author__username", "body"]


@admin.register(CommentReadMark)
class CommentReadMarkAdmin(admin.ModelAdmin):
    list_display = ["user", "activity", "read_at"]
    list_filter = ["read_at"]
    search_fields = ["user__username"]
