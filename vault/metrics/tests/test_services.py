import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from vault.accounts.models import CoachAthleteLink
from vault.metrics import services
from vault.metrics.models import MetricHistory, ReviewStatus, Source
from vault.metrics.selectors import current_values
from vault.metrics.tests.factories import days_ago, entry, fast_password_hasher, pending_entry  # noqa: F401  (autouse)
from vault.testing.personas import athlete_today

pytestmark = pytest.mark.django_db


def snapshot():
    return list(MetricHistory.objects.order_by("pk").values())


def create(world, **overrides):
    kwargs = {
        "athlete": world.athlete,
        "metric_type": "ftp",
        "value": 250,
        "recorded_on": days_ago(3),
        "source": Source.MANUAL,
        "created_by": world.coach,
    }
    kwargs.update(overrides)
    return services.metric_entry_create(**kwargs)


def test_create_stores_si_value_and_display(world):
    created = create(world, metric_type="css_pace", value=100 / 92, source_detail=" 400/200 test ")
    assert created.value == pytest.approx(1.0869565)
    assert created.value_display == "1:32/100m"
    assert created.source_detail == "400/200 test"
    assert created.review_status == ReviewStatus.NOT_REQUIRED and not created.needs_review


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"metric_type": "ftpp"}, "metric_type", "'ftpp' is not a known metric type"),
        ({"value": 2000}, "value", "outside the valid range for ftp (30 W to 800 W)"),
        ({"value": -5}, "value", "outside the valid range"),
        ({"metric_type": "css_pace", "value": 5.0}, "value", "outside the valid range for css_pace"),
        ({"value": float("nan")}, "value", "finite"),
        ({"value": "lots"}, "value", "must be a number"),
        ({"value": True}, "value", "must be a number"),
        ({"recorded_on": "2024-13-45"}, "recorded_on", "expected a date as YYYY-MM-DD"),
        ({"recorded_on": "yesterday"}, "recorded_on", "expected a date"),
        ({"recorded_on": athlete_today() + dt.timedelta(days=3)}, "recorded_on", "in the future"),
        ({"recorded_on": dt.date(1901, 1, 1)}, "recorded_on", "more than 100 years ago"),
        ({"source": "guess"}, "source", "'guess' is not a source"),
        ({"source_detail": "x" * 201}, "source_detail", "at most 200"),
    ],
)
def test_create_rejects_bad_input_naming_the_field_and_stores_nothing(world, overrides, field, message):
    create(world)
    before = snapshot()
    with pytest.raises(ValidationError) as raised:
        create(world, **overrides)
    assert field in raised.value.message_dict
    assert message in raised.value.message_dict[field][0]
    assert snapshot() == before


def test_date_before_birth_is_refused(world):
    world.athlete.birth_date = dt.date(1990, 5, 1)
    world.athlete.save()
    with pytest.raises(ValidationError, match="before the athlete's birth date"):
        create(world, recorded_on=dt.date(1989, 1, 1))


def test_future_is_judged_in_the_athletes_time_zone(world):
    world.athlete.time_zone = "Pacific/Kiritimati"  # UTC+14: already tomorrow there for most of the UTC day
    world.athlete.save()
    local_today = timezone.localdate(timezone=world.athlete.tzinfo)
    assert create(world, recorded_on=local_today).recorded_on == local_today


def test_athletes_own_entry_waits_for_their_coach(world):
    own = pending_entry(world)
    assert own.needs_review and own.review_status == ReviewStatus.PENDING
    assert "ftp" not in current_values(world.athlete)


def test_coach_entry_counts_at_once(world):
    assert create(world, created_by=world.coach).review_status == ReviewStatus.NOT_REQUIRED


def test_athlete_without_coach_counts_at_once_and_reviews_flagged_entries_themself(world):
    CoachAthleteLink.objects.filter(athlete=world.athlete).update(ended_at=timezone.now())
    own = create(world, created_by=world.athlete.user)
    assert not own.needs_review
    flagged = create(world, source=Source.MODELED, needs_review=True, created_by=None, value=260)
    assert flagged.needs_review
    accepted = services.metric_review_accept(entry=flagged, reviewer=world.athlete.user)
    assert accepted.review_status == ReviewStatus.ACCEPTED


def test_flagged_entries_from_other_parts_join_the_queue(world):
    flagged = create(world, source=Source.ACTIVITY, needs_review=True, created_by=None)
    assert flagged.review_status == ReviewStatus.PENDING


