"""A defensive client of Nike Run Club's unofficial API (specs/nrc.md): the before_id activity list and the
activity detail with its metric series, bearer token only. Nike publishes no rate limits, so calls are spaced
and transient failures retried with back-off; a 401 or 403 stops at once."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from urllib.parse import quote

import httpx
from django.conf import settings

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
REQUEST_SPACING_S = 0.25  # the exporters' self-imposed pace (nrc.md §5)
RETRY_DELAYS_S = (1.0, 4.0)
LIST_PATH = "/plus/v3/activities/before_id/v3/{cursor}"
DETAIL_PATHS = ("/sport/v3/me/activity/{id}", "/plus/v3/activity/{id}")  # the second when the first 404s
PAGE_LIMIT = 30  # the most the list accepts
REFRESH_PATH = "/idn/shim/oauth/2.0/token"
# The public client id of Nike's own apps that the exporters send with a refresh (nrc.md §1); Nike issues no
# ids to third parties, so there is nothing for the athlete to configure.
REFRESH_CLIENT_ID = "HlHa2Cje3ctlaOqnxvgZXNaAs7T9nAuH"
REFRESH_UX_ID = "com.nike.sport.running.droid.3.8"

TOKEN_STEPS = (
    "Sign in at nike.com in a desktop browser, open the developer tools (F12) → Console, run "
    "JSON.parse(localStorage.getItem('oidc.user:https://accounts.nike.com:4fd2d5e7db76e0f85a6bb56721bd51df'))"
    ".access_token and paste the text it prints (without quotes). Tokens last about an hour."
)


class NrcError(Exception):
    pass


class NrcTokenExpired(NrcError):
    pass


class NrcBlocked(NrcError):
    pass


class NrcUnavailable(NrcError):
    pass


class NrcBadData(NrcError):
    pass


class NrcNotFound(NrcError):
    pass


class NrcMalformed(NrcBadData):
    """The body did not parse as JSON, even after the retries: transient, worth another try later."""


def _body_kind(response: httpx.Response) -> str:
    text = response.text.lstrip()[:200]
    return (
        "an HTML page"
        if text.startswith("<") or "html" in response.headers.get("content-type", "")
        else "a body"
    )


class NrcClient:
    def __init__(
        self,
        *,
        token: str,
        refresh_token: str = "",
        on_tokens: Callable[[dict], None] | None = None,
        base_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        http: httpx.Client | None = None,
        spacing_s: float | None = None,
    ):
        """`refresh_token` (optional: Nike's refresh breaks often) lets a 401 be answered by one refresh;
        `on_tokens` is called with the new {access_token, refresh_token} so they are stored at once."""
        self.token = token
        self.refresh_token = refresh_token
        self.on_tokens = on_tokens
        self.base_url = (base_url or settings.NRC_BASE_URL).rstrip("/")
        self.sleep = sleep
        self.spacing_s = REQUEST_SPACING_S if spacing_s is None else spacing_s
        self.http = http or httpx.Client(timeout=TIMEOUT)
        self._last_request = 0.0

    def close(self) -> None:
        self.http.close()

    def list_page(self, cursor: str) -> dict:
        """One page of the list, newest first: the first with cursor "*", then the previous page's before_id."""
        body = self._get(
            LIST_PATH.format(cursor=quote(cursor or "*", safe="*")),
            {"limit": PAGE_LIMIT, "types": "run,jogging", "include_deleted": "false"},
        )
        if not isinstance(body, dict):
            raise NrcBadData("the activity list is not a JSON object")
        return body

    def activity(self, activity_id: str) -> dict:
        last_error = None
        for template in DETAIL_PATHS:
            try:
                body = self._get(template.format(id=quote(activity_id, safe="")), {"metrics": "ALL"})
            except NrcNotFound as exc:
                last_error = exc
                continue
            if not isinstance(body, dict):
                raise NrcBadData(f"activity {activity_id}: the detail is not a JSON object")
            return body
        raise last_error or NrcNotFound(f"activity {activity_id} not found")

    def refresh(self) -> None:
        """Trade the refresh token for a new access token. Any refusal (401, 403, Nike's edge page) or an
        answer without a token ends as NrcTokenExpired: the athlete must paste a fresh token."""
        try:
            response = self.http.post(
                f"{self.base_url}{REFRESH_PATH}",
                json={
                    "refresh_token": self.refresh_token,
                    "client_id": REFRESH_CLIENT_ID,
                    "grant_type": "refresh_token",
                    "ux_id": REFRESH_UX_ID,
                },
                headers={"Accept": "application/json"},
            )
        except httpx.TransportError as exc:
            raise NrcUnavailable(
                f"cannot reach Nike at {self.base_url} to refresh the token: {exc}"
            ) from None
        if response.status_code != 200:
            raise NrcTokenExpired(
                f"token expired: get a fresh token (Nike refused the refresh: HTTP {response.status_code} "
                f"with {_body_kind(response)})"
            )
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise NrcTokenExpired(
                "token expired: get a fresh token (Nike's refresh answer has no access_token)"
            )
        self.token = body["access_token"]
        # the answer may leave the refresh token out; the old one then stays valid (nrc.md §1)
        if isinstance(body.get("refresh_token"), str) and body["refresh_token"]:
            self.refresh_token = body["refresh_token"]
        if self.on_tokens is not None:
            self.on_tokens({"access_token": self.token, "refresh_token": self.refresh_token})

    def _get(self, path: str, params: dict):
        attempt = 0
        refreshed = False
        while True:
            wait = self.spacing_s - (time.monotonic() - self._last_request)
            if wait > 0:
                self.sleep(wait)
            self._last_request = time.monotonic()
            try:
                response = self.http.get(
                    f"{self.base_url}{path}",
                    params=params,
                    headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
                )
            except httpx.TransportError as exc:
                problem: NrcError = NrcUnavailable(f"cannot reach Nike at {self.base_url}: {exc}")
            else:
                status = response.status_code
                if status == 401 or (status == 200 and _has_error_id(response)):
                    if self.refresh_token and not refreshed:
                        refreshed = True
                        self.refresh()
                        continue
                    raise NrcTokenExpired("token expired: get a fresh token")
                if status == 403:
                    raise NrcBlocked(f"Nike refused access (HTTP 403 with {_body_kind(response)})")
                if status == 404:
                    raise NrcNotFound(f"{path}: not found")
                if status == 429 or status >= 500:
                    problem = NrcUnavailable(f"Nike answered HTTP {status} with {_body_kind(response)}")
                elif status >= 400:
                    raise NrcError(f"{path}: HTTP {status}")
                else:
                    try:
                        return json.loads(response.content)
                    except ValueError:
                        problem = NrcMalformed(f"{path}: Nike answered malformed JSON")
            if attempt >= len(RETRY_DELAYS_S):
                raise problem
            self.sleep(RETRY_DELAYS_S[attempt])
            attempt += 1


def _has_error_id(response: httpx.Response) -> bool:
    """Some exporters see the expiry only as an `error_id` key in the body (nrc.md §5)."""
    if b"error_id" not in response.content[:2000]:
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return (
        isinstance(body, dict) and "error_id" in body and "activities" not in body and "metrics" not in body
    )
