"""Attempt counters in the Django cache (Redis in production, shared by every web process).

A counter is a fixed 15-minute window that starts with its first hit. Keys hash the identifier, so
usernames and addresses never appear in the cache in clear.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 15 * 60


class RateLimited(Exception):
    """Too many attempts in the window; the message says what to do."""


def _key(scope: str, identifier: str) -> str:
    digest = hashlib.sha256(identifier.strip().lower().encode()).hexdigest()
    return f"ratelimit:{scope}:{digest}"


def hits(scope: str, identifier: str) -> int:
    return int(cache.get(_key(scope, identifier), 0))


def hit(scope: str, identifier: str) -> int:
    """Count one attempt and answer the new count."""
    key = _key(scope, identifier)
    cache.add(key, 0, WINDOW_SECONDS)  # starts the window; a no-op while one is open
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        return 1


def clear(scope: str, identifier: str) -> None:
    cache.delete(_key(scope, identifier))


def client_address(request) -> str:
    """REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it."""
    return request.META.get("REMOTE_ADDR") or "unknown"


# --- sign-in: failed attempts per account and per address (pages and the token endpoint share them).

SIGNIN_LIMITED_MESSAGE = "Too many sign-in attempts. Wait 15 minutes and try again."


def signin_check(*, username: str, address: str) -> None:
    limit = settings.SIGNIN_RATE_LIMIT
    if hits("signin-account", username) >= limit or hits("signin-address", address) >= limit:
        raise RateLimited(SIGNIN_LIMITED_MESSAGE)


def signin_failed(*, username: str, address: str) -> None:
    hit("signin-account", username)
    hit("signin-address", address)


def signin_succeeded(*, username: str) -> None:
    # Only the account's counter: an address shared by many people keeps counting its failures.
    clear("signin-account", username)


# --- sign-ups through a join link: every attempt per address, so one address cannot mass-create accounts.

SIGNUP_LIMITED_MESSAGE = "Too many sign-ups from your address. Wait 15 minutes and try again."


def signup_attempt(*, address: str) -> None:
    if hits("signup-address", address) >= settings.SIGNIN_RATE_LIMIT:
        raise RateLimited(SIGNUP_LIMITED_MESSAGE)
    hit("signup-address", address)


# --- password-reset e-mails: per address, so the form cannot be used to flood someone's inbox. The page
# answers the same either way (it never reveals whether an account exists, nor whether a mail went out).


def reset_mail_allowed(*, address: str) -> bool:
    if hits("reset-address", address) >= settings.SIGNIN_RATE_LIMIT:
        return False
    hit("reset-address", address)
    return True
