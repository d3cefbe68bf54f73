# reelflow: `make demo` and `make test` do all the set-up on a fresh machine.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup system-deps demo test lint format protos bench bench-quick clean

setup: system-deps $(STAMP)

# Debian tools the tests use: ffprobe (ffmpeg) checks MP4s independently, prometheus/promtool,
# and a PostgreSQL server for the job store that cluster replicas share.
system-deps:
	@command -v ffprobe >/dev/null && command -v promtool >/dev/null && \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
	    ffmpeg prometheus postgresql; }

# torch comes first and pinned: a bare `torch` would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: setup
	$(BIN)/reelflow demo -o demo.mp4

test: setup
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate the gRPC/protobuf modules from protos/ (tests fail when they are stale).
protos:
	$(BIN)/python -m grpc_tools.protoc -Iprotos --python_out=. --pyi_out=. --grpc_python_out=. \
	  protos/reelflow/v1/*.proto

# Benchmarks are commands that print tables and write bench/results/*.json, not timed tests
# (BENCHMARKS.md). The full run takes long; run it on a quiet machine.
bench: setup
	$(BIN)/python -m bench.run

bench-quick: setup
	$(BIN)/python -m bench.run --quick

clean:
	rm -rf $(VENV) demo.mp4 .pytest_cache .ruff_cache
