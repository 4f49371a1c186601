# Two commands for a fresh machine: `make demo` and `make test`. Each sets itself up.
# bash: check-latest compares with <(...)
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed
# the exact releases installed and tested; pyproject.toml holds the ranges (`make lock` renews it)
CONSTRAINTS = constraints.txt
LATEST = .venv-latest

.PHONY: setup demo test bench clean-output lock check-latest

$(STAMP): pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[test,bench,export,cluster]'
	touch $(STAMP)

setup: $(STAMP)

## demo: start the replica sites on loopback and crawl them all into output/demo/
demo: $(STAMP)
	$(BIN)/vnnews demo

## test: the whole test suite (what CI runs)
test: $(STAMP)
	$(BIN)/pytest -q

## bench: extraction quality and speed against ../shared/benchmarks
bench: $(STAMP)
	$(BIN)/python benchmarks/quality.py

clean-output:  ## the live crawl's default folder (the demo's is output/demo/)
	rm -rf output/corpus output/raw output/state output/dedup output/export output/*.jsonl

# Every package named in pyproject.toml (dependencies and extras), without its range.
DEPENDENCY_NAMES = $(PYTHON) -c 'import re, tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
	deps = p["dependencies"] + [d for extra in p["optional-dependencies"].values() for d in extra]; \
	print(" ".join(sorted({re.match(r"[A-Za-z0-9_.-]+", d).group() for d in deps})))'

## lock: renew constraints.txt with the newest releases inside the ranges of pyproject.toml
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet --upgrade pip
	.venv-lock/bin/pip install --quiet -e '.[test,bench,export,cluster]'
	grep "^#" $(CONSTRAINTS) > .venv-lock/constraints.txt
	.venv-lock/bin/pip freeze --all --exclude-editable | grep -v '^pip==' >> .venv-lock/constraints.txt
	mv .venv-lock/constraints.txt $(CONSTRAINTS) && rm -rf .venv-lock

## check-latest: the whole suite against the newest release of every dependency, ranges ignored
## (run it on a schedule: a red run means an upgrade needs work before a range is widened)
check-latest:
	rm -rf $(LATEST) && $(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/pip install --quiet --upgrade pip
	$(LATEST)/bin/pip install --quiet --no-deps -e .
	$(LATEST)/bin/pip install --quiet --upgrade $$($(DEPENDENCY_NAMES))
	@echo "releases newer than constraints.txt (>):"
	@$(LATEST)/bin/pip freeze --all --exclude-editable | grep -v '^pip==' | diff <(grep -v '^#' $(CONSTRAINTS)) - || true
	$(LATEST)/bin/pytest -q -p no:cacheprovider
