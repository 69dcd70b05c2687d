# make report — the main job; make test — the test suite. Each sets up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KERNEL := tradedeal
STAMP := $(VENV)/.installed

.PHONY: report test build bench clean notebooks lock

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "tradedeal needs Python 3.11 or newer (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (tradedeal)" > /dev/null
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/tradedeal report -f notebooks/report.yaml --jobs 2

# Notebook outputs are compared by nbval, numbers within notebooks/tolerances.yaml (docs/testing.md).
# TEST_PATHS=notebooks runs only the notebooks (.ci/run does, under a second OpenBLAS kernel).
# Two pytest-xdist workers, one test file (or notebook) each at a time: a notebook's cells stay in
# one kernel, in order (TEST_WORKERS=0 runs in one process).
TEST_PATHS ?= tests notebooks
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest $(TEST_PATHS) -n $(TEST_WORKERS) --dist loadfile --durations=25 --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg

notebooks: $(STAMP)
	$(BIN)/python scripts/refresh_notebooks.py

build: $(STAMP)
	$(BIN)/tradedeal data build

bench: $(STAMP)
	$(BIN)/python benchmarks/build.py

# Re-resolve pyproject.toml in a fresh venv; write requirements.lock and pin environment.yml to it.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[test]'
	.lock-venv/bin/python scripts/write_lock.py
	rm -rf .lock-venv

clean:
	rm -rf data/processed reports
