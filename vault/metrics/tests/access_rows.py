"""Access rows for the metric-history API (vault/testing/access_matrix.py)."""

from vault.metrics.models import Source
from vault.metrics.tests.factories import days_ago, entry, pending_entry
from vault.testing.access_matrix import Row, api_owner_coach_admin, expect


def _athlete(world):
    return {"public_id": world.athlete.public_id}


def _manual_entry(world):
    created = entry(world.athlete, source=Source.MANUAL, created_by=world.coach)
    return {"public_id": world.athlete.public_id, "entry_id": created.pk}


def _pending_entry(world):
    return {"public_id": world.athlete.public_id, "entry_id": pending_entry(world).pk}


ROWS = [
    Row("api:metric-list", api_owner_coach_admin(200), kwargs=_athlete),
    Row(
        "api:metric-list",
        api_owner_coach_admin(201),
        method="post",
        kwargs=_athlete,
        data=lambda world: {"metric_type": "ftp", "value": 260, "recorded_on": days_ago(1).isoformat()},
    ),
    Row("api:metric-detail", api_owner_coach_admin(200), kwargs=_manual_entry),
    Row(
        "api:metric-detail",
        api_owner_coach_admin(200),
        method="patch",
        kwargs=_manual_entry,
        data=lambda world: {"value": 255},
    ),
    Row("api:metric-detail", api_owner_coach_admin(204), method="delete", kwargs=_manual_entry),
    # The athlete sees their own entry but their coach reviews it: 403, not 404 (nothing is hidden from them).
    Row(
        "api:metric-review",
        expect(athlete=403, coach=200, other_coach=404, other_athlete=404, admin=200, anonymous=401),
        method="post",
        kwargs=_pending_entry,
        data=lambda world: {"action": "accept"},
    ),
]
