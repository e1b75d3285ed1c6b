"""A faithful local fake of Nike Run Club's unofficial API (specs/nrc.md §8) on loopback, for NRC_BASE_URL.

JWT-shaped bearer tokens with iat/exp against a controllable clock; a seedable user with outdoor GPS runs
(full series), treadmill runs, manual entries (uppercase ids), jogging, Nike Training Club sessions and deleted
items; the before_id list (newest first, `limit` clamped to 30 or refused with 400, `types` and
`include_deleted` honoured) with every last-page style and unknown cursors as an empty page or a 404; detail at
both paths with `metrics=ALL`, a comma list of types, or none, the metric order shuffled and latitude put
first (each a toggle); the refresh endpoint (rotating or keeping the refresh token, 401 for an unknown one, a
"refresh disabled" mode answering Nike's 403 HTML page); 401 with `error_id`; fault injection on the N-th GET
(429, 5xx, 403 HTML, malformed JSON, a slow answer, any raw body) and hooks before a call. No rate-limit
headers, as the real service.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

from vault.sources.tests.fakes.common import client_gone

APP = "com.nike.sport.running.ios"
SOURCE = "com.nike.running.ios.iphone"
ACCESS_DENIED = b"<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY>You don't have permission. Reference #18.5f2a</BODY></HTML>"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _series(kind: str, unit: str, values: list[tuple[int, int, float]]) -> dict:
    return {
        "type": kind,
        "unit": unit,
        "source": SOURCE,
        "appId": APP,
        "values": [{"start_epoch_ms": s, "end_epoch_ms": e, "value": v} for s, e, v in values],
    }


def make_run(
    start: dt.datetime, *, kind: str = "outdoor", samples: int = 30, activity_id: str | None = None
) -> dict:
    """A detail payload: kind outdoor (GPS + HR + elevation + distance + steps), treadmill (no GPS), manual,
    jogging, ntc (Training Club session) or deleted."""
    start_ms = int(start.timestamp() * 1000)
    end_ms = start_ms + samples * 5000
    activity_id = activity_id or str(uuid.uuid4())
    detail = {
        "id": activity_id.upper() if kind == "manual" else activity_id,
        "type": "jogging" if kind == "jogging" else "run",
        "app_id": "com.nike.ntc.brand.ios" if kind == "ntc" else APP,
        "start_epoch_ms": start_ms,
        "end_epoch_ms": end_ms,
        "last_modified": end_ms + 60000,
        "active_duration_ms": samples * 5000,
        "session": False,
        "delete_indicator": kind == "deleted",
        "sources": ["com.nike.running.ios.manualentry"] if kind == "manual" else [SOURCE],
        "tags": {
            "com.nike.name": f"{kind.title()} run",
            "location": "indoors" if kind == "treadmill" else "outdoors",
        },
        "summaries": [
            {
                "metric": "distance",
                "summary": "total",
                "source": SOURCE,
                "app_id": APP,
                "value": samples * 0.015,
            },
            {"metric": "heart_rate", "summary": "mean", "source": SOURCE, "app_id": APP, "value": 150.0},
        ],
        "change_tokens": [],
        "moments": [],
    }
    if kind == "manual":
        detail["tags"]["com.nike.running.runtype"] = "manual"
        detail["tags"]["com.nike.running.originalactivityid"] = activity_id.upper()
        detail["metric_types"] = ["distance", "speed"]
        detail["metrics"] = [
            _series("distance", "KM", [(start_ms, end_ms, samples * 0.015)]),
            _series("speed", "KMH", [(start_ms, end_ms, 10.8)]),
        ]
        detail["polylines"] = []
        return detail
    times = [start_ms + i * 5000 for i in range(samples)]
    metrics = [
        _series("heart_rate", "BPM", [(t, t, 120.0 + i % 30) for i, t in enumerate(times)]),
        _series("elevation", "M", [(t, t, 100.0 + i * 0.1) for i, t in enumerate(times)]),
        _series("distance", "KM", [(t, t + 5000, 0.015) for t in times]),
        _series("steps", "STEPS", [(t, t + 5000, 14.0) for t in times]),
        _series("speed", "KMH", [(t, t + 5000, 10.8) for t in times]),
    ]
    if kind != "treadmill":  # stored last; the server's toggles decide the order it answers in
        metrics.append(_series("latitude", "DEG", [(t, t, 51.33 + i * 0.0001) for i, t in enumerate(times)]))
        metrics.append(_series("longitude", "DEG", [(t, t, 12.34 + i * 0.0001) for i, t in enumerate(times)]))
    detail["metrics"] = metrics
    detail["metric_types"] = [m["type"] for m in metrics]
    detail["moments"] = [
        {"key": "halt", "value": "pause", "timestamp": times[samples // 2], "app_id": APP, "source": SOURCE},
        {
            "key": "halt",
            "value": "resume",
            "timestamp": times[samples // 2] + 1000,
            "app_id": APP,
            "source": SOURCE,
        },
    ]
    return detail


class FakeNrc:
    def __init__(self):
        self.clock = dt.datetime.now(dt.UTC).timestamp()
        self.details: dict[str, dict] = {}
        self.tokens: dict[str, float] = {}  # token -> exp (epoch s)
        self.last_page_style = (
            "empty_paging"  # "empty_paging" | "null" | "empty_string" | "trailing_empty_page"
        )
        self.max_limit = 30
        self.limit_mode = "clamp"  # "clamp" | "error" (400) for a `limit` above max_limit
        self.unknown_cursor = "empty"  # "empty" page | "404"
        self.shuffle_metrics = True  # metric order is arbitrary in the real feed
        self.latitude_first = True  # the index-0 bug of some exporters (nrc.md §4.1)
        # N-th GET -> "429" | "500" | "403html" | "malformed" | "expire" | "slow" | bytes (a raw 200 body)
        self.faults: dict[int, str | bytes] = {}
        self.slow_s = 2.0
        self.hooks: dict[int, callable] = {}
        self.calls = 0
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> user id (prn)
        self.refresh_mode = "ok"  # "ok" | "disabled" (403 HTML, the frequent real breakage)
        self.rotate_refresh = True  # False: the answer leaves refresh_token out (keep the old one)
        self.refresh_calls: list[dict] = []
        self.served: list[str] = []  # ids of details answered in full (200 with series)
        self.requests: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> FakeNrc:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def token(self, *, lifetime_s: int = 3600) -> str:
        iat = int(self.clock)
        payload = {
            "iss": "oauth2acc",
            "aud": "com.nike.digital",
            "prn": str(uuid.uuid4()),
            "iat": iat,
            "exp": iat + lifetime_s,
        }
        token = f"{_b64({'alg': 'RS256', 'typ': 'JWT'})}.{_b64(payload)}.{_b64({'sig': uuid.uuid4().hex})}"
        self.tokens[token] = iat + lifetime_s
        return token

    def refresh_token(self) -> str:
        token = uuid.uuid4().hex
        self.refresh_tokens[token] = str(uuid.uuid4())
        return token

    def expire_all(self) -> None:
        for token in self.tokens:
            self.tokens[token] = self.clock - 1

    def add(self, detail: dict) -> dict:
        self.details[detail["id"]] = detail
        return detail

    def seed(self, count: int, *, start: dt.datetime, kind: str = "outdoor") -> list[str]:
        return [self.add(make_run(start + dt.timedelta(days=i), kind=kind))["id"] for i in range(count)]

    def detail_calls(self) -> list[str]:
        return [path.rsplit("/", 1)[-1] for path, _q in self.requests if "/activity/" in path]

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body, content_type="application/json"):
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):  # a client that timed out and hung up
                    pass

            def do_GET(self):
                with fake.lock:
                    fake._get(self)

            def do_POST(self):
                with fake.lock:
                    fake._post(self)

        return Handler

    def _post(self, handler) -> None:
        url = urlparse(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        self.requests.append((url.path, {}))
        if url.path != "/idn/shim/oauth/2.0/token":
            return handler._send(404, {"error_id": str(uuid.uuid4()), "errors": [{"code": "NOT_FOUND"}]})
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        self.refresh_calls.append(body if isinstance(body, dict) else {})
        if self.refresh_mode == "disabled":
            return handler._send(403, ACCESS_DENIED, "text/html")
        if not isinstance(body, dict) or body.get("grant_type") != "refresh_token":
            return handler._send(400, {"errors": [{"code": "INVALID_REQUEST", "message": "bad grant"}]})
        user = self.refresh_tokens.get(body.get("refresh_token", ""))
        if user is None:
            return handler._send(
                401, {"errors": [{"code": "INVALID_GRANT", "message": "Invalid refresh token"}]}
            )
        answer = {"access_token": self.token(), "expires_in": "3600", "user_id": user, "token_type": "bearer"}
        if self.rotate_refresh:
            del self.refresh_tokens[body["refresh_token"]]
            answer["refresh_token"] = uuid.uuid4().hex
            self.refresh_tokens[answer["refresh_token"]] = user
        return handler._send(200, answer)

    def _ordered(self, detail: dict, wanted: str | None) -> dict:
        """The detail as served: `metrics=ALL` all series, a comma list those types, absent none; in the
        order the toggles ask for."""
        if not wanted:
            return {**detail, "metrics": []}
        metrics = list(detail.get("metrics") or [])
        if wanted != "ALL":
            types = {part.strip() for part in wanted.split(",")}
            metrics = [m for m in metrics if m.get("type") in types]
        if self.shuffle_metrics:
            random.Random(detail["id"]).shuffle(metrics)
        if self.latitude_first:
            metrics.sort(key=lambda m: m.get("type") != "latitude")  # stable: only latitude moves
        return {**detail, "metrics": metrics}

    def _get(self, handler) -> None:
        url = urlparse(handler.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        self.requests.append((url.path, query))
        self.calls += 1
        if self.calls in self.hooks:
            self.hooks[self.calls]()
        fault = self.faults.get(self.calls)
        if fault == "slow":  # answered late; other requests are served meanwhile (the client may retry)
            self.lock.release()
            try:
                time.sleep(self.slow_s)
            finally:
                self.lock.acquire()
            if client_gone(handler):  # it timed out and hung up: nothing was delivered
                return
        if fault == "expire":
            self.expire_all()
        if fault == "429":
            return handler._send(
                429, {"error_id": str(uuid.uuid4()), "errors": [{"code": "TOO_MANY_REQUESTS"}]}
            )
        if fault == "500":
            return handler._send(502, b"<html><body>Bad gateway</body></html>", "text/html")
        if fault == "403html":
            return handler._send(403, ACCESS_DENIED, "text/html")
        token = handler.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if self.tokens.get(token, 0) <= self.clock:
            return handler._send(
                401,
                {
                    "error_id": str(uuid.uuid4()),
                    "errors": [{"code": "UNAUTHORIZED", "message": "Unauthorized", "field": ""}],
                },
            )
        if fault == "malformed":
            return handler._send(200, b'{"activities": [{"id": ')
        if isinstance(fault, bytes):
            return handler._send(200, fault)
        path = url.path
        prefix = "/plus/v3/activities/before_id/v3/"
        if path.startswith(prefix):
            try:
                limit = int(query.get("limit", 30))
            except ValueError:
                limit = -1
            if limit < 1 or (limit > self.max_limit and self.limit_mode == "error"):
                return handler._send(
                    400,
                    {
                        "error_id": str(uuid.uuid4()),
                        "errors": [
                            {"code": "INVALID_PARAMETER", "message": f"limit must be 1..{self.max_limit}"}
                        ],
                    },
                )
            page = self._list(unquote(path[len(prefix) :]), {**query, "limit": str(limit)})
            if page is None:
                return handler._send(404, {"error_id": str(uuid.uuid4()), "errors": [{"code": "NOT_FOUND"}]})
            return handler._send(200, page)
        for detail_prefix in ("/sport/v3/me/activity/", "/plus/v3/activity/"):
            if path.startswith(detail_prefix):
                detail = self.details.get(unquote(path[len(detail_prefix) :]))
                if detail is None:
                    return handler._send(
                        404, {"error_id": str(uuid.uuid4()), "errors": [{"code": "NOT_FOUND"}]}
                    )
                served = self._ordered(detail, query.get("metrics"))
                if query.get("metrics"):
                    self.served.append(detail["id"])
                return handler._send(200, served)
        return handler._send(404, {"error_id": str(uuid.uuid4()), "errors": [{"code": "NOT_FOUND"}]})

    def _list(self, cursor: str, query: dict) -> dict | None:
        """One page; None for an unknown cursor in "404" mode."""
        limit = min(int(query.get("limit", 30)), self.max_limit)
        types = set(query.get("types", "").replace("%2C", ",").split(",")) - {""}
        items = sorted(self.details.values(), key=lambda d: d["start_epoch_ms"], reverse=True)
        if query.get("include_deleted") == "false":
            items = [d for d in items if not d["delete_indicator"]]
        if types:
            items = [d for d in items if d["type"] in types or d["app_id"].startswith("com.nike.ntc")]
        if cursor != "*":
            ids = [d["id"] for d in items]
            if cursor not in ids:
                return None if self.unknown_cursor == "404" else {"activities": [], "paging": {}}
            items = items[ids.index(cursor) + 1 :]
        page = [{k: v for k, v in d.items() if k != "metrics"} | {"metrics": []} for d in items[:limit]]
        more = len(items) > limit
        if more or (self.last_page_style == "trailing_empty_page" and page):
            paging = {"before_id": page[-1]["id"]}
        elif self.last_page_style == "null":
            paging = {"before_id": None}
        elif self.last_page_style == "empty_string":
            paging = {"before_id": ""}
        else:
            paging = {}
        return {"activities": page, "paging": paging}
