"""Template filters for metric values and the quantities pages show, in the athlete's unit system.

Values are stored SI; these filters convert only for display (design.md §8). Each takes the unit system
("metric" / "imperial") as its argument, which pages put in their context as `units`
(vault.metrics.selectors.display_units); without one, a metric entry reads in its own athlete's units.
"""

from django import template

from vault.metrics import types
from vault.metrics.types import age_text

register = template.Library()


@register.filter
def age(days: int) -> str:
    """A value's age in days as words: "today", "3 days", "5 weeks"."""
    return age_text(int(days))


@register.filter
def metric_value(entry, units: str = "") -> str:
    """A MetricHistory entry shown in `units`: {{ entry|metric_value:units }} -> "150.8 lb", "6:34/mi"."""
    if entry is None:
        return ""
    system = units or entry.athlete.units
    return types.display_value(entry.metric_type, entry.value, system)


def _quantity(show):
    def apply(value, units: str = ""):
        if value is None or value == "":
            return "–"
        try:
            number = float(value)
        except (TypeError, ValueError):
            return value  # already text (a "–" from a view): leave it alone
        return show(number, units or types.METRIC)

    return apply


register.filter("distance", _quantity(types.display_distance))  # metres -> "10.00 km" / "6.21 mi"
register.filter("pace", _quantity(types.display_pace))  # m/s -> "4:05/km" / "6:34/mi"
register.filter("swim_pace", _quantity(lambda speed, units: types.display_pace(speed, units, swim=True)))
register.filter("speed", _quantity(types.display_speed))  # m/s -> "32.4 km/h" / "20.1 mph"
register.filter("elevation", _quantity(types.display_elevation))  # metres -> "350 m" / "1148 ft"
register.filter("mass", _quantity(types.display_mass))  # kg -> "68.4 kg" / "150.8 lb"
