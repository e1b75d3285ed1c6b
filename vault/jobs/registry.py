"""Job kinds and the functions that run them. Apps register handlers at import time of their `jobs.py`."""

from __future__ import annotations

from collections.abc import Callable

JobHandler = Callable[["Job"], None]  # noqa: F821 - documented type only
_HANDLERS: dict[str, JobHandler] = {}


def job_handler(kind: str) -> Callable[[JobHandler], JobHandler]:
    """Register `fn(job)` as the runner of jobs of `kind`; it reports progress through jobs.services."""

    def register(fn: JobHandler) -> JobHandler:
        _HANDLERS[kind] = fn
        return fn

    return register


def handler_for(kind: str) -> JobHandler:
    _load_app_jobs()
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise LookupError(f"no handler registered for job kind {kind!r}") from None


def _load_app_jobs() -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("jobs")
