# `make run`: set up everything and serve the site on SQLite with the starting content.
# `make test`: set up everything and run the whole test suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup browser run test lint serve bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Debian's Chromium and ChromeDriver for the browser journeys (installed once, as root).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

run: setup
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py load_starting_content
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: setup browser
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

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
