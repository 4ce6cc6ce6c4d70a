# Corridor Watch. The two commands: `make run` (the whole system) and `make test`.
SHELL := /bin/bash
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes (pytest-xdist; a file's tests stay together): one more than the cores, as
# the longest files mostly wait (a system restarting, a bundle installing, a browser).
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 2) + 1 )))

.PHONY: setup run serve test test-fast lint format schema db db-stop sea-lanes pov-basemap bundle test-bundle messages bench clean

setup:            ## packages, venv, PostGIS, migrations, seed data, demo accounts (once)
	scripts/setup.sh
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_corridor
	$(PY) manage.py demo_accounts create
	$(PY) manage.py collectstatic --noinput -v0

run: setup serve  ## the whole system on http://$(HOST):$(PORT)

serve:            ## web app + demo AIS feed (CW_DEMO_FEED=0: web app only)
	HOST=$(HOST) PORT=$(PORT) scripts/run.sh

test:             ## set-up, then the whole suite (browser tests included)
	scripts/setup.sh --with-browser
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=15

test-fast:        ## the suite without the browser and the own-cluster tests
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not browser and not slow"

lint:             ## ruff (lint, format) and mypy (strict on ingest and services)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

format:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

schema:           ## regenerate the committed OpenAPI schema
	$(PY) manage.py spectacular --file openapi.yaml --validate

db:
	scripts/pg.sh start

db-stop:
	scripts/pg.sh stop

sea-lanes:        ## re-route the sea legs over water (after changing nodes or segments)
	$(PY) manage.py build_sea_lanes

bundle:           ## the offline install bundle (dist/; needs network): wheels, debs, static, data
	scripts/bundle.sh

test-bundle:      ## build the bundle, then install and start it with no network (root)
	$(PY) -m pytest tests/test_bundle.py

pov-basemap:      ## rebuild the political basemap layers (China's point of view) from their sources
	$(PY) scripts/pov_basemap.py

messages:         ## extract and compile translations (needs GNU gettext)
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=.var --ignore=static --ignore='tests/*'
	$(PY) manage.py compilemessages --ignore=.venv

bench:            ## benchmarks (figures printed, nothing asserted)
	$(PY) benchmarks/ais_ingest.py --runs 3
	$(PY) benchmarks/port_calls.py --runs 3
	$(PY) benchmarks/throughput_upload.py --runs 3
	$(PY) benchmarks/rail_ingest.py --runs 3
	$(PY) benchmarks/exports.py --runs 3
	$(PY) benchmarks/dashboard.py --runs 3
	$(PY) benchmarks/read_layers.py --runs 5
	$(PY) benchmarks/load.py --users 16 --seconds 30
	$(PY) benchmarks/size.py --positions 5000000
	$(PY) benchmarks/soak.py --minutes 30

clean:
	scripts/pg.sh stop || true
	rm -rf .var .venv
