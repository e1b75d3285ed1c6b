from django.contrib import admin

from vault.calculators.models import (
    Assessment,
    CalculatorResult,
    LoadOverride,
    LoadOverrideChange,
    Race,
)


@admin.register(Race)
class RaceAdmin(admin.ModelAdmin):
    list_display = ("name", "athlete", "date", "distance", "priority")
    list_filter = ("distance", "priority", "date")
    search_fields = ("name", "notes", "athlete__name", "athlete__public_id")
    raw_id_fields = ("athlete", "created_by")
    date_hierarchy = "date"


@admin.register(CalculatorResult)
class CalculatorResultAdmin(admin.ModelAdmin):
    list_display = ("calculator_type", "athlete", "race", "is_active", "created_at")
    list_filter = ("calculator_type", "is_active", "created_at")
    search_fields = ("athlete__name", "athlete__public_id", "race__name")
    raw_id_fields = ("athlete", "race", "created_by")


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("kind", "athlete", "tested_on", "created_by", "created_at")
    list_filter = ("kind", "tested_on")
    search_fields = ("athlete__name", "athlete__public_id", "notes")
    raw_id_fields = ("athlete", "created_by")


@admin.register(LoadOverride)
class LoadOverrideAdmin(admin.ModelAdmin):
    list_display = ("activity", "load", "set_by", "set_at")
    list_filter = ("set_at",)
    search_fields = ("activity__name", "activity__athlete__name", "note")
    raw_id_fields = ("activity", "set_by")


@admin.register(LoadOverrideChange)
class LoadOverrideChangeAdmin(admin.ModelAdmin):
    list_display = ("activity", "old_load", "new_load", "changed_by", "changed_at")
    list_filter = ("changed_at",)
    search_fields = ("activity__name", "activity__athlete__name", "note")
    raw_id_fields = ("activity", "changed_by")
