"""The streaming CSV writer on its own: encoding, quoting, formula neutralising, file names."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from hypothesis import given
from hypothesis import strategies as st

from vault.exports.csv import (
    ROWS_PER_CHUNK,
    attachment_header,
    csv_cell,
    csv_chunks,
    csv_response,
    csv_rows,
    export_filename,
)


def _parse(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def test_bom_then_header_then_rows_with_crlf():
    data = b"".join(csv_chunks(["a", "b"], [(1, "x"), (2.5, "y")]))
    assert data == "\ufeffa,b\r\n1,x\r\n2.5,y\r\n".encode()


def test_commas_quotes_and_newlines_are_quoted_per_rfc_4180():
    tricky = ["one, two", 'say "hi"', "line\nbreak", "crlf\r\ninside", "plain"]
    data = b"".join(csv_chunks(["c1", "c2", "c3", "c4", "c5"], [tricky]))
    assert b'"one, two","say ""hi""","line\nbreak","crlf\r\ninside",plain\r\n' in data
    assert _parse(data)[1] == tricky


@pytest.mark.parametrize(
    "text",
    ["=1+2", "+cmd", "-2+3", "@SUM(A1)", "\tleading tab", "\rleading cr", '=HYPERLINK("http://x")', "-", "+"],
)
def test_formula_like_text_gets_a_leading_apostrophe(text):
    assert csv_cell(text) == "'" + text
    data = b"".join(csv_chunks(["cell"], [[text]]))
    assert _parse(data)[1] == ["'" + text]


@pytest.mark.parametrize("number", [-12.5, 12, -3, 0, 1e-7, Decimal("-4.20"), float("inf")])
def test_real_numbers_stay_numbers(number):
    assert csv_cell(number) is number
    data = b"".join(csv_chunks(["n"], [[number]]))
    assert _parse(data)[1] == [str(number)]


@pytest.mark.parametrize("text", ["-12.5", "+3", "-0.5e-3", ".5", "-7"])
def test_numeric_text_stays_a_number(text):
    assert csv_cell(text) == text


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (dt.date(2026, 5, 1), "2026-05-01"),
        (dt.datetime(2026, 5, 1, 7, 30, tzinfo=dt.UTC), "2026-05-01T07:30:00+00:00"),
        ({"a": [1, 2]}, '{"a":[1,2]}'),
        (["-x"], '["-x"]'),
        ("safe text", "safe text"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_other_values_are_written_as_text(value, written):
    assert csv_cell(value) == written


def test_header_cells_are_neutralised_too():
    data = b"".join(csv_chunks(["=evil", "ok"], []))
    assert _parse(data) == [["'=evil", "ok"]]


def test_chunks_are_yielded_as_rows_are_consumed():
    consumed = []

    def rows():
        for number in range(ROWS_PER_CHUNK * 3):
            consumed.append(number)
            yield (number,)

    chunks = csv_chunks(["n"], rows())
    next(chunks)  # BOM and header, before any row is read
    assert consumed == []
    next(chunks)
    assert len(consumed) <= ROWS_PER_CHUNK + 1
    rest = b"".join(chunks)
    assert rest.endswith(f"{ROWS_PER_CHUNK * 3 - 1}\r\n".encode())


def test_export_filename_slugs_its_parts():
    assert export_filename("José Núñez", "metrics", "2026-11-23") == "josé-núñez-metrics-2026-11-23.csv"
    assert export_filename("", "plan") == "plan.csv"
    assert export_filename("Ana", "Harbour 70.3", "plan") == "ana-harbour-70-3-plan.csv"
    assert export_filename("!!!") == "export.csv"


def test_attachment_header_has_an_ascii_fallback_and_the_rfc_5987_name():
    header = attachment_header("josé-núñez-metrics-2026-11-23.csv")
    assert header == (
        'attachment; filename="jose-nunez-metrics-2026-11-23.csv"; '
        "filename*=UTF-8''jos%C3%A9-n%C3%BA%C3%B1ez-metrics-2026-11-23.csv"
    )
    assert attachment_header('a"b;\\c.csv').startswith('attachment; filename="a-b-c.csv";')


def test_csv_response_streams():
    response = csv_response("x.csv", ["a"], iter([(1,), (2,)]))
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="x.csv"')
    assert b"".join(response.streaming_content) == "\ufeffa\r\n1\r\n2\r\n".encode()


def _written(rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


CELLS = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["=1", "+", "-12.5", "-x", "@a", "\tt", "\rr", ""]),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.dates(),
    st.decimals(allow_nan=False),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@given(
    st.integers(1, 5).flatmap(
        lambda width: st.lists(st.lists(CELLS, min_size=width, max_size=width), max_size=6)
    )
)
def test_the_column_wise_batch_writes_what_csv_cell_would(batch):
    assert _written(csv_rows(batch)) == _written([[csv_cell(value) for value in row] for row in batch])


@given(st.lists(st.lists(CELLS, max_size=4), max_size=5))
def test_ragged_batches_write_what_csv_cell_would(batch):
    assert _written(csv_rows(batch)) == _written([[csv_cell(value) for value in row] for row in batch])


@pytest.mark.parametrize(
    ("column", "written"),
    [
        ([True, False, None], ["true", "false", ""]),
        (["ok", None, "", "=x"], ["ok", "", "", "'=x"]),
        ([1, "-5", "-a"], ["1", "-5", "'-a"]),
    ],
)
def test_mixed_columns_in_a_batch(column, written):
    rows = _written(csv_rows([[value] for value in column]))
    assert list(csv.reader(io.StringIO(rows, newline=""))) == [[cell] for cell in written]
