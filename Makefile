# The three commands a newcomer needs: make setup, make example, make test.
PY ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: setup example test lint bench

setup:  ## create .venv and install mtqa with its dependencies (CPU torch pinned)
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install torch==2.13.0
	$(BIN)/pip install -e '.[dev,llama]'

example:  ## run the main job on the bundled example articles (HTML report in examples/report.html)
	$(BIN)/mtqa check examples/articles --no-translate --exit-zero --format json --format html \
		-o examples/out/report.json -o examples/out/report.html
	@echo "wrote examples/out/report.json and examples/out/report.html"

test:  ## the test suite (the command CI runs)
	$(BIN)/python -m pytest -q

lint:
	$(BIN)/ruff check mtqa tests benchmarks

bench:  ## every benchmark (slow: tens of minutes on 2 cores)
	$(BIN)/python -m benchmarks.run_all
