"""The full export of an athlete with 1,000 activities (BENCH_EXPORT_ACTIVITIES), and its re-import.

Three child processes share one throwaway data folder, so each peak memory (max RSS) is that step's own:
  1. setup: a fresh SQLite database, an athlete, and 1,000 distinct activities through activity_import
     (the corpus GPX/TCX files in turn, each copy made unique by a trailing XML comment): the import
     pipeline's own rate;
  2. export: the streamed zip written to a file: wall and CPU time, archive size, peak memory;
  3. import: the archive into a second, empty database through the importer: activities per second.
Targets (issue 6 §9): export under 30 s and under 300 MB peak memory.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("VAULT_CORPUS_DIR", ROOT.parent / "shared" / "corpus"))
ACTIVITIES = int(os.environ.get("BENCH_EXPORT_ACTIVITIES", "1000"))
TARGET_EXPORT_S = 30.0
TARGET_PEAK_MB = 300.0
NO_TRACK_FILES = {"MetadataOnly.gpx", "unicode_with_bom.gpx"}  # corpus GPX without track points


def _django(database: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(os.environ['DATA_DIR']) / database}"
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _result(payload: dict) -> None:
    print("BENCH-RESULT " + json.dumps(payload))


def setup_step() -> None:
    _django("export.sqlite3")
    import datetime as dt

    from django.core.management import call_command

    from vault.activities.services import activity_import
    from vault.metrics.services import metric_entry_create
    from vault.testing.personas import make_athlete

    call_command("migrate", verbosity=0)
    athlete = make_athlete("bench_export_athlete", name="Bench Export")
    for metric_type, value in (("ftp", 250), ("threshold_hr", 165), ("max_hr", 190), ("weight", 70)):
        metric_entry_create(
            athlete=athlete,
            metric_type=metric_type,
            value=value,
            recorded_on=dt.date(2010, 1, 1),
            source="manual",
        )
    sources = sorted(
        p
        for sub in ("gpx", "tcx")
        for p in (CORPUS / sub).iterdir()
        if p.is_file() and p.name not in NO_TRACK_FILES
    )
    contents = [p.read_bytes() for p in sources]
    started, imported = time.perf_counter(), 0
    for i in range(ACTIVITIES):
        source = sources[i % len(sources)]
        data = contents[i % len(sources)] + f"\n<!-- copy {i} -->\n".encode()
        outcome = activity_import(athlete=athlete, data=data, filename=f"{source.stem}-{i}{source.suffix}")
        imported += outcome.status == "imported"
    _result({"imported": imported, "wall_s": time.perf_counter() - started, "public_id": athlete.public_id})


def export_step() -> None:
    _django("export.sqlite3")
    from vault.accounts.models import AthleteProfile, User
    from vault.exports.zipexport import athlete_export_stream

    athlete = AthleteProfile.objects.get(public_id=os.environ["BENCH_PUBLIC_ID"])
    admin, _ = User.objects.get_or_create(
        username="bench_admin", defaults={"role": "admin", "is_superuser": True}
    )
    baseline = _peak_mb()
    path = Path(os.environ["DATA_DIR"]) / "export.zip"
    started, cpu_started = time.perf_counter(), time.process_time()
    with path.open("wb") as handle:
        for chunk in athlete_export_stream(admin, athlete):
            handle.write(chunk)
    _result(
        {
            "wall_s": time.perf_counter() - started,
            "cpu_s": time.process_time() - cpu_started,
            "zip_mb": path.stat().st_size / 1e6,
            "peak_mb": _peak_mb(),
            "baseline_mb": baseline,
        }
    )


def import_step() -> None:
    _django("import.sqlite3")
    from django.core.management import call_command

    from vault.exports.importer import export_import

    call_command("migrate", verbosity=0)
    path = Path(os.environ["DATA_DIR"]) / "export.zip"
    started = time.perf_counter()
    with path.open("rb") as handle:
        [result] = export_import(fileobj=handle, archive_name=path.name)
    _result(
        {
            "activities": result.counts["activities"],
            "wall_s": time.perf_counter() - started,
            "peak_mb": _peak_mb(),
        }
    )


def _run(step: str, data_dir: str, **extra_env) -> dict | None:
    env = {**os.environ, "DATA_DIR": data_dir, "HUEY_IMMEDIATE": "1", **extra_env}
    done = subprocess.run(
        [sys.executable, "-c", f"from bench.bench_export import {step}; {step}()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            return json.loads(line.removeprefix("BENCH-RESULT "))
    print(f"  the {step} failed:\n{done.stderr[-2000:]}")
    return None


def main() -> None:
    if not CORPUS.is_dir():
        print(f"bench_export: the corpus is not at {CORPUS}; nothing to measure")
        return
    print(f"Full export of an athlete with {ACTIVITIES} activities, and its re-import (SQLite)")
    with tempfile.TemporaryDirectory(prefix="bench-export-") as data_dir:
        setup = _run("setup_step", data_dir)
        if not setup:
            return
        pipeline_rate = setup["imported"] / setup["wall_s"]
        print(
            f"  setup: {setup['imported']} activities through activity_import in {setup['wall_s']:.1f} s "
            f"({pipeline_rate:.1f} activities/s, the import pipeline's own rate)"
        )
        export = _run("export_step", data_dir, BENCH_PUBLIC_ID=setup["public_id"])
        if not export:
            return
        time_verdict = "meets" if export["wall_s"] < TARGET_EXPORT_S else "MISSES"
        memory_verdict = "meets" if export["peak_mb"] < TARGET_PEAK_MB else "MISSES"
        print(
            f"  export: {export['zip_mb']:.0f} MB zip in {export['wall_s']:.1f} s wall, {export['cpu_s']:.1f} s CPU "
            f"({time_verdict} the {TARGET_EXPORT_S:.0f} s target); peak memory {export['peak_mb']:.0f} MB, "
            f"{export['baseline_mb']:.0f} MB of it before the export ({memory_verdict} the {TARGET_PEAK_MB:.0f} MB target)"
        )
        imported = _run("import_step", data_dir)
        if imported:
            rate = imported["activities"] / imported["wall_s"]
            print(
                f"  re-import: {imported['activities']} activities in {imported['wall_s']:.1f} s "
                f"({rate:.1f} activities/s beside the pipeline's {pipeline_rate:.1f}); "
                f"peak memory {imported['peak_mb']:.0f} MB"
            )


if __name__ == "__main__":
    main()
