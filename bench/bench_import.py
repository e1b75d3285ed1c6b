"""End to end: the corpus through activities.services.activity_import on SQLite, and PostgreSQL when reachable.

Each database runs in its own child process with a fresh test database and a throwaway storage folder, so
peak memory (max RSS) is the import's own. Reported: activities per second (wall), CPU milliseconds per
file (process_time: decode + measure + store + rows), the slowest files, and peak memory.
Targets (issue 3 §5): a typical one-hour file under 50 ms of CPU; peak memory under 500 MB.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("VAULT_CORPUS_DIR", ROOT.parent / "shared" / "corpus"))
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/vault_bench")
TARGET_CPU_MS_PER_HOUR_FILE = 50.0
TARGET_PEAK_MB = 500.0
NO_TRACK_FILES = {"MetadataOnly.gpx", "unicode_with_bom.gpx"}  # corpus GPX without track points (MANIFEST)
ARCHIVE_FILES = int(os.environ.get("BENCH_ARCHIVE_FILES", "1000"))


def corpus_files() -> list[Path]:
    return sorted(p for sub in ("fit", "gpx", "tcx") for p in (CORPUS / sub).iterdir() if p.is_file())


def _child() -> None:
    """Runs inside the child process: DATA_DIR and DATABASE_URL are already set in the environment."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import datetime as dt

    from django.db import connection

    from vault.activities.services import activity_import
    from vault.metrics.services import metric_entry_create
    from vault.testing.personas import make_athlete

    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        athlete = make_athlete("bench_athlete")
        for metric_type, value in (("ftp", 250), ("threshold_hr", 165), ("max_hr", 190), ("weight", 70)):
            metric_entry_create(
                athlete=athlete,
                metric_type=metric_type,
                value=value,
                recorded_on=dt.date(2010, 1, 1),
                source="manual",
            )
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rows = []
        wall_started = time.perf_counter()
        for path in corpus_files():
            data = path.read_bytes()
            cpu_started = time.process_time()
            outcome = activity_import(athlete=athlete, data=data, filename=path.name)
            cpu_ms = (time.process_time() - cpu_started) * 1000
            summary = outcome.activity.summary if outcome.activity else {}
            rows.append(
                {
                    "file": path.name,
                    "status": outcome.status,
                    "cpu_ms": cpu_ms,
                    "bytes": len(data),
                    "hours": (summary.get("elapsed_s") or 0) / 3600,
                    "message": outcome.message if outcome.status == "error" else "",
                }
            )
        wall = time.perf_counter() - wall_started
        result = {
            "vendor": connection.vendor,
            "rows": rows,
            "wall_s": wall,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "baseline_mb": rss_before / 1024,
        }
        if os.environ.get("BENCH_ARCHIVE") == "1":
            result["archive"] = _archive_run()
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    print("BENCH-RESULT " + json.dumps(result))


def _unique_fit(data: bytes, copy: int) -> bytes:
    """The same FIT file made distinct (so each copy imports rather than deduplicates) and still valid: the
    first header's profile version is set to a per-copy value (no decoder reads it for decoding) and the
    header and file CRCs are recomputed, so the copy decodes exactly like the original."""
    import struct

    from trackfiles.fit.scan import crc16

    out = bytearray(data)
    header_size = out[0]
    end = header_size + struct.unpack_from("<I", out, 4)[0]
    crc_was_good = end + 2 <= len(out) and struct.unpack_from("<H", out, end)[0] == crc16(bytes(out[:end]))
    struct.pack_into("<H", out, 2, 100 + copy % 65000)
    if header_size >= 14 and struct.unpack_from("<H", out, 12)[0]:
        struct.pack_into("<H", out, 12, crc16(bytes(out[:12])))
    if crc_was_good:  # a file whose CRC was already wrong stays wrong: its damage is part of the corpus
        struct.pack_into("<H", out, end, crc16(bytes(out[:end])))
    return bytes(out)


def _archive_sources() -> list[tuple[str, bytes, str]]:
    """(suffix, bytes, format) of every corpus file that imports: FIT (plain and .fit.gz), GPX and TCX, so
    the archive mixes formats like a Strava export, whose activities/ folder is mostly .fit.gz."""
    import gzip

    import trackfiles

    sources = []
    for path in corpus_files():
        name = path.name.lower()
        data = path.read_bytes()
        if name.endswith(".gz"):
            data = gzip.decompress(data)
        try:
            kind = trackfiles.decode(data, filename=path.name).source_format
        except trackfiles.DecodeError:  # settings and sensor-only FIT files, GPX without a track: no activity
            continue
        sources.append((".fit" if kind == "fit" else f".{kind}", data, kind))
    return sources


def _write_archive(path: Path, count: int) -> dict[str, int]:
    """A zip of `count` distinct activity files cycling through the corpus: FIT copies made unique by
    _unique_fit (every other one gzipped, as Strava exports them), GPX/TCX copies by a trailing XML comment.
    Written entry by entry; returns how many entries of each format."""
    import gzip
    import zipfile

    sources = _archive_sources()
    formats: dict[str, int] = {}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for i in range(count):
            suffix, data, kind = sources[i % len(sources)]
            if kind == "fit":
                data = _unique_fit(data, i)
                if i % 2:
                    data, suffix = gzip.compress(data, compresslevel=6, mtime=0), ".fit.gz"
            else:
                data += f"\n<!-- copy {i} -->\n".encode()
            archive.writestr(f"activities/{i}{suffix}", data)
            formats[suffix] = formats.get(suffix, 0) + 1
    return formats


