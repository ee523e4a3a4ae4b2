# pilotwatch — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast lint bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Run the whole annual refresh on the bundled thesis figures (loads, analysis, checks, alerts), then the
## survey model on the synthetic, clearly labelled demo sample; print what was loaded and found.
run: $(STAMP)
	$(BIN)/pilotwatch refresh
	$(BIN)/pilotwatch survey model_test --demo

## Run the import contracts (pyproject.toml [tool.importlinter]), then the test suite (CI calls exactly
## this), on two worker processes (pytest-xdist): CI has two cores. The workers share one Prefect server
## and one bundled warehouse, started in the background when a test needs them (tests/session_services.py).
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

## The specification tests only: pure functions and small integrations on real DuckDB files and HTTP,
## no Prefect server, no end-to-end refresh, no benchmark (markers `e2e` and `slow`; a test that needs
## a Prefect server or the bundled warehouse is marked e2e by tests/conftest.py). What to run while
## editing; CI runs `make test`. Two workers as well: the specification tests share nothing either.
test-fast: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) -m "not slow and not e2e"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

## Every benchmark against its baseline in one table (also written as JSON under var/bench/ beside the
## warehouse); `make bench BENCH_ARGS="--only query,help"` runs some, `--quick` checks they run.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run_all $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
