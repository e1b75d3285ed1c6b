"""Pages: the Sources page (cards, add a source, scan/sync/remove, file logs, live updates while a job runs),
the Strava OAuth callback, and the Settings page (Strava credentials, intervals, units and time zone).

Every action here calls the same services as the API (vault/api/sources.py)."""

from __future__ import annotations

import hashlib
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vault.accounts import services as account_services
from vault.accounts.access import athlete_for, is_admin, own_athlete, visible_athletes
from vault.accounts.forms import TIME_ZONES
from vault.accounts.models import Units
from vault.sources import crypto, selectors, services
from vault.sources.connectors.nrc.client import TOKEN_STEPS
from vault.sources.connectors.strava import webhook
from vault.sources.connectors.strava.client import StravaError
from vault.sources.connectors.strava.oauth import ConnectError, strava_authorize_url, strava_connect
from vault.sources.models import SourceKind, SourceStatus

STATUS_BADGE = {
    SourceStatus.ACTIVE: "ok",
    SourceStatus.SYNCING: "",
    SourceStatus.NEEDS_ATTENTION: "warn",
    SourceStatus.RECONNECT: "bad",
}


def _errors_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{m}" for messages_ in exc.message_dict.values() for m in messages_)
    return "; ".join(exc.messages)


def _athlete_of_request(request, public_id: str | None):
    if public_id:
        return athlete_for(request.user, public_id)
    return own_athlete(request.user)


# How often a card's live part asks for news: often while something runs, less when idle (a watcher imports
# without a job, and a periodic sync may start at any moment, so an idle card still asks).
BUSY_POLL_SECONDS = 2
IDLE_POLL_SECONDS = 5


def _card_context(source) -> dict:
    """What a card shows. `fingerprint` sums up everything that can change on it, so a poll that finds it
    unchanged is answered with an empty 204 (nothing swapped, nothing re-rendered)."""
    job = selectors.running_job(source)
    log = list(selectors.file_log(source))
    last_error = selectors.latest_error(source) if getattr(source, "error_count", 0) else None
    busy = job is not None or source.status == SourceStatus.SYNCING
    state = [
        source.status,
        source.status_reason,
        source.last_sync_at,
        getattr(source, "imported_count", 0),
        getattr(source, "duplicate_count", 0),
        getattr(source, "error_count", 0),
        [(e.pk, e.status, e.message) for e in log],
        last_error.pk if last_error else None,
        (job.pk, job.status, job.progress_done, job.progress_total, job.message) if job else None,
    ]
    return {
        "source": source,
        "job": job,
        "badge": STATUS_BADGE.get(source.status, ""),
        "log": log,
        "log_length": selectors.FILE_LOG_LENGTH,
        "last_error": last_error,
        "poll_seconds": BUSY_POLL_SECONDS if busy else IDLE_POLL_SECONDS,
        "fingerprint": hashlib.sha256(repr(state).encode()).hexdigest()[:16],
        "nrc_steps": TOKEN_STEPS,
    }


def _sources_url(athlete) -> str:
    return f"{reverse('web:sources')}?athlete={athlete.public_id}"


@login_required
@require_GET
def sources_page(request):
    athlete = _athlete_of_request(request, request.GET.get("athlete"))
    if athlete is None:
        return render(request, "web/sources/choose.html", {"athletes": visible_athletes(request.user)})
    client_id, client_secret = selectors.strava_credentials()
    context = {
        "athlete": athlete,
        "cards": [_card_context(s) for s in selectors.sources_of(athlete)],
        "strava_configured": bool(client_id and client_secret),
        "callback_url": request.build_absolute_uri(reverse("web:strava-callback")),
        "nrc_steps": TOKEN_STEPS,
        "is_admin": is_admin(request.user),
    }
    return render(request, "web/sources/page.html", context)


