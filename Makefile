# Two commands on a fresh machine: `make run` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= all
# The unit tests run in this many pytest-xdist workers, each test single-threaded (OMP_NUM_THREADS=1:
# PySCF's OpenMP threads would otherwise oversubscribe the cores the workers share; a test about
# threads sets its own); the end-to-end tests run one at a time after them, each a snakemake run
# on the machine's cores.
TEST_WORKERS ?= $(shell nproc)
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: run test lint clean setup

$(BIN)/activate:
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "qchemflow needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check -e . 2>&1 | grep -v "is ignored: it is neither" || true
	$(BIN)/python -c "import qchemflow, pyscf, rdkit, snakemake"
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]' 2>&1 | grep -v "is ignored: it is neither" || true
	$(BIN)/python -c "import pytest"
	touch $@

setup: $(VENV)/.installed

# One `make run` at a time in this folder: scripts/make_run.sh holds a flock on
# .snakemake/make-run.lock while Snakemake runs and refuses at once when another `make run` holds
# it. Holding it, it removes the Snakemake lock that a killed run (SIGKILL, power loss) left, and
# says so; --rerun-incomplete then reruns the jobs that run left unfinished. Plain `snakemake`
# keeps Snakemake's own lock handling.
run: $(VENV)/.installed
	bash scripts/make_run.sh $(BIN)/snakemake --cores $(CORES) --keep-going --rerun-incomplete --configfile config/config.yaml
	@echo "Results: results/summary.csv (one row per molecule), results/<id>/ (per-stage JSON, logs)"

test: $(VENV)/.installed-test
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -q -m "not e2e" -n $(TEST_WORKERS)
	$(BIN)/python -m pytest -q -m e2e

lint: $(VENV)/.installed
	$(BIN)/snakemake --lint

clean:
	rm -rf results .snakemake
