# Two commands on a fresh machine (Python 3.11+):
#   make run    install, then run the hub with its demo sandboxes (config.example.yaml)
#   make test   install, then run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
CONFIG ?= config.example.yaml

.PHONY: install run test validate clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: install
	mkdir -p var
	$(BIN)/o2c-hub --config $(CONFIG) demo

test: install
	$(BIN)/pytest

validate: install
	$(BIN)/o2c-hub --config $(CONFIG) validate recipes/

clean:
	rm -rf $(VENV) var *.egg-info
