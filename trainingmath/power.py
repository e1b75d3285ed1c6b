"""Cycling power metrics: NP, IF, TSS, VI, work, zones, time in zone and the mean-maximal curve (science.md §3, §11).

Power arrays are 1 Hz unless `sample_interval_s` says otherwise; NaN samples (drop-outs) count as 0 W, the way
GoldenCheetah fills short pauses. Callers remove long pauses before calling (summary.py does).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from trainingmath.errors import InvalidInput, require_finite, require_non_negative, require_positive

NP_WINDOW_S = 30.0
NP_VARIANTS = ("trainingpeaks", "zero_padded", "min_count")

# Coggan's seven levels as half-open intervals on the ratio to FTP: Z1 [0, 0.55], Z2 (0.55, 0.75], ... (§3.3).
COGGAN_LEVELS = (
    ("Z1", "Active recovery", 0.55),
    ("Z2", "Endurance", 0.75),
    ("Z3", "Tempo", 0.90),
    ("Z4", "Lactate threshold", 1.05),
    ("Z5", "VO2max", 1.20),
    ("Z6", "Anaerobic capacity", 1.50),
    ("Z7", "Neuromuscular power", None),
)

# The eight-band scheme (§11): fixed fractions of the anchor up to Z4, then bands by how long an effort could last.
EIGHT_BAND_FIXED = (
    ("Z1", "Recovery", 0.60),
    ("Z2", "Endurance", 0.75),
    ("Z3a", "Tempo", 0.86),
    ("Z3b", "Sweet spot", 0.96),
    ("Z4", "Threshold", 1.01),
)
# Z5 holds efforts that last longer than 8 min (up to about 20), Z6 3-8 min, Z7 under 3 min: P(t) = CP + W'/t.
EIGHT_BAND_DURATIONS_S = (480.0, 180.0)
# Without W' the upper bands fall back to Coggan's ratios (VO2max to 120 %, anaerobic to 150 %).
EIGHT_BAND_FALLBACK_RATIOS = (1.20, 1.50)
EIGHT_BAND_UPPER = (("Z5", "VO2max"), ("Z6", "Anaerobic"), ("Z7", "Sprint"))


def as_power_array(power: Sequence[float] | np.ndarray, *, field: str = "power") -> np.ndarray:
    """Float array with NaN drop-outs as 0 W; negative samples are refused."""
    values = np.asarray(power, dtype=float)
    if values.ndim != 1:
        raise InvalidInput(field, "must be a one-dimensional series of samples")
    values = np.where(np.isnan(values), 0.0, values)
    if np.isinf(values).any():
        raise InvalidInput(field, "contains infinite values")
    if (values < 0).any():
        raise InvalidInput(field, "contains negative power samples")
    return values


def _window_samples(window_s: float, sample_interval_s: float) -> int:
    return max(1, round(window_s / sample_interval_s))


def normalized_power(
    power: Sequence[float] | np.ndarray,
    *,
    sample_interval_s: float = 1.0,
    variant: str = "trainingpeaks",
) -> float | None:
    """NP: the 4th-root of the mean 4th power of the 30-s rolling mean (§3.1).

    `variant`: "trainingpeaks" (default; the rolling mean exists from the 30th sample on), "zero_padded"
    (GoldenCheetah Coggan.cpp: every sample's trailing sum / 30) or "min_count" (GoldenCheetah GOVSS: divisor
    min(count, 30)). None when there are fewer samples than one window (TrainingPeaks) or no samples at all.
    """
    if variant not in NP_VARIANTS:
        raise InvalidInput("variant", f"must be one of {', '.join(NP_VARIANTS)}, got {variant!r}")
    values = as_power_array(power)
    interval = require_positive(sample_interval_s, "sample_interval_s")
    window = _window_samples(NP_WINDOW_S, interval)
    return rolling_fourth_power_mean(values, window, variant)


def rolling_fourth_power_mean(
    values: np.ndarray, window: int, variant: str = "trainingpeaks"
) -> float | None:
    """The NP algorithm on any 1-D series: 4th root of the mean 4th power of a `window`-sample rolling mean."""
    n = values.size
    if n == 0 or (variant == "trainingpeaks" and n < window):
        return None
    cumulative = np.concatenate(([0.0], np.cumsum(values)))
    if variant == "trainingpeaks":
        rolling = (cumulative[window:] - cumulative[:-window]) / window
    else:
        ends = np.arange(1, n + 1)
        starts = np.maximum(ends - window, 0)
        sums = cumulative[ends] - cumulative[starts]
        rolling = sums / window if variant == "zero_padded" else sums / (ends - starts)
    # Cumulative-sum differences can leave -1e-12 where the true value is 0.
    rolling = np.maximum(rolling, 0.0)
    return float(np.mean(rolling**4) ** 0.25)


def intensity_factor(*, np_w: float, ftp_w: float) -> float:
    return require_non_negative(np_w, "np_w") / require_positive(ftp_w, "ftp_w")


def training_stress_score(*, duration_s: float, np_w: float, ftp_w: float) -> float:
    """TSS = hours × IF² × 100, over the duration NP was computed on (§3.2)."""
    duration = require_non_negative(duration_s, "duration_s")
    intensity = intensity_factor(np_w=np_w, ftp_w=ftp_w)
    return duration / 3600.0 * intensity**2 * 100.0


def variability_index(*, np_w: float, avg_power_w: float) -> float | None:
    """VI = NP / mean power (same samples, zeros included); None when mean power is 0."""
    np_value = require_non_negative(np_w, "np_w")
    average = require_non_negative(avg_power_w, "avg_power_w")
    return None if average == 0 else np_value / average


def work_kj(power: Sequence[float] | np.ndarray, *, sample_interval_s: float = 1.0) -> float:
    """Mechanical work Σ P·Δt in kJ."""
    values = as_power_array(power)
    return float(values.sum() * require_positive(sample_interval_s, "sample_interval_s") / 1000.0)


def _zones_from_ratios(anchor_w: float, levels: Sequence[tuple[str, str, float | None]]) -> list[dict]:
    zones = []
    lower = 0.0
    for zone, name, upper_ratio in levels:
        upper = None if upper_ratio is None else anchor_w * upper_ratio
        zones.append({"zone": zone, "name": name, "min_w": lower, "max_w": upper})
        lower = upper
    return zones


def coggan_power_zones(ftp_w: float) -> list[dict]:
    """Coggan's seven levels in watts; Z1 includes its upper bound, each later zone excludes its lower one."""
    return _zones_from_ratios(require_positive(ftp_w, "ftp_w"), COGGAN_LEVELS)


