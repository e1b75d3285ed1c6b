"""The pure libraries (trackfiles, trainingmath) never import Django or the vault project.

A fresh interpreter gets a meta-path finder that refuses `django` and `vault`, then imports every module of
both packages (found with pkgutil, tests included). Any import of the forbidden packages, however indirect,
fails the import and so this test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import importlib, importlib.abc, json, pkgutil, sys

BLOCKED = ("django", "vault")


class RefuseBlocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ImportError(f"pure library imported {name!r}")
        return None


sys.meta_path.insert(0, RefuseBlocked())
try:
    import django  # noqa: F401
except ImportError:
    pass
else:
    raise SystemExit("the import blocker does not work")

imported = []
for package_name in ("trackfiles", "trainingmath"):
    package = importlib.import_module(package_name)
    imported.append(package_name)
    for module in pkgutil.walk_packages(package.__path__, package_name + "."):
        importlib.import_module(module.name)
        imported.append(module.name)
leaked = sorted(name for name in sys.modules if name.partition(".")[0] in BLOCKED)
print(json.dumps({"imported": imported, "leaked": leaked}))
"""


def test_trackfiles_and_trainingmath_import_without_django_or_vault():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["leaked"] == []
    imported = set(report["imported"])
    assert {"trackfiles.decode", "trackfiles.gpx", "trackfiles.tcx", "trackfiles.sniff"} <= imported
    assert any(name.startswith("trainingmath.") for name in imported)
