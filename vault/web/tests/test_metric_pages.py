import pytest
from django.urls import reverse
from django.utils import timezone

from vault.metrics.models import MetricHistory, ReviewStatus, Source
from vault.metrics.tests.factories import days_ago, entry, fast_password_hasher, pending_entry  # noqa: F401  (autouse)
from vault.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def history_url(athlete):
    return reverse("web:metric-history", kwargs={"public_id": athlete.public_id})


def test_athlete_dashboard_shows_thresholds_changes_and_review_notes(world, client):
    entry(world.athlete, value=240, days=200, created_by=world.coach)
    entry(world.athlete, value=250, days=5, created_by=world.coach)
    asked = pending_entry(world, metric_type="weight", value=70, days=1)
    from vault.metrics.services import metric_review_request_info

    metric_review_request_info(entry=asked, reviewer=world.coach, note="Morning or evening?")
    html = signed_in(client, world.athlete.user).get(reverse("web:dashboard")).content.decode()
    assert "250 W" in html and "5 days ago" in html
    assert "240 W → " in html  # what changed lately, beside the previous value
    assert "Morning or evening?" in html
    assert "1 waiting for your coach" in html


def test_coach_dashboard_lists_roster_with_thresholds_and_pending(world, client):
    entry(world.athlete, metric_type="css_pace", value=100 / 92, days=3, created_by=world.coach)
    pending_entry(world)
    html = signed_in(client, world.coach).get(reverse("web:dashboard")).content.decode()
    assert world.athlete.name in html and world.other_athlete.name not in html
    assert "1:32/100m" in html
    assert "1 waiting" in html
    assert reverse("web:athlete-detail", kwargs={"public_id": world.athlete.public_id}) in html


def test_admin_dashboard_lists_everyone(world, client):
    html = signed_in(client, world.admin).get(reverse("web:dashboard")).content.decode()
    assert world.athlete.name in html and world.other_athlete.name in html


def test_athlete_page_shows_values_links_and_exports(world, client):
    entry(world.athlete, metric_type="w_prime", value=20500, days=3, created_by=world.coach)
    public_id = world.athlete.public_id
    html = (
        signed_in(client, world.coach)
        .get(reverse("web:athlete-detail", kwargs={"public_id": public_id}))
        .content.decode()
    )
    assert "20.5 kJ" in html and "3 days ago" in html
    for name in ("web:metric-history", "web:race-list", "api:metrics-csv", "api:calculator-results-csv"):
        assert f'href="{reverse(name, kwargs={"public_id": public_id})}"' in html, name


def test_athlete_page_of_someone_else_is_the_not_found_page(world, client):
    response = signed_in(client, world.athlete.user).get(
        reverse("web:athlete-detail", kwargs={"public_id": world.other_athlete.public_id})
    )
    assert response.status_code == 404


def test_history_page_table_chart_data_and_review_state(world, client):
    entry(
        world.athlete, metric_type="threshold_run_pace", value=1000 / 245, days=30, source=Source.ASSESSMENT
    )
    entry(
        world.athlete, metric_type="threshold_run_pace", value=1000 / 250, days=90, source=Source.ASSESSMENT
    )
    declined = pending_entry(world, value=400, days=2)
    from vault.metrics.services import metric_review_decline

    metric_review_decline(entry=declined, reviewer=world.coach, reason="Not a real test")
    response = signed_in(client, world.athlete.user).get(history_url(world.athlete))
    html = response.content.decode()
    assert "4:05/km" in html and "400 W" in html and "Not a real test" in html
    assert 'id="metric-series"' in html and "uPlot.iife.min.js" in html and "//cdn" not in html
    assert response.context["series"]["threshold_run_pace"]["y"] == [250.0, 245.0]


