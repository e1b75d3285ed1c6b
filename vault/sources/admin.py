from django.contrib import admin

from vault.sources.models import ConnectorSettings, SeenFile, Source, SourceFileLog


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    # secrets_encrypted and oauth_nonce are not editable and never listed: tokens are not shown (design.md §8)
    list_display = ("id", "athlete", "kind", "status", "last_sync_at", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("athlete__name", "athlete__public_id", "status_reason")
    readonly_fields = ("cursor", "last_sync_at", "created_at")


@admin.register(SourceFileLog)
class SourceFileLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "source", "name", "status", "activity_id")
    list_filter = ("status", "source__kind")
    search_fields = ("name", "external_id", "message")


@admin.register(SeenFile)
class SeenFileAdmin(admin.ModelAdmin):
    list_display = ("source", "path", "size")
    list_filter = ("source__kind",)
    search_fields = ("path",)


@admin.register(ConnectorSettings)
class ConnectorSettingsAdmin(admin.ModelAdmin):
    list_display = ("strava_client_id", "watch_poll_seconds", "sync_interval_minutes", "updated_at")
    list_filter = ("updated_at",)
    search_fields = ("strava_client_id",)