@login_required
@require_POST
def source_add(request):
    athlete = _athlete_of_request(request, request.POST.get("athlete"))
    if athlete is None:
        raise Http404("No athlete here.")
    kind = request.POST.get("kind", "")
    try:
        source = services.source_create(
            athlete=athlete,
            kind=kind,
            created_by=request.user,
            path=request.POST.get("path", ""),
            token=request.POST.get("token", ""),
            refresh_token=request.POST.get("refresh_token", ""),
        )
    except ValidationError as exc:
        messages.error(request, f"Not connected: {_errors_text(exc)}")
        return redirect(_sources_url(athlete))
    if source.kind == SourceKind.STRAVA:
        try:
            return redirect(
                strava_authorize_url(
                    source=source, redirect_uri=request.build_absolute_uri(reverse("web:strava-callback"))
                )
            )
        except StravaError as exc:
            messages.error(request, str(exc))
            return redirect(_sources_url(athlete))
    messages.success(request, f"{source.get_kind_display()} connected.")
    return redirect(_sources_url(athlete))


@login_required
@require_GET
def source_card(request, source_id: int):
    source = selectors.source_for(request.user, source_id)
    return render(request, "web/sources/_card.html", {"card": _card_context(source)})


@login_required
@require_GET
def source_live(request, source_id: int):
    """A card's live part and, out of band, its file log's rows; 204 when nothing changed since `v`."""
    card = _card_context(selectors.source_for(request.user, source_id))
    if request.GET.get("v") == card["fingerprint"]:
        return HttpResponse(status=204)
    return render(request, "web/sources/_live_update.html", {"card": card})


@login_required
@require_POST
def source_run(request, source_id: int):
    """Scan now (folders) or Sync now (Strava, NRC)."""
    source = selectors.source_for(request.user, source_id)
    services.source_sync_start(source=source, owner=request.user)
    if request.headers.get("HX-Request"):
        card = _card_context(selectors.source_for(request.user, source_id))
        return render(request, "web/sources/_live_update.html", {"card": card})
    return redirect(_sources_url(source.athlete))


@login_required
@require_POST
def source_token(request, source_id: int):
    """A fresh NRC token after the old one expired."""
    source = selectors.source_for(request.user, source_id)
    try:
        services.source_update_token(
            source=source,
            token=request.POST.get("token", ""),
            refresh_token=request.POST.get("refresh_token", ""),
        )
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, "Token saved; the sync continues where it stopped.")
    return redirect(_sources_url(source.athlete))


@login_required
@require_POST
def source_remove(request, source_id: int):
    source = selectors.source_for(request.user, source_id)
    athlete = source.athlete
    services.source_delete(source=source)
    if request.headers.get("HX-Request"):
        return HttpResponse("")
    messages.success(request, "Source removed; the activities it imported stay.")
    return redirect(_sources_url(athlete))


@require_GET
def strava_callback(request):
    """Strava sends the athlete back here. The signed single-use `state` names the source, so this works
    without a browser session (a phone or a script connecting through the API)."""
    try:
        source = strava_connect(
            state=request.GET.get("state", ""),
            code=request.GET.get("code", ""),
            scope=request.GET.get("scope", ""),
            error=request.GET.get("error", ""),
        )
    except ConnectError as exc:
        return render(request, "web/sources/strava_callback.html", {"problem": str(exc)}, status=400)
    if request.user.is_authenticated and source.athlete in visible_athletes(request.user):
        if source.status == SourceStatus.ACTIVE and not source.status_reason:
            messages.success(request, "Strava connected; the first sync has started.")
        else:
            messages.error(request, f"Strava: {source.status_reason}")
        return redirect(_sources_url(source.athlete))
    return render(request, "web/sources/strava_callback.html", {"source": source})


