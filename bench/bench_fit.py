"""FIT decoding: trackfiles.fit.read_messages against fitdecode, garmin-fit-sdk, fitparse and fitfast.

fitfast runs in both its modes, labelled: "fitfast dicts" (`fitfast.parse`, every message as dicts, what we
deliver as columns) and "fitfast NumPy" (`fitfast.records`, its fastest API: the file decoded, only the record
messages returned as NumPy columns; its msgs/s counts those rows).

Every library decodes every message of each file from bytes already in memory (file reading is not timed).
Rows: all corpus FIT files together (.fit.gz unzipped first), then the three largest files one by one.
Each (library, file set) is measured in a fresh interpreter. Columns: throughput in MB/s and messages/s
(best CPU time, `time.process_time`, of several runs, one run for the slow peers; the work is
single-threaded and CPU time is steadier than wall time on a shared machine), the peak memory of the first
run, resource-based: ru_maxrss after it minus VmRSS just before it (so native allocations such as fitfast's
Rust side count too, which tracemalloc would miss), and how many times faster trackfiles is than each
library. For trackfiles the peak is also given as a multiple of the bytes of its decoded arrays (target
< 5x). Targets: >= 100x fitdecode and faster than fitfast.
Files a library refuses (garmin-fit-sdk stops at compressed-timestamp headers and at the Strava writer bug,
its partial result counts) are listed below the table.
"""

from __future__ import annotations

import gc
import gzip
import json
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from trackfiles.tests.corpus import CORPUS_DIR, MISSING_REASON, corpus_available

MIN_RUNS, MAX_RUNS, MIN_SECONDS = 3, 9, 1.0
TARGETS = {"fitdecode": 100.0, "fitfast dicts": 1.0, "fitfast NumPy": 1.0}


def _trackfiles(data: bytes) -> int:
    from trackfiles.fit import read_messages

    return sum(len(next(iter(columns.values()))) for columns in read_messages(data).values() if columns)


def _fitdecode(data: bytes) -> int:
    import fitdecode

    with fitdecode.FitReader(data, check_crc=fitdecode.CrcCheck.DISABLED) as reader:
        return sum(1 for frame in reader if isinstance(frame, fitdecode.FitDataMessage))


def _garmin_sdk(data: bytes) -> int:
    from garmin_fit_sdk import Decoder, Stream

    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    if errors:
        _refused.add(("garmin-fit-sdk", str(errors[0])[:70]))
    return sum(len(m) for m in messages.values())


def _fitparse(data: bytes) -> int:
    import fitparse

    return len(fitparse.FitFile(data, check_crc=False).messages)


def _fitfast_dicts(data: bytes) -> int:
    import fitfast

    return sum(len(messages) for messages in fitfast.parse(data).values())


def _fitfast_numpy(data: bytes) -> int:
    """fitfast's fastest output, `fitfast.records`: one message kind as float64 NumPy columns per call.

    It decodes the whole file but returns only the `record` columns (strings and arrays skipped), so this row
    is fitfast at its fastest, not at our job of giving every message: one call per message kind would
    decode the file once per kind. Counted: the record rows it returns."""
    import fitfast

    columns = fitfast.records(data, "record")
    return len(next(iter(columns.values()))) if columns else 0


LIBRARIES: dict[str, Callable[[bytes], int]] = {
    "trackfiles": _trackfiles,
    "fitdecode": _fitdecode,
    "garmin-fit-sdk": _garmin_sdk,
    "fitparse": _fitparse,
    "fitfast dicts": _fitfast_dicts,
    "fitfast NumPy": _fitfast_numpy,
}
_refused: set[tuple[str, str]] = set()


def _decode_all(decode: Callable[[bytes], int], files: list[tuple[str, bytes]], library: str) -> int:
    count = 0
    for name, data in files:
        try:
            count += decode(data)
        except Exception as error:  # a peer library refusing a file is a result to report, not a crash
            _refused.add((library, f"{name}: {type(error).__name__}: {str(error)[:60]}"))
    return count


