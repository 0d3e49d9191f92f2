# Samverkan: `make demo` serves the demo municipality; `make test` runs lint and the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
CHILDREN ?= 3000
SEED ?= 1
DATA_DIR ?= var
export SAMVERKAN_DATA_DIR := $(abspath $(DATA_DIR))
STAMP := $(VENV)/.installed

.PHONY: demo test lint format test-only e2e bench install clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: $(PYTHON) not found (set PYTHON=...)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

## demo: create .venv, install, migrate SQLite, load the demo municipality once, serve it under
## gunicorn with the task worker beside it (e-mails print in the terminal), as production runs.
demo: $(STAMP)
	@mkdir -p $(DATA_DIR)
	$(BIN)/samverkan migrate --noinput -v 0
	$(BIN)/samverkan load_demo --children $(CHILDREN) --seed $(SEED) --if-empty
	$(BIN)/samverkan demo_logins
	@echo "Samverkan: http://127.0.0.1:$(PORT)/  (stop with Ctrl+C)"
	DJANGO_SETTINGS_MODULE=samverkan.settings.dev $(BIN)/samverkan serve --bind 127.0.0.1:$(PORT) --workers 2 --with-worker

## lint: ruff, mypy and a check that no migration is missing.
lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src
	DJANGO_SETTINGS_MODULE=samverkan.settings.test $(BIN)/samverkan makemigrations --check --dry-run

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

## test: lint, then every test including the browser journeys (SQLite, or DATABASE_URL=postgres://...).
test: lint test-only

test-only: $(STAMP)
	$(BIN)/python tools/check_chromium.py
	$(BIN)/pytest -p no:randomly -n 2 --create-db

e2e: $(STAMP)
	$(BIN)/pytest -m e2e --create-db

## bench: load 100 000 children and measure (see bench/README.md).
bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(DATA_DIR)
