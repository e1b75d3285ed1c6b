from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("vault.api.urls")),
    path("", include("vault.web.urls")),
]

handler404 = "vault.web.errors.not_found"
