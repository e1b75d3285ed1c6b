"""Sources: a full Strava sync of 2,000 activities with streams from the fake Strava (rate limits off), and a
watched-folder burst of 500 files. Both should be limited by the import, not by the connector.

Runs in a child process with a fresh test database and a throwaway DATA_DIR. Reported: activities per second,
seconds from the last copied file to the last import, and the connector's overhead. Target (issue 4 §8):
connector overhead under 10%.

What the overhead is: 1 - (time the import pipeline itself spent) / (wall time). The wall time runs from the
sync's start, or the first file copied, to the last activity imported and logged. The import's own time is
the wall time inside activities.services.activity_import (the connectors call it through the module, so the
ImportClock sees every call; it checks that each item was timed once and that no two imports overlapped),
less the CPU time the process's other threads used meanwhile (see ImportClock). Everything else is the
connector's: listing, fetching, decoding, building recordings, waiting for files to settle, stats, claims,
file-log entries and cursors. Not counted: work in other processes, which runs beside the import on another
core: the fake Strava (it plays Strava's servers; it has its own process for that reason), the copier of
the folder burst (it plays the device or `cp`), and the Strava connector's helper process (fetch.py), which
runs at a lower priority, so that where cores are short it takes only the time the import leaves and its
cost then shows as the sync waiting for it. On a machine busy with other work the numbers are noisy: the
import's wall time includes time the system gave to other processes, and so does the connector's.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
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
    """Adds up the time the import pipeline itself spends: the wall time inside activity_import, less the CPU
    time the process's other threads used meanwhile. Under the GIL those threads (the connector's prefetch
    thread, watchdog's observer) run Python only by pausing the import, so without the correction their work
    would be billed to the import and the connector would look cheaper than it is. Subtracting all of it can
    only overstate the connector: some of it (socket reads, say) ran beside the import without pausing it."""

    def __init__(self):
        import vault.activities.services as activity_services

        self.module = activity_services
        self.original = activity_services.activity_import
        self.seconds = 0.0  # the import's own time
        self.wall = 0.0  # wall time inside activity_import, before the correction
        self.calls = 0
        self.running = 0
        self.overlapped = False  # two imports at once would make the summed time exceed what it cost

    @staticmethod
    def _other_cpu() -> float:
        return time.process_time() - time.thread_time()

    def __enter__(self):
        def timed(**kwargs):
            self.running += 1
            self.overlapped |= self.running > 1
            started, others = time.perf_counter(), self._other_cpu()
            try:
                return self.original(**kwargs)
            finally:
                wall = time.perf_counter() - started
                stolen = min(wall, max(0.0, self._other_cpu() - others))
                self.wall += wall
                self.seconds += wall - stolen
                self.calls += 1
                self.running -= 1

        self.module.activity_import = timed
        return self

    def __exit__(self, *exc):
        self.module.activity_import = self.original

    def result(self, name: str, items: int, wall_s: float, **extra) -> dict:
        if self.overlapped:
            raise SystemExit(f"{name}: imports overlapped, so their summed time is not the import's share")
        if self.calls != items:  # every item went through the pipeline once, and the clock saw each call
            raise SystemExit(f"{name}: {items} items imported but {self.calls} imports timed")
        return {
            "name": name,
            "items": items,
            "wall_s": wall_s,
            "import_s": self.seconds,
            "import_wall_s": self.wall,
            **extra,
        }


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
    return clock.result("Strava full sync", imported, wall)


# The copier, in its own process as a device sync or `cp` would be (in this one its work would take turns
# with the watcher's for the GIL): a real copy of each file, created empty and then written, so the watcher
# sees it grow. It prints the monotonic time (one clock for all processes) of its first and its last copy.
COPIER = """
import shutil, sys, time
from pathlib import Path
staging, folder = Path(sys.argv[1]), Path(sys.argv[2])
first = time.monotonic()
for path in sorted(staging.iterdir()):
    shutil.copy(path, folder / path.name)
print(first, time.monotonic())
"""


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
    logged = SourceFileLog.objects.filter(source=source)
    with ImportClock() as clock:
        watcher = FolderWatcher(poll_seconds=3600).start()
        while source.pk not in watcher.watched or watcher.watched[source.pk].watch is None:
            time.sleep(0.05)
        copier = subprocess.run(
            [sys.executable, "-c", COPIER, str(staging), str(folder)],
            capture_output=True,
            text=True,
            check=True,
        )
        started, last_copy = (float(t) for t in copier.stdout.split())
        # done: when the last entry was logged, read from the entries (their created_at) so that this thread
        # can look rarely and not take the GIL from the watcher while it works
        while logged.count() < FOLDER_FILES:
            time.sleep(0.25)
        since_last_entry = time.time() - logged.latest("created_at").created_at.timestamp()
        done = time.monotonic() - since_last_entry
        watcher.stop()
    imported = logged.filter(status="imported").count()
    return clock.result("Folder burst", imported, done - started, after_last_copy_s=done - last_copy)


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
    # overhead: the share of the wall time (first copy, or the sync's start, to the last import) that is not the
    # import pipeline's own time (ImportClock): listing, fetching, decoding, waiting for files to settle, logging
    print(
        f"{'run':18} {'items':>6} {'wall s':>8} {'items/s':>8} {'import s':>9} {'(its wall s)':>12} "
        f"{'after last copy s':>18} {'connector overhead':>28}"
    )
    for row in results:
        overhead = 1 - row["import_s"] / row["wall_s"] if row["wall_s"] else 0.0
        after = f"{row['after_last_copy_s']:.2f}" if "after_last_copy_s" in row else "-"
        verdict = "ok" if overhead < TARGET_OVERHEAD else "OVER"
        beside = f"{overhead:.1%} (target < {TARGET_OVERHEAD:.0%}: {verdict})"
        print(
            f"{row['name']:18} {row['items']:>6} {row['wall_s']:>8.1f} {row['items'] / row['wall_s']:>8.1f} "
            f"{row['import_s']:>9.1f} {row['import_wall_s']:>12.1f} {after:>18} {beside:>28}"
        )


if __name__ == "__main__":
    if "--child" in sys.argv:
        _child()
    else:
        main()
