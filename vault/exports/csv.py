"""Streaming CSV downloads: the one writer every CSV export uses (design.md §8).

`csv_response(filename, header, rows)` answers a StreamingHttpResponse that sends UTF-8 with a BOM (so
spreadsheets pick the encoding), a header row, then the rows in RFC 4180 quoting, a few hundred rows per chunk, so
memory stays flat however many rows the iterable yields (feed it `.values_list(...).iterator(chunk_size=2000)`).

Cells a spreadsheet would run as a formula (text starting with =, +, -, @, tab or carriage return) get a leading
apostrophe; real numbers, and text that is just a number such as "-12.5", stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import operator
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import islice
from typing import Any
from urllib.parse import quote

from django.http import StreamingHttpResponse
from django.utils.text import slugify

BOM = "\ufeff"
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
ROWS_PER_CHUNK = 512
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")
_NOT_FILENAME_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def csv_cell(value: Any) -> Any:
    """One value as the csv module should write it: numbers as numbers, everything else as safe text."""
    kind = type(value)
    if kind is str:
        if value and value[0] in FORMULA_TRIGGERS and not _NUMBER.match(value):
            return "'" + value
        return value
    if kind is float or kind is int or value is None:
        return "" if value is None else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, dict | list | tuple):
        return csv_cell(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return csv_cell(str(value))


def csv_row(row: Iterable[Any]) -> list[Any]:
    return [csv_cell(value) for value in row]


# Written by the csv module exactly as they should be (str(date) is its ISO form; None is an empty cell).
_WRITTEN_AS_IS = frozenset({int, float, Decimal, dt.date, type(None)})
_TEXT = frozenset({str, type(None)})
_BOOLEAN = frozenset({bool, type(None)})
_BOOLEAN_TEXT = {True: "true", False: "false", None: None}
_first_character = operator.itemgetter(slice(0, 1))


def _clean_column(column: tuple) -> Sequence[Any]:
    """csv_cell over one column of a batch, without a Python call per cell in the usual cases: a column of
    numbers or dates passes as is, a text column passes when no cell starts with a trigger character."""
    kinds = set(map(type, column))
    if kinds <= _WRITTEN_AS_IS:
        return column
    if kinds <= _TEXT:
        if FORMULA_TRIGGERS.isdisjoint(map(_first_character, filter(None, column))):
            return column
        return [csv_cell(text) if text and text[0] in FORMULA_TRIGGERS else text for text in column]
    if kinds <= _BOOLEAN:
        return list(map(_BOOLEAN_TEXT.__getitem__, column))
    return list(map(csv_cell, column))


def csv_rows(batch: list[Sequence[Any]]) -> Iterable[Sequence[Any]]:
    """csv_row over a batch of rows, column by column (this runs for every exported row, so it is kept
    to C-level loops: a million-row export costs about what a bare csv.writer does)."""
    widths = set(map(len, batch))
    if len(widths) != 1 or 0 in widths:  # ragged or empty rows: the plain way (zip would drop cells)
        return map(csv_row, batch)
    return zip(*map(_clean_column, zip(*batch)))


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The encoded file in pieces: BOM and header first, then ROWS_PER_CHUNK rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(csv_row(header))
    yield buffer.getvalue().encode("utf-8")
    rows = iter(rows)
    while batch := list(islice(rows, ROWS_PER_CHUNK)):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(csv_rows(batch))
        yield buffer.getvalue().encode("utf-8")


def export_filename(*parts: str, extension: str = "csv") -> str:
    """A readable file name from its parts (athlete or race name, what, date): 'ana-lópez-metrics-2026-05-01.csv'."""
    # Dots become separators first, so "Harbour 70.3" reads "harbour-70-3" rather than "harbour-703".
    slugs = (slugify(part.replace(".", " "), allow_unicode=True) for part in parts)
    stem = "-".join(filter(None, slugs))
    return f"{stem or 'export'}.{extension}"


def attachment_header(filename: str) -> str:
    """Content-Disposition for a download: an ASCII fallback name plus the exact name in RFC 5987 form."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = _NOT_FILENAME_SAFE.sub("-", ascii_name).strip("-.") or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Iterable[Any]]
) -> StreamingHttpResponse:
    """Stream `rows` (any iterable of sequences, consumed lazily) as a CSV download named `filename`."""
    response = StreamingHttpResponse(csv_chunks(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment_header(filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
