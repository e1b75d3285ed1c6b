"""The ten-year fitness chart: CTL, ATL, TSB and daily load for an athlete with 5,000 activities
(BENCH_LOAD_ACTIVITIES), including the database read (vault.activities.load.fitness_series) and the chart's
columns (the fitness template tag's chart_data). Target (issue 5 §6): under 200 ms.

The mean-maximal curve of a ten-hour 1 Hz ride against a plain rolling-mean loop is bench/bench_mmp.py.

Runs in a child process on a throwaway SQLite database, so the settings of other benchmarks do not leak in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ACTIVITIES = int(os.environ.get("BENCH_LOAD_ACTIVITIES", "5000"))
YEARS = 10
TARGET_MS = 200.0
REPEATS = 5


def measure_step() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(os.environ['DATA_DIR']) / 'load.sqlite3'}"
    import datetime as dt
    import random

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from vault.activities.load import fitness_series
    from vault.activities.models import Activity, StoredOriginal
    from vault.calculators.templatetags.training_load import chart_data
    from vault.testing.personas import make_athlete

    call_command("migrate", verbosity=0)
    athlete = make_athlete("bench_load_athlete", name="Bench Load")
    original = StoredOriginal.objects.create(
        sha256="0" * 64, name="originals/bench", size=1, content_type="x"
    )
    rng = random.Random(5)
    now = timezone.now()
    span_s = YEARS * 365 * 86400
    Activity.objects.bulk_create(
        [
            Activity(
                athlete=athlete,
                sport="cycling",
                start_time=now - dt.timedelta(seconds=rng.randrange(span_s)),
                sha256=f"{index:064x}",
                original=original,
                original_filename=f"ride{index}.fit",
                summary={"load": round(rng.uniform(20, 180), 1), "load_method": "power", "elapsed_s": 3600},
            )
            for index in range(ACTIVITIES)
        ],
        batch_size=1000,
    )
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        rows = fitness_series(athlete)
        chart_data(rows)
        timings.append(time.perf_counter() - started)
    print(
        "BENCH-RESULT "
        + json.dumps({"days": len(rows), "best_s": min(timings), "median_s": sorted(timings)[REPEATS // 2]})
    )


def main() -> None:
    print(
        f"Fitness chart: {YEARS} years, {ACTIVITIES} activities, CTL/ATL/TSB per day including the DB read (SQLite)"
    )
    with tempfile.TemporaryDirectory(prefix="bench-load-") as data_dir:
        done = subprocess.run(
            [sys.executable, "-c", "from bench.bench_load import measure_step; measure_step()"],
            cwd=ROOT,
            env={**os.environ, "DATA_DIR": data_dir},
            capture_output=True,
            text=True,
            check=False,
        )
    result = next(
        (
            json.loads(line.split(" ", 1)[1])
            for line in done.stdout.splitlines()
            if line.startswith("BENCH-RESULT ")
        ),
        None,
    )
    if result is None:
        print(f"  the measurement failed:\n{done.stderr[-2000:]}")
        return
    best_ms, median_ms = result["best_s"] * 1000, result["median_s"] * 1000
    verdict = "meets" if best_ms < TARGET_MS else "MISSES"
    print(
        f"  {result['days']} days: {best_ms:.0f} ms best, {median_ms:.0f} ms median of {REPEATS} "
        f"({verdict} the {TARGET_MS:.0f} ms target)"
    )


if __name__ == "__main__":
    main()