def _resident_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _measure_here(library: str, set_index: int) -> dict:
    """Run in a fresh interpreter: peak RSS growth of the first run, then the best CPU time of several."""
    import resource

    warnings.simplefilter("ignore")  # fitdecode warns about odd field sizes; not what is measured
    files = _sets(_corpus_files())[set_index][1]
    decode = LIBRARIES[library]
    _decode_all(decode, files[:1], library)  # import the library and warm its caches on one file
    gc.collect()
    before_kb = _resident_kb()
    start = time.process_time()
    count = _decode_all(decode, files, library)
    best = time.process_time() - start
    peak_kb = max(0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_kb)
    runs, spent = 1, best
    while best < 5 and (runs < MIN_RUNS or (runs < MAX_RUNS and spent < MIN_SECONDS)):
        gc.collect()
        start = time.process_time()
        _decode_all(decode, files, library)
        elapsed = time.process_time() - start
        best, spent, runs = min(best, elapsed), spent + elapsed, runs + 1
    result = {"seconds": best, "count": count, "peak_bytes": peak_kb * 1024, "refused": sorted(_refused)}
    if library == "trackfiles":
        result["decoded_bytes"] = _decoded_bytes(files)
    return result


def _measure(library: str, set_index: int) -> dict:
    output = subprocess.run(
        [sys.executable, "-m", "bench.bench_fit", "--one", library, str(set_index)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _decoded_bytes(files: list[tuple[str, bytes]]) -> int:
    from trackfiles.fit import read_messages

    total = 0
    for _, data in files:
        for columns in read_messages(data).values():
            total += sum(column.nbytes for column in columns.values())
    return total


def _sets(files: list[tuple[str, bytes]]) -> list[tuple[str, list[tuple[str, bytes]]]]:
    largest = sorted(files, key=lambda f: len(f[1]), reverse=True)[:3]
    return [(f"all {len(files)} corpus files", files)] + [(name, [(name, data)]) for name, data in largest]


def _corpus_files() -> list[tuple[str, bytes]]:
    files = []
    for path in sorted((CORPUS_DIR / "fit").iterdir()):
        name = path.name.lower()
        if name.endswith(".fit"):
            files.append((path.name, path.read_bytes()))
        elif name.endswith(".fit.gz"):
            files.append((path.name, gzip.decompress(path.read_bytes())))
    return files


def main() -> None:
    print(
        "FIT decoding: trackfiles.fit.read_messages vs fitdecode, garmin-fit-sdk, fitparse, "
        "fitfast (dicts and NumPy)"
    )
    if not corpus_available():
        print(f"skipped: {MISSING_REASON}")
        return
    sets = _sets(_corpus_files())
    print(f"{'files':<42} {'library':<15} {'MB/s':>8} {'msgs/s':>11} {'peak MB':>8} {'trackfiles is':>24}")
    refused: set[tuple[str, str]] = set()
    for set_index, (label, group) in enumerate(sets):
        size_mb = sum(len(data) for _, data in group) / 1e6
        results = {library: _measure(library, set_index) for library in LIBRARIES}
        ours = results["trackfiles"]["seconds"]
        for library, result in results.items():
            refused.update(tuple(r) for r in result["refused"])
            seconds, peak = result["seconds"], result["peak_bytes"]
            if library == "trackfiles":
                ratio = f"peak {peak / result['decoded_bytes']:.1f}x its arrays"
            else:
                ratio = f"{seconds / ours:.1f}x faster"
                target = TARGETS.get(library)
                if target is not None and seconds / ours < target:
                    ratio += f" (target {target:g}x)"
            print(
                f"{label[:42]:<42} {library:<15} {size_mb / seconds:8.1f} {result['count'] / seconds:11,.0f} "
                f"{peak / 1e6:8.1f} {ratio:>24}",
                flush=True,
            )
    if refused:
        print("files a library refused (its partial result, if any, is counted):")
        for library, what in sorted(refused):
            print(f"  {library}: {what}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print(json.dumps(_measure_here(sys.argv[2], int(sys.argv[3]))))
    else:
        main()
