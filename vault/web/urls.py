"""Server-rendered pages. One module per area under vault/web/views, each with its own `urlpatterns`."""

from vault.web.views import (
    accounts,
    activities,
    calculators,
    coaching,
    dashboard,
    exports,
    help,
    metrics,
    races,
    sources,
)

app_name = "web"

urlpatterns: list = []
for module in (
    accounts,
    dashboard,
    metrics,
    calculators,
    races,
    activities,
    sources,
    coaching,
    exports,
    help,
):
    urlpatterns += module.urlpatterns
