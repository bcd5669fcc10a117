# The three commands a newcomer needs: make setup, make example, make test.
PY ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: setup example test lint bench

# llama.cpp is compiled for a portable x86-64 target (AVX2/FMA/F16C), not -march=native: a native
# build on a CPU with AMX (Sapphire Rapids and later) crashes in llama_decode when the host does not
# grant AMX tile state (seen on the shared 2-core machines). --no-cache-dir so that pip never reuses
# a wheel built with other flags. The pin is read from pyproject.toml's `llama` extra.
LLAMA_PIN := $(shell grep -o 'llama-cpp-python==[0-9.]*' pyproject.toml | head -n 1)
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

setup:  ## create .venv and install mtqa with its dependencies (CPU torch pinned)
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install torch==2.13.0
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --no-cache-dir '$(LLAMA_PIN)'
	$(BIN)/pip install -e '.[dev,llama,ct2,ray]'

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