@csrf_exempt  # Strava posts here; there is no session and no CSRF token, only the secret-less event
@require_http_methods(["GET", "POST"])
def strava_webhook(request):
    """Strava's push subscription: the GET challenge, then POSTed events (answered at once; work is queued)."""
    if request.method == "GET":
        answer = webhook.challenge_answer(
            mode=request.GET.get("hub.mode", ""),
            token=request.GET.get("hub.verify_token", ""),
            challenge=request.GET.get("hub.challenge", ""),
        )
        if answer is None:
            return JsonResponse({"error": "not a valid subscription check (hub.verify_token?)"}, status=403)
        return JsonResponse(answer)
    try:
        done = webhook.handle_event(json.loads(request.body or b"null"))
    except (ValueError, webhook.EventError) as exc:
        return JsonResponse({"error": f"not a Strava event: {exc}"}, status=400)
    return JsonResponse({"ok": True, "done": done})


def _int_or_none(value: str, field: str, errors: dict) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        errors[field] = [f"{value!r} is not a whole number"]
        return None


@login_required
def settings_page(request):
    """Connector settings (admins: they apply to everyone) and the signed-in athlete's units and time zone."""
    athlete = own_athlete(request.user)
    saved = selectors.connector_settings()
    errors: dict = {}
    if request.method == "POST":
        part = request.POST.get("part")
        if part == "connectors":
            if not is_admin(request.user):
                raise Http404("Only an admin changes the connector settings.")
            poll = _int_or_none(request.POST.get("watch_poll_seconds", ""), "watch_poll_seconds", errors)
            interval = _int_or_none(
                request.POST.get("sync_interval_minutes", ""), "sync_interval_minutes", errors
            )
            if not errors:
                try:
                    services.connector_settings_update(
                        strava_client_id=request.POST.get("strava_client_id", ""),
                        strava_client_secret=request.POST.get("strava_client_secret", ""),
                        watch_poll_seconds=poll,
                        sync_interval_minutes=interval,
                    )
                except ValidationError as exc:
                    errors = exc.message_dict
                else:
                    messages.success(request, "Connector settings saved.")
                    return redirect("web:settings")
        elif part == "athlete" and athlete is not None:
            profile = account_services.AthleteProfileData(
                name=athlete.name,
                sex=athlete.sex,
                birth_date=athlete.birth_date,
                time_zone=request.POST.get("time_zone", athlete.time_zone).strip(),
                units=request.POST.get("units", athlete.units),
            )
            try:
                account_services.athlete_profile_update(athlete=athlete, profile=profile)
            except ValidationError as exc:
                errors = exc.message_dict
                athlete.refresh_from_db()
            else:
                messages.success(request, "Units and time zone saved.")
                return redirect("web:settings")
        else:
            raise Http404("Nothing to save here.")
    try:
        secret = saved.strava_client_secret
    except crypto.SecretUnreadable:
        secret = ""
    env_id, _env_secret = selectors.strava_credentials()
    context = {
        "saved": saved,
        "secret_mask": crypto.mask(secret),
        "strava_from_env": bool(env_id) and not saved.strava_client_id,
        "watch_poll_seconds": selectors.watch_poll_seconds(),
        "sync_interval_minutes": selectors.sync_interval_minutes(),
        "athlete": athlete,
        "units": Units.choices,
        "time_zones": TIME_ZONES,
        "errors": errors,
        "is_admin": is_admin(request.user),
        "callback_url": request.build_absolute_uri(reverse("web:strava-callback")),
        "webhook_url": request.build_absolute_uri(reverse("web:strava-webhook")),
        "webhook_verify_token": webhook.verify_token() if is_admin(request.user) else "",
    }
    return render(request, "web/sources/settings.html", context, status=400 if errors else 200)


urlpatterns = [
    path("sources/", sources_page, name="sources"),
    path("sources/add/", source_add, name="source-add"),
    path("sources/<int:source_id>/card/", source_card, name="source-card"),
    path("sources/<int:source_id>/live/", source_live, name="source-live"),
    path("sources/<int:source_id>/run/", source_run, name="source-run"),
    path("sources/<int:source_id>/token/", source_token, name="source-token"),
    path("sources/<int:source_id>/remove/", source_remove, name="source-remove"),
    path("sources/strava/callback/", strava_callback, name="strava-callback"),
    path("sources/strava/webhook/", strava_webhook, name="strava-webhook"),
    path("settings/", settings_page, name="settings"),
]
