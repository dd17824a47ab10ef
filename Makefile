# The README's commands. Each target does its own set-up, so a fresh clone
# needs nothing but python3 (3.11+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# A process per core plus one, each serving one request at a time (config/gunicorn.py): every
# process shares the sessions and the inspector's own state through the database (or Redis,
# with REDIS_URL).
WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1) + 1 )))

.PHONY: run serve dev test bench bench-class bench-host reset lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a requirements file changed. Serving needs the runtime alone;
# the tests and tools come on top of it, for `make test` and the benchmarks.
RUNTIME := $(VENV)/.runtime
DEV := $(VENV)/.dev

$(RUNTIME): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(DEV): requirements-dev.txt $(RUNTIME)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The class's server: gunicorn, DEBUG off, compressed cache-busted static files.
run: $(RUNTIME)
	DJANGO_DEBUG=0 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=0 $(BIN)/python manage.py createcachetable
	DJANGO_DEBUG=0 DJANGO_COLLECTED_STATIC=1 $(BIN)/python manage.py collectstatic --noinput -v0
	DJANGO_DEBUG=0 DJANGO_COLLECTED_STATIC=1 $(BIN)/gunicorn config.wsgi --config config/gunicorn.py \
		--bind $(HOST):$(PORT) --workers $(WORKERS)

# Another name for `make run`, from when it was the LAN mode.
serve: run

# For working on the code: Django's autoreloading development server, DEBUG on.
dev: $(RUNTIME)
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py createcachetable
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(DEV)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# 200 simulated students at three paces and in a burst against `make run`, beside a bare
# Django view doing the same session write; see README "Performance".
bench: $(RUNTIME)
	$(BIN)/python bench/students.py $(BENCH_ARGS)

# 100,000 stored sessions: the class view against the admin changelist, and what 200 open
# pages polling once a second cost the server (bench/classview.py).
bench-class: $(RUNTIME)
	$(BIN)/python bench/classview.py $(BENCH_ARGS)

# What the inspector's middleware costs a project where it is hidden (bench/host.py).
bench-host: $(RUNTIME)
	$(BIN)/python bench/host.py $(BENCH_ARGS)

# Start fresh for the next class: every stored session goes; the secret key stays.
reset: $(RUNTIME)
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py resetsessions

lint: $(DEV)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: $(DEV)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
