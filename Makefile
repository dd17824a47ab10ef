# The README's commands. Each target does its own set-up, so a fresh clone
# needs nothing but python3 (3.11+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# One process keeps the local-memory cache engine coherent; with REDIS_URL set,
# more workers can share the sessions.
WORKERS ?= 1
THREADS ?= 8

.PHONY: run serve test bench bench-class reset lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a requirements file changed.
$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

# LAN mode: a production server, DEBUG off, compressed cache-busted static files.
serve: $(VENV)/.installed
	DJANGO_DEBUG=0 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=0 DJANGO_COLLECTED_STATIC=1 $(BIN)/python manage.py collectstatic --noinput -v0
	DJANGO_DEBUG=0 DJANGO_COLLECTED_STATIC=1 $(BIN)/gunicorn config.wsgi \
		--bind $(HOST):$(PORT) --workers $(WORKERS) --threads $(THREADS) --access-logfile -

test: $(VENV)/.installed
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# 200 simulated students x 25 actions against `make serve`; see README "Performance".
bench: $(VENV)/.installed
	$(BIN)/python bench/students.py $(BENCH_ARGS)

# 100,000 stored sessions: the class view against the admin changelist, and what 200 open
# pages polling once a second cost the server (bench/classview.py).
bench-class: $(VENV)/.installed
	$(BIN)/python bench/classview.py $(BENCH_ARGS)

# Start fresh for the next class: every stored session goes; the secret key stays.
reset: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py resetsessions

lint: $(VENV)/.installed
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
