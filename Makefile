# Athlete Vault. `make run` and `make test` set everything up on a fresh machine.
PYTHON_VERSION ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
DEMO_PASSWORD ?= demo-password
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
PYTEST_ARGS ?=

.PHONY: run test test-only install static chromium migrate demo bench lint format worker watch clean

run: install static migrate
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

test: install static chromium
	$(MAKE) test-only

test-only:
	$(PY) -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml trackfiles/fit/_walk.c
	@command -v $(PYTHON_VERSION) >/dev/null || { echo "Athlete Vault needs $(PYTHON_VERSION) on PATH (Debian: apt-get install python3.11 python3.11-venv)"; exit 1; }
	test -x $(PY) || $(PYTHON_VERSION) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

# Front-end libraries come from the npm registry, pinned by package-lock.json, copied into our static tree.
static: vault/web/static/vendor/.built

vault/web/static/vendor/.built: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed to fetch the front-end libraries (Debian: apt-get install npm)"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p vault/web/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js vault/web/static/vendor/
	cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css vault/web/static/vendor/
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css vault/web/static/vendor/
	touch $@

# Browser tests drive Debian's Chromium through Playwright; never a browser download of Playwright's own.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Debian's Chromium at $(CHROMIUM): run 'sudo apt-get install chromium' (or set CHROMIUM=/path/to/chromium)"; exit 1; \
	  fi; \
	fi
	@test -x $(CHROMIUM) || { echo "Chromium is still missing at $(CHROMIUM): install Debian's 'chromium' package"; exit 1; }

migrate: install
	$(PY) manage.py migrate --noinput

demo: install static migrate
	$(PY) manage.py demo --password $(DEMO_PASSWORD)

worker: install
	$(PY) manage.py run_huey

watch: install
	$(PY) manage.py watch

bench: install
	$(PY) -m bench

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) node_modules vault/web/static/vendor
