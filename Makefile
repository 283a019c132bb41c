# `make run`: set up everything and serve the site on SQLite with the starting content.
# `make test`: set up everything and run the whole test suite.
# `make verify`: check every quote of the starting content against its source's snapshot.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run`'s secret key: generated once, kept outside the repository, readable by its owner only.
STATE_DIR ?= $(or $(XDG_STATE_HOME),$(HOME)/.local/state)/stackwise
LOCAL_KEY := $(STATE_DIR)/secret_key
# axe-core for the accessibility tests, from npm into a git-ignored folder (never from a CDN).
AXE_VERSION ?= 4.11.0
AXE := tests/browser/vendor/node_modules/axe-core/axe.min.js
# The suite runs in one process per core (pytest-xdist): CI's two cores halve its longest pass.
# Tests are handed out in pytest-django's order (transactional ones last, as their flush empties
# what migrations made), not by module: --dist loadfile ran a flush before other modules' tests.
PYTEST_ARGS ?= -n auto

.PHONY: setup browser nginx run test verify lint serve bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

$(LOCAL_KEY):
	@mkdir -p -m 700 $(STATE_DIR)
	@umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	@echo "Generated a development secret key in $@"

# Debian's Chromium and ChromeDriver for the browser journeys (installed once, as root), and
# axe-core from npm (Debian's npm when there is none) for the accessibility checks.
browser: $(AXE)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

$(AXE):
	@command -v npm >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	npm install --silent --no-save --no-audit --no-fund --prefix tests/browser/vendor axe-core@$(AXE_VERSION)

# Debian's nginx (and openssl for a test certificate), to test deploy/nginx.conf in front of
# the app (installed once, as root).
nginx:
	@{ command -v nginx >/dev/null || test -x /usr/sbin/nginx; } && command -v openssl >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light openssl >/dev/null; }

run: setup $(LOCAL_KEY)
	DJANGO_DEBUG=1 DJANGO_SECRET_KEY="$$(cat $(LOCAL_KEY))" $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 DJANGO_SECRET_KEY="$$(cat $(LOCAL_KEY))" $(PY) manage.py load_starting_content
	DJANGO_DEBUG=1 DJANGO_SECRET_KEY="$$(cat $(LOCAL_KEY))" $(PY) manage.py runserver $(HOST):$(PORT)

# The checks run with production settings (DEBUG off), so they get the local key too; pytest
# gets its own test key (pyproject.toml).
test: setup browser nginx $(LOCAL_KEY)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DJANGO_SECRET_KEY="$$(cat $(LOCAL_KEY))" $(PY) manage.py check
	DJANGO_SECRET_KEY="$$(cat $(LOCAL_KEY))" $(PY) manage.py makemigrations --check --dry-run
	@$(MAKE) --no-print-directory verify
	$(PY) -m pytest $(PYTEST_ARGS)

# Every quote of the starting content checked against its source's snapshot, in a throwaway
# SQLite database: fails (exit status 1) below 100 % verified.
verify: setup $(LOCAL_KEY)
	@db=$$(mktemp -d); trap 'rm -rf "$$db"' EXIT; \
	export DATABASE_URL="sqlite:///$$db/verify.sqlite3" DJANGO_SECRET_KEY="$$(cat $(LOCAL_KEY))"; \
	$(PY) manage.py migrate --noinput -v0 && \
	$(PY) manage.py load_starting_content -v0 && \
	$(PY) manage.py verify_citations -v0

lint: setup
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Production mode on this machine: gunicorn, static files collected, DEBUG off.
serve: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(VENV)/bin/gunicorn config.wsgi --workers 2 --bind $(HOST):$(PORT) --access-logfile - --error-logfile -

# Benchmark (not part of the tests): writes bench/results.md.
bench: setup
	$(PY) bench/run.py
