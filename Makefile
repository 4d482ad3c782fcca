# Two commands on a fresh machine: `make demo` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
KERNEL := livecommerce-workbook
export PYTHONHASHSEED := 0
export WORKBOOK_HOME := $(CURDIR)

.PHONY: help setup demo test test-fast lab bench goldens docs lint sample clean

## List the targets with what they do
help:
	@awk '/^## /{doc=substr($$0,4); next} /^[a-z-]+:/{if(doc){split($$1,t,":"); printf "  make %-10s %s\n", t[1], doc}; doc=""}' $(MAKEFILE_LIST)

## Create the virtual environment, install the package and its test tools, register the kernel
setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (live-commerce workbook)" >/dev/null
	touch $(STAMP)

## Ingest the bundled sample week and render reports under reports/
demo: setup
	$(BIN)/workbook demo

## The whole suite: ruff (lint + format), mypy, unit tests, report renders, nbval goldens, browser tests
test: setup
	$(BIN)/ruff check src tests bench tools notebooks
	$(BIN)/ruff format --check src tests bench tools notebooks
	$(BIN)/mypy
	$(BIN)/python -m pytest tests
	$(BIN)/python -m pytest --nbval --nbval-current-env \
		--nbval-sanitize-with tests/goldens/sanitize.cfg tests/goldens/*.ipynb

## Unit tests only (no notebook runs)
test-fast: setup
	$(BIN)/python -m pytest tests -m "not slow and not browser"

## JupyterLab on the project: open notebooks/NN-name.py with Open With > Jupytext Notebook
lab: setup
	$(BIN)/jupyter lab --notebook-dir=$(CURDIR)

## Benchmarks (not part of make test): print figures with same-run baselines
bench: setup
	$(BIN)/python -m bench

## Regenerate nbval goldens after an intended change (all, or NAMES="20-session-review ...")
goldens: setup
	$(BIN)/python -m tools.goldens $(NAMES)
	$(BIN)/python -m tools.golden_outputs || true

## Regenerate the committed sample week (data/sample) from the simulator
sample: setup
	rm -rf data/sample/raw data/sample/canonical
	$(BIN)/workbook simulate --out data/sample --seed 7 --viewers 1200 --weeks 2

## Regenerate the generated pages (data model, metrics glossary)
docs: setup
	$(BIN)/python -m helpers.data.schema > docs/data-model.md
	$(BIN)/python -m helpers.metrics.definitions > docs/metrics.md

## ruff (lint and format check) on the package, tests, benchmarks, tools and notebooks
lint: setup
	$(BIN)/ruff check src tests bench tools notebooks
	$(BIN)/ruff format --check src tests bench tools notebooks

## Remove rendered reports and the processed store
clean:
	rm -rf reports/*/ data/processed .pytest_cache
