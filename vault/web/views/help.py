"""Pages: in-app help. What data we collect is generated from the models, so it cannot go stale."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.db import models
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from vault.accounts.access import own_athlete
from vault.exports.catalog import ATHLETE_EXPORTS, PRIVACY_STATEMENT
from vault.exports.jobs import export_background_above, export_keep_hours

HELP_PAGES = (
    ("help-exporting", "Exporting your data"),
    ("help-sources", "Connecting sources"),
    ("help-access", "Roles and access"),
    ("help-data", "What data we collect"),
)

# Apps whose models hold people's data, in the order the page lists them.
DATA_APPS = ("accounts", "activities", "metrics", "calculators", "coaching", "sources", "jobs")
# Fields stored in a form nobody can read back; the page says so instead of only naming them.
PROTECTED_FIELDS = {
    "password": "stored only as a salted hash",
    "secrets_encrypted": "encrypted; never shown again and never exported",
    "strava_client_secret_encrypted": "encrypted; never shown again and never exported",
}


def _context(request, **extra) -> dict:
    return {"pages": HELP_PAGES, "own_athlete": own_athlete(request.user), **extra}


def _field_note(field: models.Field) -> str:
    if field.name in PROTECTED_FIELDS:
        return PROTECTED_FIELDS[field.name]
    if field.is_relation:
        return f"link to {field.related_model._meta.verbose_name}"
    if field.choices:
        return "one of: " + ", ".join(str(label) for _, label in field.flatchoices)
    return str(field.help_text or "")


def collected_data() -> list[dict]:
    """Every model of the data apps with its stored fields (names, kinds and notes), read from the models."""
    tables = []
    for label in DATA_APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.proxy:
                continue
            fields = [
                {
                    "name": str(field.verbose_name),
                    "kind": field.get_internal_type().removesuffix("Field") or "Text",
                    "note": _field_note(field),
                }
                for field in model._meta.concrete_fields
                if not field.primary_key
            ]
            tables.append(
                {
                    "name": str(model._meta.verbose_name).capitalize(),
                    "doc": (model.__doc__ or "").strip()
                    if not (model.__doc__ or "").startswith(model.__name__ + "(")
                    else "",
                    "fields": fields,
                }
            )
    return tables


@login_required
@require_GET
def help_index(request):
    return render(request, "web/help/index.html", _context(request))


@login_required
@require_GET
def help_exporting(request):
    return render(
        request,
        "web/help/exporting.html",
        _context(
            request,
            exports=ATHLETE_EXPORTS,
            privacy=PRIVACY_STATEMENT,
            keep_hours=export_keep_hours(),
            background_above=export_background_above(),
        ),
    )


@login_required
@require_GET
def help_sources(request):
    return render(request, "web/help/sources.html", _context(request))


@login_required
@require_GET
def help_access(request):
    return render(request, "web/help/access.html", _context(request))


@login_required
@require_GET
def help_data(request):
    return render(request, "web/help/data.html", _context(request, tables=collected_data()))


urlpatterns = [
    path("help/", help_index, name="help-index"),
    path("help/exporting/", help_exporting, name="help-exporting"),
    path("help/sources/", help_sources, name="help-sources"),
    path("help/access/", help_access, name="help-access"),
    path("help/data/", help_data, name="help-data"),
]
