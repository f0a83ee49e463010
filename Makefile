# Set-up and the two jobs a newcomer runs: `make serve` and `make test`.
# Everything is installed from this folder's own files: pyproject.toml, package.json and package-lock.json.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python

.PHONY: setup serve test check bench

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

serve: setup
	$(VENV)/bin/linkeddata build
	$(VENV)/bin/linkeddata serve

test: setup
	$(PY) -m pytest -q

check: setup
	$(PY) -m ruff check linkeddata tests benchmarks
