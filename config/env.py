"""Typed readers for settings from the environment (and a .env file); a bad value fails loudly at start."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    # Empty is unset (as `NAME=` in .env.example): the default, which may depend on other settings (HTTPS).
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_float(
    name: str, default: float, *, minimum: float | None = None, maximum: float | None = None
) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number") from None
    if (
        value != value
        or (minimum is not None and value < minimum)
        or (maximum is not None and value > maximum)
    ):
        raise ImproperlyConfigured(f"{name}={raw!r} is outside {minimum} to {maximum}")
    return value


def env_day_windows(name: str, default: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """`metric=fresh/old,...` (e.g. `css=56/84,weight=14/30`): each metric listed replaces its default pair of
    day counts (fresh up to the first, getting old up to the second); the others keep theirs."""
    windows = dict(default)
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return windows
    for item in raw.split(","):
        if not item.strip():
            continue
        metric, _, days = item.partition("=")
        metric = metric.strip()
        if metric not in default:
            raise ImproperlyConfigured(f"{name}: unknown metric {metric!r}; known: {', '.join(default)}")
        fresh, _, old = days.partition("/")
        try:
            pair = (int(fresh), int(old))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {item.strip()!r} is not metric=fresh_days/old_days"
            ) from None
        if not 0 <= pair[0] <= pair[1]:
            raise ImproperlyConfigured(f"{name}: {item.strip()!r} needs 0 <= fresh days <= getting-old days")
        windows[metric] = pair
    return windows
