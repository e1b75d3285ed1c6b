import datetime as dt

import pytest
from django.urls import reverse

from vault.metrics.models import MetricHistory, ReviewStatus, Source
from vault.metrics.tests.factories import days_ago, entry, fast_password_hasher, pending_entry  # noqa: F401  (autouse)
from vault.testing.personas import athlete_today

pytestmark = pytest.mark.django_db


def list_url(athlete):
    return reverse("api:metric-list", kwargs={"public_id": athlete.public_id})


def detail_url(created):
    return reverse(
        "api:metric-detail", kwargs={"public_id": created.athlete.public_id, "entry_id": created.pk}
    )


def review_url(created):
    return reverse(
        "api:metric-review", kwargs={"public_id": created.athlete.public_id, "entry_id": created.pk}
    )


def snapshot():
    return list(MetricHistory.objects.order_by("pk").values())


def test_list_with_filters(world, api_client):
    entry(world.athlete, value=230, days=40, created_by=world.coach)
    entry(world.athlete, value=250, days=7, source=Source.ASSESSMENT)
    entry(world.athlete, metric_type="weight", value=68.4, days=3, created_by=world.coach)
    api_client.force_authenticate(world.coach)
    body = api_client.get(list_url(world.athlete)).json()
    assert body["count"] == 3 and body["next"] is None
    assert [r["value_display"] for r in body["results"]] == ["68.4 kg", "250 W", "230 W"]
    first = body["results"][1]
    assert first["metric_type"] == "ftp" and first["unit"] == "W" and first["source"] == "assessment"
    assert first["recorded_on"] == days_ago(7).isoformat() and first["needs_review"] is False
    query = {"metric_type": "ftp", "since": days_ago(10).isoformat(), "until": days_ago(0).isoformat()}
    body = api_client.get(list_url(world.athlete), query).json()
    assert [r["value"] for r in body["results"]] == [250]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"since": "2024-02-30"}, "since", "Date has wrong format"),
        ({"until": "last week"}, "until", "Date has wrong format"),
        ({"metric_type": "speed"}, "metric_type", "'speed' is not a known metric type"),
        ({"since": "2025-05-01", "until": "2025-04-01"}, "until", "must be on or after since"),
    ],
)
def test_list_bad_filters_are_field_errors(world, api_client, query, field, message):
    api_client.force_authenticate(world.athlete.user)
    response = api_client.get(list_url(world.athlete), query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert message in error["fields"][field][0]


def test_post_manual_entry_by_athlete_waits_for_coach(world, api_client):
    api_client.force_authenticate(world.athlete.user)
    response = api_client.post(
        list_url(world.athlete),
        {
            "metric_type": "threshold_run_pace",
            "value": 1000 / 245,
            "recorded_on": days_ago(1).isoformat(),
            "source_detail": "30 min TT",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["value_display"] == "4:05/km" and body["source"] == "manual"
    assert body["needs_review"] is True and body["review_status"] == "pending"
    assert body["created_by"] == world.athlete.user.username


def test_post_by_coach_counts_at_once(world, api_client):
    api_client.force_authenticate(world.coach)
    response = api_client.post(
        list_url(world.athlete),
        {"metric_type": "weight", "value": 68.4, "recorded_on": days_ago(0).isoformat()},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["review_status"] == "not_required"


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"metric_type": "watts"}, "metric_type", "'watts' is not a known metric type"),
        ({"value": 2000}, "value", "outside the valid range for ftp"),
        ({"value": "abc"}, "value", "A valid number is required"),
        ({"recorded_on": "2025-13-01"}, "recorded_on", "Date has wrong format"),
        (
            {"recorded_on": (athlete_today() + dt.timedelta(days=2)).isoformat()},
            "recorded_on",
            "in the future",
        ),
        ({"recorded_on": "1890-01-01"}, "recorded_on", "more than 100 years ago"),
        ({"metric_type": None}, "metric_type", "may not be null"),
    ],
)
def test_post_bad_input_is_a_field_error_and_stores_nothing(world, api_client, payload, field, message):
    entry(world.athlete, created_by=world.coach)
    before = snapshot()
    api_client.force_authenticate(world.athlete.user)
    data = {"metric_type": "ftp", "value": 250, "recorded_on": days_ago(1).isoformat(), **payload}
    response = api_client.post(list_url(world.athlete), data, format="json")
    assert response.status_code == 400
    assert message in response.json()["error"]["fields"][field][0]
    assert snapshot() == before