def test_accept_makes_it_current(world):
    create(world, value=240, recorded_on=days_ago(30))
    own = pending_entry(world, value=255, days=2)
    assert current_values(world.athlete)["ftp"].value == 240
    accepted = services.metric_review_accept(entry=own, reviewer=world.coach)
    assert accepted.review_status == ReviewStatus.ACCEPTED and not accepted.needs_review
    assert accepted.reviewed_by == world.coach and accepted.reviewed_at is not None
    assert current_values(world.athlete)["ftp"].value == 255


def test_decline_keeps_it_out_with_the_reason(world):
    create(world, value=240, recorded_on=days_ago(30))
    own = pending_entry(world, value=400, days=2)
    declined = services.metric_review_decline(entry=own, reviewer=world.coach, reason="That was a 5 min test")
    assert declined.review_status == ReviewStatus.DECLINED and not declined.needs_review
    assert declined.review_note == "That was a 5 min test"
    assert current_values(world.athlete)["ftp"].value == 240


def test_request_info_keeps_it_pending_and_needs_a_note(world):
    own = pending_entry(world)
    with pytest.raises(ValidationError) as raised:
        services.metric_review_request_info(entry=own, reviewer=world.coach, note="  ")
    assert "note" in raised.value.message_dict
    own.refresh_from_db()
    assert own.review_status == ReviewStatus.PENDING
    asked = services.metric_review_request_info(entry=own, reviewer=world.coach, note="Which test?")
    assert asked.needs_review and asked.review_status == ReviewStatus.INFO_REQUESTED
    assert asked.review_note == "Which test?"
    # The athlete answers by correcting the value: back to pending for the coach.
    edited = services.metric_entry_update(entry=asked, updated_by=world.athlete.user, value=245)
    assert edited.review_status == ReviewStatus.PENDING and edited.value_display == "245 W"


def test_only_coach_or_admin_reviews(world):
    own = pending_entry(world)
    for outsider in (world.athlete.user, world.other_coach, world.other_athlete.user):
        with pytest.raises(PermissionDenied):
            services.metric_review_accept(entry=own, reviewer=outsider)
    own.refresh_from_db()
    assert own.review_status == ReviewStatus.PENDING
    assert (
        services.metric_review_accept(entry=own, reviewer=world.admin).review_status == ReviewStatus.ACCEPTED
    )


def test_reviewing_twice_is_refused(world):
    own = pending_entry(world)
    services.metric_review_accept(entry=own, reviewer=world.coach)
    before = snapshot()
    with pytest.raises(ValidationError, match="not waiting for review"):
        services.metric_review_decline(entry=own, reviewer=world.coach, reason="no")
    assert snapshot() == before


def test_update_manual_entry(world):
    manual = create(world)
    updated = services.metric_entry_update(
        entry=manual, updated_by=world.coach, value=270, source_detail="ramp"
    )
    assert (updated.value, updated.value_display, updated.source_detail) == (270, "270 W", "ramp")
    assert updated.review_status == ReviewStatus.NOT_REQUIRED


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"value": 5000}, "value"),
        ({"recorded_on": "31/12/2024"}, "recorded_on"),
        ({"source_detail": "y" * 300}, "source_detail"),
    ],
)
def test_update_bad_input_changes_nothing(world, changes, field):
    manual = create(world)
    before = snapshot()
    with pytest.raises(ValidationError) as raised:
        services.metric_entry_update(entry=manual, updated_by=world.coach, **changes)
    assert field in raised.value.message_dict
    assert snapshot() == before


@pytest.mark.parametrize("source", [Source.ASSESSMENT, Source.CALCULATOR, Source.ACTIVITY, Source.MODELED])
def test_non_manual_entries_cannot_be_edited_or_deleted(world, source):
    other = create(world, source=source, source_detail="ramp test 2026-01")
    before = snapshot()
    with pytest.raises(ValidationError) as raised:
        services.metric_entry_update(entry=other, updated_by=world.coach, value=300)
    assert "only manual entries can be edited" in raised.value.message_dict["source"][0]
    assert "ramp test 2026-01" in raised.value.message_dict["source"][0]
    with pytest.raises(ValidationError, match="only manual entries can be deleted"):
        services.metric_entry_delete(entry=other)
    assert snapshot() == before


def test_delete_manual_entry(world):
    manual = create(world)
    services.metric_entry_delete(entry=manual, deleted_by=world.coach)
    assert not MetricHistory.objects.filter(pk=manual.pk).exists()


def test_factories_entry_helper_matches_service(world):
    made = entry(world.athlete, metric_type="weight", value=68.4, days=1, created_by=world.coach)
    assert made.value_display == "68.4 kg"
