# Set-up and the two jobs a newcomer runs: `make serve` and `make test`.
# Everything is installed from this folder's own files: pyproject.toml, setup.py, package.json and package-lock.json.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python

.PHONY: setup serve test check bench

setup: node_modules/.installed $(VENV)/.installed

# The front-end assets first: setup.py copies them into the package when it is built.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

$(VENV)/.installed: pyproject.toml setup.py node_modules/.installed
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

# Test tools (pytest, Playwright, SPARQL clients, ...) only for the tests: serving needs none of them.
$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

serve: setup
	$(VENV)/bin/linkeddata build
	$(VENV)/bin/linkeddata serve

test: setup $(VENV)/.installed-test
	$(PY) -m pytest -q

check: setup $(VENV)/.installed-test
	$(PY) -m ruff check linkeddata tests benchmarks
