"""Stored files: content-addressed originals and the columnar streams file."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from vault.activities import storage

pytestmark = pytest.mark.django_db


def test_streams_round_trip_keeps_positions_exact_and_nan():
    lat = np.array([46.123456789012, np.nan, 46.123456799999])
    streams = {
        "timestamp": np.array([1_772_352_000.0, 1_772_352_001.0, 1_772_352_002.5]),
        "lat": lat,
        "heart_rate": np.array([140.0, np.nan, 141.0]),
    }
    name = storage.streams_store(streams)
    back = storage.streams_read(name)
    assert name.startswith("streams/") and name.endswith(".npz")
    assert back["lat"].dtype == np.float64 and np.array_equal(back["lat"], lat, equal_nan=True)
    assert np.array_equal(back["timestamp"], streams["timestamp"])
    assert back["heart_rate"].dtype == np.float32 and np.isnan(back["heart_rate"][1])
    storage.streams_delete(name)
    assert storage.streams_read("") == {}


def test_original_is_stored_once_by_content(storage_files):
    data = b"<gpx/>"
    sha = hashlib.sha256(data).hexdigest()
    first, written = storage.original_store(data=data, sha256=sha, content_type="application/gpx+xml")
    again, written_again = storage.original_store(data=data, sha256=sha, content_type="text/plain")
    assert first == again and written == [f"originals/{sha[:2]}/{sha[2:4]}/{sha}"] and written_again == []
    assert first.content_type == "application/gpx+xml" and first.size == len(data)
    assert storage_files() == written
    storage.original_release(first)
    assert storage_files() == []
