"""Every corpus file through activity_import: real devices import, non-activities and wrecks fail clearly.

Expected outcomes come from ../shared/corpus/MANIFEST.md (the non-activity files and the broken/ table).
"""

from __future__ import annotations

import pytest

from trackfiles.tests.corpus import corpus_file, corpus_params
from vault.activities import storage
from vault.activities.models import Activity, ImportRecord, StoredOriginal
from vault.activities.services import activity_import

pytestmark = [pytest.mark.corpus, pytest.mark.django_db]

# Well-formed files without an activity in them (settings, sensor-only, file_id only, metadata-only GPX).
NOT_ACTIVITIES = {
    "sram-edge510-settings.fit",
    "moxy.fit",
    "valid_only_contain_fileid.fit",
    "MetadataOnly.gpx",
    "unicode_with_bom.gpx",
}
BROKEN_ERRORS = {"empty-activities.fit", "empty-sessions.fit"}
BROKEN_EITHER = {"lezyne_super_gps-garmin_fit-sample-bad-endian.fit", "mornindew-broken.fit"}
BROKEN_IMPORT_CLEAN = {"elemnt-bolt-no-application-id-inside-developer-data-id.fit", "gpx-named-as.fit"}


def _import(world, path):
    return activity_import(athlete=world.athlete, data=path.read_bytes(), filename=path.name)


def _assert_imported(outcome, storage_files):
    assert outcome.status == "imported", outcome.message
    activity = outcome.activity
    streams = storage.streams_read(activity.streams_file)
    assert len(streams["timestamp"]) > 0
    assert activity.summary and activity.start_time is not None
    assert outcome.record.warnings == outcome.warnings == activity.warnings
    assert sorted(storage_files()) == sorted([activity.original.name, activity.streams_file])


def _assert_clean_error(outcome, name, storage_files):
    assert outcome.status == "error"
    assert outcome.message.startswith(f"{name}: ") and len(outcome.message) > len(name) + 10
    assert not Activity.objects.exists() and not StoredOriginal.objects.exists()
    assert storage_files() == []
    assert ImportRecord.objects.get().status == "error"


@pytest.mark.parametrize("path", corpus_params("fit") + corpus_params("gpx") + corpus_params("tcx"))
def test_corpus_file_imports(world, storage_files, path):
    path = corpus_file(path)
    outcome = _import(world, path)
    if path.name in NOT_ACTIVITIES:
        _assert_clean_error(outcome, path.name, storage_files)
    else:
        _assert_imported(outcome, storage_files)


@pytest.mark.parametrize("path", corpus_params("broken"))
def test_broken_corpus_file(world, storage_files, path):
    path = corpus_file(path)
    outcome = _import(world, path)
    if path.name in BROKEN_ERRORS:
        _assert_clean_error(outcome, path.name, storage_files)
    elif path.name in BROKEN_EITHER:
        if outcome.status == "error":
            _assert_clean_error(outcome, path.name, storage_files)
        else:
            _assert_imported(outcome, storage_files)
    else:
        _assert_imported(outcome, storage_files)
        if path.name not in BROKEN_IMPORT_CLEAN:
            assert outcome.warnings, f"{path.name} was salvaged without saying what was wrong"
