"""The coaching pages in a real browser (Debian's Chromium through Playwright): the comment thread on the
activity page, the wellness check-in on a phone-sized screen, and the notes page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from vault.coaching import services
from vault.coaching.models import ActivityComment, CoachNote, WellnessEntry
from vault.coaching.tests.factories import make_activity
from vault.testing.browser import sign_in
from vault.testing.personas import PASSWORD, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_post_edit_and_delete_a_comment_on_the_activity_page(page):
    world = build_world()
    activity = make_activity(world.athlete)
    services.comment_create(activity=activity, author=world.coach, body="How did the hills feel?")
    sign_in(page, world.athlete.user.username, PASSWORD)
    page.on("dialog", lambda dialog: dialog.accept())  # the delete button asks first

    # the dashboard's unread badge opens the thread on the activity page
    page.goto("/")
    page.locator("a.unread-comments").click()
    page.wait_for_url(f"**{reverse('web:activity-detail', args=[activity.pk])}#comments")
    thread = page.locator("#comments")
    thread.get_by_text("How did the hills feel?").wait_for()

    page.fill("#comment-body", "Heavy legs on the second climb")
    thread.get_by_role("button", name="Post").click()
    mine = thread.locator(".comment", has_text="Heavy legs on the second climb")
    mine.wait_for()
    assert page.input_value("#comment-body") == ""
    comment = ActivityComment.objects.get(author=world.athlete.user)

    # a refused edit is shown inside the thread, beside the comment, and changes nothing
    mine.locator("summary", has_text="Edit").click()
    mine.locator("textarea").fill("   ")
    mine.get_by_role("button", name="Save").click()
    error = page.locator(f"#comment-{comment.pk}-error")
    error.wait_for()
    assert "empty comment cannot be saved" in error.inner_text()
    assert page.locator(".messages").count() == 0
    comment.refresh_from_db()
    assert comment.body == "Heavy legs on the second climb"

    mine = thread.locator(f"#comment-{comment.pk}")
    mine.locator("textarea").fill("Heavy legs on both climbs")
    mine.get_by_role("button", name="Save").click()
    mine.locator(".comment-body", has_text="Heavy legs on both climbs").wait_for()
    assert "edited" in mine.inner_text()

    mine.locator("summary", has_text="Edit").click()  # the saved thread comes back folded
    mine.get_by_role("button", name="Delete").click()
    mine.wait_for(state="detached")
    assert list(ActivityComment.objects.values_list("body", flat=True)) == ["How did the hills feel?"]
    # the coach's comment has no edit form for the athlete
    assert thread.locator(".comment details").count() == 0


def test_the_wellness_check_in_on_a_phone(page):
    world = build_world()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, world.athlete.user.username, PASSWORD)
    page.goto(reverse("web:wellness", args=[world.athlete.public_id]))

    for legend in ("Sleep", "Body", "Mind", "Other"):
        page.locator("fieldset legend", has_text=legend).wait_for()
    assert not page.locator("#id_cycle_day").is_visible()  # folded away until asked for
    box = page.locator("#id_mood").bounding_box()
    assert box["width"] <= 390  # one column: nothing to scroll sideways to

    page.fill("#id_sleep_hours", "7.5")
    page.fill("#id_mood", "11")
    page.get_by_role("button", name="Save").click()
    error = page.locator("#field-mood .field-error")
    error.wait_for()
    assert "less than or equal to 10" in error.inner_text()
    assert page.input_value("#id_sleep_hours") == "7.5"  # what was typed stays
    assert not WellnessEntry.objects.exists()

    page.fill("#id_mood", "7")
    page.locator("summary", has_text="Menstrual cycle").click()
    page.fill("#id_cycle_day", "12")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Wellness saved.").wait_for()
    entry = WellnessEntry.objects.get()
    today = timezone.now().astimezone(world.athlete.tzinfo).date()
    assert (entry.date, entry.sleep_hours, entry.mood, entry.cycle_day) == (today, 7.5, 7, 12)
    assert page.locator("#id_cycle_day").is_visible()  # it holds a value, so it opens


def test_write_edit_and_resolve_a_note(page):
    world = build_world()
    activity = make_activity(world.athlete)
    sign_in(page, world.coach.username, PASSWORD)
    page.goto(reverse("web:athlete-detail", args=[world.athlete.public_id]))
    page.locator(".actions").get_by_role("link", name="Notes").click()
    page.wait_for_url(f"**{reverse('web:notes', args=[world.athlete.public_id])}")

    page.get_by_role("button", name="Save note").click()  # empty: refused at the field
    page.locator("#id_body-errors").wait_for()
    assert not CoachNote.objects.exists()

    page.fill("#id_body", "Knee *sore* after the long run")
    page.select_option("#id_domain", "run")
    page.select_option("#id_activity", str(activity.pk))
    page.check("#id_concerning")
    page.get_by_role("button", name="Save note").click()
    page.get_by_text("Note saved.").wait_for()
    note = CoachNote.objects.get()
    article = page.locator(f"#note-{note.pk}")
    assert "sore" in article.locator("em").inner_text()
    assert article.get_by_role("link", name="Morning run").count() == 1

    article.locator("summary", has_text="Edit or delete").click()
    article.locator(f"#id_note-{note.pk}-body").fill("Knee fine again")
    article.locator(f"#id_note-{note.pk}-visible_to_athlete").check()
    article.get_by_role("button", name="Save changes").click()
    page.get_by_text("Note changed.").wait_for()
    note.refresh_from_db()
    assert (note.body, note.visible_to_athlete, note.concerning) == ("Knee fine again", True, True)

    page.goto("/")
    page.locator(f'tr[data-athlete="{world.athlete.public_id}"] a.concern-mark').click()
    page.get_by_role("button", name="Resolve concern").click()
    page.get_by_text("Concern resolved").wait_for()
    note.refresh_from_db()
    assert not note.concerning
    page.goto("/")
    assert page.locator("a.concern-mark").count() == 0
