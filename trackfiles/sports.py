"""Sport names: the FIT profile's lower-case names, which every decoder reports."""

from __future__ import annotations

# Normalised free text (GPX <type>, lower case, spaces/dashes -> '_') -> (sport, sub_sport)
_SPORT_OF_TEXT = {
    "running": ("running", None),
    "run": ("running", None),
    "street_running": ("running", "street"),
    "trail_running": ("running", "trail"),
    "treadmill_running": ("running", "treadmill"),
    "track_running": ("running", "track"),
    "cycling": ("cycling", None),
    "biking": ("cycling", None),
    "bike": ("cycling", None),
    "ride": ("cycling", None),
    "road_biking": ("cycling", "road"),
    "road_cycling": ("cycling", "road"),
    "mountain_biking": ("cycling", "mountain"),
    "gravel_cycling": ("cycling", "gravel_cycling"),
    "virtual_ride": ("cycling", "virtual_activity"),
    "indoor_cycling": ("cycling", "indoor_cycling"),
    "swimming": ("swimming", None),
    "swim": ("swimming", None),
    "lap_swimming": ("swimming", "lap_swimming"),
    "open_water_swimming": ("swimming", "open_water"),
    "walking": ("walking", None),
    "walk": ("walking", None),
    "hiking": ("hiking", None),
    "hike": ("hiking", None),
    "cross_country_skiing": ("cross_country_skiing", None),
    "nordic_ski": ("cross_country_skiing", None),
    "rowing": ("rowing", None),
    "multisport": ("multisport", None),
    # Strava's GPX export writes its activity-type number: 1 = Ride, 9 = Run
    "1": ("cycling", None),
    "9": ("running", None),
}

# TCX Activity/@Sport is an enumeration of three values
SPORT_OF_TCX = {"Running": "running", "Biking": "cycling", "Other": "generic"}


def sport_from_text(text: str | None) -> tuple[str, str | None]:
    """(sport, sub_sport) for a free-text sport name; ("generic", None) when unknown or absent."""
    if not text:
        return "generic", None
    key = "_".join(text.strip().lower().replace("-", " ").split())
    return _SPORT_OF_TEXT.get(key, ("generic", None))
