from django.conf import settings

from vault.accounts.access import own_athlete


def site(request):
    user = getattr(request, "user", None)
    return {
        "own_athlete": own_athlete(user) if user is not None else None,
        "map_tile_url": settings.MAP_TILE_URL,
    }
