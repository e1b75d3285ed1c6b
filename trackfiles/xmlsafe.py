"""Safe, salvaging XML reading for GPX and TCX.

- The prolog (declaration, comments, DOCTYPE) is walked before lxml sees the bytes: a DOCTYPE that declares
  entities (billion laughs, external entities such as file:///etc/passwd) is refused outright, so nothing is
  ever expanded or read. lxml itself runs with entities, DTD loading and network access off as a second wall.
- A UTF-8 BOM and whitespace before the XML declaration (as Strava writes TCX) are skipped; reported line
  numbers still count from the top of the original file.
- Speed: a well-formed document up to WHOLE_TREE_MAX_BYTES is parsed in one C call (`parse_whole`) and walked;
  only when that fails (damage) or the file is bigger does `XmlEvents` stream it with iterparse, which stops
  at the first syntax error and remembers where, so a file cut mid-element keeps every element completed
  before the cut (lxml's recover mode would instead keep a half-read element).
- `PointTexts` gathers the text of each point's child elements per channel, matched by local name so any
  namespace or prefix works; `columns()` turns them into float arrays in one numpy call per channel.
"""

from __future__ import annotations

import contextlib
import gc
import io
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from lxml import etree

from trackfiles.columns import floats, iso_times
from trackfiles.errors import DecodeError

UTF8_BOM = b"\xef\xbb\xbf"
WHOLE_TREE_MAX_BYTES = 32 * 1024 * 1024  # a whole tree costs ~10x the text (a 24 h ride at 1 Hz: ~25 MB)
_ROOT_NAME = re.compile(rb"<([^\s/>!?]+)")
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_LIBXML_POSITION = re.compile(r", line \d+, column \d+$")


@dataclass
class XmlBody:
    data: bytes  # from the first '<' on, BOM and leading whitespace removed
    skipped_lines: int  # newlines in what was removed, added to lxml's line numbers
    root_name: str | None  # local name of the root element, None when the prolog never ends


def _text_head(data: bytes) -> tuple[bytes, int]:
    """Bytes after a UTF-8 BOM and leading whitespace, and how many newlines were skipped."""
    start = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    stripped = data[start:].lstrip(b" \t\r\n")
    skipped = data[start : len(data) - len(stripped)].count(b"\n")
    return stripped, skipped


