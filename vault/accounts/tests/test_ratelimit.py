import uuid

import config.settings as project_settings
from vault.accounts import ratelimit


def test_counters_work_on_the_projects_own_cache(settings):
    """The file cache (embedded) or Redis (REDIS_URL) the project runs with, not the tests' private one."""
    settings.CACHES = project_settings.CACHES
    who = f"probe-{uuid.uuid4()}"  # unique, so earlier runs sharing the cache cannot interfere
    assert ratelimit.hits("probe", who) == 0
    assert [ratelimit.hit("probe", who) for _ in range(3)] == [1, 2, 3]
    assert ratelimit.hits("probe", who) == 3
    ratelimit.clear("probe", who)
    assert ratelimit.hits("probe", who) == 0


def test_identifiers_are_case_insensitive_and_not_stored_in_clear(settings):
    ratelimit.hit("signin-account", "Coach_Carla")
    assert ratelimit.hits("signin-account", "coach_carla") == 1
    assert "coach_carla" not in ratelimit._key("signin-account", "Coach_Carla")
