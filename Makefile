# Two commands do all the set-up on a fresh machine:
#   make demo   create .venv, install newsclean, serve the bundled demo site on 127.0.0.1, crawl it into output/
#   make test   the same install with the test extras, then ruff and the whole test suite
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean-venv

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools
	@# setuptools' notice about editable installs (folders named like the package) is expected
	@# for the project's folder mapping, not a failure: keep it off the terminal
	PYTHONWARNINGS=ignore::UserWarning $(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/newsclean demo

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

bench: $(BIN)/.installed
	$(BIN)/python -m bench

clean-venv:
	rm -rf $(VENV)
