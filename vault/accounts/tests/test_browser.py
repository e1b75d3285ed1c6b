"""Real-browser tests (Playwright, Debian's Chromium): first-account setup, not-found for other people's
athlete pages, and a join-link sign-up on a phone-sized screen."""

import pytest
from django.urls import reverse

from vault.accounts.models import AthleteProfile, CoachAthleteLink, LinkOrigin, Role, User
from vault.testing.browser import sign_in
from vault.testing.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_first_account_setup_in_a_browser(page):
    page.goto(reverse("web:signin"))
    page.click("text=Create the first account")
    page.fill("input[name=username]", "root")
    page.fill("input[name=email]", "root@example.test")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**" + reverse("web:dashboard"))
    assert page.locator("text=You are the admin").is_visible()
    assert page.locator(".mainnav a", has_text="Admin").is_visible()
    root = User.objects.get()
    assert (root.username, root.role, root.is_superuser) == ("root", Role.ADMIN, True)
    # Setup is gone now, and the sign-in page no longer offers it.
    response = page.goto(reverse("web:setup"))
    assert response.status == 404
    assert page.locator("h1", has_text="Not found").is_visible()


def test_athlete_typing_another_athletes_url_gets_the_not_found_page(page, world):
    sign_in(page, world.athlete.user.username, PASSWORD)
    own = page.goto(reverse("web:athlete-detail", kwargs={"public_id": world.athlete.public_id}))
    assert own.status == 200
    assert page.locator("text=Ana Athlete").first.is_visible()
    other = page.goto(reverse("web:athlete-detail", kwargs={"public_id": world.other_athlete.public_id}))
    assert other.status == 404
    assert page.locator("h1", has_text="Not found").is_visible()
    assert "Oscar" not in page.content()
    # A made-up id looks exactly the same: nothing tells the two apart.
    made_up = page.goto(reverse("web:athlete-detail", kwargs={"public_id": "made-up-id"}))
    assert made_up.status == 404
    assert page.locator("h1", has_text="Not found").is_visible()


def test_join_link_sign_up_on_a_phone(page, world, live_server):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, world.coach.username, PASSWORD)
    page.goto(reverse("web:roster"))
    page.fill("#id_label", "Spring squad")
    page.fill("#id_max_signups", "2")
    page.click("text=Create join link")
    join_url = page.locator("input[aria-label='Join link address']").input_value()
    assert join_url.startswith(live_server.url + "/join/")
    # No sideways scrolling on a phone-sized screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.context.clear_cookies()
    page.goto(join_url)
    page.fill("input[name=name]", "Nora New")
    page.fill("input[name=username]", "nora")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.fill("input[name=time_zone]", "Mars/Base")
    page.click("button[type=submit]")
    assert page.locator("text=is not a known time zone").is_visible()
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.fill("input[name=time_zone]", "Europe/Oslo")
    page.click("button[type=submit]")
    page.wait_for_url("**" + reverse("web:dashboard"))
    nora = AthleteProfile.objects.get(user__username="nora")
    assert nora.time_zone == "Europe/Oslo"
    assert CoachAthleteLink.objects.active().get(athlete=nora).origin == LinkOrigin.JOIN_LINK