def test_history_form_creates_entry_from_display_input(world, client):
    response = signed_in(client, world.athlete.user).post(
        history_url(world.athlete),
        {"metric_type": "css_pace", "value": "1:32", "recorded_on": days_ago(1).isoformat()},
    )
    assert response.status_code == 302
    created = MetricHistory.objects.get(athlete=world.athlete)
    assert created.value_display == "1:32/100m" and created.review_status == ReviewStatus.PENDING


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"metric_type": "nope", "value": "250"}, "metric_type", "Select a valid choice"),
        ({"value": "9000"}, "value", "outside the valid range for ftp"),
        ({"value": "fast"}, "value", "expected a number"),
        ({"metric_type": "css_pace", "value": "1:75"}, "value", "expected a pace as m:ss"),
        ({"recorded_on": "2025-02-31"}, "recorded_on", "Enter a valid date"),
        ({"recorded_on": "2999-01-01"}, "recorded_on", "in the future"),
    ],
)
def test_history_form_errors_name_the_field_and_store_nothing(world, client, form, field, message):
    data = {"metric_type": "ftp", "value": "250", "recorded_on": days_ago(1).isoformat(), **form}
    response = signed_in(client, world.athlete.user).post(history_url(world.athlete), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in errors[field][0]
    assert f'data-field="{field}"' in response.content.decode()
    assert not MetricHistory.objects.exists()


def test_delete_only_manual_entries(world, client):
    manual = entry(world.athlete, created_by=world.coach)
    assessed = entry(world.athlete, source=Source.ASSESSMENT)
    signed_in(client, world.coach)

    def url(e):
        return reverse("web:metric-delete", kwargs={"public_id": world.athlete.public_id, "entry_id": e.pk})

    client.post(url(manual))
    response = client.post(url(assessed), follow=True)
    assert "only manual entries can be deleted" in response.content.decode()
    assert list(MetricHistory.objects.values_list("pk", flat=True)) == [assessed.pk]


def test_review_queue_page_and_htmx_actions(world, client):
    entry(world.athlete, value=240, days=30, created_by=world.coach)
    waiting = pending_entry(world, value=255, days=2)
    signed_in(client, world.coach)
    html = client.get(reverse("web:review-queue")).content.decode()
    assert "255 W" in html and "Previous value: <strong>240 W</strong>" in html
    action = reverse("web:review-action", kwargs={"entry_id": waiting.pk})
    response = client.post(action, {"action": "request_info", "note": ""}, HTTP_HX_REQUEST="true")
    assert "say what information you need" in response.content.decode()
    response = client.post(action, {"action": "decline", "note": "Recheck"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'data-status="declined"' in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.review_status == ReviewStatus.DECLINED and waiting.review_note == "Recheck"


def test_review_queue_for_athlete_shows_own_waiting_entries_without_actions(world, client):
    waiting = pending_entry(world)
    html = signed_in(client, world.athlete.user).get(reverse("web:review-queue")).content.decode()
    assert f'data-entry="{waiting.pk}"' in html and 'name="accept"' not in html
    response = client.post(
        reverse("web:review-action", kwargs={"entry_id": waiting.pk}), {"action": "accept"}
    )
    assert response.status_code == 403
    waiting.refresh_from_db()
    assert waiting.review_status == ReviewStatus.PENDING


def test_review_action_unknown_action_is_404_and_changes_nothing(world, client):
    waiting = pending_entry(world)
    signed_in(client, world.coach)
    response = client.post(
        reverse("web:review-action", kwargs={"entry_id": waiting.pk}), {"action": "approve"}
    )
    assert response.status_code == 404
    waiting.refresh_from_db()
    assert waiting.review_status == ReviewStatus.PENDING


def test_sign_in_leads_to_dashboard(world, client):
    response = client.post(
        reverse("web:signin"), {"username": world.coach.username, "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert "Your roster" in response.content.decode()


def edit_url(made):
    return reverse("web:metric-edit", kwargs={"public_id": made.athlete.public_id, "entry_id": made.pk})


def test_edit_form_shows_display_input_and_keeps_an_unchanged_value_exactly(world, client):
    made = entry(world.athlete, metric_type="css_pace", value=1.0875, days=4, created_by=world.coach)
    signed_in(client, world.coach)
    response = client.get(edit_url(made))
    assert response.context["form"]["value"].value() == "1:32"
    response = client.post(
        edit_url(made),
        {"value": "1:32", "recorded_on": days_ago(4).isoformat(), "source_detail": "pool 25 m"},
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.value == 1.0875 and made.source_detail == "pool 25 m"
    client.post(edit_url(made), {"value": "1:30", "recorded_on": days_ago(4).isoformat()})
    made.refresh_from_db()
    assert made.value_display == "1:30/100m"


def test_athlete_answers_an_info_request_by_editing(world, client):
    from vault.metrics.services import metric_review_request_info

    asked = pending_entry(world, metric_type="weight", value=70, days=2)
    metric_review_request_info(entry=asked, reviewer=world.coach, note="Morning weight?")
    html = signed_in(client, world.athlete.user).get(reverse("web:dashboard")).content.decode()
    assert edit_url(asked) in html
    assert "Morning weight?" in client.get(edit_url(asked)).content.decode()
    client.post(
        edit_url(asked), {"value": "69.2", "recorded_on": days_ago(2).isoformat(), "source_detail": "morning"}
    )
    asked.refresh_from_db()
    assert (asked.value, asked.review_status) == (69.2, ReviewStatus.PENDING)


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"value": "500"}, "value", "outside the valid range for weight"),
        ({"recorded_on": "soon"}, "recorded_on", "Enter a valid date"),
    ],
)
def test_edit_form_errors_change_nothing(world, client, form, field, message):
    made = entry(world.athlete, metric_type="weight", value=70, days=2, created_by=world.coach)
    before = list(MetricHistory.objects.values())
    data = {"value": "70.5", "recorded_on": days_ago(2).isoformat(), **form}
    response = signed_in(client, world.coach).post(edit_url(made), data)
    assert response.status_code == 400
    assert message in response.context["form"].errors[field][0]
    assert list(MetricHistory.objects.values()) == before


def test_edit_of_a_non_manual_entry_is_refused(world, client):
    assessed = entry(world.athlete, source=Source.ASSESSMENT)
    response = signed_in(client, world.coach).get(edit_url(assessed), follow=True)
    assert "Only manual entries can be edited" in response.content.decode()
    response = client.post(edit_url(assessed), {"value": "300", "recorded_on": days_ago(1).isoformat()})
    assessed.refresh_from_db()
    assert assessed.value == 250


def test_history_table_filters_by_type_and_charts_need_two_points(world, client):
    entry(world.athlete, value=240, days=30, created_by=world.coach)
    entry(world.athlete, value=250, days=3, created_by=world.coach)
    entry(world.athlete, metric_type="weight", value=68.4, days=3, created_by=world.coach)
    signed_in(client, world.coach)
    response = client.get(history_url(world.athlete), {"metric_type": "weight"})
    assert [e.metric_type for e in response.context["entries"]] == ["weight"]
    assert list(response.context["series"]) == ["ftp"]
    response = client.get(history_url(world.athlete), {"metric_type": "bogus"})
    assert len(response.context["entries"]) == 3
    assert response.context["form"]["recorded_on"].value() == timezone.localdate(
        timezone=world.athlete.tzinfo
    )


def test_dashboard_leads_with_thresholds_and_athlete_page_shows_everything(world, client):
    entry(world.athlete, metric_type="hrv_rmssd", value=60, days=2, created_by=world.coach)
    entry(world.athlete, metric_type="weight", value=68.4, days=2, created_by=world.coach)
    entry(world.athlete, metric_type="ftp", value=250, days=2, created_by=world.coach)
    signed_in(client, world.athlete.user)
    shown = [e.metric_type for e in client.get(reverse("web:dashboard")).context["current"]]
    assert shown == ["ftp", "weight"]
    page = client.get(reverse("web:athlete-detail", kwargs={"public_id": world.athlete.public_id}))
    assert [e.metric_type for e in page.context["current"]] == ["ftp", "weight", "hrv_rmssd"]


@pytest.mark.parametrize("name", ["web:athlete-detail", "web:metric-history"])
def test_unknown_public_id_is_the_not_found_page(world, client, name):
    response = signed_in(client, world.admin).get(reverse(name, kwargs={"public_id": "no-such-athlete"}))
    assert response.status_code == 404


def test_metric_history_admin_lists_filters_and_searches(world, client):
    entry(world.athlete, metric_type="weight", value=68.4, days=2, created_by=world.coach)
    signed_in(client, world.admin)
    url = reverse("admin:metrics_metrichistory_changelist")
    assert "68.4 kg" in client.get(url, {"source__exact": "manual"}).content.decode()
    assert "68.4 kg" in client.get(url, {"q": world.athlete.name}).content.decode()
    assert "68.4 kg" not in client.get(url, {"q": "nobody-by-this-name"}).content.decode()
