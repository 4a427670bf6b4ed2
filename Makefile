# The README's two commands: `make site` and `make test`. CI calls these same targets.
PYTHON ?= python3
FORMAT ?= text
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.test-installed

UV     := uv==0.13.8
LOCK   := --universal --python-version 3.11 --generate-hashes --quiet --custom-compile-command "make lock"

.PHONY: site test validate lint format bench clean browser vendor lock

# Every install comes from the lock files, each package pinned and checked against its hashes.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(TSTAMP): $(STAMP) requirements-test.lock
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-test.lock
	touch $@

## Re-pin every dependency (with hashes) after changing pyproject.toml: requirements.lock for the
## site (plus setuptools, to install the package), requirements-test.lock for the tests, same versions.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$(UV)"
	printf 'setuptools>=68\n' | $(BIN)/uv pip compile pyproject.toml - $(LOCK) -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra test -c requirements.lock $(LOCK) -o requirements-test.lock

## Validate the shipped data and build site/ (creates .venv on first run).
site: $(STAMP)
	$(BIN)/servicepoints validate --format $(FORMAT)
	$(BIN)/servicepoints build

## Validate the data only (FORMAT=text|json|github).
validate: $(STAMP)
	$(BIN)/servicepoints validate --format $(FORMAT)

## Lint, check formatting, type-check the package (mypy, settings in pyproject.toml), and run every test.
test: $(TSTAMP)
	$(BIN)/ruff check scripts tests
	$(BIN)/ruff format --check scripts tests
	$(BIN)/mypy
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
