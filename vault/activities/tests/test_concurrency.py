"""Two workers importing the same file at the same moment: one activity, one duplicate (design.md §8).

Both threads are held at a barrier after their "already imported?" check and before their insert, so
the database constraint, not the check, is what decides. Each thread has its own connection.
"""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection, connections

from vault.activities import storage
from vault.activities.models import Activity, ImportRecord, StoredOriginal
from vault.activities.services import activity_import
from vault.activities.tests.files import gpx_bytes
from vault.testing.personas import make_athlete

IS_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _race(monkeypatch, storage_files) -> None:
    athlete = make_athlete("racer")
    data = gpx_bytes(points=300)
    barrier = threading.Barrier(2, timeout=20)
    real_streams_store = storage.streams_store

    def streams_store_then_wait(streams):
        name = real_streams_store(streams)
        barrier.wait()  # both workers have passed the duplicate check and are about to insert
        return name

    monkeypatch.setattr(storage, "streams_store", streams_store_then_wait)
    outcomes, failures = [], []

    def worker():
        try:
            outcomes.append(activity_import(athlete=athlete, data=data, filename="same.gpx"))
        except Exception as exc:  # collected: an exception in a thread would otherwise vanish
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert sorted(o.status for o in outcomes) == ["duplicate", "imported"]
    activity = Activity.objects.get(athlete=athlete)
    assert all(o.activity == activity for o in outcomes)
    assert sorted(ImportRecord.objects.filter(athlete=athlete).values_list("status", flat=True)) == [
        "duplicate",
        "imported",
    ]
    assert StoredOriginal.objects.count() == 1
    # the loser's streams file is gone: only the winner's files remain
    assert sorted(storage_files()) == sorted([activity.original.name, activity.streams_file])


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(IS_POSTGRES, reason="the SQLite variant; PostgreSQL runs test_concurrent_import_postgres")
def test_concurrent_import_sqlite(monkeypatch, storage_files):
    assert connection.vendor == "sqlite"
    _race(monkeypatch, storage_files)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL: set DATABASE_URL=postgres://... (CI does)")
def test_concurrent_import_postgres(monkeypatch, storage_files):
    assert connection.vendor == "postgresql"
    _race(monkeypatch, storage_files)