def read_prolog(data: bytes) -> XmlBody | None:
    """Walk the XML prolog; None when the bytes do not start like XML (after BOM and whitespace).

    Raises DecodeError when a DOCTYPE declares entities.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with BOM: walk a decoded copy of the head
        head = data[:65536].decode("utf-16", errors="ignore").encode("utf-8", errors="ignore")
        walked = read_prolog(head.lstrip(UTF8_BOM))
        return None if walked is None else XmlBody(data, 0, walked.root_name)
    body, skipped = _text_head(data)
    if not body.startswith(b"<"):
        return None
    pos = 0
    while True:
        while pos < len(body) and body[pos : pos + 1] in b" \t\r\n":
            pos += 1
        if body.startswith(b"<?", pos):
            end = body.find(b"?>", pos)
            if end < 0:
                return XmlBody(body, skipped, None)
            pos = end + 2
        elif body.startswith(b"<!--", pos):
            end = body.find(b"-->", pos)
            if end < 0:
                return XmlBody(body, skipped, None)
            pos = end + 3
        elif body[pos : pos + 9].upper() == b"<!DOCTYPE":
            end = _doctype_end(body, pos)
            declaration = body[pos:end]
            if _ENTITY_DECL.search(declaration):
                line = skipped + body.count(b"\n", 0, pos) + 1
                raise DecodeError(
                    f"the XML DOCTYPE at line {line} declares entities; refused without expanding them "
                    "(entity declarations are how XML bombs and external-entity reads work, and GPX/TCX never need them)"
                )
            if end >= len(body):
                return XmlBody(body, skipped, None)
            pos = end
        else:
            match = _ROOT_NAME.match(body, pos)
            if match is None:
                return XmlBody(body, skipped, None)
            name = match.group(1).decode("utf-8", errors="replace")
            return XmlBody(body, skipped, name.rsplit(":", 1)[-1])


def _doctype_end(body: bytes, pos: int) -> int:
    """Index just after a DOCTYPE declaration, skipping over an internal subset in [...]; len(body) if unclosed."""
    bracket = body.find(b"[", pos)
    close = body.find(b">", pos)
    if close < 0:
        return len(body)
    if 0 <= bracket < close:
        subset_end = body.find(b"]", bracket)
        if subset_end < 0:
            return len(body)
        close = body.find(b">", subset_end)
        if close < 0:
            return len(body)
    return close + 1


@dataclass
class XmlStop:
    line: int
    column: int
    message: str
    at_end: bool  # the error is on the last line: the file was cut off

    def describe(self, kept: str) -> str:
        what = "is cut off" if self.at_end else "is malformed"
        return f"XML {what} at line {self.line}, column {self.column} ({self.message}); kept the {kept} completed before it"


def _parser_options() -> dict:
    return {
        "resolve_entities": False,
        "load_dtd": False,
        "no_network": True,
        "huge_tree": False,
        "remove_comments": True,
        "remove_pis": True,
        "recover": False,
        # no whitespace-only text nodes between elements, no xml:id table: halves libxml2's parse time
        "remove_blank_text": True,
        "collect_ids": False,
    }


def parse_whole(body: XmlBody) -> etree._Element | None:
    """The root of a well-formed document parsed in one go; None when it is too big or not well formed."""
    if len(body.data) > WHOLE_TREE_MAX_BYTES:
        return None
    try:
        return etree.fromstring(body.data, etree.XMLParser(**_parser_options()))
    except etree.XMLSyntaxError:
        return None  # the streaming reader finds the same error, says where, and keeps what came before


class XmlEvents:
    """iterparse over a checked XML body that ends quietly at a syntax error and keeps it in `.stop`."""

    def __init__(self, body: XmlBody, *, events: tuple[str, ...], tags: list[str]):
        self.body = body
        self.events = events
        self.tags = tags
        self.stop: XmlStop | None = None
        self.root: etree._Element | None = None

    def __iter__(self) -> Iterator[tuple[str, etree._Element]]:
        etree.clear_error_log()  # the log is per thread; only this document's problems should be in it
        parser = etree.iterparse(
            io.BytesIO(self.body.data),
            events=self.events,
            tag=self.tags,
            **_parser_options(),
        )
        try:
            for event, element in parser:
                if self.root is None:
                    self.root = element.getroottree().getroot()
                yield event, element
        except etree.XMLSyntaxError as exc:
            line, column = exc.position if exc.position else (0, 0)
            message = _LIBXML_POSITION.sub("", str(exc.msg or exc).strip())  # we report our own position
            if line == 0 and len(exc.error_log):  # libxml2 gave no position: the last logged problem has one
                last = exc.error_log[-1]
                line, column, message = last.line, last.column, f"{last.message.strip()}, then {message}"
            last_line = self.body.data.count(b"\n", 0, len(self.body.data.rstrip())) + 1
            self.stop = XmlStop(
                line=line + self.body.skipped_lines,
                column=column,
                message=message,
                at_end=line >= last_line,
            )
            if self.root is None:
                self.root = getattr(parser, "root", None)


def local_name(tag: object) -> str | None:
    """`{namespace}name` or `name` -> `name`; None for comments and processing instructions."""
    if not isinstance(tag, str):
        return None
    return tag.rsplit("}", 1)[-1]


def child_text(element: etree._Element, path: str) -> str | None:
    found = element.find(path)
    if found is None or found.text is None:
        return None
    text = found.text.strip()
    return text or None


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while points are gathered.

    The walk makes one short-lived proxy per element and no reference cycles, yet its allocations trigger
    collections that cost ~15% of the decode. Only re-enabled if it was enabled, so nesting and other threads
    doing the same are harmless.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def release(element: etree._Element) -> None:
    """Free a streamed element once read, and the siblings before it, so memory stays flat on big files."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


class PointTexts:
    """Per-channel texts of the points' descendant elements (and attributes), gathered without converting."""

    def __init__(self, channel_of_name: dict[str, str], attributes: tuple[str, ...] = ()):
        self._channel_of_name = channel_of_name
        self._channel_of_tag: dict[object, str] = {}  # "" for elements we do not read
        self._attributes = {name: [] for name in attributes}
        channels = set(channel_of_name.values())
        # point numbers in C arrays, so gathering makes no Python object per value beyond lxml's text
        self._index: dict[str, array] = {channel: array("q") for channel in channels}
        self._texts: dict[str, list[str | None]] = {channel: [] for channel in channels}
        self._sinks = {
            channel: (self._index[channel].append, self._texts[channel].append) for channel in channels
        }
        self.count = 0

    def add(self, point: etree._Element) -> None:
        # an unfiltered walk with a dict lookup per element is ~3x faster in lxml than iter() with {*} tags
        for name, texts in self._attributes.items():
            texts.append(point.get(name))
        channel_of_tag, sinks, index = self._channel_of_tag, self._sinks, self.count
        for element in point.iter():
            channel = channel_of_tag.get(element.tag)
            if channel is None:
                channel = channel_of_tag[element.tag] = self._channel_of_name.get(
                    local_name(element.tag) or "", ""
                )
            if channel:
                add_index, add_text = sinks[channel]
                add_index(index)
                add_text(element.text)
        self.count += 1

    def columns(self, *, what: str, warnings: list[str]) -> dict[str, np.ndarray]:
        """One float64 array per channel that any point has (timestamp always, as POSIX seconds); NaN where a
        point lacks the value."""
        result = {
            name: floats(texts, what=f"{what} {name}", warnings=warnings)
            for name, texts in self._attributes.items()
        }
        for channel, positions in self._index.items():
            if not positions and channel != "timestamp":
                continue  # no point has it: the channel is left out
            texts = self._texts[channel]
            if channel == "timestamp":
                values = iso_times(texts, what=f"{what} time", warnings=warnings)
            else:
                values = floats(texts, what=f"{what} {channel}", warnings=warnings)
            column = np.full(self.count, np.nan)
            if positions:
                column[np.frombuffer(positions, dtype=np.int64)] = values
            result[channel] = column
        return result
