from django.contrib import admin

from vault.metrics.models import MetricHistory


@admin.register(MetricHistory)
class MetricHistoryAdmin(admin.ModelAdmin):
    list_display = ("athlete", "metric_type", "value_display", "recorded_on", "source", "review_status")
    list_filter = ("metric_type", "source", "review_status", "needs_review", "recorded_on")
    search_fields = ("athlete__name", "athlete__public_id", "source_detail", "review_note")
    date_hierarchy = "recorded_on"
    raw_id_fields = ("athlete", "created_by", "reviewed_by")
