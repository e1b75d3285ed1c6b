import pytest
from django.http import Http404
from django.utils import timezone

from vault.accounts.access import athlete_for, can_see_athlete, visible_athletes
from vault.accounts.models import CoachAthleteLink
from vault.testing.personas import PERSONAS

SEES_ATHLETE = {"athlete": True, "coach": True, "other_coach": False, "other_athlete": False, "admin": True}


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_visibility_of_the_athlete_by_persona(world, persona):
    user = world.user(persona)
    expected = SEES_ATHLETE[persona]
    assert can_see_athlete(user, world.athlete) is expected
    assert (world.athlete in visible_athletes(user)) is expected
    if expected:
        assert athlete_for(user, world.athlete.public_id) == world.athlete
    else:
        with pytest.raises(Http404):
            athlete_for(user, world.athlete.public_id)


def test_anonymous_sees_nobody(world):
    from django.contrib.auth.models import AnonymousUser

    assert list(visible_athletes(AnonymousUser())) == []
    with pytest.raises(Http404):
        athlete_for(AnonymousUser(), world.athlete.public_id)


def test_unknown_public_id_is_404_even_for_admin(world):
    with pytest.raises(Http404):
        athlete_for(world.admin, "does-not-exist")


def test_ended_link_hides_the_athlete_but_keeps_history(world):
    link = CoachAthleteLink.objects.get(coach=world.coach, athlete=world.athlete)
    link.ended_at = timezone.now()
    link.save()
    assert not can_see_athlete(world.coach, world.athlete)
    assert visible_athletes(world.coach).count() == 0
    assert CoachAthleteLink.objects.filter(pk=link.pk).exists()
