# The README's two commands: `make site` and `make test`. CI calls these same targets.
PYTHON ?= python3
FORMAT ?= text
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.test-installed

.PHONY: site test validate lint format bench clean browser vendor

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TSTAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

## Validate the shipped data and build site/ (creates .venv on first run).
site: $(STAMP)
	$(BIN)/servicepoints validate --format $(FORMAT)
	$(BIN)/servicepoints build

## Validate the data only (FORMAT=text|json|github).
validate: $(STAMP)
	$(BIN)/servicepoints validate --format $(FORMAT)

## Lint, check formatting, and run every test.
test: $(TSTAMP)
	$(BIN)/ruff check scripts tests
	$(BIN)/ruff format --check scripts tests
	$(BIN)/python -m pytest

## Reformat the code.
format: $(TSTAMP)
	$(BIN)/ruff format scripts tests
	$(BIN)/ruff check --fix scripts tests

## Install Debian's Chromium and ChromeDriver for the browser tests (needs root).
browser:
	bash .ci/install-browser

## Benchmarks: synthetic registries of 182, 2,000 and 20,000 points; writes BENCHMARKS.md.
bench: $(TSTAMP)
	cd scripts && ../$(BIN)/python bench.py $(BENCH_ARGS)

## Refresh the vendored map libraries from the npm registry.
vendor: $(STAMP)
	$(BIN)/python scripts/vendor.py

clean:
	rm -rf site .venv .pytest_cache
