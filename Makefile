# The two commands a fresh clone needs: `make run` and `make test`. Both create the venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench soak fuzz install clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q -j 0 emulator  # bytecode for a fast first start, even where PYTHONDONTWRITEBYTECODE is set
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/video-ai-emulator serve $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py $(ARGS)

# 200 clients mixing every service's calls against a real server for 60 s (ARGS="--seconds 600" for the
# 10-minute soak); prints figures and a verdict line, exits 0 (see bench/README.md).
soak: $(STAMP)
	$(BIN)/python bench/soak.py $(ARGS)

# The schemathesis contract tests with FUZZ_EXAMPLES examples per operation and stateful run (not in `make test`).
FUZZ_EXAMPLES ?= 1000
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -m contract $(ARGS)

clean:
	rm -rf $(VENV) .emulator .pytest_cache .ruff_cache
