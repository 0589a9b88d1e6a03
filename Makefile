# linreg: `make run` rebuilds everything, `make test` runs the tests.
# Both create .venv and install the project into it when missing or out of date.

VENV   ?= .venv
PYTHON := $(VENV)/bin/python
LOCK   := constraints.txt
# The CPU build by default: on these machines torch==2.13.0 resolves to a local
# CPU wheel, so set-up never downloads CUDA. GPU users: see README ("GPU").
TORCH  ?= torch==2.13.0
STAMP  := $(VENV)/.installed
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: help setup run lint format docs test test-fast test-browser browser plots-template bench bench-loop gpu-check lock clean
.DEFAULT_GOAL := help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml $(LOCK)
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --quiet "$(TORCH)"
	$(PYTHON) -m pip install --quiet --quiet -c $(LOCK) -e ".[pipeline,docs,dev]"
	touch $(STAMP)

lock:  ## re-resolve the newest versions pyproject.toml allows into constraints.txt (commit it after)
	rm -rf .lock-venv && python3 -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --quiet "$(TORCH)"
	.lock-venv/bin/python -m pip install --quiet --quiet -e ".[pipeline,docs,dev]"
	{ sed -n '1,2p' $(LOCK); .lock-venv/bin/python -m pip freeze --exclude-editable \
	  | grep -viE '^(torch|pip|setuptools|wheel)=='; } > $(LOCK).new && mv $(LOCK).new $(LOCK)
	rm -rf .lock-venv

setup: $(STAMP)  ## create .venv and install linreg with its dev tools

run: $(STAMP)  ## rebuild the whole pipeline (dvc repro), ending with reports/report.html
	dvc repro

lint: $(STAMP)  ## ruff (style, imports, likely bugs, formatting) and mypy (types), as configured in pyproject.toml
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m mypy

format: $(STAMP)  ## apply ruff's formatting and its safe fixes
	$(PYTHON) -m ruff format .
	$(PYTHON) -m ruff check --fix .

docs: $(STAMP)  ## build the documentation site into site/ (warnings are errors)
	NO_MKDOCS_2_WARNING=1 $(PYTHON) -m mkdocs build --strict

test: lint docs  ## lint, the docs, then the whole test suite on every core (browser tests skip without chromium)
	$(PYTHON) -m pytest -n auto --dist loadfile

test-fast: $(STAMP)  ## the library's tests, the pipeline's unit tests and the docs' code blocks, no dvc repro
	$(PYTHON) -m pytest -n auto -m "not slow" src/linreg/models tests/models tests/pipeline tests/test_docs_examples.py

browser:  ## install Debian's chromium and chromedriver for the browser tests (as root; CI runs this)
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then echo "chromium: installed"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "run as root, or: sudo apt-get install chromium chromium-driver"; exit 1; fi

test-browser: $(STAMP)  ## only the browser tests: the report's interactive figures and the dvc plots page
	$(PYTHON) -m pytest tests/pipeline/test_browser.py tests/pipeline/test_end_to_end.py -k "browser or interactive or slider or hover or phone or template"

plots-template: $(STAMP)  ## regenerate .dvc/offline_plots.html (dvc plots show without a network) from the pinned Vega bundle
	$(PYTHON) -m linreg.pipeline.report.interactive

bench: $(STAMP)  ## training-speed benchmark (n=1e6, p=100): prints ratios to one XᵀX
	$(PYTHON) benchmarks/train_speed.py

bench-loop: $(STAMP)  ## time params.yaml edit → dvc repro → report, per stage (edits and restores params.yaml)
	$(PYTHON) benchmarks/learner_loop.py --fresh

gpu-check:  ## on an NVIDIA GPU: CUDA tests, every variant on cuda, the large benchmark → reports/reference/<gpu>/
	$(if $(wildcard $(PYTHON)),$(PYTHON),python3) benchmarks/gpu_check.py

clean:  ## remove the virtual environment and Python caches (DVC outputs stay)
	rm -rf $(VENV) .pytest_cache site
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
