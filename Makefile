# Two commands a user needs: `make maps` (build everything) and `make test` (the test suite).
# Both create .venv on first use and are set-up no-ops afterwards.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: maps test layers analyse export lint bench clean install browser

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "setting up $(VENV) (first run only) ..."
	@PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet --quiet --upgrade pip
	@# -qq and PYTHONWARNINGS: pip's index notices and the build backend's are not for a newcomer; errors still show
	@PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

## The main job: build all layers, run all analyses, render all maps (embedded data, offline).
maps: $(STAMP)
	$(BIN)/corridor all

layers: $(STAMP)
	$(BIN)/corridor layers

analyse: $(STAMP)
	$(BIN)/corridor analyse

## Print exports need headless Chromium and a CJK font (installed by `make browser` where missing).
export: $(STAMP) browser
	$(BIN)/corridor export

## The whole test suite (installs headless Chromium from Debian where missing, for map tests).
test: $(STAMP) browser
	$(BIN)/python -m pytest -q

## Debian's chromium and a CJK font (fonts-wqy-microhei, else fonts-noto-cjk), for map tests and exports.
browser:
	@bash scripts/ensure_chromium.sh

lint: $(STAMP)
	$(BIN)/ruff check geo tests scripts benchmarks

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf layers/build maps/*.html maps/png maps/export
