"""The REST API. One module per resource, each with its own `urlpatterns` (design.md §6)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from vault.api import (
    activities,
    athletes,
    auth,
    calculators,
    coaching,
    exports,
    jobs,
    metrics,
    races,
    sources,
)

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
for module in (auth, athletes, metrics, calculators, races, activities, sources, coaching, exports, jobs):
    urlpatterns += module.urlpatterns