def eight_band_power_zones(anchor_w: float, *, w_prime_j: float | None = None) -> list[dict]:
    """The §11 eight-band scheme on the zone anchor (CP when known, else FTP).

    Z1-Z4 are fixed fractions of the anchor. Z5-Z7 split by how long an effort could be held on the
    2-parameter model P(t) = anchor + W'/t: Z5 up to P(8 min), Z6 up to P(3 min), Z7 above. Without W' the
    upper bounds fall back to 120 % and 150 % of the anchor.
    """
    anchor = require_positive(anchor_w, "anchor_w")
    zones = _zones_from_ratios(anchor, (*EIGHT_BAND_FIXED, ("", "", None)))[:-1]
    floor = zones[-1]["max_w"]
    if w_prime_j is None:
        uppers = [anchor * ratio for ratio in EIGHT_BAND_FALLBACK_RATIOS]
    else:
        w_prime = require_positive(w_prime_j, "w_prime_j")
        uppers = [anchor + w_prime / duration for duration in EIGHT_BAND_DURATIONS_S]
    lower = floor
    for (zone, name), upper in zip(EIGHT_BAND_UPPER, [*uppers, None]):
        # A tiny W' could put P(8 min) under 101 % of the anchor; keep the bands ordered.
        upper = None if upper is None else max(upper, lower)
        zones.append({"zone": zone, "name": name, "min_w": lower, "max_w": upper})
        lower = upper
    return zones


def zone_upper_bounds(zones: Sequence[dict], *, key: str) -> list[float]:
    """The finite upper bounds of a zone table (every zone but the open-ended last one)."""
    return [zone[key] for zone in zones if zone[key] is not None]


def time_in_zones(
    values: Sequence[float] | np.ndarray,
    upper_bounds: Sequence[float],
    *,
    sample_interval_s: float = 1.0,
    upper_inclusive: bool = True,
    smoothing_s: float = 0.0,
) -> list[float]:
    """Seconds spent in each of len(upper_bounds) + 1 zones; NaN samples are not counted.

    `smoothing_s` > 0 zones a trailing rolling mean of that many seconds instead of the raw samples (a 3-s mean
    is a common option for power, §3.4; off by default).

    `upper_inclusive` True puts a value equal to a bound in the lower zone (Coggan: Z1 is [0, 0.55·FTP]);
    False puts it in the upper zone (Friel: Z2 starts at 85 % LTHR).
    """
    samples = np.asarray(values, dtype=float)
    bounds = np.asarray(upper_bounds, dtype=float)
    if bounds.size and np.any(np.diff(bounds) < 0):
        raise InvalidInput("upper_bounds", "zone bounds must be in increasing order")
    interval = require_positive(sample_interval_s, "sample_interval_s")
    if require_non_negative(smoothing_s, "smoothing_s") > 0:
        samples = _trailing_mean(samples, _window_samples(smoothing_s, interval))
    present = samples[~np.isnan(samples)]
    index = np.searchsorted(bounds, present, side="left" if upper_inclusive else "right")
    counts = np.bincount(index, minlength=bounds.size + 1)
    return [float(count * interval) for count in counts]


