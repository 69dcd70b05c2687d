# make report — the main job; make test — the test suite. Each sets up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KERNEL := tradedeal
STAMP := $(VENV)/.installed

.PHONY: report test build bench clean notebooks

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "tradedeal needs Python 3.11 or newer (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (tradedeal)" > /dev/null
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/tradedeal report -f notebooks/report.yaml --jobs 2

test: $(STAMP)
	$(BIN)/python -m pytest tests notebooks --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg

notebooks: $(STAMP)
	$(BIN)/python scripts/refresh_notebooks.py

build: $(STAMP)
	$(BIN)/tradedeal data build

bench: $(STAMP)
	$(BIN)/python benchmarks/build.py

clean:
	rm -rf data/processed reports
