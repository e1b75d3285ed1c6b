"""Benchmarks of trackfiles and trainingmath against peer libraries.

Each `bench_*.py` module has a `main()` that prints one table with a title line. `python -m bench` runs them
all in turn; `python -m bench fit` runs only the modules whose name contains "fit". Speed is measured only
here, never asserted in unit tests.
"""
