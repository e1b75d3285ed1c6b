"""The metric types the history knows: stored unit, display format, valid range and form input.

Values are stored in the unit named here (SI where one fits: m/s, W, J, kg, m²; the conventional unit where
sport uses one: bpm, ms, %). Paces are stored as speeds and only turned into "1:32/100m" for display, as
everywhere else in the project (science.md conventions).

Units are SI inside; conversion happens only at display (design.md §8). An athlete's `units` preference
(metric or imperial) picks the view: `display_value("weight", 68.4, "imperial")` is "150.8 lb" and
`display_value("threshold_run_pace", 1000 / 245, "imperial")` is "6:34/mi". A metric type without an imperial
view (watts, bpm, kJ, m² of CdA) reads the same in both. `display_distance`, `display_pace`, `display_speed`,
`display_elevation` and `display_mass` do the same for quantities shown on pages; `unit_scales` gives the
numbers behind them for charts that plot in the reader's units.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from trainingmath import units


def _number(decimals: int, suffix: str, scale: float = 1.0) -> Callable[[float], str]:
    def fmt(value: float) -> str:
        text = f"{value * scale:.{decimals}f}"
        return f"{text} {suffix}" if suffix else text

    return fmt


def _parse_number(scale: float = 1.0) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            number = float(str(text).strip().replace(",", "."))
        except ValueError:
            raise ValueError(f"expected a number, got {text!r}") from None
        if not math.isfinite(number):
            raise ValueError(f"expected a finite number, got {text!r}")
        return number / scale

    return parse


def _parse_pace(per_m: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            seconds = units.parse_duration(text)
        except ValueError:
            raise ValueError(f"expected a pace as m:ss, got {text!r}") from None
        if seconds <= 0:
            raise ValueError(f"a pace must be longer than zero, got {text!r}")
        return per_m / seconds

    return parse


METRIC = "metric"
IMPERIAL = "imperial"
UNIT_SYSTEMS = (METRIC, IMPERIAL)
LB_PER_KG = 2.20462262185  # exact: 1 lb = 0.45359237 kg
INCHES_PER_M = 1 / 0.0254
FEET_PER_M = INCHES_PER_M / 12


def _is_imperial(system: str | None) -> bool:
    # Anything but "imperial" (None, "", an unknown word) is metric: the stored units, never a failure.
    return system == IMPERIAL


def _format_height_imperial(metres: float) -> str:
    inches = round(metres * INCHES_PER_M)
    feet, rest = divmod(inches, 12)
    return f"{feet} ft {rest} in"


def _parse_height_imperial(text: str) -> float:
    """Inches ("69"), or feet and inches ("5'9", "5 ft 9 in", "5'9\"") -> metres."""
    cleaned = (
        str(text).strip().lower().replace("ft", "'").replace("in", "").replace('"', "").replace("′", "'")
    )
    try:
        if "'" in cleaned:
            feet, _, inches = cleaned.partition("'")
            total = float(feet.strip() or 0) * 12 + float(inches.strip() or 0)
        else:
            total = float(cleaned.replace(",", "."))
    except ValueError:
        raise ValueError(f"expected feet and inches as 5'9 or inches, got {text!r}") from None
    if not math.isfinite(total):
        raise ValueError(f"expected a finite height, got {text!r}")
    return total / INCHES_PER_M


@dataclass(frozen=True)
class UnitView:
    """How a metric type reads in another unit system: the display, the form input and the chart."""

    format: Callable[[float], str]  # stored value -> display text
    parse_input: Callable[[str], float]  # typed text -> stored value
    input_hint: str
    plot: Callable[[float], float]  # stored value -> chart y value
    plot_unit: str
    to_input: Callable[[float], str] | None = None  # stored value -> form text, when not the plotted number


@dataclass(frozen=True)
class MetricType:
    key: str
    label: str
    unit: str  # the unit `value` is stored in
    min_value: float  # valid range, inclusive, in the stored unit
    max_value: float
    format: Callable[[float], str]  # stored value -> display text ("285 W", "1:32/100m")
    parse_input: Callable[[str], float]  # what a person types in the form -> stored value
    input_hint: str  # how the form asks for it
    plot: Callable[[float], float] = field(default=lambda value: value)  # stored value -> chart y value
    plot_unit: str = ""
    lower_is_better: bool = False  # paces on a chart: lower s/km is faster
    imperial: UnitView | None = None  # None: reads the same in both systems (W, bpm, kJ, %)

    def view(self, system: str | None = METRIC) -> UnitView:
        """The display, input and chart of this type in `system` ("metric" or "imperial")."""
        if _is_imperial(system) and self.imperial is not None:
            return self.imperial
        return UnitView(self.format, self.parse_input, self.input_hint, self.plot, self.plot_unit)

    def display(self, value: float, system: str | None = METRIC) -> str:
        return self.view(system).format(value)

    def parse(self, text: str, system: str | None = METRIC) -> float:
        """What a person types, in their unit system -> the stored value."""
        return self.view(system).parse_input(text)

    def input_text(self, value: float, system: str | None = METRIC) -> str:
        """A stored value as the form asks for it (the inverse of `parse`): "1:32", "20.5", "68.4"."""
        view = self.view(system)
        if view.to_input is not None:
            return view.to_input(value)
        shown = view.plot(value)
        if view.plot_unit.startswith("s/"):
            return units.format_duration(shown)
        return f"{shown:g}"

    def range_text(self, system: str | None = METRIC) -> str:
        view = self.view(system)
        low, high = view.format(self.min_value), view.format(self.max_value)
        if self.plot_unit.startswith("s/"):  # paces: the faster bound is the larger speed
            low, high = high, low
        return f"{low} to {high}"


def _pace_view(per_m: float, suffix: str) -> UnitView:
    """A pace per `per_m` metres shown as m:ss/<suffix>; the stored value stays a speed."""
    return UnitView(
        format=lambda speed: units.format_pace(per_m / speed, unit=f"/{suffix}"),
        parse_input=_parse_pace(per_m),
        input_hint=f"pace as m:ss per {suffix}",
        plot=lambda speed: per_m / speed,
        plot_unit=f"s/{suffix}",
    )


def _mass_view() -> UnitView:
    return UnitView(
        format=_number(1, "lb", LB_PER_KG),
        parse_input=_parse_number(LB_PER_KG),
        input_hint="pounds",
        plot=lambda kg: kg * LB_PER_KG,
        plot_unit="lb",
        # As shown (150.8), not 150.796...: the edit form recognises an untouched value by its text.
        to_input=lambda kg: f"{round(kg * LB_PER_KG, 1):g}",
    )


# Swimmers in imperial countries train in yard pools: CSS per 100 yd, as their pace clocks show it.
_IMPERIAL_PACE = {100.0: (100 * units.METRES_PER_YARD, "100yd"), 1000.0: (units.METRES_PER_MILE, "mi")}


def _pace_type(key: str, label: str, per_m: float, suffix: str, fastest: float, slowest: float) -> MetricType:
    formatter = units.format_pace_per_100m if per_m == 100.0 else units.format_pace_per_km
    return MetricType(
        key=key,
        label=label,
        unit="m/s",
        min_value=per_m / slowest,
        max_value=per_m / fastest,
        format=formatter,
        parse_input=_parse_pace(per_m),
        input_hint=f"pace as m:ss per {suffix}",
        plot=lambda speed: per_m / speed,
        plot_unit=f"s/{suffix}",
        lower_is_better=True,
        imperial=_pace_view(*_IMPERIAL_PACE[per_m]),
    )


_TYPES = [
    _pace_type("css_pace", "CSS pace", 100.0, "100m", fastest=50.0, slowest=240.0),
    MetricType(
        "critical_power",
        "Critical power",
        "W",
        30,
        800,
        _number(0, "W"),
        _parse_number(),
        "watts",
        plot_unit="W",
    ),
    MetricType(
        "w_prime",
        "W′",
        "J",
        1000,
        80000,
        _number(1, "kJ", 1e-3),
        _parse_number(1e-3),
        "kilojoules",
        plot=lambda joules: joules / 1000,
        plot_unit="kJ",
    ),
    MetricType("ftp", "FTP", "W", 30, 800, _number(0, "W"), _parse_number(), "watts", plot_unit="W"),
    MetricType(
        "threshold_hr",
        "Threshold HR",
        "bpm",
        80,
        220,
        _number(0, "bpm"),
        _parse_number(),
        "beats per minute",
        plot_unit="bpm",
    ),
    MetricType(
        "max_hr",
        "Max HR",
        "bpm",
        100,
        240,
        _number(0, "bpm"),
        _parse_number(),
        "beats per minute",
        plot_unit="bpm",
    ),
    MetricType(
        "resting_hr",
        "Resting HR",
        "bpm",
        25,
        120,
        _number(0, "bpm"),
        _parse_number(),
        "beats per minute",
        plot_unit="bpm",
    ),
    _pace_type("threshold_run_pace", "Threshold run pace", 1000.0, "km", fastest=150.0, slowest=720.0),
    MetricType("vdot", "VDOT", "", 15, 90, _number(1, ""), _parse_number(), "VDOT points"),
    MetricType(
        "vo2max",
        "VO₂max",
        "ml/kg/min",
        15,
        95,
        _number(1, "ml/kg/min"),
        _parse_number(),
        "ml/kg/min",
        plot_unit="ml/kg/min",
    ),
    MetricType(
        "weight",
        "Weight",
        "kg",
        25,
        250,
        _number(1, "kg"),
        _parse_number(),
        "kilograms",
        plot_unit="kg",
        imperial=_mass_view(),
    ),
    MetricType(
        "body_fat", "Body fat", "%", 2, 60, _number(1, "%"), _parse_number(), "percent", plot_unit="%"
    ),
    MetricType(
        "lean_mass",
        "Lean mass",
        "kg",
        15,
        150,
        _number(1, "kg"),
        _parse_number(),
        "kilograms",
        plot_unit="kg",
        imperial=_mass_view(),
    ),
    MetricType(
        "height",
        "Height",
        "m",
        1.0,
        2.5,
        _number(2, "m"),
        _parse_number(),
        "metres",
        plot_unit="m",
        imperial=UnitView(
            format=_format_height_imperial,
            parse_input=_parse_height_imperial,
            input_hint="feet and inches as 5'9",
            plot=lambda metres: metres * INCHES_PER_M,
            plot_unit="in",
            to_input=lambda metres: _format_height_imperial(metres).replace(" ft ", "'").removesuffix(" in"),
        ),
    ),
    MetricType(
        "cda", "CdA", "m²", 0.1, 0.6, _number(3, "m²"), _parse_number(), "square metres", plot_unit="m²"
    ),
    MetricType(
        "hrv_rmssd",
        "HRV (rMSSD)",
        "ms",
        3,
        300,
        _number(0, "ms"),
        _parse_number(),
        "milliseconds",
        plot_unit="ms",
    ),
]

METRIC_TYPES: dict[str, MetricType] = {metric_type.key: metric_type for metric_type in _TYPES}
METRIC_TYPE_CHOICES = [(metric_type.key, metric_type.label) for metric_type in _TYPES]

# The thresholds a dashboard shows first, in this order.
THRESHOLD_TYPES = ("ftp", "critical_power", "css_pace", "threshold_run_pace", "threshold_hr", "weight")


def metric_type_or_none(key: str) -> MetricType | None:
    return METRIC_TYPES.get(key)


def unknown_type_message(key: str) -> str:
    return f"{key!r} is not a known metric type; use one of: {', '.join(METRIC_TYPES)}"


def format_value(metric_type: str, value: float, system: str | None = METRIC) -> str:
    return METRIC_TYPES[metric_type].display(value, system)


def display_value(metric_type: str, value: float, system: str | None = METRIC) -> str:
    """A stored metric value as `system` ("metric" / "imperial") reads it: "150.8 lb", "6:34/mi".

    An unknown type (an entry from an older release) shows its plain number rather than failing a page."""
    info = METRIC_TYPES.get(metric_type)
    if info is None:
        return f"{value:g}"
    return info.display(value, system)


# --- quantities shown on pages (activities, races, plans): stored SI, shown in the athlete's units.


@dataclass(frozen=True)
class UnitScales:
    """How a unit system shows the quantities of pages and charts: distances and paces per `*_m` metres,
    speeds and heights as the stored value times `*_scale`. Charts plot with the same numbers."""

    distance_m: float
    distance: str
    pace_m: float
    pace: str
    swim_pace_m: float
    swim_pace: str
    speed_scale: float
    speed: str
    elevation_scale: float
    elevation: str


_SCALES = {
    METRIC: UnitScales(1000.0, "km", 1000.0, "km", 100.0, "100m", 3.6, "km/h", 1.0, "m"),
    IMPERIAL: UnitScales(
        units.METRES_PER_MILE,
        "mi",
        units.METRES_PER_MILE,
        "mi",
        100 * units.METRES_PER_YARD,
        "100yd",
        3600 / units.METRES_PER_MILE,
        "mph",
        FEET_PER_M,
        "ft",
    ),
}


def unit_scales(system: str | None = METRIC) -> UnitScales:
    return _SCALES[IMPERIAL if _is_imperial(system) else METRIC]


def display_distance(
    metres: float, system: str | None = METRIC, *, decimals: int = 2, trim: bool = False
) -> str:
    """ "10.00 km" / "6.21 mi"; `trim` drops trailing zeros for distances named rather than measured ("1.5 km")."""
    scale = unit_scales(system)
    text = f"{metres / scale.distance_m:.{decimals}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {scale.distance}"


def display_pace(speed_m_per_s: float, system: str | None = METRIC, *, swim: bool = False) -> str:
    """A speed as the pace runners (per km / mi) or swimmers (per 100 m / 100 yd) read; "–" without one."""
    if not speed_m_per_s or speed_m_per_s <= 0 or not math.isfinite(speed_m_per_s):
        return "–"
    scale = unit_scales(system)
    per_m, suffix = (scale.swim_pace_m, scale.swim_pace) if swim else (scale.pace_m, scale.pace)
    return units.format_pace(per_m / speed_m_per_s, unit=f"/{suffix}")


def display_speed(speed_m_per_s: float, system: str | None = METRIC, *, decimals: int = 1) -> str:
    scale = unit_scales(system)
    return f"{speed_m_per_s * scale.speed_scale:.{decimals}f} {scale.speed}"


def display_elevation(metres: float, system: str | None = METRIC) -> str:
    scale = unit_scales(system)
    return f"{metres * scale.elevation_scale:.0f} {scale.elevation}"


def display_mass(kg: float, system: str | None = METRIC, *, decimals: int = 1) -> str:
    if _is_imperial(system):
        return f"{kg * LB_PER_KG:.{decimals}f} lb"
    return f"{kg:.{decimals}f} kg"


def age_text(days: int) -> str:
    """How old a value is, in words a phone screen fits: "today", "3 days", "5 weeks", "4 months", "2 years"."""
    if days <= 0:
        return "today"
    if days == 1:
        return "1 day"
    if days < 14:
        return f"{days} days"
    if days < 61:
        return f"{days // 7} weeks"
    if days < 730:
        return f"{days // 30} months"
    return f"{days // 365} years"
