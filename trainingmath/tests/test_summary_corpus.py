"""summarize_activity on every real device file of the shared corpus, through trackfiles.decode.

Each file either decodes and then summarises to a clean, self-consistent dict, or is refused by the decoder
with its documented DecodeError; summarize_activity itself must never fail on real data.
"""

import json

import numpy as np
import pytest

from trackfiles import DecodeError, decode
from trackfiles.tests.corpus import corpus_file, corpus_params
from trainingmath.summary import summarize_activity

FILES = corpus_params("fit") + corpus_params("gpx") + corpus_params("tcx")
ATHLETE = {
    "ftp_w": 250,
    "threshold_hr": 165,
    "max_hr": 190,
    "resting_hr": 50,
    "threshold_pace_s_per_km": 270,
    "css_m_per_s": 1.1,
    "weight_kg": 70,
}


@pytest.mark.corpus
@pytest.mark.parametrize("path", FILES)
def test_real_files_summarise_cleanly(path):
    path = corpus_file(path)
    try:
        recording = decode(path)
    except DecodeError as error:
        assert str(error)  # refused with a message: nothing to summarise
        return
    summary = summarize_activity(
        recording.streams,
        sport=recording.sport,
        lengths=recording.lengths or None,
        pool_length_m=recording.pool_length_m,
        **ATHLETE,
    )
    assert json.loads(json.dumps(summary, allow_nan=False)) == summary
    if summary["timer_s"] is not None:
        assert summary["elapsed_s"] >= summary["timer_s"] >= 0
    if summary["moving_s"] is not None and summary["elapsed_s"] is not None:
        assert 0 <= summary["moving_s"] <= summary["elapsed_s"] + 1
    if summary["distance_m"] is not None:
        assert summary["distance_m"] >= 0
    if summary["power_curve"]:
        durations = np.array([d for d, _ in summary["power_curve"]])
        energy = np.array([d * w for d, w in summary["power_curve"]])
        assert np.all(np.diff(durations) > 0)
        assert np.all(np.diff(energy) >= -1e-6)
        assert summary["power_curve"][0][1] == pytest.approx(summary["max_power_w"])
    if summary["np_w"] is not None:
        assert summary["np_w"] <= summary["max_power_w"] + 1e-9
    assert (summary["load"] is None) == (summary["load_method"] is None)
