"""The metric types the history knows: stored unit, display format, valid range and form input.

Values are stored in the unit named here (SI where one fits: m/s, W, J, kg, m²; the conventional unit where
sport uses one: bpm, ms, %). Paces are stored as speeds and only turned into "1:32/100m" for display, as
everywhere else in the project (science.md conventions).
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

    def display(self, value: float) -> str:
        return self.format(value)

    def input_text(self, value: float) -> str:
        """A stored value as the form asks for it (the inverse of `parse_input`): "1:32", "20.5", "68.4"."""
        shown = self.plot(value)
        if self.plot_unit.startswith("s/"):
            return units.format_duration(shown)
        return f"{shown:g}"

    def range_text(self) -> str:
        low, high = self.format(self.min_value), self.format(self.max_value)
        if self.plot_unit.startswith("s/"):  # paces: the faster bound is the larger speed
            low, high = high, low
        return f"{low} to {high}"


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
        "weight", "Weight", "kg", 25, 250, _number(1, "kg"), _parse_number(), "kilograms", plot_unit="kg"
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
    ),
    MetricType("height", "Height", "m", 1.0, 2.5, _number(2, "m"), _parse_number(), "metres", plot_unit="m"),
    MetricType(
        "cda", "CdA", "m²", 0.1, 0.8, _number(3, "m²"), _parse_number(), "square metres", plot_unit="m²"
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


def format_value(metric_type: str, value: float) -> str:
    return METRIC_TYPES[metric_type].format(value)


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