def _trailing_mean(samples: np.ndarray, window: int) -> np.ndarray:
    """Mean of the last `window` samples (fewer at the start); NaN where none of them is known."""
    known = ~np.isnan(samples)
    sums = np.concatenate(([0.0], np.cumsum(np.where(known, samples, 0.0))))
    counts = np.concatenate(([0], np.cumsum(known)))
    ends = np.arange(1, samples.size + 1)
    starts = np.maximum(ends - window, 0)
    count = counts[ends] - counts[starts]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, (sums[ends] - sums[starts]) / count, np.nan)


def time_above(
    values: Sequence[float] | np.ndarray, threshold: float, *, sample_interval_s: float = 1.0
) -> float:
    """Seconds with a value strictly above `threshold` (for time above 95 % / 100 % of the anchor)."""
    samples = np.asarray(values, dtype=float)
    limit = require_finite(threshold, "threshold")
    interval = require_positive(sample_interval_s, "sample_interval_s")
    return float(np.count_nonzero(samples > limit) * interval)


# --- mean-maximal curve --------------------------------------------------------------------------------------
#
# One prefix sum, then per duration d a single vectorised pass max(S[d:] - S[:-d]): O(n) per duration with no
# Python work per sample, about 0.25 s for every duration of a ten-hour 1 Hz ride (bench/bench_mmp.py). A
# branch-and-bound search over window starts was tried and was ten times slower: its bounds are too loose for
# long durations, while the plain pass runs at SIMD speed and needs only one temporary of n floats.


def _best_window_sums(values: np.ndarray, durations: np.ndarray) -> np.ndarray:
    cumulative = np.concatenate(([0.0], np.cumsum(values)))
    scratch = np.empty(values.size)
    best = np.empty(durations.size)
    for index, duration in enumerate(durations.tolist()):
        window_sums = scratch[: values.size - duration + 1]
        np.subtract(cumulative[duration:], cumulative[:-duration], out=window_sums)
        best[index] = window_sums.max()
    return best


def mean_maximal_power(
    power: Sequence[float] | np.ndarray, durations_s: Sequence[int] | np.ndarray | None = None
) -> np.ndarray:
    """MMP(d): the best mean power over any d consecutive 1 Hz samples (§3.5).

    Returns one value per entry of `durations_s` (whole seconds, 1..len(power)), or for every d = 1..N when
    omitted (element d - 1 is MMP(d)). NaN drop-outs count as 0 W; callers fill pauses with zeros first.
    Exact, and fast enough for a ten-hour ride at every duration.

    The exact curve can rise with duration ([10, 0, 10] W gives MMP(2) = 5 < MMP(3) = 6.67), despite the
    science reference's claim; what always holds is that d·MMP(d) never falls and MMP(k·d) <= MMP(d).
    """
    values = as_power_array(power)
    n = values.size
    if n == 0:
        raise InvalidInput("power", "has no samples")
    if durations_s is None:
        durations = np.arange(1, n + 1)
    else:
        durations = np.asarray(durations_s)
        if durations.ndim != 1 or durations.size == 0:
            raise InvalidInput("durations_s", "must be a non-empty list of whole seconds")
        if not np.all(np.mod(durations, 1) == 0):
            raise InvalidInput("durations_s", "durations must be whole seconds")
        durations = durations.astype(np.int64)
        if durations.min() < 1 or durations.max() > n:
            raise InvalidInput(
                "durations_s", f"durations must be between 1 and {n} s (the activity's length)"
            )
    unique, inverse = np.unique(durations, return_inverse=True)
    sums = _best_window_sums(values, unique)
    return (sums / unique)[inverse]


def best_power_for_duration(power: Sequence[float] | np.ndarray, seconds: int) -> float | None:
    """Best mean power over `seconds` consecutive 1 Hz samples; None when the ride is shorter than that."""
    duration = require_positive(seconds, "seconds")
    if duration != int(duration):
        raise InvalidInput("seconds", "must be whole seconds")
    values = as_power_array(power)
    if values.size < duration:
        return None
    return float(mean_maximal_power(values, [int(duration)])[0])