def _archive_run() -> dict:
    """Import a 1,000-file archive (BENCH_ARCHIVE_FILES) for a fresh athlete; wall time and peak memory."""
    from vault.activities.archive import archive_import
    from vault.testing.personas import make_athlete

    path = Path(os.environ["DATA_DIR"]) / "bench-archive.zip"
    formats = _write_archive(path, ARCHIVE_FILES)
    athlete = make_athlete("bench_archive_athlete")
    started, cpu_started = time.perf_counter(), time.process_time()
    with path.open("rb") as handle:
        results = archive_import(athlete=athlete, fileobj=handle, archive_name=path.name)
    return {
        "files": len(results),
        "formats": formats,
        "imported": sum(r["status"] == "imported" for r in results),
        "wall_s": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu_started,
        "zip_mb": path.stat().st_size / 1e6,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _run_child(database_url: str | None) -> dict | None:
    with tempfile.TemporaryDirectory(prefix="bench-import-") as data_dir:
        env = {
            **os.environ,
            "DATA_DIR": data_dir,
            "HUEY_IMMEDIATE": "1",
            "BENCH_ARCHIVE": "0" if database_url else "1",
        }
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        done = subprocess.run(
            [sys.executable, "-c", "from bench.bench_import import _child; _child()"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    for line in done.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            return json.loads(line.removeprefix("BENCH-RESULT "))
    print(f"  the {'PostgreSQL' if database_url else 'SQLite'} run failed:\n{done.stderr[-2000:]}")
    return None


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL.rsplit("/", 1)[0] + "/postgres", connect_timeout=2):
            return True
    except Exception:
        return False


def _report(result: dict) -> None:
    rows = result["rows"]
    imported = [r for r in rows if r["status"] == "imported"]
    cpu = [r["cpu_ms"] for r in imported]
    print(
        f"  {result['vendor']}: {len(imported)} of {len(rows)} files imported in {result['wall_s']:.2f} s wall"
    )
    print(f"    activities/s: {len(imported) / result['wall_s']:.1f}")
    if cpu:
        print(
            f"    CPU per file: median {statistics.median(cpu):.1f} ms, mean {statistics.mean(cpu):.1f} ms, max {max(cpu):.0f} ms"
        )
    hourly = [r for r in imported if 0.5 <= r["hours"] <= 1.5]
    if hourly:
        per_hour = statistics.median(r["cpu_ms"] / r["hours"] for r in hourly)
        verdict = "meets" if per_hour < TARGET_CPU_MS_PER_HOUR_FILE else "MISSES"
        print(
            f"    typical one-hour file ({len(hourly)} files of 0.5-1.5 h): {per_hour:.1f} ms CPU per hour of "
            f"activity ({verdict} the {TARGET_CPU_MS_PER_HOUR_FILE:.0f} ms target)"
        )
    verdict = "meets" if result["peak_mb"] < TARGET_PEAK_MB else "MISSES"
    print(
        f"    peak memory (max RSS): {result['peak_mb']:.0f} MB, {result['baseline_mb']:.0f} MB of it before the "
        f"first import ({verdict} the {TARGET_PEAK_MB:.0f} MB target)"
    )
    print("    slowest files:")
    for r in sorted(imported, key=lambda r: -r["cpu_ms"])[:5]:
        print(f"      {r['file']:45} {r['bytes'] / 1e6:6.2f} MB {r['hours']:5.1f} h {r['cpu_ms']:8.1f} ms")
    for r in rows:
        if r["status"] == "error":
            print(f"    error: {r['message'][:110]}")
    archive = result.get("archive")
    if archive:
        verdict = "meets" if archive["peak_mb"] < TARGET_PEAK_MB else "MISSES"
        print(
            f"    {archive['files']}-file archive ({archive['zip_mb']:.0f} MB zip): {archive['imported']} imported in "
            f"{archive['wall_s']:.1f} s wall, {archive['cpu_s']:.1f} s CPU ({archive['imported'] / archive['wall_s']:.1f} "
            f"activities/s); peak memory {archive['peak_mb']:.0f} MB ({verdict} the {TARGET_PEAK_MB:.0f} MB target)"
        )
        print(
            "      entries: " + ", ".join(f"{n} {suffix}" for suffix, n in sorted(archive["formats"].items()))
        )


def main() -> None:
    if not CORPUS.is_dir():
        print(f"bench_import: the corpus is not at {CORPUS}; nothing to measure")
        return
    print(f"Import end to end: {len(corpus_files())} corpus files through activity_import")
    runs = [None] + ([POSTGRES_URL] if postgres_reachable() else [])
    if len(runs) == 1:
        print(f"  (PostgreSQL not reachable at {POSTGRES_URL}: SQLite only)")
    for database_url in runs:
        result = _run_child(database_url)
        if result:
            _report(result)


if __name__ == "__main__":
    main()
