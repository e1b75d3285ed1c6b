"""Access rows for the dashboard, athlete page, metric-history pages and the review queue."""

from vault.metrics.models import Source
from vault.metrics.tests.factories import days_ago, entry, pending_entry
from vault.testing.access_matrix import Row, expect, page_any_signed_in, page_owner_coach_admin


def _athlete(world):
    return {"public_id": world.athlete.public_id}


def _manual_entry(world):
    created = entry(world.athlete, source=Source.MANUAL, created_by=world.coach)
    return {"public_id": world.athlete.public_id, "entry_id": created.pk}


ROWS = [
    Row("web:dashboard", page_any_signed_in(200)),
    Row("web:athlete-detail", page_owner_coach_admin(200), kwargs=_athlete),
    Row("web:metric-history", page_owner_coach_admin(200), kwargs=_athlete),
    Row(
        "web:metric-history",
        page_owner_coach_admin(302),
        method="post",
        kwargs=_athlete,
        data=lambda world: {"metric_type": "weight", "value": "68.4", "recorded_on": days_ago(2).isoformat()},
    ),
    Row("web:metric-edit", page_owner_coach_admin(200), kwargs=_manual_entry),
    Row(
        "web:metric-edit",
        page_owner_coach_admin(302),
        method="post",
        kwargs=_manual_entry,
        data=lambda world: {"value": "255", "recorded_on": days_ago(3).isoformat()},
    ),
    Row("web:metric-delete", page_owner_coach_admin(302), method="post", kwargs=_manual_entry),
    Row("web:review-queue", page_any_signed_in(200)),
    Row(
        "web:review-action",
        expect(athlete=403, coach=302, other_coach=404, other_athlete=404, admin=302, anonymous=302),
        method="post",
        kwargs=lambda world: {"entry_id": pending_entry(world).pk},
        data=lambda world: {"action": "accept"},
    ),
]
