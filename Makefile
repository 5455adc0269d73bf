# The commands of the README:
#   make run         install the core (./setup.sh), index corpus/, ask the example question
#   make lint        ruff, import-linter (the stages' layers) and mypy (~20 s)
#   make test        install the core and the test extras (./setup.sh --full), lint, run the test suite (~8-11 min)
#   make setup-full  the core and every extra, without running anything
#   make screenshot  retake docs/screenshot-chat.png, -phone.png and -document.png in headless Chromium
#   make eval-all    every question set of eval/sets.toml on its corpus (needs ../shared; the 17
#                    ALQAC laws take ~25 min to embed the first time, then seconds)
#   make tune        refit assistant/data/answer_model.json on the training sets, with cross-validation
#   make fit-verdict refit assistant/data/verdict_model.json on every labelled verdict of the training sets
VENV := .venv
BIN := $(VENV)/bin
QUESTION ?= Trường THCS phải báo cáo gì sau năm học 2024-2025?

.PHONY: run setup setup-full lint test screenshot eval eval-laws eval-alqac eval-all tune fit-verdict bench bench-scale clean
SETS_TRAIN := --set dev --set seeds-heldout --set laws --set laws-heldout --set alqac --set alqac-heldout

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

# the layout's rules (ARCHITECTURE.md): stages import only downwards, no cycle, style, types
lint: setup-full
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: setup-full lint
	$(BIN)/python -m pytest -q

screenshot: setup-full
	ASSISTANT_SCREENSHOT=docs/screenshot-chat.png $(BIN)/python -m pytest -q tests/test_ui.py \
	  -k "test_ask_see_citation_open_source or phone or document_view"

eval: setup
	$(BIN)/assistant ingest -q
	$(BIN)/assistant eval

eval-laws: setup
	$(BIN)/assistant eval --set laws --set laws-heldout

eval-alqac: setup
	$(BIN)/assistant eval --set alqac --set alqac-heldout

eval-all: setup
	$(BIN)/assistant eval --set dev --set seeds-heldout --set laws --set laws-heldout --set alqac --set alqac-heldout

tune: setup
	$(BIN)/assistant tune $(SETS_TRAIN) --ablation --out assistant/data/answer_model.json --report eval/tune-report.md

# every labelled verdict of the training sets, each over its set's index (built by `make eval-all`)
fit-verdict: setup
	ASSISTANT_MAX_QUESTION_CHARS=4000 $(BIN)/python -m assistant.tools.fit_verdict \
		--questions ../shared/corpus-extra/alqac-2024/train.jsonl --index index-alqac \
		--questions ../shared/corpus-extra/alqac-2023/train.jsonl --index index-alqac \
		--questions eval/alqac-heldout.jsonl --index index-alqac \
		--questions eval/directives-fit-a.jsonl --index index-directives \
		--questions eval/directives-fit-b.jsonl --index index-directives \
		--questions eval/dev.jsonl --index index --questions eval/seeds-heldout.jsonl --index index \
		--questions eval/laws.jsonl --index index-laws --questions eval/laws-heldout.jsonl --index index-laws \
		--cache eval/out/verdict-features.jsonl --write

bench: setup
	$(BIN)/assistant bench ingest
	$(BIN)/assistant bench query --index index-bench
	$(BIN)/assistant bench load --index index-bench

# index size against latency, 1k -> 10k -> 100k chunks of law text (~20 min on 2 cores; needs ../shared)
bench-scale: setup
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python -m assistant bench scale

clean:
	rm -rf index/qdrant index/edge index/terms-*.sqlite index/embeddings.sqlite index-bench index-scale \
	  index-laws index-alqac index-alqac-ci eval/reports
