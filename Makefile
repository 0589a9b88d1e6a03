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

.PHONY: help setup run lint format docs test test-fast test-browser browser plots-template bench bench-small bench-loop warm-stop gpu-check lock clean
.DEFAULT_GOAL := help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml $(LOCK)
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --quiet "$(TORCH)"
	# The distribution was called linreg before linreg-models: drop its record, and the egg-info it left in src/.
	$(PYTHON) -m pip uninstall --quiet --quiet --yes linreg && rm -rf src/linreg.egg-info
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
	@# When a stage fails, say which outputs on disk (and `dvc metrics show`) are still the last run's.
	dvc repro || { $(PYTHON) -m linreg.pipeline.stale; exit 1; }

lint: $(STAMP)  ## ruff (style, imports, likely bugs, formatting) and mypy (types), as configured in pyproject.toml
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m mypy

format: $(STAMP)  ## apply ruff's formatting and its safe fixes
	$(PYTHON) -m ruff format .
	$(PYTHON) -m ruff check --fix .

docs: $(STAMP)  ## build the documentation site into site/ (warnings are errors)
	@# Not --quiet: it hides the warnings that --strict turns into errors.
	NO_MKDOCS_2_WARNING=1 $(PYTHON) -m mkdocs build --strict

# The statistics pass this machine does not take (Intel with MKL: torch's; elsewhere NumPy's), so one
# machine's `make test` also runs the library's tests the way the other kind of machine would.
OTHER_BLAS := from linreg.models.stats.blas import default_cpu_blas as d; print('numpy' if d() == 'torch' else 'torch')
# An old OpenBLAS kernel, MKL held to SSE4.2, one thread: the data stages must still write the same bytes.
OLD_KERNEL = OPENBLAS_CORETYPE=Sandybridge MKL_ENABLE_INSTRUCTIONS=SSE4_2 OMP_NUM_THREADS=1
DATA_TESTS = tests/pipeline/test_generate.py tests/pipeline/test_split_scale.py tests/pipeline/test_data_stages.py

test: lint docs  ## lint, the docs, the other machine kind's checks, then the whole suite on every core
	other=$$($(PYTHON) -c "$(OTHER_BLAS)") && echo "The library's tests with LINREG_CPU_BLAS=$$other:" && \
	LINREG_CPU_BLAS=$$other $(PYTHON) -m pytest -q -p no:cacheprovider -n auto -m "not slow" tests/models src/linreg/models
	$(OLD_KERNEL) $(PYTHON) -m pytest -q -p no:cacheprovider -n auto $(DATA_TESTS)
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

bench-small: $(STAMP)  ## small-data speed (442×10, 20000×20): each fit as a multiple of scikit-learn's
	$(PYTHON) benchmarks/small_speed.py

bench-loop: $(STAMP)  ## time params.yaml edit → dvc repro → report, per stage (edits and restores params.yaml)
	$(PYTHON) benchmarks/learner_loop.py --fresh

warm-stop:  ## stop the warm stage servers dvc repro started (each also stops after 10 idle minutes)
	$(if $(wildcard $(PYTHON)),$(PYTHON),python3) -m linreg.pipeline.warm stop

gpu-check:  ## on an NVIDIA GPU: CUDA tests, every variant on cuda, the large benchmark → reports/reference/<gpu>/
	$(if $(wildcard $(PYTHON)),$(PYTHON),python3) benchmarks/gpu_check.py

clean:  ## remove the virtual environment and Python caches (DVC outputs stay)
	rm -rf $(VENV) .pytest_cache site
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
