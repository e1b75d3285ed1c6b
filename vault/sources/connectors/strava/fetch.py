"""A helper process that fetches an activity's streams and turns them into what the import needs (the
recording and the canonical bytes), for long syncs.

Decoding a streams answer, encoding its canonical JSON and building the recording's arrays cost a few
milliseconds of pure Python per activity. In a thread they would only take turns with the import for the GIL,
so the sync would still pay for them; in a process they run beside the import on another core, and the sync's
own process does little but import. The process only makes first attempts: anything but a clean answer (an
HTTP error, a body that is not JSON or not streams, a network failure) goes back to the StravaClient, which
judges and retries it exactly as one it sent itself, so every refusal, retry and rate-limit decision stays in
the sync's thread.

The process is `python -m vault.sources.connectors.strava.fetch`, talking over two pipes of its own: a fresh
interpreter (not a fork of a threaded worker with open database connections, nor multiprocessing's spawn,
which would import the parent's main module again) that imports this module without Django being set up. It
needs httpx, the client's request helpers and recording.py only.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from multiprocessing.connection import Connection

import httpx

from vault.sources.connectors.strava.client import streams_by_type
from vault.sources.connectors.strava.recording import ActivityDataError, canonical_bytes, to_recording

log = logging.getLogger(__name__)

READY = "ready"
NICENESS = 10  # the helper runs below the sync's priority (see _serve)
BODY_FRAMING = frozenset({"content-encoding", "content-length", "transfer-encoding"})
ANSWER_WAIT_S = 300.0  # far beyond any timeout the request carries: only a wedged process takes this long


@dataclass
class Prepared:
    """An activity's streams, fetched and made ready to import: the recording and the original's bytes, or
    the reason they cannot become a recording (logged like to_recording's ActivityDataError)."""

    headers: dict
    data: bytes = b""
    recording: object = None
    problem: str = ""


@dataclass
class Unjudged:
    """An answer the process leaves to the client: an httpx response's parts, or a network failure."""

    url: str
    status: int = 0
    headers: dict | None = None
    content: bytes = b""
    transport_error: str = ""

    def outcome(self):
        """What the client's get() takes as its first attempt (`answered`)."""
        if self.transport_error:
            return httpx.TransportError(self.transport_error)
        return httpx.Response(
            self.status, headers=self.headers, content=self.content, request=httpx.Request("GET", self.url)
        )


def _prepare(http: httpx.Client, request: dict, item: dict) -> Prepared | Unjudged:
    try:
        response = http.get(
            request["url"], params=request["params"], headers=request["headers"], timeout=request["timeout"]
        )
    except httpx.TransportError as exc:
        return Unjudged(request["url"], transport_error=str(exc) or type(exc).__name__)
    # the content is already decoded: a Content-Encoding left in would have it decoded a second time
    headers = {k: v for k, v in response.headers.items() if k.lower() not in BODY_FRAMING}
    if response.status_code != 200:
        return Unjudged(request["url"], response.status_code, headers, response.content)
    try:
        streams = streams_by_type(json.loads(response.content))
    except ValueError:
        streams = None
    if streams is None:  # malformed or of the wrong shape: the client retries or reports it
        return Unjudged(request["url"], response.status_code, headers, response.content)
    try:
        recording = to_recording(item, streams)
    except ActivityDataError as exc:
        return Prepared(headers, problem=str(exc))
    return Prepared(headers, data=canonical_bytes(item, streams), recording=recording)


def _serve(requests: Connection, answers: Connection) -> None:
    """The helper process: one request at a time, until told to stop (None) or the sync is gone (EOF)."""
    # Below the sync's priority: on a spare core it runs beside the import; where cores are short it takes
    # only the time the import leaves (waiting for this answer), rather than slowing the import down.
    with contextlib.suppress(OSError, AttributeError):
        os.nice(NICENESS)
    with httpx.Client() as http:
        answers.send(READY)
        while True:
            try:
                job = requests.recv()
            except (EOFError, OSError):
                return
            if job is None:
                return
            answers.send(_prepare(http, *job))


class StreamsProcess:
    """The sync's handle on the helper process. Any failure of the process makes `usable` false, and the
    caller goes on without it."""

    def __init__(self):
        answers_read, answers_write = os.pipe()
        requests_read, requests_write = os.pipe()
        try:
            # the interpreter and import path the sync runs with, so the child imports the same code
            path = os.pathsep.join(p for p in sys.path if p)
            self.process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(requests_read), str(answers_write)],
                pass_fds=(requests_read, answers_write),
                stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONPATH": path},
            )
        except BaseException:
            for fd in (answers_read, requests_write):
                os.close(fd)
            raise
        finally:
            os.close(requests_read)
            os.close(answers_write)
        self.requests = Connection(requests_write, readable=False)
        self.answers = Connection(answers_read, writable=False)
        self.ready = False
        self.broken = False

    def usable(self, wait_s: float = 0.0) -> bool:
        """Whether requests can go to the process; it takes a moment to start, meanwhile the caller uses its
        thread."""
        if not self.ready and not self.broken:
            try:
                if self.answers.poll(wait_s):
                    self.ready = self.answers.recv() == READY
                    self.broken = not self.ready
            except (EOFError, OSError):
                self.broken = True
        return self.ready and not self.broken

    def send(self, request: dict, item: dict) -> None:
        self.requests.send((request, item))

    def receive(self) -> Prepared | Unjudged | None:
        """The answer to the request sent; None if the process failed (the caller fetches it itself, which
        may ask Strava a second time for that one activity)."""
        if self.broken:
            return None
        try:
            if self.answers.poll(ANSWER_WAIT_S):
                return self.answers.recv()
        except (EOFError, OSError):
            pass
        log.warning("the Strava streams process stopped answering; the sync goes on without it")
        self.broken = True
        return None

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.requests.send(None)
        self.requests.close()
        try:
            self.process.wait(2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(2)
        self.answers.close()


if __name__ == "__main__":
    # Run as `python -m`, this file is __main__; the answers must be pickled as instances of the module's own
    # classes, so the loop runs from the module imported under its name.
    from vault.sources.connectors.strava import fetch

    fetch._serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
