# Every target bootstraps .venv itself: a fresh machine needs only Python 3.11, pip and venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test lint format bench soak snapshots venv clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,dev,lint]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/hyperpod-tui --demo

# The quality gates, in the order a failure is cheapest to read: formatting, lint, types, import contracts.
lint: $(STAMP)
	$(BIN)/ruff format --check tui tests bench
	$(BIN)/ruff check tui tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# Rewrites the tree the way `make lint` wants it (formatting and the safe lint fixes).
format: $(STAMP)
	$(BIN)/ruff format tui tests bench
	$(BIN)/ruff check --fix tui tests bench

test: $(STAMP)
	$(BIN)/python -m pytest -n auto -q $(PYTEST_ARGS)

snapshots: $(STAMP)
	$(BIN)/python -m pytest -n auto -q tests/snapshot --snapshot-update

bench: $(STAMP)
	$(BIN)/python -m bench $(if $(SOAK),--soak,)

# Ten minutes of the real app against a misbehaving simulator: crashes, escapes, journal lines missing, RSS growth.
soak: $(STAMP)
	$(BIN)/python -m tests.reliability.soak $(if $(SOAK_SECONDS),--seconds $(SOAK_SECONDS),)

clean:
	rm -rf $(VENV) .pytest_cache snapshot_report.html
