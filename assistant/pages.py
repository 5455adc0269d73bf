"""HTML pages the project renders itself (the document view). No inline script or style: the
page's script and stylesheet are static files, so the strict Content-Security-Policy
(``script-src 'self'``) holds, and everything taken from a document or a URL is escaped."""
from __future__ import annotations

import html
from typing import Any

from .citations import where_phrase

VIEW_CSS = """body{font-family:system-ui,sans-serif;max-width:860px;margin:2em auto;line-height:1.5;padding:0 1em}
.sec{color:#555;font-size:.85em}.focus{background:#fff3bf;border-left:4px solid #f59f00;padding:.3em .6em}
h1{font-size:1.3em}
"""
# The server marks the focused paragraph (class "focus"); the script only scrolls to it.
VIEW_JS = """document.addEventListener("DOMContentLoaded", function () {
  var focus = document.querySelector(".focus");
  if (focus) { focus.scrollIntoView({block: "center"}); }
});
"""
ASSET_PATH = "/documents-assets"


def render_document(rec, chunks: list[dict[str, Any]], focus: str | None) -> str:
    """The whole document as escaped HTML, each paragraph with an anchor; the focused one marked."""
    m = rec.meta
    rows = []
    for c in chunks:
        cls = ' class="focus"' if c["chunk_id"] == focus else ""
        where = where_phrase(c.get("page", 0), c.get("ocr", False))
        label = " · ".join(x for x in (c["section"], where) if x)
        section = f'<div class="sec">{html.escape(label)}</div>' if label else ""
        body = html.escape(c["text"]).replace("\n\n", "<br><br>")
        rows.append(f'<div id="{html.escape(c["chunk_id"])}"{cls}>{section}<p>{body}</p></div>')
    meta = " · ".join(html.escape(x) for x in (m.doc_type, m.number, m.issuer, m.date) if x)
    return (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{html.escape(rec.title)}</title>'
            f'<link rel="stylesheet" href="{ASSET_PATH}/view.css"><script src="{ASSET_PATH}/view.js" defer></script>'
            f'</head><body><h1>{html.escape(rec.title)}</h1><p>{meta}</p>{"".join(rows)}</body></html>')


def render_message(title: str, message: str) -> str:
    return (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<link rel="stylesheet" href="{ASSET_PATH}/view.css"></head><body><h1>{html.escape(title)}</h1>'
            f'<p>{html.escape(message)}</p></body></html>')
