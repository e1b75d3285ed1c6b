"""metrics.csv for an athlete with 1,000,000 MetricHistory rows, against a plain csv.writer baseline.

On SQLite always, and on PostgreSQL when DATABASE_URL is set or postgres://postgres@127.0.0.1:5432 answers
(then a separate `vault_bench_csv` database is created and dropped). Each database runs in its own child
process with a throwaway DATA_DIR, so memory is the export's own.

Measured, best of BENCH_REPEAT runs each:
  * export: vault.exports.exporters.metrics_csv(athlete), its streaming body drained chunk by chunk (BOM,
    formula neutralising, UTF-8 encoding: everything a download does after the access check);
  * baseline: csv.writer over the same queryset's values_list(...).iterator() into /dev/null.
Rows per second for both, their ratio (target >= 0.8), and peak memory growth during the export: resident
set size sampled at every chunk, and tracemalloc's peak in a separate run (target < 50 MB).

A missed target prints MISSED on its line and makes the run exit 1 (as does a run that failed), so `make
bench` and CI notice. `python -m bench.bench_csv 20000 --no-postgres` is a quick run (the row count is an
argument, or BENCH_CSV_ROWS; the speed ratio is noisier on few rows).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS = int(os.environ.get("BENCH_CSV_ROWS", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
INSERT_BATCH = 20_000
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "vault_bench_csv"
TARGET_RATIO = 0.8
TARGET_GROWTH_MB = 50.0
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE / 2**20


def _seed(athlete, rows: int) -> None:
    """`rows` entries over the metric types, some text that must be neutralised, in bulk batches."""
    from django.db import transaction

    from vault.metrics.models import MetricHistory
    from vault.metrics.types import METRIC_TYPES

    rng = random.Random(42)
    types = sorted(METRIC_TYPES)
    sources = ["assessment", "calculator", "manual", "activity", "modeled"]
    details = [
        "ramp test",
        "from ride 2026-03-01",
        "-5% after illness",
        "=1+1 typed by hand",
        "",
        "lab, fasted",
    ]
    first_day = dt.date(2000, 1, 1)
    done = 0
    while done < rows:
        batch = []
        for index in range(done, min(rows, done + INSERT_BATCH)):
            value = round(rng.uniform(40, 400), 2)
            batch.append(
                MetricHistory(
                    athlete=athlete,
                    metric_type=types[index % len(types)],
                    value=value,
                    value_display=f"{value:g}",
                    recorded_on=first_day + dt.timedelta(days=index % 9000),
                    source=sources[index % len(sources)],
                    source_detail=details[index % len(details)],
                    needs_review=index % 17 == 0,
                )
            )
        with transaction.atomic():
            MetricHistory.objects.bulk_create(batch)
        done += len(batch)


def _drain_export(athlete, *, sample_rss: bool) -> tuple[float, float, int, float]:
    """Wall seconds, CPU seconds, bytes and peak RSS growth (MB) of one metrics.csv download body."""
    from vault.exports.exporters import metrics_csv

    before = rss_mb()
    peak = before
    size = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for chunk in metrics_csv(athlete).streaming_content:
        size += len(chunk)
        if sample_rss:
            peak = max(peak, rss_mb())
    return time.perf_counter() - started, time.process_time() - cpu_started, size, peak - before


def _drain_baseline(athlete) -> tuple[float, float]:
    """Wall and CPU seconds of a bare csv.writer over the same values_list rows."""
    from vault.exports.exporters import metrics_rows

    started, cpu_started = time.perf_counter(), time.process_time()
    with open(os.devnull, "w", newline="", encoding="utf-8") as sink:
        csv.writer(sink, lineterminator="\r\n").writerows(metrics_rows(athlete))
    return time.perf_counter() - started, time.process_time() - cpu_started


def _child() -> None:
    """Runs in the child: DATA_DIR (and DATABASE_URL for PostgreSQL) are set in the environment."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from vault.testing.personas import make_athlete

    call_command("migrate", verbosity=0)
    athlete = make_athlete("bench_csv_athlete", name="Bench Athlete")
    started = time.perf_counter()
    _seed(athlete, ROWS)
    insert_s = time.perf_counter() - started

    export_runs, baseline_runs, rss_growth, size = [], [], 0.0, 0
    for _ in range(REPEAT):  # interleaved, so a warm cache favours neither; the best run of each counts
        baseline_runs.append(_drain_baseline(athlete))
        wall, cpu, size, grown = _drain_export(athlete, sample_rss=True)
        export_runs.append((wall, cpu))
        rss_growth = max(rss_growth, grown)

    tracemalloc.start()
    _drain_export(athlete, sample_rss=False)
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    result = {
        "vendor": connection.vendor,
        "rows": ROWS,
        "insert_s": insert_s,
        "export_s": min(wall for wall, _ in export_runs),
        "baseline_s": min(wall for wall, _ in baseline_runs),
        "export_cpu_s": min(cpu for _, cpu in export_runs),
        "baseline_cpu_s": min(cpu for _, cpu in baseline_runs),
        "bytes": size,
        "rss_growth_mb": rss_growth,
        "traced_peak_mb": traced_peak / 2**20,
    }
    print("BENCH-RESULT " + json.dumps(result))


