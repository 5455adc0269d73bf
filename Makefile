# The commands of the README:
#   make run         install the core (./setup.sh), index corpus/, ask the example question
#   make test        install the core and the test extras (./setup.sh --full), run the test suite (~8-11 min)
#   make setup-full  the core and every extra, without running anything
#   make screenshot  retake docs/screenshot-chat.png in headless Chromium (the README's picture)
VENV := .venv
BIN := $(VENV)/bin
QUESTION ?= Trường THCS phải báo cáo gì sau năm học 2024-2025?

.PHONY: run setup setup-full test screenshot eval bench clean

run: setup
	$(BIN)/assistant ingest
	$(BIN)/assistant ask "$(QUESTION)"

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml setup.sh
	./setup.sh
	touch $@

setup-full: $(VENV)/.installed-full

$(VENV)/.installed-full: pyproject.toml setup.sh
	./setup.sh --full
	touch $@ $(VENV)/.installed

test: setup-full
	$(BIN)/python -m pytest -q

screenshot: setup-full
	ASSISTANT_SCREENSHOT=docs/screenshot-chat.png $(BIN)/python -m pytest -q tests/test_ui.py -k test_ask_see_citation_open_source

eval: setup
	$(BIN)/assistant ingest -q
	$(BIN)/assistant eval

bench: setup
	$(BIN)/assistant bench ingest
	$(BIN)/assistant bench query --index index-bench
	$(BIN)/assistant bench load --index index-bench

clean:
	rm -rf index/qdrant index/edge index/embeddings.sqlite index-bench eval/reports
