"""The FIT record walk in C (trackfiles/fit/_walk.c) against the pure-Python loop it replaces: same records,
same stop positions, same warnings, on the corpus, on every damaged file, and on random bytes."""

from __future__ import annotations

import array
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trackfiles.errors import DecodeError
from trackfiles.fit import scan as scan_module
from trackfiles.tests.corpus import corpus_file, corpus_params
from trackfiles.tests.test_fit_fuzz import SEEDS


def _scan_both_ways(data: bytes, monkeypatch):
    """(C result, Python result); each an exception or (starts, def_ids, warnings)."""

    def one():
        try:
            scanned = scan_module.scan(data, strict=False)
        except DecodeError as error:
            return type(error), str(error)
        return scanned.starts.tolist(), scanned.def_ids.tolist(), scanned.warnings

    with_c = one()
    with monkeypatch.context() as patch:
        patch.setattr(scan_module, "_c_walk", None)
        pure = one()
    return with_c, pure


def test_the_record_walk_runs_in_c():
    if scan_module._c_walk is None:
        pytest.fail(
            "trackfiles.fit._walk was not built, so FIT files decode through the slow Python loop: install a C "
            "compiler and the Python 3.11 headers (Debian: apt-get install gcc python3.11-dev), then "
            "`make install`"
        )


def test_walk_follows_records_and_stops_where_python_does():
    sizes = array.array("i", [0] * 256)
    sizes[0] = 3  # header 0: a record of 3 bytes in all
    sizes[1] = 5
    data = bytes([0, 9, 9, 1, 9, 9, 9, 9, 0, 9, 9, 0x40, 0, 0])
    found, stop = scan_module._c_walk(data, 0, len(data), sizes)
    assert np.frombuffer(found, dtype=np.int64).tolist() == [0, 3, 8]
    assert stop == 11  # at the definition header 0x40, whose size is 0
    # A last record running past `end` is listed, and the stop lies past `end`.
    found, stop = scan_module._c_walk(data, 0, 10, sizes)
    assert np.frombuffer(found, dtype=np.int64).tolist() == [0, 3, 8] and stop == 11
    with pytest.raises(ValueError, match="256"):
        scan_module._c_walk(data, 0, len(data), array.array("i", [1] * 10))
    with pytest.raises(ValueError, match="inside the data"):
        scan_module._c_walk(data, 5, len(data) + 1, sizes)


@pytest.mark.parametrize("path", corpus_params("fit") + corpus_params("broken"))
def test_c_and_python_walks_agree_on_the_corpus(path, monkeypatch):
    path = corpus_file(path)
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = zlib.decompressobj(wbits=31).decompress(data)  # what a cut-off gzip still holds
    with_c, pure = _scan_both_ways(data, monkeypatch)
    assert with_c == pure


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.sampled_from(range(len(SEEDS))),
    cut=st.integers(min_value=0, max_value=4000),
    flips=st.lists(st.integers(0, 10**6), max_size=8),
)
def test_c_and_python_walks_agree_on_damaged_files(seed, cut, flips, monkeypatch):
    data = bytearray(SEEDS[seed])
    for flip in flips:
        data[flip % len(data)] ^= 0xFF
    data = bytes(data[: max(1, len(data) - cut)])
    with_c, pure = _scan_both_ways(data, monkeypatch)
    assert with_c == pure
