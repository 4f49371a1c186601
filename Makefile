# Two commands for a fresh machine: `make demo` and `make test`. Each sets itself up.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed

.PHONY: setup demo test bench clean-output

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench,cluster]'
	touch $(STAMP)

setup: $(STAMP)

## demo: start the replica sites on loopback and crawl them all into output/
demo: $(STAMP)
	$(BIN)/vnnews demo

## test: the whole test suite (what CI runs)
test: $(STAMP)
	$(BIN)/pytest -q

## bench: extraction quality and speed against ../shared/benchmarks
bench: $(STAMP)
	$(BIN)/python benchmarks/quality.py

clean-output:
	rm -rf output/corpus output/raw output/state output/*.jsonl
