"""Small builders for metric-history tests and access rows."""

import datetime as dt

import pytest
from django.utils import timezone

from vault.metrics.models import MetricHistory, Source
from vault.metrics.services import metric_entry_create
from vault.testing.personas import athlete_today


def days_ago(days: int, athlete=None) -> dt.date:
    """`days` before today on `athlete`'s calendar (the persona athlete's when none is given)."""
    today = timezone.localdate(timezone=athlete.tzinfo) if athlete is not None else athlete_today()
    return today - dt.timedelta(days=days)


def entry(
    athlete, metric_type="ftp", value=250.0, days=10, source=Source.MANUAL, created_by=None, **extra
) -> MetricHistory:
    return metric_entry_create(
        athlete=athlete,
        metric_type=metric_type,
        value=value,
        recorded_on=days_ago(days, athlete),
        source=source,
        created_by=created_by,
        **extra,
    )


def pending_entry(world, **extra) -> MetricHistory:
    """An entry the athlete typed in themself; it waits for their coach."""
    return entry(world.athlete, created_by=world.athlete.user, **extra)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """These tests are about metrics, not hashing: a fast hasher keeps the many fresh personas cheap.
    Test modules opt in by importing this fixture."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
