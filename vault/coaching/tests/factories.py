"""A real activity (through the import pipeline) for comment tests."""

import itertools

from vault.activities.services import activity_import
from vault.activities.tests.files import gpx_bytes

_heart_rates = itertools.count(120)


def make_activity(athlete):
    outcome = activity_import(
        athlete=athlete, data=gpx_bytes(points=30, heart_rate=next(_heart_rates)), filename="run.gpx"
    )
    assert outcome.status == "imported", outcome.message
    return outcome.activity