def _run_child(database_url: str | None, rows: int) -> dict | None:
    with tempfile.TemporaryDirectory(prefix="bench-csv-") as data_dir:
        env = {**os.environ, "DATA_DIR": data_dir, "BENCH_CSV_ROWS": str(rows)}
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        done = subprocess.run(
            [sys.executable, "-c", "from bench.bench_csv import _child; _child()"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    for line in done.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            return json.loads(line.removeprefix("BENCH-RESULT "))
    print(f"  the {'PostgreSQL' if database_url else 'SQLite'} run failed:\n{done.stderr[-3000:]}")
    return None


def _server_url(url: str) -> str:
    return url.rsplit("/", 1)[0]


def postgres_server() -> str | None:
    """The PostgreSQL server to use (DATABASE_URL's, else the local default) if it answers."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_POSTGRES
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    try:
        import psycopg

        with psycopg.connect(_server_url(url) + "/postgres", connect_timeout=2):
            return _server_url(url)
    except Exception:
        return None


def _postgres_admin(server: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(server + "/postgres", autocommit=True) as connection:
        connection.execute(statement)


def _report(result: dict) -> bool:
    """Print one database's lines; True when both targets are met."""
    rows = result["rows"]
    export_rate, baseline_rate = rows / result["export_s"], rows / result["baseline_s"]
    ratio = export_rate / baseline_rate
    growth = max(result["rss_growth_mb"], result["traced_peak_mb"])
    print(f"  {result['vendor']}: {rows:,} rows inserted in {result['insert_s']:.1f} s")
    print(
        f"    metrics.csv export   {export_rate:12,.0f} rows/s  ({result['export_s']:.2f} s, {result['bytes'] / 2**20:.1f} MB)"
    )
    print(f"    csv.writer baseline  {baseline_rate:12,.0f} rows/s  ({result['baseline_s']:.2f} s)")
    cpu_ratio = result["baseline_cpu_s"] / result["export_cpu_s"]
    print(
        f"    ratio {ratio:.2f} of baseline speed (target >= {TARGET_RATIO}): {'ok' if ratio >= TARGET_RATIO else 'MISSED'}"
        f"; in this process's CPU time {cpu_ratio:.2f} (steadier when other work shares the machine)"
    )
    print(
        f"    peak memory growth: RSS {result['rss_growth_mb']:.1f} MB, tracemalloc {result['traced_peak_mb']:.1f} MB "
        f"(target < {TARGET_GROWTH_MB:.0f} MB): {'ok' if growth < TARGET_GROWTH_MB else 'MISSED'}"
    )
    return ratio >= TARGET_RATIO and growth < TARGET_GROWTH_MB


def main(rows: int | None = None, *, postgres: bool = True) -> int:
    """Run the benchmark on SQLite (and PostgreSQL when reachable); 0 when every target is met, else 1."""
    rows = rows or ROWS
    print(f"bench_csv: metrics.csv for one athlete with {rows:,} metric-history rows")
    met = True
    result = _run_child(None, rows)
    met = (result is not None and _report(result)) and met
    server = postgres_server() if postgres else None
    if not postgres:
        print("  PostgreSQL: skipped (--no-postgres)")
    elif server is None:
        print("  PostgreSQL: not reachable (set DATABASE_URL or start it on 127.0.0.1:5432); skipped")
    else:
        _postgres_admin(server, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}"')
        _postgres_admin(server, f'CREATE DATABASE "{BENCH_DATABASE}"')
        try:
            result = _run_child(f"{server}/{BENCH_DATABASE}", rows)
            met = (result is not None and _report(result)) and met
        finally:
            _postgres_admin(server, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
    print(f"  bench_csv: {'all targets met' if met else 'MISSED a target (or a run failed)'}")
    return 0 if met else 1


def _arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_csv", description=__doc__.split("\n")[0])
    parser.add_argument(
        "rows", nargs="?", type=int, default=None, help=f"metric-history rows (default {ROWS:,})"
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only, even if PostgreSQL answers")
    arguments = parser.parse_args(argv)
    if arguments.rows is not None and arguments.rows < 1:
        parser.error("rows must be at least 1")
    return arguments


if __name__ == "__main__":
    arguments = _arguments()
    sys.exit(main(arguments.rows, postgres=not arguments.no_postgres))
