"""Watched folders with real files and real filesystem events (watchdog/inotify), and the polling fallback."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from vault.activities.models import Activity
from vault.sources.connectors.folder import scan
from vault.sources.connectors.folder.scan import folder_scan, is_track_file
from vault.sources.connectors.folder.watcher import FolderWatcher
from vault.sources.models import SeenFile, Source, SourceFileLog, SourceKind, SourceStatus
from vault.sources.tests.files import gpx_bytes


def wait_until(predicate, *, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _folder_source(athlete, path: Path) -> Source:
    return Source.objects.create(athlete=athlete, kind=SourceKind.WATCHED_FOLDER, config={"path": str(path)})


def _log(source) -> list[tuple[str, str]]:
    return sorted(SourceFileLog.objects.filter(source=source).values_list("name", "status"))


@pytest.fixture
def quick_settle(monkeypatch):
    monkeypatch.setattr(scan, "STABLE_SECONDS", 0.3)


@pytest.mark.parametrize(
    ("name", "wanted"),
    [
        ("a.fit", True),
        ("b.GPX", True),
        ("c.tcx", True),
        ("d.fit.gz", True),
        ("e.TCX.GZ", True),
        ("f.txt", False),
        ("g.fit.part", False),
        ("h.gz", False),
        (".hidden.fit", False),
    ],
)
def test_only_activity_files_are_wanted(name, wanted):
    assert is_track_file(name) is wanted


# --- one scan ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_scan_imports_new_files_recursively_and_logs_duplicates(world, tmp_path, quick_settle):
    (tmp_path / "2026" / "03").mkdir(parents=True)
    (tmp_path / "2026" / "03" / "run.gpx").write_bytes(gpx_bytes(1))
    (tmp_path / "copy-of-run.GPX").write_bytes(gpx_bytes(1))  # same content under another name
    (tmp_path / "ride.gpx.gz").write_bytes(gpx_bytes(2, gz=True))
    (tmp_path / "readme.txt").write_text("ignored")
    source = _folder_source(world.athlete, tmp_path)

    assert folder_scan(source=source) == 3
    statuses = dict(_log(source))
    assert statuses["ride.gpx.gz"] == "imported"
    assert sorted([statuses["2026/03/run.gpx"], statuses["copy-of-run.GPX"]]) == ["duplicate", "imported"]
    assert Activity.objects.filter(athlete=world.athlete).count() == 2

    # nothing changed: the next scan reads nothing and logs nothing
    assert folder_scan(source=source) == 0
    assert SourceFileLog.objects.filter(source=source).count() == 3
    # a file rewritten with new content is read again
    time.sleep(0.01)
    (tmp_path / "ride.gpx.gz").write_bytes(gpx_bytes(3, gz=True))
    assert folder_scan(source=source) == 1
    assert Activity.objects.filter(athlete=world.athlete).count() == 3


@pytest.mark.django_db
def test_a_file_vanishing_mid_read_is_retried_on_the_next_scan(world, tmp_path, quick_settle, monkeypatch):
    target = tmp_path / "flaky.gpx"
    target.write_bytes(gpx_bytes(4))
    source = _folder_source(world.athlete, tmp_path)
    real_read = Path.read_bytes
    vanished = []

    def read_bytes(self):
        if self == target and not vanished:
            vanished.append(self)
            raise FileNotFoundError(2, "No such file or directory", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert folder_scan(source=source) == 0
    assert vanished and not SourceFileLog.objects.filter(source=source).exists()
    assert not SeenFile.objects.filter(source=source).exists()
    assert folder_scan(source=source) == 1
    assert _log(source) == [("flaky.gpx", "imported")]


@pytest.mark.django_db
def test_a_damaged_file_is_an_error_with_its_name_and_the_scan_goes_on(world, tmp_path, quick_settle):
    (tmp_path / "broken.fit").write_bytes(b"\x0e\x10this is not a fit file at all")
    (tmp_path / "good.gpx").write_bytes(gpx_bytes(5))
    source = _folder_source(world.athlete, tmp_path)
    folder_scan(source=source)
    entries = {e.name: e for e in SourceFileLog.objects.filter(source=source)}
    assert entries["good.gpx"].status == "imported"
    assert entries["broken.fit"].status == "error"
    assert "broken.fit" in entries["broken.fit"].message


@pytest.mark.django_db
def test_scan_of_a_missing_folder_needs_attention_and_recovers(world, tmp_path, quick_settle):
    folder = tmp_path / "device"
    folder.mkdir()
    source = _folder_source(world.athlete, folder)
    folder.rmdir()
    assert folder_scan(source=source) == 0
    source.refresh_from_db()
    assert source.status == SourceStatus.NEEDS_ATTENTION and "does not exist" in source.status_reason
    folder.mkdir()
    (folder / "back.gpx").write_bytes(gpx_bytes(6))
    assert folder_scan(source=source) == 1
    source.refresh_from_db()
    assert source.status == SourceStatus.ACTIVE and source.status_reason == ""


# --- the watcher, with real events ----------------------------------------------------------------------


@pytest.fixture
def watcher_factory(transactional_db, quick_settle):
    started = []

    def start(**kwargs) -> FolderWatcher:
        watcher = FolderWatcher(**kwargs).start()
        started.append(watcher)
        return watcher

    yield start
    for watcher in started:
        watcher.stop()


@pytest.fixture
def athlete(transactional_db):
    from vault.testing.personas import make_athlete

    return make_athlete("watcher_wanda")


def test_files_copied_in_while_watching_are_imported(athlete, tmp_path, watcher_factory):
    source = _folder_source(athlete, tmp_path)
    watcher = watcher_factory(poll_seconds=3600)  # events only: the poll would not come in time
    wait_until(
        lambda: source.pk in watcher.watched and watcher.watched[source.pk].watch is not None, what="watch"
    )
    staging = tmp_path.parent / f"{tmp_path.name}-staging"
    staging.mkdir()
    for index in range(3):
        (staging / f"run{index}.gpx").write_bytes(gpx_bytes(10 + index))
        shutil.copy(staging / f"run{index}.gpx", tmp_path / f"run{index}.gpx")
    (tmp_path / "nested").mkdir()
    shutil.copy(staging / "run0.gpx", tmp_path / "nested" / "again.gpx")  # same content, another name
    (tmp_path / "nested" / "notes.txt").write_text("not an activity")
    wait_until(lambda: len(_log(source)) == 4, what="four files processed")
    time.sleep(0.5)
    statuses = dict(_log(source))
    assert set(statuses) == {"nested/again.gpx", "run0.gpx", "run1.gpx", "run2.gpx"}
    assert statuses["run1.gpx"] == statuses["run2.gpx"] == "imported"
    # whichever copy of run0 settled first is imported, the other is its duplicate
    assert sorted([statuses["run0.gpx"], statuses["nested/again.gpx"]]) == ["duplicate", "imported"]
    assert Activity.objects.filter(athlete=athlete).count() == 3
    # a whole directory moved in: one event names the directory, its files are found by a walk
    bundle = tmp_path.parent / f"{tmp_path.name}-bundle"
    (bundle / "day").mkdir(parents=True)
    (bundle / "day" / "moved.gpx").write_bytes(gpx_bytes(15))
    shutil.move(str(bundle), str(tmp_path / "bundle"))
    wait_until(lambda: ("bundle/day/moved.gpx", "imported") in _log(source), what="the moved-in directory")


def test_a_slowly_written_file_is_imported_once_complete(athlete, tmp_path, watcher_factory, monkeypatch):
    monkeypatch.setattr(
        scan, "STABLE_SECONDS", 1.5
    )  # ten times the gap between chunks: safe on a busy machine
    source = _folder_source(athlete, tmp_path)
    watcher = watcher_factory(poll_seconds=3600)
    wait_until(
        lambda: source.pk in watcher.watched and watcher.watched[source.pk].watch is not None, what="watch"
    )
    content = gpx_bytes(20, points=200)
    chunks = [content[i : i + len(content) // 12 + 1] for i in range(0, len(content), len(content) // 12 + 1)]
    with open(tmp_path / "slow.gpx", "wb") as handle:
        for chunk in chunks:
            handle.write(chunk)
            handle.flush()
            time.sleep(0.15)  # much shorter than the settle time: never read half-written
    wait_until(lambda: _log(source), what="the slow file")
    time.sleep(0.5)
    assert _log(source) == [("slow.gpx", "imported")]
    activity = Activity.objects.get(athlete=athlete)
    assert activity.original.size == len(content)


def test_a_file_closed_by_its_writer_settles_sooner_than_one_left_open(
    athlete, tmp_path, watcher_factory, monkeypatch
):
    monkeypatch.setattr(scan, "STABLE_SECONDS", 2.5)  # the full hold, for a file its writer keeps open
    monkeypatch.setattr(scan, "CLOSED_STABLE_SECONDS", 0.3)
    source = _folder_source(athlete, tmp_path)
    watcher = watcher_factory(poll_seconds=3600)
    wait_until(
        lambda: source.pk in watcher.watched and watcher.watched[source.pk].watch is not None, what="watch"
    )
    with open(tmp_path / "open.gpx", "wb") as still_open:
        still_open.write(gpx_bytes(60))
        still_open.flush()
        written = time.monotonic()
        (tmp_path / "closed.gpx").write_bytes(gpx_bytes(61))
        wait_until(lambda: _log(source), timeout=2.0, what="the closed file, before the full hold")
        assert _log(source) == [("closed.gpx", "imported")]
        # the open one waits the full hold (its size and mtime do not change meanwhile), still open
        wait_until(lambda: len(_log(source)) == 2, what="the open file after the full hold")
        assert time.monotonic() - written >= scan.STABLE_SECONDS
    assert _log(source) == [("closed.gpx", "imported"), ("open.gpx", "imported")]


def test_a_file_written_again_after_its_close_is_imported_once_complete(
    athlete, tmp_path, watcher_factory, monkeypatch
):
    # a writer that closes the file and opens it again to append: the close alone does not settle it
    monkeypatch.setattr(scan, "CLOSED_STABLE_SECONDS", 1.0)  # ten times the gap below
    monkeypatch.setattr(scan, "STABLE_SECONDS", 1.5)
    source = _folder_source(athlete, tmp_path)
    watcher = watcher_factory(poll_seconds=3600)
    wait_until(
        lambda: source.pk in watcher.watched and watcher.watched[source.pk].watch is not None, what="watch"
    )
    content = gpx_bytes(62, points=200)
    half = len(content) // 2
    (tmp_path / "twice.gpx").write_bytes(content[:half])
    time.sleep(0.1)
    with open(tmp_path / "twice.gpx", "ab") as again:
        again.write(content[half:])
    wait_until(lambda: _log(source), what="the file")
    time.sleep(0.5)
    assert _log(source) == [("twice.gpx", "imported")]
    assert Activity.objects.get(athlete=athlete).original.size == len(content)


def test_a_burst_of_500_files(athlete, tmp_path, watcher_factory):
    source = _folder_source(athlete, tmp_path)
    watcher = watcher_factory(poll_seconds=3600)
    wait_until(
        lambda: source.pk in watcher.watched and watcher.watched[source.pk].watch is not None, what="watch"
    )
    for index in range(500):
        (tmp_path / f"burst-{index:03}.gpx").write_bytes(gpx_bytes(100 + index, points=3))
    wait_until(
        lambda: SourceFileLog.objects.filter(source=source).count() >= 500, timeout=300, what="500 files"
    )
    assert SourceFileLog.objects.filter(source=source, status="imported").count() == 500
    assert Activity.objects.filter(athlete=athlete).count() == 500


def test_a_folder_removed_and_recreated(athlete, tmp_path, watcher_factory):
    folder = tmp_path / "usb"
    folder.mkdir()
    source = _folder_source(athlete, folder)
    watcher = watcher_factory(poll_seconds=3600)
    wait_until(lambda: source.pk in watcher.watched and watcher.watched[source.pk].available, what="watch")
    shutil.rmtree(folder)

    def status():
        source.refresh_from_db()
        return source.status

    wait_until(lambda: status() == SourceStatus.NEEDS_ATTENTION, what="needs attention")
    assert "does not exist" in source.status_reason
    time.sleep(1.2)  # several ticks with the folder gone: its problem is logged once, not every tick
    gone = [(str(folder), "error")]
    assert _log(source) == gone
    assert "folder not scanned" in SourceFileLog.objects.get(source=source).message
    folder.mkdir()
    (folder / "after.gpx").write_bytes(gpx_bytes(30))
    wait_until(lambda: ("after.gpx", "imported") in _log(source), what="import after the folder returned")
    assert _log(source) == sorted([*gone, ("after.gpx", "imported")])
    assert status() == SourceStatus.ACTIVE
    # and events work again on the recreated folder
    (folder / "later.gpx").write_bytes(gpx_bytes(31))
    wait_until(lambda: len(_log(source)) == 3, what="event on the recreated folder")


def test_polling_fallback_with_events_off(athlete, tmp_path, watcher_factory):
    source = _folder_source(athlete, tmp_path)
    watcher = watcher_factory(use_events=False, poll_seconds=1)
    wait_until(lambda: source.pk in watcher.watched, what="watch")
    assert watcher.observer is None
    (tmp_path / "nfs.gpx").write_bytes(gpx_bytes(40))
    wait_until(lambda: _log(source) == [("nfs.gpx", "imported")], what="polled import")


def test_a_removed_source_stops_within_a_second_while_a_neighbour_is_busy(athlete, tmp_path, watcher_factory):
    # Issue §2: "Watchers of a removed source stop within a second", also while another folder imports a
    # burst (each tick may spend IMPORT_BUDGET_S, two seconds, on one folder's imports).
    busy_folder, quiet_folder = tmp_path / "busy", tmp_path / "quiet"
    busy_folder.mkdir()
    quiet_folder.mkdir()
    busy = _folder_source(athlete, busy_folder)
    quiet = _folder_source(athlete, quiet_folder)
    watcher = watcher_factory(poll_seconds=3600)
    wait_until(
        lambda: all(
            s.pk in watcher.watched and watcher.watched[s.pk].watch is not None for s in (busy, quiet)
        ),
        what="both watched",
    )
    for index in range(400):
        (busy_folder / f"b{index:03}.gpx").write_bytes(gpx_bytes(200 + index, points=3))
    wait_until(lambda: SourceFileLog.objects.filter(source=busy).count() >= 10, what="the burst under way")
    assert SourceFileLog.objects.filter(source=busy).count() < 300  # still busy when the neighbour goes
    quiet_id = quiet.pk
    quiet.delete()
    removed_at = time.monotonic()
    while quiet_id in watcher.watched and time.monotonic() - removed_at < 10:
        time.sleep(0.01)
    let_go_after = time.monotonic() - removed_at
    assert let_go_after < 1.0, f"the removed source's watcher stopped only after {let_go_after:.2f} s"
    assert SourceFileLog.objects.filter(source=busy).count() < 400  # the burst was still going on
    (quiet_folder / "orphan.gpx").write_bytes(gpx_bytes(199))
    wait_until(
        lambda: SourceFileLog.objects.filter(source=busy).count() == 400, timeout=300, what="the burst"
    )
    assert not Activity.objects.filter(athlete=athlete, original_filename="orphan.gpx").exists()


def test_a_removed_source_stops(athlete, tmp_path, watcher_factory):
    source = _folder_source(athlete, tmp_path)
    watcher = watcher_factory(poll_seconds=1)
    wait_until(lambda: source.pk in watcher.watched, what="watch")
    source_id = source.pk
    source.delete()
    wait_until(lambda: source_id not in watcher.watched, what="the watcher to let go")
    (tmp_path / "orphan.gpx").write_bytes(gpx_bytes(50))
    time.sleep(1.5)
    assert not Activity.objects.filter(athlete=athlete).exists()


@pytest.mark.django_db
def test_two_scanners_at_once_process_each_file_once(world, tmp_path, quick_settle):
    # the watcher and a "Scan now" job may walk the same folder at the same moment
    for index in range(3):
        (tmp_path / f"f{index}.gpx").write_bytes(gpx_bytes(70 + index))
    source = _folder_source(world.athlete, tmp_path)
    watcher_side, job_side = scan.FolderScanner(source), scan.FolderScanner(source)
    assert watcher_side.discover() == job_side.discover() == 3
    time.sleep(0.35)
    assert job_side.import_ready() == 3
    assert watcher_side.import_ready() == 0  # every file was already claimed at this size and mtime
    assert [status for _name, status in _log(source)] == ["imported"] * 3


def test_files_pending_when_the_source_is_removed_are_not_read(athlete, tmp_path, quick_settle):
    for index in range(5):
        (tmp_path / f"p{index}.gpx").write_bytes(gpx_bytes(80 + index))
    source = _folder_source(athlete, tmp_path)
    scanner = scan.FolderScanner(source)
    assert scanner.discover() == 5
    Source.objects.filter(pk=source.pk).delete()
    time.sleep(0.35)
    assert scanner.import_ready() == 0
    assert not Activity.objects.filter(athlete=athlete).exists()
    assert not SeenFile.objects.exists()


@pytest.mark.django_db
def test_a_close_speaks_for_a_file_only_as_it_was_then(world, tmp_path, quick_settle, monkeypatch):
    monkeypatch.setattr(scan, "CLOSED_STABLE_SECONDS", 0.0)
    source = _folder_source(world.athlete, tmp_path)
    scanner = scan.FolderScanner(source)
    done = tmp_path / "done.gpx"
    done.write_bytes(gpx_bytes(90))
    scanner.notice(str(done), (scan.file_state(done), time.monotonic()))
    assert scanner.ready() == ["done.gpx"]  # closed and unchanged since: no need to wait the full hold
    grown = tmp_path / "grown.gpx"
    grown.write_bytes(gpx_bytes(91)[:100])
    closed_then = (scan.file_state(grown), time.monotonic())
    grown.write_bytes(gpx_bytes(91))  # written again after that close
    scanner.notice(str(grown), closed_then)
    assert scanner.ready() == ["done.gpx"]  # the close was of an older state: the full hold applies
    time.sleep(0.35)
    assert scanner.ready() == ["done.gpx", "grown.gpx"]
