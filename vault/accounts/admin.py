"""Admin: every accounts model, with filters and search. Admin manages all roster links here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError

from vault.accounts import services
from vault.accounts.models import AthleteProfile, CoachAthleteLink, IntakeLink, JoinLink, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "role", "is_active", "is_staff", "last_login")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "email", "first_name", "last_name")
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Athlete Vault", {"fields": ("role",)}))
    # Staff and superuser follow the role (User.save); editable here they would only seem to do something.
    readonly_fields = ("is_staff", "is_superuser")
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, ("Athlete Vault", {"fields": ("role", "email")}))


class CoachLinkInline(admin.TabularInline):
    model = CoachAthleteLink
    fk_name = "athlete"
    extra = 0
    fields = ("coach", "origin", "started_at", "ended_at", "ended_by")
    autocomplete_fields = ("coach",)
    readonly_fields = ("ended_by",)


@admin.register(AthleteProfile)
class AthleteProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "public_id", "sex", "time_zone", "units", "created_at")
    list_filter = ("sex", "units", "time_zone")
    search_fields = ("name", "user__username", "user__email", "public_id")
    readonly_fields = ("public_id", "created_at")
    autocomplete_fields = ("user",)
    inlines = [CoachLinkInline]


@admin.action(description="End the selected coaching relationships (history is kept)")
def end_links(modeladmin, request, queryset):
    ended = 0
    for link in queryset.filter(ended_at__isnull=True).select_related("athlete"):
        try:
            services.coach_link_end(link=link, by=request.user)
        except ValidationError:
            continue  # ended concurrently; nothing to do
        ended += 1
    modeladmin.message_user(request, f"Ended {ended} relationship(s).", messages.SUCCESS)


@admin.register(CoachAthleteLink)
class CoachAthleteLinkAdmin(admin.ModelAdmin):
    list_display = ("coach", "athlete", "origin", "started_at", "ended_at", "ended_by")
    list_filter = ("origin", ("ended_at", admin.EmptyFieldListFilter), "started_at")
    search_fields = ("coach__username", "athlete__name", "athlete__user__username", "athlete__public_id")
    autocomplete_fields = ("coach", "athlete")
    readonly_fields = ("ended_by",)
    actions = [end_links]


@admin.register(JoinLink)
class JoinLinkAdmin(admin.ModelAdmin):
    list_display = ("coach", "label", "signups", "max_signups", "expires_at", "revoked", "created_at")
    list_filter = ("revoked", "created_at", "expires_at")
    search_fields = ("coach__username", "label", "token")
    readonly_fields = ("token", "signups", "created_at")
    autocomplete_fields = ("coach",)


@admin.register(IntakeLink)
class IntakeLinkAdmin(admin.ModelAdmin):
    list_display = ("coach", "email", "note", "expires_at", "used_at", "athlete", "created_at")
    list_filter = (("used_at", admin.EmptyFieldListFilter), "created_at", "expires_at")
    search_fields = ("coach__username", "email", "note", "athlete__name")
    readonly_fields = ("token", "used_at", "athlete", "created_at")
    autocomplete_fields = ("coach",)
