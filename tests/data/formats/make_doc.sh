#!/usr/bin/env bash
# Rebuild cong-van-bang.doc, the Word 97-2003 fixture of tests/test_formats.py: the công văn of
# tests/formatdocs.py (two-column header table, data table with merged cells, signature table)
# written as .docx by python-docx, then saved as .doc by LibreOffice (Debian's
# libreoffice-writer-nogui 7.4; not needed to run the tests, only to rebuild this file).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../../.."
tmp="$(mktemp -d)"
PYTHONPATH="$root:$root/tests" "$root/.venv/bin/python" -c \
  "import formatdocs, pathlib; formatdocs.build_docx(pathlib.Path('$tmp/cong-van-bang.docx'))"
soffice --headless --convert-to doc "$tmp/cong-van-bang.docx" --outdir "$tmp" >/dev/null
cp "$tmp/cong-van-bang.doc" "$here/cong-van-bang.doc"
rm -rf "$tmp"
echo "wrote $here/cong-van-bang.doc"
