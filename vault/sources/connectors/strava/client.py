"""A small Strava API v3 client over httpx (specs/strava.md): OAuth token exchange and refresh, the activity
list and streams, rate-limit headers, and errors turned into the few cases a sync acts on."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from django.conf import settings

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
REFRESH_MARGIN_S = 600  # refresh an access token this long before it expires
RETRY_DELAYS_S = (1.0, 3.0)  # transient failures (5xx, broken JSON, network) are retried this often
STREAM_KEYS = "time,latlng,distance,altitude,velocity_smooth,heartrate,cadence,watts,temp,moving"


class StravaError(Exception):
    """Base of everything the client raises; the message is fit for the card."""


class StravaUnauthorized(StravaError):
    """401, a revoked or refused token, or a deauthorisation: the athlete must reconnect."""


class StravaNotFound(StravaError):
    pass


class StravaUnavailable(StravaError):
    """5xx, a non-JSON or malformed body, or the network, still failing after the retries."""


class StravaBadData(StravaError):
    """A body that is not the JSON the spec describes, still so after the retries (one activity's problem)."""


class StravaMalformed(StravaBadData):
    """The body did not parse as JSON, even after the retries: a transient fault, worth trying again later."""


class StravaTokenStale(StravaError):
    """The access token needs a refresh but the caller asked not to refresh (a prefetch thread: refreshing
    writes the rotated tokens, which the sync's own thread does)."""


class StravaRateLimited(StravaError):
    def __init__(self, message: str, resume_at: dt.datetime):
        super().__init__(message)
        self.resume_at = resume_at


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _pair(value: str | None) -> tuple[int, int] | None:
    """'200,2000' or '601, 602' -> (15-minute, daily)."""
    if not value:
        return None
    try:
        short, daily = (int(part.strip()) for part in value.split(","))
    except ValueError:
        return None
    return short, daily


def next_window_reset(now: dt.datetime, *, daily: bool) -> dt.datetime:
    """Strava's windows reset at :00, :15, :30, :45 (UTC) and daily at 00:00 UTC."""
    if daily:
        return (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    quarter = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    return quarter + dt.timedelta(minutes=15)


@dataclass
class RateLimits:
    """The last usage Strava reported. GET requests are limited by the read budget and the overall one."""

    limit: tuple[int, int] | None = None
    usage: tuple[int, int] | None = None
    read_limit: tuple[int, int] | None = None
    read_usage: tuple[int, int] | None = None

    def update(self, headers: httpx.Headers) -> None:
        self.limit = _pair(headers.get("x-ratelimit-limit")) or self.limit
        self.usage = _pair(headers.get("x-ratelimit-usage")) or self.usage
        self.read_limit = _pair(headers.get("x-readratelimit-limit")) or self.read_limit
        self.read_usage = _pair(headers.get("x-readratelimit-usage")) or self.read_usage

    def exhausted(self, now: dt.datetime) -> dt.datetime | None:
        """When a further GET would be refused: the reset time of the exhausted window, else None."""
        reset = None
        for limit, usage in ((self.limit, self.usage), (self.read_limit, self.read_usage)):
            if not limit or not usage:
                continue
            if usage[1] >= limit[1]:
                return next_window_reset(now, daily=True)
            if usage[0] >= limit[0]:
                reset = next_window_reset(now, daily=False)
        return reset


def streams_path(activity_id: int) -> tuple[str, dict]:
    """The API path and query of one activity's streams, keyed by type."""
    return f"/activities/{activity_id}/streams", {"keys": STREAM_KEYS, "key_by_type": "true"}


def streams_by_type(body) -> dict | None:
    """A decoded streams answer keyed by type; None when it is neither an object nor an array."""
    if isinstance(body, list):  # the array shape (each object with "type"), should a server send it
        body = {item.get("type"): item for item in body if isinstance(item, dict)}
    return body if isinstance(body, dict) else None


def _fault_text(response: httpx.Response) -> str:
    """Strava's Fault body as one line, or what kind of body it was when it is not JSON."""
    content_type = response.headers.get("content-type", "")
    if "json" not in content_type:
        kind = (
            "an HTML page" if "html" in content_type or response.text.lstrip().startswith("<") else "no JSON"
        )
        return f"HTTP {response.status_code} with {kind}"
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code} with malformed JSON"
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}"
    errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    detail = ", ".join(
        f"{e.get('resource', '')} {e.get('field', '')} {e.get('code', '')}".strip()
        for e in errors
        if isinstance(e, dict)
    )
    return f"HTTP {response.status_code} {body.get('message', '')}" + (f" ({detail})" if detail else "")


