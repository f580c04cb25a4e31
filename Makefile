# The two commands a new user needs: `make run` and `make test`. Both build their own venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HASH   := $(shell sha1sum pyproject.toml | cut -c1-10)

.PHONY: run test bench lint format check-deploy clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-$(HASH): $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.dev-$(HASH): $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.run-$(HASH)

run: $(VENV)/.run-$(HASH)
	$(BIN)/tandem migrate --verbosity 0
	$(BIN)/tandem demo --if-empty
	$(BIN)/tandem serve

test: $(VENV)/.dev-$(HASH)
	$(BIN)/pytest $(PYTEST_ARGS)

$(VENV)/.bench-$(HASH): $(VENV)/.dev-$(HASH)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	@touch $@

# Benchmarks with their peers installed: `make bench BENCH=attribution-markov`.
bench: $(VENV)/.bench-$(HASH)
	$(BIN)/python -m benchmarks $(or $(BENCH),--list)

lint: $(VENV)/.dev-$(HASH)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.dev-$(HASH)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) data
