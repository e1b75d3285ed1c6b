"""Sources: a full Strava sync of 2,000 activities with streams from the fake Strava (rate limits off), and a
watched-folder burst of 500 files. Both should be limited by the import, not by the connector.

Runs in a child process with a fresh test database and a throwaway DATA_DIR; the fake Strava serves from its
own process so its JSON encoding is not billed to the connector. Reported: activities per second, seconds
from the last copied file to the last import, and the connector's share of the wall time (everything that is
not inside activities.services.activity_import). Target (issue 4 §8): connector overhead under 10%.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STRAVA_ACTIVITIES = int(os.environ.get("BENCH_STRAVA_ACTIVITIES", "2000"))
STRAVA_SAMPLES = int(os.environ.get("BENCH_STRAVA_SAMPLES", "600"))  # samples (seconds) per activity
FOLDER_FILES = int(os.environ.get("BENCH_FOLDER_FILES", "500"))
TARGET_OVERHEAD = 0.10


def _serve_fake(ready, count: int, samples: int) -> None:
    """Child process: the fake Strava seeded with `count` activities, until terminated."""
    sys.path.insert(0, str(ROOT))
    from vault.sources.tests.fakes.strava import FakeStrava

    fake = FakeStrava()
    fake.limits = None  # rate limits (and their headers) off: the bench measures throughput, not waiting
    fake.seed(count, start=dt.datetime(2020, 1, 1, 6, tzinfo=dt.UTC), samples=samples)
    access = fake.issue_tokens({"read", "activity:read_all"}, expires_in=30 * 86400)
    ready.put(
        {
            "base_url": fake.base_url,
            "tokens": access,
            "client_id": fake.client_id,
            "secret": fake.client_secret,
        }
    )
    fake.server.serve_forever()


class ImportClock:
    """Wraps activity_import to add up the time spent inside it."""

    def __init__(self):
        import vault.activities.services as activity_services

        self.module = activity_services
        self.original = activity_services.activity_import
        self.seconds = 0.0
        self.calls = 0

    def __enter__(self):
        def timed(**kwargs):
            started = time.perf_counter()
            try:
                return self.original(**kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.calls += 1

        self.module.activity_import = timed
        return self

    def __exit__(self, *exc):
        self.module.activity_import = self.original


def _bench_strava(athlete) -> dict:
    from django.conf import settings

    from vault.jobs.services import job_create, job_run
    from vault.sources.models import Source, SourceFileLog, SourceKind

    ready = multiprocessing.get_context("fork").Queue()
    server = multiprocessing.get_context("fork").Process(
        target=_serve_fake, args=(ready, STRAVA_ACTIVITIES, STRAVA_SAMPLES), daemon=True
    )
    server.start()
    try:
        fake = ready.get(timeout=600)
        settings.STRAVA_BASE_URL = fake["base_url"]
        settings.STRAVA_CLIENT_ID, settings.STRAVA_CLIENT_SECRET = fake["client_id"], fake["secret"]
        source = Source(
            athlete=athlete, kind=SourceKind.STRAVA, config={"scopes": ["activity:read_all", "read"]}
        )
        source.secrets = fake["tokens"]
        source.save()
        job = job_create(kind="source_sync", params={"source_id": source.pk, "action": "sync"}, enqueue=False)
        with ImportClock() as clock:
            started = time.perf_counter()
            job_run(job_id=job.pk)
            wall = time.perf_counter() - started
        imported = SourceFileLog.objects.filter(source=source, status="imported").count()
    finally:
        server.terminate()
        server.join(10)
    return {"name": "Strava full sync", "items": imported, "wall_s": wall, "import_s": clock.seconds}


def _bench_folder(athlete) -> dict:
    from vault.sources.connectors.folder.watcher import FolderWatcher
    from vault.sources.models import Source, SourceFileLog, SourceKind
    from vault.sources.tests.files import gpx_bytes

    folder = Path(tempfile.mkdtemp(prefix="bench-folder-"))
    staging = Path(tempfile.mkdtemp(prefix="bench-staging-"))
    payloads = [gpx_bytes(1000 + i, points=600) for i in range(FOLDER_FILES)]
    for index, data in enumerate(payloads):
        (staging / f"burst-{index:04}.gpx").write_bytes(data)
    source = Source.objects.create(
        athlete=athlete, kind=SourceKind.WATCHED_FOLDER, config={"path": str(folder)}
    )
    with ImportClock() as clock:
        watcher = FolderWatcher(poll_seconds=3600).start()
        while source.pk not in watcher.watched or watcher.watched[source.pk].watch is None:
            time.sleep(0.05)
        started = time.perf_counter()
        for path in sorted(staging.iterdir()):
            # a real copy, as a device sync or `cp` does it: each file is created empty and then written, so
            # the watcher sees it grow and must wait for it to hold still (STABLE_SECONDS) before reading
            shutil.copy(path, folder / path.name)
        last_copy = time.perf_counter()
        while SourceFileLog.objects.filter(source=source).count() < FOLDER_FILES:
            time.sleep(0.05)
        done = time.perf_counter()
        watcher.stop()
    imported = SourceFileLog.objects.filter(source=source, status="imported").count()
    return {
        "name": "Folder burst",
        "items": imported,
        "wall_s": done - started,
        "import_s": clock.seconds,
        "after_last_copy_s": done - last_copy,
    }


def _child() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    from vault.testing.personas import make_athlete

    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        results = [_bench_strava(make_athlete("bench_strava")), _bench_folder(make_athlete("bench_folder"))]
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    print(json.dumps(results))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-sources-") as data_dir:
        env = {**os.environ, "DATA_DIR": data_dir, "HUEY_IMMEDIATE": "1", "LOG_LEVEL": "WARNING"}
        env.pop("DATABASE_URL", None)
        done = subprocess.run(
            [sys.executable, __file__, "--child"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-4000:])
        raise SystemExit("bench_sources child failed")
    results = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"Sources: Strava sync of {STRAVA_ACTIVITIES} activities x {STRAVA_SAMPLES} samples, "
        f"folder burst of {FOLDER_FILES} files (SQLite; target connector overhead < {TARGET_OVERHEAD:.0%})"
    )
    # overhead: the share of the wall time (first copy, or the sync's start, to the last import) spent outside
    # activity_import: listing, fetching, waiting for files to settle, logging
    print(
        f"{'run':18} {'items':>6} {'wall s':>8} {'items/s':>8} {'import s':>9} {'after last copy s':>18} "
        f"{'connector overhead':>28}"
    )
    for row in results:
        overhead = 1 - row["import_s"] / row["wall_s"] if row["wall_s"] else 0.0
        after = f"{row['after_last_copy_s']:.2f}" if "after_last_copy_s" in row else "-"
        verdict = "ok" if overhead < TARGET_OVERHEAD else "OVER"
        beside = f"{overhead:.1%} (target < {TARGET_OVERHEAD:.0%}: {verdict})"
        print(
            f"{row['name']:18} {row['items']:>6} {row['wall_s']:>8.1f} {row['items'] / row['wall_s']:>8.1f} "
            f"{row['import_s']:>9.1f} {after:>18} {beside:>28}"
        )


if __name__ == "__main__":
    if "--child" in sys.argv:
        _child()
    else:
        main()
