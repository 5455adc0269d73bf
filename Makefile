# The two commands of the README:
#   make run    install everything, index corpus/, ask the example question
#   make test   install everything, run the test suite
VENV := .venv
BIN := $(VENV)/bin
QUESTION ?= Trường THCS phải báo cáo gì sau năm học 2024-2025?

.PHONY: run setup test eval bench clean

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

clean:
	rm -rf index/qdrant index/embeddings.sqlite index-bench eval/reports
