"""`python -m bench [word ...]`: run main() of every bench/bench_*.py module (or those whose name has a word)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def bench_modules(words: list[str]) -> list[str]:
    names = sorted(
        info.name
        for info in pkgutil.iter_modules([str(Path(__file__).parent)])
        if info.name.startswith("bench_") and not info.ispkg
    )
    return [name for name in names if not words or any(word in name for word in words)]


def run(words: list[str]) -> int:
    names = bench_modules(words)
    if not names:
        print(f"no benchmark module matches {' '.join(words)!r}", file=sys.stderr)
        return 2
    status = 0
    for name in names:
        # A benchmark whose main() returns non-zero missed its target (bench_csv); the run then fails.
        status = importlib.import_module(f"bench.{name}").main() or status
        print()
    return status


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
