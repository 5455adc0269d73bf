# The two commands of the README:
#   make run    install everything, index corpus/, ask the example question
#   make test   install everything, run the test suite
VENV := .venv
BIN := $(VENV)/bin
QUESTION ?= Trường THCS phải báo cáo gì sau năm học 2024-2025?

.PHONY: run setup test eval bench bench-scale clean

run: setup
	$(BIN)/assistant ingest
	$(BIN)/assistant ask "$(QUESTION)"

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml setup.sh
	./setup.sh
	touch $@

test: setup
	$(BIN)/python -m pytest -q

eval: setup
	$(BIN)/assistant ingest -q
	$(BIN)/assistant eval

bench: setup
	$(BIN)/assistant bench ingest
	$(BIN)/assistant bench query --index index-bench
	$(BIN)/assistant bench load --index index-bench

# index size against latency, 1k -> 10k -> 100k chunks of law text (~20 min on 2 cores; needs ../shared)
bench-scale: setup
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python -m assistant.cli bench scale

clean:
	rm -rf index/qdrant index/edge index/terms-*.sqlite index/embeddings.sqlite index-bench index-scale eval/reports
