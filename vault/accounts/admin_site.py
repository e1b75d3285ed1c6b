"""The Django admin, gated by access.py (design.md §5): it opens for admins and for nobody else.

Django's own gate is `is_staff`; ours asks `access.is_admin`, the same question every page and endpoint
asks, so the admin can never show a coach (staff or not) the athletes off their roster. User.save keeps
is_staff / is_superuser in step with role=admin, so model permissions agree with this gate.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse


class VaultAdminSite(AdminSite):
    site_header = "Athlete Vault admin"
    site_title = "Athlete Vault admin"

    def has_permission(self, request) -> bool:
        # Imported here: this module is loaded from INSTALLED_APPS, before models can be imported.
        from vault.accounts import access

        return bool(request.user.is_active and access.is_admin(request.user))

    def login(self, request, extra_context=None):
        """No second sign-in form: Django's admin login would skip the sign-in rate limits
        (services.signin_authenticate). Anonymous visitors go to the app's sign-in page and come back;
        a signed-in non-admin finds nothing here (404, as with other people's data) rather than a
        sign-in loop between the two pages."""
        from django.contrib.auth.views import redirect_to_login  # models are not loadable at import

        if request.user.is_authenticated:
            if self.has_permission(request):
                return redirect(reverse("admin:index", current_app=self.name))
            raise Http404("No admin here.")
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect_to_login(next_url, reverse("web:signin"))


class VaultAdminConfig(AdminConfig):
    """Installed instead of django.contrib.admin, so `admin.site` (and every @admin.register) is ours."""

    default_site = "vault.accounts.admin_site.VaultAdminSite"