def test_unknown_public_id_is_404(world, api_client):
    api_client.force_authenticate(world.admin)
    response = api_client.get(reverse("api:metric-list", kwargs={"public_id": "does-not-exist"}))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_patch_and_delete_manual_entry(world, api_client):
    manual = entry(world.athlete, created_by=world.coach)
    api_client.force_authenticate(world.coach)
    response = api_client.patch(detail_url(manual), {"value": 262, "source_detail": "ramp"}, format="json")
    assert response.status_code == 200
    assert response.json()["value_display"] == "262 W"
    assert api_client.delete(detail_url(manual)).status_code == 204
    assert not MetricHistory.objects.filter(pk=manual.pk).exists()


def test_patch_bad_value_changes_nothing(world, api_client):
    manual = entry(world.athlete, created_by=world.coach)
    before = snapshot()
    api_client.force_authenticate(world.coach)
    response = api_client.patch(detail_url(manual), {"value": 9999}, format="json")
    assert response.status_code == 400
    assert "value" in response.json()["error"]["fields"]
    assert snapshot() == before


def test_non_manual_entries_refuse_patch_and_delete(world, api_client):
    assessed = entry(world.athlete, source=Source.ASSESSMENT, source_detail="lab test")
    before = snapshot()
    api_client.force_authenticate(world.coach)
    for response in (
        api_client.patch(detail_url(assessed), {"value": 300}, format="json"),
        api_client.delete(detail_url(assessed)),
    ):
        assert response.status_code == 400
        assert "only manual entries" in response.json()["error"]["message"]
        assert "assessment" in response.json()["error"]["fields"]["source"][0]
    assert snapshot() == before


def test_entry_of_another_athlete_under_this_athlete_is_404(world, api_client):
    foreign = entry(world.other_athlete, created_by=world.other_coach)
    api_client.force_authenticate(world.admin)
    url = reverse("api:metric-detail", kwargs={"public_id": world.athlete.public_id, "entry_id": foreign.pk})
    assert api_client.get(url).status_code == 404


def test_review_accept_decline_request_info(world, api_client):
    api_client.force_authenticate(world.coach)
    first, second, third = (pending_entry(world, value=v, days=2) for v in (250, 251, 252))
    body = api_client.post(review_url(first), {"action": "accept"}, format="json").json()
    assert body["review_status"] == "accepted" and body["needs_review"] is False
    body = api_client.post(
        review_url(second), {"action": "decline", "note": "Too high"}, format="json"
    ).json()
    assert body["review_status"] == "declined" and body["review_note"] == "Too high"
    body = api_client.post(
        review_url(third), {"action": "request_info", "note": "Which test?"}, format="json"
    ).json()
    assert body["review_status"] == "info_requested" and body["needs_review"] is True


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"action": "approve"}, "action"), ({}, "action"), ({"action": "request_info", "note": ""}, "note")],
)
def test_review_bad_input_changes_nothing(world, api_client, payload, field):
    waiting = pending_entry(world)
    before = snapshot()
    api_client.force_authenticate(world.coach)
    response = api_client.post(review_url(waiting), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert snapshot() == before


def test_review_of_entry_not_waiting_is_refused(world, api_client):
    done = entry(world.athlete, created_by=world.coach)
    api_client.force_authenticate(world.coach)
    response = api_client.post(review_url(done), {"action": "decline"}, format="json")
    assert response.status_code == 400
    assert "not waiting for review" in response.json()["error"]["fields"]["action"][0]
    done.refresh_from_db()
    assert done.review_status == ReviewStatus.NOT_REQUIRED


def test_review_refused_for_athlete_and_outsiders(world, api_client):
    waiting = pending_entry(world)
    api_client.force_authenticate(world.athlete.user)
    assert api_client.post(review_url(waiting), {"action": "accept"}, format="json").status_code == 403
    api_client.force_authenticate(world.other_coach)
    assert api_client.post(review_url(waiting), {"action": "accept"}, format="json").status_code == 404
    waiting.refresh_from_db()
    assert waiting.review_status == ReviewStatus.PENDING


def test_schema_lists_metric_paths(world, api_client):
    api_client.force_authenticate(world.admin)
    response = api_client.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"get", "post"} <= set(paths["/api/athlete/{public_id}/metrics/"])
    assert {"get", "patch", "delete"} <= set(paths["/api/athlete/{public_id}/metrics/{entry_id}/"])
    assert "post" in paths["/api/athlete/{public_id}/metrics/{entry_id}/review/"]
