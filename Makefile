# evgw: two commands on a fresh machine, `make run` and `make test`.
# Everything the project needs is installed from PyPI into .venv by these targets.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: run test lint typecheck install install-dev bench clean

$(BIN)/activate:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "evgw needs Python >= 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamps re-run the install whenever pyproject.toml changes.
$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/activate pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/evgw db upgrade
	$(BIN)/evgw serve --demo

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy gateway csms tariffs ocpi oicp pki

# The independent OCPP peer (npm ocpp-rpc, strict schema validation both ways).
PEER := tests/peers/ocpp_rpc
$(PEER)/node_modules/.package-lock.json: $(PEER)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(PEER) --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the ocpp-rpc peer tests will be skipped"; fi

test: lint typecheck $(PEER)/node_modules/.package-lock.json
	$(BIN)/python -m pytest -q

bench: install-dev
	$(BIN)/python bench/tariffs.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .hypothesis
