"""The one exception trainingmath raises for bad input, and small checks that raise it.

`field` is the input's name as the HTTP API spells it (design.md §6), so the Django layer can turn the
error into a field error without guessing.
"""

from __future__ import annotations

import math


class InvalidInput(ValueError):
    """An input is outside what the formula accepts; `field` names it and the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def require_finite(value: float | None, field: str) -> float:
    if value is None:
        raise InvalidInput(field, "is required")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(field, f"must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise InvalidInput(field, f"must be a finite number, got {value!r}")
    return number


def require_positive(value: float | None, field: str) -> float:
    number = require_finite(value, field)
    if number <= 0:
        raise InvalidInput(field, f"must be greater than zero, got {number:g}")
    return number


def require_non_negative(value: float | None, field: str) -> float:
    number = require_finite(value, field)
    if number < 0:
        raise InvalidInput(field, f"must not be negative, got {number:g}")
    return number


def require_between(value: float | None, field: str, low: float, high: float, *, what: str = "") -> float:
    number = require_finite(value, field)
    if not low <= number <= high:
        unit = f" {what}" if what else ""
        raise InvalidInput(field, f"must be between {low:g} and {high:g}{unit}, got {number:g}")
    return number
