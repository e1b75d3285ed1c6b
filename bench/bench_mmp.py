"""Mean-maximal power curve: trainingmath.power.mean_maximal_power against plain rolling-mean loops.

A synthetic ten-hour 1 Hz ride (36 000 samples: intervals, noise, coasting zeros) and its curve for every
duration 1..36 000 s. The baselines are far too slow to run in full, so each is timed on an evenly spaced
subset of durations and extrapolated linearly to all 36 000 (the cost per duration is what is sampled, so the
subset spans short and long durations alike). Target: >= 100x the plain loop.
"""

from __future__ import annotations

import time

import numpy as np

from trainingmath.power import mean_maximal_power

RIDE_SECONDS = 36_000
TARGET_RATIO = 100.0
PLAIN_SAMPLE_DURATIONS = 60
CONVOLVE_SAMPLE_DURATIONS = 8


def synthetic_ride(seconds: int = RIDE_SECONDS, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(seconds)
    watts = 190 + 35 * np.sin(t / 900) + rng.normal(0, 25, seconds)
    for start in range(1800, seconds - 600, 3600):  # one hard interval block per hour
        watts[start : start + 300] += 160
        watts[start + 600 : start + 1200] += 70
    watts[rng.random(seconds) < 0.06] = 0.0  # coasting
    return np.clip(watts, 0, None).round()


def plain_loop_best(watts: list[float], duration: int) -> float:
    """A plain rolling mean: slide a running sum along the ride, keep the best."""
    window = sum(watts[:duration])
    best = window
    for index in range(duration, len(watts)):
        window += watts[index] - watts[index - duration]
        best = max(best, window)
    return best / duration


def convolve_best(watts: np.ndarray, duration: int) -> float:
    """The common NumPy idiom: a rolling mean by convolution with a box of width d."""
    return float(np.convolve(watts, np.ones(duration) / duration, mode="valid").max())


def _timed_subset(function, watts, durations) -> tuple[float, list[float]]:
    started = time.perf_counter()
    values = [function(watts, int(duration)) for duration in durations]
    return time.perf_counter() - started, values


def main() -> None:
    watts = synthetic_ride()
    n = watts.size
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        curve = mean_maximal_power(watts)
        timings.append(time.perf_counter() - started)
    ours = min(timings)
    print(f"Mean-maximal curve, synthetic {n / 3600:.0f} h ride at 1 Hz, every duration 1..{n} s")
    print(f"  trainingmath.mean_maximal_power: {ours:.3f} s (best of 3)")

    results = []
    for label, function, count, data in (
        ("plain Python rolling-mean loop", plain_loop_best, PLAIN_SAMPLE_DURATIONS, watts.tolist()),
        ("NumPy np.convolve rolling mean", convolve_best, CONVOLVE_SAMPLE_DURATIONS, watts),
    ):
        durations = np.linspace(1, n, count).round().astype(int)
        spent, values = _timed_subset(function, data, durations)
        if not np.allclose(values, curve[durations - 1], rtol=1e-9):
            raise SystemExit(f"{label} disagrees with mean_maximal_power")
        estimate = spent / count * n
        results.append((label, estimate, estimate / ours))
        print(
            f"  {label}: {spent:.2f} s for {count} evenly spaced durations -> "
            f"{estimate:.0f} s estimated for all {n} (linear extrapolation) -> {estimate / ours:,.0f}x slower"
        )
    ratio = results[0][2]
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(
        f"  target >= {TARGET_RATIO:.0f}x the plain loop: {verdict} ({ratio:,.0f}x); results agree on every sampled duration"
    )


if __name__ == "__main__":
    main()