class StravaClient:
    """Tokens come in as a dict {access_token, refresh_token, expires_at}; `on_tokens` is called with the new
    dict whenever a refresh changes them (Strava rotates refresh tokens, so the new one must be stored)."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        tokens: dict | None = None,
        on_tokens: Callable[[dict], None] | None = None,
        base_url: str | None = None,
        now: Callable[[], dt.datetime] = _utcnow,
        sleep: Callable[[float], None] = time.sleep,
        http: httpx.Client | None = None,
    ):
        self.client_id = client_id
        self.client_secret = client_secret
        self.tokens = dict(tokens or {})
        self.on_tokens = on_tokens
        self.base_url = (base_url or settings.STRAVA_BASE_URL).rstrip("/")
        self.now = now
        self.sleep = sleep
        # a client given its own transport (tests) must not have its requests sent by another process
        self.own_http = http is None
        self.http = http or httpx.Client(timeout=TIMEOUT, headers={"Accept": "application/json"})
        self.limits = RateLimits()
        self.request_count = 0

    def close(self) -> None:
        self.http.close()

    # OAuth -------------------------------------------------------------------------------------------------
    def authorize_url(
        self, *, redirect_uri: str, state: str, scope: str = "read,activity:read_all", force: bool = False
    ) -> str:
        """`force` shows Strava's consent screen even where the athlete consented before: with "auto" Strava
        silently grants again what was granted last time, unticked scopes included."""
        query = httpx.QueryParams(
            client_id=self.client_id,
            redirect_uri=redirect_uri,
            response_type="code",
            approval_prompt="force" if force else "auto",
            scope=scope,
            state=state,
        )
        return f"{self.base_url}/oauth/authorize?{query}"

    def exchange_code(self, code: str) -> dict:
        """Code -> tokens (and the Strava athlete). A refused code is StravaUnauthorized."""
        return self._token_request({"grant_type": "authorization_code", "code": code})

    def refresh(self) -> dict:
        refresh_token = self.tokens.get("refresh_token")
        if not refresh_token:
            raise StravaUnauthorized("no refresh token stored: reconnect Strava")
        return self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def _token_request(self, fields: dict) -> dict:
        data = {"client_id": self.client_id, "client_secret": self.client_secret, **fields}
        response = self._send("POST", f"{self.base_url}/oauth/token", data=data)
        if response.status_code in (400, 401, 403):
            raise StravaUnauthorized(f"Strava refused the {fields['grant_type']}: {_fault_text(response)}")
        body = self._json(response, "POST /oauth/token")
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise StravaUnavailable("Strava's token answer has no access_token")
        try:
            expires_at = int(body.get("expires_at") or 0)
        except (TypeError, ValueError):
            expires_at = 0
        tokens = {
            "access_token": body["access_token"],
            "refresh_token": body.get("refresh_token") or self.tokens.get("refresh_token", ""),
            "expires_at": expires_at,
        }
        self.tokens = tokens
        if self.on_tokens is not None:
            self.on_tokens(tokens)
        return body

    # API --------------------------------------------------------------------------------------------------
    def list_activities(self, *, after: int, page: int, per_page: int) -> list:
        body = self.get("/athlete/activities", {"after": after, "page": page, "per_page": per_page})
        if not isinstance(body, list):
            raise StravaBadData(f"the activity list (page {page}) is not a JSON array")
        return body

    def activity(self, activity_id: int) -> dict:
        """One activity in detail (a superset of the list's summary), for retrying it outside the list."""
        body = self.get(f"/activities/{activity_id}", {"include_all_efforts": "false"})
        if not isinstance(body, dict):
            raise StravaBadData(f"activity {activity_id} is not a JSON object")
        return body

    def streams(self, activity_id: int, *, refresh: bool = True, answered=None) -> dict | None:
        """The activity's streams keyed by type, or None when it has none (manual activities: 404).
        `answered`: see get()."""
        path, params = streams_path(activity_id)
        try:
            body = self.get(path, params, refresh=refresh, answered=answered)
        except StravaNotFound:
            return None
        streams = streams_by_type(body)
        if streams is None:
            raise StravaBadData(f"the streams of activity {activity_id} are neither an object nor an array")
        return streams

    def request_for(self, path: str, params: dict | None = None) -> dict:
        """What get() would send for `path` now, for a helper process to send instead (fetch.py); the
        caller has checked the token and the rate limits first, as get() does."""
        return {
            "url": f"{self.base_url}/api/v3{path}",
            "params": params,
            "headers": {**self.http.headers, **self._auth_header()},
            "timeout": self.http.timeout,
        }

    def note_answer(self, headers: dict) -> None:
        """Count an answer a helper process received for us (request_for) and read its rate-limit headers."""
        self.request_count += 1
        self.limits.update(httpx.Headers(headers))

    def _auth_header(self) -> dict:
        return {"Authorization": f"Bearer {self.tokens.get('access_token', '')}"}

    def get(self, path: str, params: dict | None = None, *, refresh: bool = True, answered=None):
        """GET an /api/v3 path: fresh token, rate limits respected, one retry after a 401 with a refreshed
        token, transient failures retried, everything else raised as a StravaError. With refresh=False a
        token that needs refreshing raises StravaTokenStale instead. `answered` is the outcome of a first
        attempt a helper process already made (an httpx.Response, or the httpx.TransportError it met): it is
        judged, and retried if need be, exactly as one made here."""
        url = f"{self.base_url}/api/v3{path}"
        refreshed = False
        attempt = 0
        while True:
            if answered is None:
                resume_at = self.limits.exhausted(self.now())
                if resume_at is not None:
                    raise StravaRateLimited(
                        f"Strava rate limit reached (usage {self._usage_text()})", resume_at
                    )
                if refresh:
                    self.ensure_fresh_token()
                elif self.token_expiring():
                    raise StravaTokenStale("the access token needs a refresh")
            response = self._send("GET", url, params=params, headers=self._auth_header(), answered=answered)
            answered = None
            self.limits.update(response.headers)
            status = response.status_code
            if status == 401:
                if not refresh:
                    raise StravaTokenStale("Strava refused the access token; it needs a refresh")
                if not refreshed and self.tokens.get("refresh_token"):
                    refreshed = True
                    self.refresh()
                    continue
                raise StravaUnauthorized(f"Strava refused the access token: {_fault_text(response)}")
            if status == 429:
                daily = bool(
                    self.limits.usage and self.limits.limit and self.limits.usage[1] >= self.limits.limit[1]
                )
                daily = daily or bool(
                    self.limits.read_usage
                    and self.limits.read_limit
                    and self.limits.read_usage[1] >= self.limits.read_limit[1]
                )
                raise StravaRateLimited(
                    f"Strava rate limit exceeded (usage {self._usage_text()})",
                    next_window_reset(self.now(), daily=daily),
                )
            if status == 404:
                raise StravaNotFound(f"GET {path}: {_fault_text(response)}")
            if status == 403:
                raise StravaUnauthorized(f"GET {path}: {_fault_text(response)}")
            if status >= 400:
                problem = f"GET {path}: {_fault_text(response)}"
                if status >= 500 and attempt < len(RETRY_DELAYS_S):
                    self.sleep(RETRY_DELAYS_S[attempt])
                    attempt += 1
                    continue
                raise StravaUnavailable(problem) if status >= 500 else StravaError(problem)
            try:
                return json.loads(response.content)
            except ValueError:
                if attempt < len(RETRY_DELAYS_S):
                    self.sleep(RETRY_DELAYS_S[attempt])
                    attempt += 1
                    continue
                raise StravaMalformed(f"GET {path}: Strava answered malformed JSON") from None

    def token_expiring(self) -> bool:
        expires_at = int(self.tokens.get("expires_at") or 0)
        return bool(expires_at) and expires_at - self.now().timestamp() < REFRESH_MARGIN_S

    def ensure_fresh_token(self) -> None:
        if self.token_expiring():
            self.refresh()

    def _usage_text(self) -> str:
        parts = []
        for label, usage, limit in (
            ("overall", self.limits.usage, self.limits.limit),
            ("read", self.limits.read_usage, self.limits.read_limit),
        ):
            if usage and limit:
                parts.append(f"{label} {usage[0]}/{limit[0]} per 15 min, {usage[1]}/{limit[1]} per day")
        return "; ".join(parts) or "no usage headers"

    def _send(self, method: str, url: str, *, answered=None, **kwargs) -> httpx.Response:
        attempt = 0
        while True:
            try:
                self.request_count += 1
                if answered is not None:  # the first attempt was made elsewhere (get())
                    earlier, answered = answered, None
                    if isinstance(earlier, Exception):
                        raise earlier
                    return earlier
                return self.http.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                if attempt >= len(RETRY_DELAYS_S):
                    raise StravaUnavailable(f"cannot reach Strava at {self.base_url}: {exc}") from None
                self.sleep(RETRY_DELAYS_S[attempt])
                attempt += 1

    @staticmethod
    def _json(response: httpx.Response, what: str):
        if response.status_code >= 400:
            raise StravaUnavailable(f"{what}: {_fault_text(response)}")
        try:
            return response.json()
        except ValueError:
            raise StravaUnavailable(f"{what}: Strava answered malformed JSON") from None
