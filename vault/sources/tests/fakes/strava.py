"""A faithful local fake of Strava (specs/strava.md §16) served over HTTP on loopback, so the real connector
code runs against it unchanged through STRAVA_BASE_URL.

Seedable: the app (client id/secret, authorization callback domain), athletes' activities with streams, tokens
with scopes, owner and expiry, a controllable clock, rate limits (on by default with Strava's default budgets:
15-minute windows aligned to :00/:15/:30/:45, daily at 00:00 UTC, overall and read; `limits = None` turns them
and their headers off, as the benchmark wants), and fault injection on the N-th API call (429, 5xx with an HTML
body, malformed JSON, a slow answer, or any raw body) or a hook run before a given call (to remove a source
mid-sync, say). The consent page can be set to deny (`error=access_denied`) or to grant fewer scopes, and the
next token answer can be replaced. Every request is recorded.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from vault.sources.tests.fakes.common import client_gone

JSON_TYPE = "application/json; charset=utf-8"
AUTH_FAULT = {
    "message": "Authorization Error",
    "errors": [{"resource": "Athlete", "field": "access_token", "code": "invalid"}],
}
SCOPE_FAULT = {
    "message": "Authorization Error",
    "errors": [{"resource": "AccessToken", "field": "activity:read_permission", "code": "missing"}],
}
NOT_FOUND = {
    "message": "Record Not Found",
    "errors": [{"resource": "Activity", "field": "id", "code": "invalid"}],
}
RATE_FAULT = {
    "message": "Rate Limit Exceeded",
    "errors": [{"resource": "Application", "field": "rate limit", "code": "exceeded"}],
}
DEFAULT_LIMITS = {"overall": (200, 2000), "read": (100, 1000)}  # Strava's defaults for a new app (§10)
HTML_503 = b"<!DOCTYPE html><html><head><title>Strava is down</title></head><body><h1>503 Service Unavailable</h1></body></html>"


def make_activity(
    activity_id: int,
    start: dt.datetime,
    *,
    sport_type: str = "Run",
    samples: int = 60,
    manual: bool = False,
    visibility: str = "everyone",
    heart_rate: bool = True,
    trainer: bool = False,
    athlete_id: int = 48213377,
):
    """(summary, streams) of one activity: a steady run or ride sampled each second, HR optional."""
    speed = 3.0 if sport_type.endswith("Run") else 8.0
    summary = {
        "resource_state": 2,
        "athlete": {"id": athlete_id, "resource_state": 1},
        "name": f"{sport_type} {activity_id}",
        "distance": speed * (samples - 1),
        "moving_time": samples - 1,
        "elapsed_time": samples - 1,
        "total_elevation_gain": 3.0,
        "type": sport_type,
        "sport_type": sport_type,
        "workout_type": None,
        "id": activity_id,
        "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "start_date_local": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timezone": "(GMT+01:00) Europe/Berlin",
        "utc_offset": 3600.0,
        "map": {
            "id": f"a{activity_id}",
            "summary_polyline": "" if manual else "u{~vFvyys@fS]",
            "resource_state": 2,
        },
        "trainer": trainer,
        "commute": False,
        "manual": manual,
        "private": visibility == "only_me",
        "visibility": visibility,
        "flagged": False,
        "start_latlng": [] if manual else [51.3312, 12.3441],
        "average_speed": speed,
        "max_speed": speed + 1,
        "has_heartrate": heart_rate and not manual,
        "upload_id": None if manual else activity_id + 1000,
        "upload_id_str": None if manual else str(activity_id + 1000),
    }
    if heart_rate and not manual:
        summary["average_heartrate"] = 150.0
        summary["max_heartrate"] = 170.0
    if manual:
        return summary, None
    streams = {
        "time": list(range(samples)),
        "distance": [round(speed * i, 1) for i in range(samples)],
        "latlng": [[51.3312 + i * 0.00003, 12.3441 + i * 0.00001] for i in range(samples)],
        "altitude": [100.0 + math.sin(i / 10) for i in range(samples)],
        "velocity_smooth": [speed] * samples,
        "cadence": [85] * samples,
        "moving": [True] * samples,
    }
    if heart_rate:
        streams["heartrate"] = [120 + i % 40 for i in range(samples)]
    return summary, streams


class FakeStrava:
    def __init__(
        self,
        *,
        client_id: str = "4242",
        client_secret: str = "app-secret",
        athlete_id: int = 48213377,
        callback_domain: str = "localhost",
    ):
        self.client_id, self.client_secret, self.athlete_id = client_id, client_secret, athlete_id
        # the app's "Authorization Callback Domain": redirect_uri hosts must be it or under it (§3.1)
        self.callback_domain = callback_domain
        self.clock = dt.datetime.now(dt.UTC).timestamp()
        self.activities: dict[int, dict] = {}
        self.streams: dict[int, dict | None] = {}
        self.starts: dict[int, int] = {}  # id -> start epoch, as Strava's own index has it
        self.codes: dict[str, dict] = {}  # code -> {"scopes", "athlete"}
        self.access_tokens: dict[str, dict] = {}  # token -> {"expires_at", "scopes", "athlete"}
        self.refresh_tokens: dict[str, dict] = {}  # refresh token -> {"scopes", "athlete"}
        self.granted_scope = "read,activity:read_all"
        self.consenting_athlete = athlete_id  # who is signed in on the consent page
        self.deny = False  # the athlete presses Cancel: redirect with error=access_denied
        self.rotate_refresh = True
        self.token_lifetime_s = 21600
        self.token_answer: dict | None = None  # replaces the next 200 token answer (bad-input tests)
        # {"overall": (15 min, daily), "read": (...)}; None: no limits and no headers
        self.limits: dict[str, tuple[int, int]] | None = dict(DEFAULT_LIMITS)
        self.usage = {"overall": [0, 0], "read": [0, 0]}
        self._windows = (None, None)
        # N-th /api/v3 call -> "429" | "html503" | "malformed" | "slow" | bytes (a raw 200 JSON body)
        self.faults: dict[int, str | bytes] = {}
        self.slow_s = 2.0  # how long a "slow" answer takes
        self.hooks: dict[int, callable] = {}  # N-th /api/v3 call -> fn() run before answering
        self.deauthorized: list[int] = []  # athletes who revoked the app, in order
        self.api_calls = 0
        self.requests: list[tuple[str, str, dict]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # lifecycle and seeding ------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> FakeStrava:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add(self, summary: dict, streams: dict | None, *, start: dt.datetime | None = None) -> None:
        """Seed one activity; `start` orders (and filters) it when its summary lacks a usable start_date."""
        self.activities[summary["id"]] = summary
        self.streams[summary["id"]] = streams
        if start is None:
            start = dt.datetime.fromisoformat(summary["start_date"].replace("Z", "+00:00"))
        self.starts[summary["id"]] = int(start.timestamp())

    def seed(self, count: int, *, start: dt.datetime, first_id: int = 17_000_000_001, **kwargs) -> list[int]:
        kwargs.setdefault("athlete_id", self.athlete_id)
        ids = []
        for index in range(count):
            summary, streams = make_activity(first_id + index, start + dt.timedelta(hours=index), **kwargs)
            self.add(summary, streams)
            ids.append(first_id + index)
        return ids

    def issue_tokens(
        self, scopes: set[str], *, expires_in: int | None = None, athlete_id: int | None = None
    ) -> dict:
        access, refresh = secrets.token_hex(20), secrets.token_hex(20)
        athlete = self.athlete_id if athlete_id is None else athlete_id
        expires_at = int(self.clock) + (self.token_lifetime_s if expires_in is None else expires_in)
        self.access_tokens[access] = {"expires_at": expires_at, "scopes": set(scopes), "athlete": athlete}
        self.refresh_tokens[refresh] = {"scopes": set(scopes), "athlete": athlete}
        return {"access_token": access, "refresh_token": refresh, "expires_at": expires_at}

    def advance(self, seconds: float) -> None:
        self.clock += seconds

    def calls_to(self, fragment: str) -> list[str]:
        return [path for method, path, _q in self.requests if fragment in path]

    # rate limiting --------------------------------------------------------------------------------------------
    def _count_and_check(self) -> bool:
        """Count one read call; False when it is over a limit (rejected calls still count toward the day)."""
        now = dt.datetime.fromtimestamp(self.clock, dt.UTC)
        quarter = (now.date(), now.hour, now.minute // 15)
        if self._windows[0] != quarter:
            for pair in self.usage.values():
                pair[0] = 0
        if self._windows[1] != now.date():
            for pair in self.usage.values():
                pair[1] = 0
        self._windows = (quarter, now.date())
        for pair in self.usage.values():
            pair[0] += 1
            pair[1] += 1
        if not self.limits:
            return True
        return all(
            self.usage[k][0] <= lim[0] and self.usage[k][1] <= lim[1] for k, lim in self.limits.items()
        )

    def _limit_headers(self) -> dict:
        if not self.limits:
            return {}
        overall, read = self.limits["overall"], self.limits["read"]
        return {
            "X-RateLimit-Limit": f"{overall[0]},{overall[1]}",
            "X-RateLimit-Usage": f"{self.usage['overall'][0]}, {self.usage['overall'][1]}",
            "X-ReadRateLimit-Limit": f"{read[0]},{read[1]}",
            "X-ReadRateLimit-Usage": f"{self.usage['read'][0]},{self.usage['read'][1]}",
        }

    # HTTP -------------------------------------------------------------------------------------------------------
    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            # Strava keeps connections open (HTTP/1.1); every answer here carries its Content-Length. The
            # headers and the body are two writes: without TCP_NODELAY the body would wait for a delayed ACK.
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args):  # quiet
                pass

            def _fields(self) -> dict:
                url = urlparse(self.path)
                fields = {k: v[-1] for k, v in parse_qs(url.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if body:
                    if "json" in (self.headers.get("Content-Type") or ""):
                        fields.update(json.loads(body))
                    else:
                        fields.update({k: v[-1] for k, v in parse_qs(body.decode()).items()})
                return fields

            def _send(self, status: int, body, headers: dict | None = None, content_type: str = JSON_TYPE):
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(raw)))
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):  # a client that timed out and hung up
                    pass

            def do_GET(self):
                with fake.lock:
                    fake._dispatch(self, "GET")

            def do_POST(self):
                with fake.lock:
                    fake._dispatch(self, "POST")

        return Handler

    def _dispatch(self, handler, method: str) -> None:
        url = urlparse(handler.path)
        fields = handler._fields()
        self.requests.append((method, url.path, fields))
        path = url.path
        if path == "/oauth/authorize" or path == "/oauth/mobile/authorize":
            return self._authorize(handler, fields)
        if path in ("/oauth/token", "/api/v3/oauth/token") and method == "POST":
            return self._token(handler, fields)
        if path in ("/oauth/deauthorize", "/api/v3/oauth/deauthorize") and method == "POST":
            return self._deauthorize(handler, fields)
        if path.startswith("/api/v3/"):
            return self._api(handler, method, path[len("/api/v3") :], fields)
        return handler._send(
            404,
            {
                "message": "Record Not Found",
                "errors": [{"resource": "resource", "field": "path", "code": "invalid"}],
            },
        )

    def redirect_allowed(self, redirect_uri: str) -> bool:
        """The host must be the callback domain or under it; localhost and 127.0.0.1 always pass (§3.1)."""
        host = (urlparse(redirect_uri).hostname or "").lower()
        domain = self.callback_domain.lower()
        return host in ("localhost", "127.0.0.1") or host == domain or host.endswith("." + domain)

    def _authorize(self, handler, fields):
        # Strava shows an error instead of redirecting when the app or the redirect is wrong (§3.2)
        if fields.get("client_id") != self.client_id:
            return handler._send(
                403,
                {
                    "message": "Authorization Error",
                    "errors": [{"resource": "Application", "field": "internal", "code": "forbidden"}],
                },
            )
        redirect_uri = fields.get("redirect_uri", "")
        if not redirect_uri or not self.redirect_allowed(redirect_uri):
            return handler._send(
                400,
                {
                    "message": "Bad Request",
                    "errors": [{"resource": "Application", "field": "redirect_uri", "code": "invalid"}],
                },
            )
        if fields.get("response_type") != "code":
            return handler._send(
                400,
                {
                    "message": "Bad Request",
                    "errors": [{"resource": "Application", "field": "response_type", "code": "invalid"}],
                },
            )
        if self.deny:
            query = urlencode({"state": fields.get("state", ""), "error": "access_denied"})
        else:
            code = secrets.token_hex(8)
            granted = {s for s in self.granted_scope.split(",") if s}
            self.codes[code] = {"scopes": granted, "athlete": self.consenting_athlete}
            query = urlencode({"state": fields.get("state", ""), "code": code, "scope": self.granted_scope})
        separator = "&" if "?" in redirect_uri else "?"
        handler.send_response(302)
        handler.send_header("Location", f"{redirect_uri}{separator}{query}")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def _deauthorize(self, handler, fields):
        """Revoke every token of the token's athlete for this app; other athletes stay connected (§3.5)."""
        token = (
            fields.get("access_token")
            or handler.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        )
        info = self.access_tokens.get(token)
        if info is None or info["expires_at"] <= self.clock:
            return handler._send(401, AUTH_FAULT)
        athlete = info["athlete"]
        for store in (self.access_tokens, self.refresh_tokens):
            for key in [k for k, v in store.items() if v["athlete"] == athlete]:
                del store[key]
        self.deauthorized.append(athlete)
        return handler._send(200, {"access_token": token})

    def _token_answer(self, handler, body: dict):
        override, self.token_answer = self.token_answer, None
        return handler._send(200, body if override is None else override)

    def _token(self, handler, fields):
        if fields.get("client_id") != self.client_id or fields.get("client_secret") != self.client_secret:
            return handler._send(
                401,
                {
                    "message": "Bad Request",
                    "errors": [{"resource": "Application", "field": "client_id", "code": "invalid"}],
                },
            )
        grant = fields.get("grant_type")
        if grant == "authorization_code":
            grant_info = self.codes.pop(fields.get("code", ""), None)
            if grant_info is None:
                return handler._send(
                    400,
                    {
                        "message": "Bad Request",
                        "errors": [{"resource": "AuthorizationCode", "field": "code", "code": "invalid"}],
                    },
                )
            tokens = self.issue_tokens(grant_info["scopes"], athlete_id=grant_info["athlete"])
            return self._token_answer(
                handler,
                {
                    "token_type": "Bearer",
                    "expires_in": self.token_lifetime_s,
                    **tokens,
                    "athlete": {"id": grant_info["athlete"], "username": "fake", "resource_state": 2},
                },
            )
        if grant == "refresh_token":
            old = fields.get("refresh_token", "")
            grant_info = self.refresh_tokens.get(old)
            if grant_info is None:
                return handler._send(
                    400,
                    {
                        "message": "Bad Request",
                        "errors": [{"resource": "RefreshToken", "field": "refresh_token", "code": "invalid"}],
                    },
                )
            scopes, athlete = grant_info["scopes"], grant_info["athlete"]
            current = next(
                (
                    t
                    for t, info in self.access_tokens.items()
                    if info["athlete"] == athlete
                    and info["scopes"] == scopes
                    and info["expires_at"] - self.clock > 3600
                ),
                None,
            )
            if current is not None:  # more than an hour left: the same access token comes back
                info = self.access_tokens[current]
                answer = {"access_token": current, "refresh_token": old, "expires_at": info["expires_at"]}
            else:
                answer = self.issue_tokens(scopes, athlete_id=athlete)
                if self.rotate_refresh:
                    del self.refresh_tokens[old]
                else:
                    del self.refresh_tokens[answer["refresh_token"]]
                    answer["refresh_token"] = old
            return self._token_answer(
                handler,
                {"token_type": "Bearer", "expires_in": int(answer["expires_at"] - self.clock), **answer},
            )
        return handler._send(
            400,
            {
                "message": "Bad Request",
                "errors": [{"resource": "Application", "field": "grant_type", "code": "invalid"}],
            },
        )

    def _api(self, handler, method, path, fields):
        self.api_calls += 1
        call = self.api_calls
        if call in self.hooks:
            self.hooks[call]()
        token = handler.headers.get("Authorization", "").removeprefix("Bearer ").strip() or fields.get(
            "access_token", ""
        )
        info = self.access_tokens.get(token)
        within = self._count_and_check()
        headers = self._limit_headers()
        fault = self.faults.get(call)
        if fault == "slow":  # answered late; other requests are served meanwhile (the client may retry)
            self.lock.release()
            try:
                time.sleep(self.slow_s)
            finally:
                self.lock.acquire()
            if client_gone(handler):  # it timed out and hung up: nothing was delivered
                return
        if fault == "429" or not within:
            return handler._send(429, RATE_FAULT, headers)
        if fault == "html503":
            return handler._send(503, HTML_503, headers, content_type="text/html")
        if info is None or info["expires_at"] <= self.clock:
            return handler._send(401, AUTH_FAULT, headers)
        if fault == "malformed":
            return handler._send(200, b'{"broken": [1, 2', headers)
        if isinstance(fault, bytes):
            return handler._send(200, fault, headers)
        scopes, athlete = info["scopes"], info["athlete"]
        if path == "/athlete":
            return handler._send(200, {"id": athlete, "resource_state": 2}, headers)
        if not scopes & {"activity:read", "activity:read_all"}:
            return handler._send(401, SCOPE_FAULT, headers)
        if path == "/athlete/activities":
            return handler._send(200, self._list(fields, scopes, athlete), headers)
        parts = path.strip("/").split("/")
        if len(parts) >= 2 and parts[0] == "activities" and parts[1].isdigit():
            activity = self.activities.get(int(parts[1]))
            if activity is None or not self._visible(activity, scopes, athlete):
                return handler._send(404, NOT_FOUND, headers)
            if len(parts) == 2:
                return handler._send(200, {**activity, "resource_state": 3, "description": None}, headers)
            if parts[2] == "streams":
                streams = self.streams.get(activity["id"])
                if streams is None:
                    return handler._send(404, NOT_FOUND, headers)
                keys = set((fields.get("keys") or "").split(",")) | {"distance"}
                chosen = {k: v for k, v in streams.items() if k in keys}
                if str(fields.get("key_by_type", "")).lower() in ("true", "1"):
                    body = {
                        k: {
                            "data": v,
                            "series_type": "distance",
                            "original_size": len(v),
                            "resolution": "high",
                        }
                        for k, v in chosen.items()
                    }
                else:
                    body = [
                        {
                            "type": k,
                            "data": v,
                            "series_type": "distance",
                            "original_size": len(v),
                            "resolution": "high",
                        }
                        for k, v in chosen.items()
                    ]
                return handler._send(200, body, headers)
        return handler._send(
            404,
            {
                "message": "Record Not Found",
                "errors": [{"resource": "resource", "field": "path", "code": "invalid"}],
            },
            headers,
        )

    @staticmethod
    def _visible(activity, scopes, athlete) -> bool:
        """Only the owner's, and "Only You" activities only with activity:read_all."""
        owner = (activity.get("athlete") or {}).get("id")
        return owner == athlete and (activity["visibility"] != "only_me" or "activity:read_all" in scopes)

    def _list(self, fields, scopes, athlete) -> list:
        def epoch(a):
            return self.starts[a["id"]]

        before, after = fields.get("before"), fields.get("after")
        page = max(1, int(fields.get("page", 1)))
        per_page = min(200, max(1, int(fields.get("per_page", 30))))
        chosen = [a for a in self.activities.values() if self._visible(a, scopes, athlete)]
        if after is not None:
            chosen = [a for a in chosen if epoch(a) > int(after)]
        if before is not None:
            chosen = [a for a in chosen if epoch(a) < int(before)]
        ascending = after is not None and before is None
        chosen.sort(key=epoch, reverse=not ascending)
        return chosen[(page - 1) * per_page : page * per_page]
