"""A pytest plugin loaded before Django reads its settings (pyproject addopts: `-p vault.testing.plain_http`).

With DEBUG off, settings default to HTTPS on (secure cookies, the HTTPS redirect). The test client and the
live server speak plain HTTP, so the suite runs as the documented plain-HTTP opt-out, HTTPS=0, unless the
environment sets HTTPS itself. tests/test_deploy_check.py checks the production defaults in a subprocess.
Importing Django here would be too early; this module only touches the environment.
"""

import os

os.environ.setdefault("HTTPS", "0")
