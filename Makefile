# Two commands on a fresh machine: `make run` (set up, ingest, start API + UI) and `make test` (set up, run the suite).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: run test install install-dev system-deps ingest bench eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Stamps make repeated runs skip pip entirely until pyproject.toml or constraints.txt change.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install --quiet -c constraints.txt -e '.[dev,llm]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Debian packages the tests drive for real (PostgreSQL server, Chromium); installed only when missing.
system-deps:
	@bash scripts/system-deps.sh

ingest: install
	$(BIN)/imaging-tutor ingest --all

run: install
	$(BIN)/imaging-tutor up

test: install-dev system-deps
	$(BIN)/python -m pytest -q --timeout=900
	$(MAKE) --no-print-directory eval

# The grounding gate: fails on invalid refs, medical-advice misses, floors or regressions against the baseline.
eval: install
	$(BIN)/imaging-tutor ingest
	$(BIN)/imaging-tutor eval evals/sets/grounding.jsonl --baseline evals/baseline.json --no-store
	$(BIN)/imaging-tutor eval evals/sets/course_quiz.jsonl --baseline evals/baseline_course_quiz.json --no-store

bench: install-dev
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/answer.py
	$(BIN)/python bench/api_load.py

clean:
	rm -rf .tutor-data .pytest_cache
