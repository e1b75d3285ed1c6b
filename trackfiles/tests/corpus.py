"""Where the shared device-file corpus is, and what to do when it is absent.

The corpus lives beside the repository in ../shared/corpus and is never copied in (some files are GPL/AGPL
test data). On a user's fresh clone it is absent: corpus tests then skip with a clear reason. CI sets
VAULT_REQUIRE_CORPUS=1, which turns that skip into a failure so a missing corpus can never pass silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CORPUS_DIR = Path(
    os.environ.get("VAULT_CORPUS_DIR", Path(__file__).resolve().parents[2].parent / "shared" / "corpus")
)
MISSING_REASON = f"the shared device-file corpus is not at {CORPUS_DIR} (set VAULT_CORPUS_DIR to point at it)"


def corpus_available() -> bool:
    return CORPUS_DIR.is_dir()


def require_corpus() -> Path:
    """Return the corpus folder, or skip (fail when VAULT_REQUIRE_CORPUS=1) the calling test."""
    if not corpus_available():
        if os.environ.get("VAULT_REQUIRE_CORPUS") == "1":
            pytest.fail(f"VAULT_REQUIRE_CORPUS=1 but {MISSING_REASON}")
        pytest.skip(MISSING_REASON)
    return CORPUS_DIR


def corpus_params(subdir: str, *suffixes: str) -> list:
    """pytest parameters for every corpus file in `subdir` (optionally only those ending in `suffixes`).

    With the corpus absent this gives one parameter whose test skips (or fails under
    VAULT_REQUIRE_CORPUS=1) with the reason, instead of an empty, silent parameter set.
    """
    if not corpus_available():
        return [pytest.param(None, id=f"{subdir}-corpus-missing")]
    files = sorted(
        p
        for p in (CORPUS_DIR / subdir).iterdir()
        if p.is_file() and (not suffixes or p.name.lower().endswith(tuple(s.lower() for s in suffixes)))
    )
    return [pytest.param(p, id=p.name) for p in files]


def corpus_file(path: Path | None) -> Path:
    """Use inside a test parametrized by corpus_params: skips/fails the missing-corpus placeholder."""
    if path is None:
        require_corpus()
        raise AssertionError("unreachable")  # require_corpus skipped or failed
    return path
