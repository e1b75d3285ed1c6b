"""Template filters for metric values and the quantities pages show, in the athlete's unit system.

Values are stored SI; these filters convert only for display (design.md §8). Each takes the unit system
("metric" / "imperial") as its argument, which pages put in their context as `units`
(vault.metrics.selectors.display_units); without one, a metric entry reads in its own athlete's units.
"""

import math

from django import template

from vault.calculators.calculators import display_value as calculator_display
from vault.calculators.calculators import unit_of
from vault.metrics import types
from vault.metrics.selectors import display_units
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


# Calculator field names (the unit is in the name, calculators.unit_of) that are route distances.
_DISTANCE_NAMES = ("distance_m", "swim_m", "bike_m", "run_m", "leg_m")


def calculator_text(name: str, value, units: str = "") -> str:
    """A calculator input or output in `units`: run_pace_s_per_km 245 -> "4:05/km" / "6:34/mi", bike
    speed_m_per_s -> km/h / mph, distance_m -> km / mi, elevation/altitude -> m / ft. Anything else (W, kcal,
    CSS speed in m/s, test distances) reads as calculators.display_value shows it, the same in both."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return calculator_display(name, value)
    leaf = name.rsplit(".", 1)[-1]
    unit = unit_of(leaf) or unit_of(name.split(".", 1)[0])
    if unit == "s/km" and value > 0:
        return types.display_pace(1000.0 / value, units)
    if unit == "s/100m" and value > 0:
        return types.display_pace(100.0 / value, units, swim=True)
    if unit == "m/s" and not leaf.startswith("css"):
        return types.display_speed(value, units)
    if unit == "m" and ("elevation" in leaf or "altitude" in leaf):
        return types.display_elevation(value, units)
    if unit == "m" and leaf.endswith(_DISTANCE_NAMES):
        return types.display_distance(value, units, trim=True)
    return calculator_display(name, value)


@register.simple_tag(takes_context=True)
def calculator_value(context, name: str, value, units: str = "") -> str:
    """{% calculator_value name value units %}; without `units`, the page's, else the viewer's for the
    page's athlete (selectors.display_units)."""
    units = units or context.get("units") or ""
    if not units:
        request = context.get("request")
        units = display_units(getattr(request, "user", None), context.get("athlete"))
    return calculator_text(name, value, units)
