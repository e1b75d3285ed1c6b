"""GPX and TCX decoding: trackfiles.decode against gpxpy (GPX) and tcxreader (TCX) on the corpus files.

Each (library, file) pair is measured in a fresh interpreter: the best CPU time (process_time, steadier than
wall time on a shared machine; the work is single-threaded) of several runs, file read included for every
library, and the peak resident memory the first parse added over the resident size just before it (Linux
VmHWM after resetting it, minus VmRSS; so lxml's C-side tree counts too, which tracemalloc would miss).
Targets: >= 5x gpxpy and >= 2x tcxreader. The summary gives the ratio of total time over all files (what
an import of many files sees) and the geometric mean of per-file ratios (tiny files are dominated by a fixed
~0.3 ms per file of numpy set-up, so they pull the mean down).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

from trackfiles.tests.corpus import CORPUS_DIR

TARGETS = {"gpxpy": 5.0, "tcxreader": 2.0}
MIN_RUNS, MAX_RUNS, MIN_SECONDS = 2, 7, 0.6


def _load(library: str):
    """A function path -> number of points, for one library."""
    if library == "trackfiles":
        from trackfiles import decode

        return lambda path: decode(path).sample_count
    if library == "gpxpy":
        import gpxpy

        def parse_gpx(path):
            with open(path, encoding="utf-8-sig") as handle:
                gpx = gpxpy.parse(handle.read())
            return sum(len(segment.points) for track in gpx.tracks for segment in track.segments)

        return parse_gpx
    if library == "tcxreader":
        from tcxreader.tcxreader import TCXReader

        return lambda path: len(TCXReader().read(str(path), only_gps=False).trackpoints)
    raise ValueError(library)


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _measure_here(library: str, path: str) -> dict:
    parse = _load(library)
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")  # Linux: reset the peak resident size (VmHWM) to the current one
    before_kb = _status_kb("VmRSS")
    points = parse(path)  # the first run alone sets the memory peak
    peak_kb = max(0, _status_kb("VmHWM") - before_kb)
    best, runs, spent = math.inf, 0, 0.0
    while runs < MIN_RUNS or (runs < MAX_RUNS and spent < MIN_SECONDS):
        start = time.process_time()
        parse(path)
        elapsed = time.process_time() - start
        best, runs, spent = min(best, elapsed), runs + 1, spent + elapsed
    return {"seconds": best, "points": points, "peak_mb": peak_kb / 1024, "runs": runs}


def _measure(library: str, path: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "bench.bench_xml", "--measure", library, str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    if result.returncode != 0:
        return {"error": (result.stderr.strip().splitlines() or ["failed"])[-1][:60]}
    return json.loads(result.stdout)


def _files() -> list[tuple[Path, str]]:
    from trackfiles import EmptyRecording, decode

    chosen = []
    for subdir, peer in (("gpx", "gpxpy"), ("tcx", "tcxreader")):
        for path in sorted((CORPUS_DIR / subdir).iterdir()):
            if path.suffix.lower() not in (".gpx", ".tcx"):
                continue
            try:
                decode(path)
            except EmptyRecording:  # nothing to count: no track in the file
                continue
            chosen.append((path, peer))
    return chosen


def main() -> None:
    print(
        "GPX/TCX decoding: trackfiles.decode vs gpxpy / tcxreader (best CPU time of runs, fresh process per cell)"
    )
    if not CORPUS_DIR.is_dir():
        print(f"  corpus not found at {CORPUS_DIR}; nothing to measure")
        return
    header = (
        f"{'file':<46} {'MB':>6} {'points':>7} | {'ours ms':>8} {'MB/s':>7} {'kpt/s':>7} {'peak MB':>7} | "
        f"{'peer':<9} {'ms':>8} {'MB/s':>6} {'kpt/s':>6} {'peak MB':>7} | {'speedup':>7}"
    )
    print(header)
    print("-" * len(header))
    ratios: dict[str, list[float]] = {peer: [] for peer in TARGETS}
    totals: dict[str, list[float]] = {peer: [0.0, 0.0] for peer in TARGETS}  # ours, theirs
    for path, peer in _files():
        size_mb = path.stat().st_size / 1e6
        ours, theirs = _measure("trackfiles", path), _measure(peer, path)
        if "error" in ours:
            print(f"{path.name:<46} trackfiles failed: {ours['error']}")
            continue
        line = (
            f"{path.name[:46]:<46} {size_mb:>6.2f} {ours['points']:>7} | {ours['seconds'] * 1e3:>8.1f} "
            f"{size_mb / ours['seconds']:>7.1f} {ours['points'] / ours['seconds'] / 1e3:>7.0f} {ours['peak_mb']:>7.1f} | "
        )
        if "error" in theirs:
            line += f"{peer:<9} failed: {theirs['error']}"
        else:
            ratio = theirs["seconds"] / ours["seconds"]
            ratios[peer].append(ratio)
            totals[peer][0] += ours["seconds"]
            totals[peer][1] += theirs["seconds"]
            line += (
                f"{peer:<9} {theirs['seconds'] * 1e3:>8.1f} {size_mb / theirs['seconds']:>6.1f} "
                f"{theirs['points'] / theirs['seconds'] / 1e3:>6.0f} {theirs['peak_mb']:>7.1f} | {ratio:>6.1f}x"
            )
        print(line)
    for peer, target in TARGETS.items():
        if ratios[peer]:
            total = totals[peer][1] / totals[peer][0]
            mean = math.exp(sum(math.log(r) for r in ratios[peer]) / len(ratios[peer]))
            verdict = "meets" if total >= target else "MISSES"
            print(
                f"vs {peer}: {total:.1f}x on total time over {len(ratios[peer])} files ({verdict} the {target:.0f}x "
                f"target); per file geometric mean {mean:.1f}x, min {min(ratios[peer]):.1f}x, max {max(ratios[peer]):.1f}x"
            )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        print(json.dumps(_measure_here(sys.argv[2], sys.argv[3])))
    else:
        main()
