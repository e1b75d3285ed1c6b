"""A faithful local fake of Nike Run Club's unofficial API (specs/nrc.md §8) on loopback, for NRC_BASE_URL.

JWT-shaped bearer tokens with iat/exp against a controllable clock; a seedable user with outdoor GPS runs
(full, shuffled series with latitude first), treadmill runs, manual entries (uppercase ids), jogging, Nike
Training Club sessions and deleted items; the before_id list (newest first, limit clamped to 30, `types` and
`include_deleted` honoured) with every last-page style; detail at both paths; 401 with `error_id`; fault
injection on the N-th call (429, 5xx, 403 HTML, malformed JSON) and hooks before a call.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

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
    random.Random(activity_id).shuffle(metrics)
    if kind != "treadmill":  # latitude first: the index-0 bug of some exporters (nrc.md §4.1)
        lats = _series("latitude", "DEG", [(t, t, 51.33 + i * 0.0001) for i, t in enumerate(times)])
        lons = _series("longitude", "DEG", [(t, t, 12.34 + i * 0.0001) for i, t in enumerate(times)])
        metrics = [lats, *metrics, lons]
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
        self.faults: dict[int, str] = {}  # N-th call -> "429" | "500" | "403html" | "malformed" | "expire"
        self.hooks: dict[int, callable] = {}
        self.calls = 0
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
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):
                with fake.lock:
                    fake._get(self)

        return Handler

    def _get(self, handler) -> None:
        url = urlparse(handler.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        self.requests.append((url.path, query))
        self.calls += 1
        if self.calls in self.hooks:
            self.hooks[self.calls]()
        fault = self.faults.get(self.calls)
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
        path = url.path
        prefix = "/plus/v3/activities/before_id/v3/"
        if path.startswith(prefix):
            return handler._send(200, self._list(unquote(path[len(prefix) :]), query))
        for detail_prefix in ("/sport/v3/me/activity/", "/plus/v3/activity/"):
            if path.startswith(detail_prefix):
                detail = self.details.get(unquote(path[len(detail_prefix) :]))
                if detail is None:
                    return handler._send(
                        404, {"error_id": str(uuid.uuid4()), "errors": [{"code": "NOT_FOUND"}]}
                    )
                if query.get("metrics") != "ALL":
                    return handler._send(200, {**detail, "metrics": []})
                self.served.append(detail["id"])
                return handler._send(200, detail)
        return handler._send(404, {"error_id": str(uuid.uuid4()), "errors": [{"code": "NOT_FOUND"}]})

    def _list(self, cursor: str, query: dict) -> dict:
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
                return {"activities": [], "paging": {}}
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
