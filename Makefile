# Rosetta: the two promised commands are `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
SERVICES := .ci/services.sh
SERVICE_ENV = eval "$$($(SERVICES) env)"
DEMO_PASSWORD ?= demo
export SYNC_ALLOW_PRIVATE_TARGETS ?= 1

.PHONY: install install-test demo test test-postgres test-sqlite-smoke bench lint screenshots services-start services-stop clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed pyproject.toml
	$(BIN)/pip install -q -e ".[test]"
	touch $@

## make install: the virtual environment with the hub installed
install: $(BIN)/.installed

install-test: $(BIN)/.installed-test

## make demo: set up and run the hub with demo data on the embedded default (SQLite, filesystem broker)
demo: install
	DEMO_PASSWORD=$(DEMO_PASSWORD) $(PY) manage.py demo

## make test: install, start PostgreSQL and Redis, run the whole suite, smoke-test SQLite, stop
test: install-test
	$(SERVICES) start
	status=0; \
	( $(SERVICE_ENV); $(BIN)/ruff check . && $(BIN)/pytest -p no:cacheprovider ) || status=$$?; \
	if [ $$status -eq 0 ]; then $(MAKE) --no-print-directory test-sqlite-smoke || status=$$?; fi; \
	$(SERVICES) stop; exit $$status

## The embedded default: migrate a fresh SQLite file, load a little demo data, answer /readyz
test-sqlite-smoke:
	@rm -rf var/smoke && mkdir -p var/smoke
	env -u DATABASE_URL -u CELERY_BROKER_URL ROSETTA_DATA_DIR=var/smoke $(PY) manage.py smoke_embedded
	@rm -rf var/smoke

lint: install-test
	$(BIN)/ruff check .

bench: install-test
	$(SERVICES) start
	status=0; ( $(SERVICE_ENV); $(PY) tests/bench/run.py ) || status=$$?; $(SERVICES) stop; exit $$status

screenshots: install-test
	$(PY) tests/ui/screenshots.py

services-start:
	$(SERVICES) start

services-stop:
	$(SERVICES) stop

clean:
	rm -rf $(VENV) var
