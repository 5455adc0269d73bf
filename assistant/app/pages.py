"""HTML pages the project renders itself (the document view). No inline script or style: the
page's script and stylesheet are static files, so the strict Content-Security-Policy
(``script-src 'self'``) holds, and everything taken from a document or a URL is escaped."""

from __future__ import annotations

import html
from typing import Any

from assistant.answer.citations import where_phrase
from assistant.core.textutil import fold

VIEW_CSS = """body{font-family:system-ui,sans-serif;max-width:860px;margin:2em auto;line-height:1.5;padding:0 1em}
h1{font-size:1.3em}.meta{color:#555}
h2{font-size:1.15em;margin:1.4em 0 .4em}h3{font-size:1.05em;margin:1.2em 0 .3em}
h4,h5,h6{font-size:1em;margin:1em 0 .3em}
.para{margin:.4em 0;padding:.15em .6em;border-left:4px solid transparent}.para p{margin:.3em 0}
h2.para,h3.para,h4.para,h5.para,h6.para{font-size:1em;font-weight:600}
.focus{background:#fff3bf;border-left-color:#f59f00}.where{color:#777;font-size:.8em;text-align:right}
"""
# The server marks the focused paragraph (class "focus"); the script only scrolls to it.
VIEW_JS = """document.addEventListener("DOMContentLoaded", function () {
  var focus = document.querySelector(".focus");
  if (focus) { focus.scrollIntoView({block: "center"}); }
});
"""
ASSET_PATH = "/documents-assets"


def _key(text: str) -> str:
    return " ".join(fold(text).replace("…", " ").split())


def _opens(text: str, label: str) -> bool:
    """Does a paragraph begin with a heading label? (Labels of long items are cut with "…".)"""
    k = _key(label)
    return len(k) >= 3 and _key(text).startswith(k)


# blocks the index labels itself ("Người ký"): their label is not a heading of the document
_OWN_LABELS = {"signature": "Người ký"}


def render_document(rec, chunks: list[dict[str, Any]], focus: str | None) -> str:
    """The whole document as escaped HTML, as it reads: each heading once, as a heading (h2, h3 …
    by depth), the paragraphs under it, each with an anchor; the focused one marked. An item that
    has sub-items ("4. Tập trung đổi mới …" above "(i1) …") is itself the heading of what follows,
    so its label is not shown a second time."""
    m = rec.meta
    rows: list[str] = []
    path: list[str] = []
    shown_where = ""
    for i, c in enumerate(chunks):
        heads = list(c.get("headings") or [])
        text = c["text"]
        same = 0
        while same < min(len(path), len(heads)) and path[same] == heads[same]:
            same += 1
        prev = chunks[i - 1] if i else None
        for depth in range(same, len(heads)):
            label = heads[depth]
            if prev is not None and len(prev.get("headings") or []) == depth and _opens(prev["text"], label):
                continue  # the previous paragraph is this heading (an item with sub-items): shown already
            if depth == len(heads) - 1 and (_opens(text, label) or _OWN_LABELS.get(c.get("block_kind", "")) == label):
                continue  # "Kính gửi: …", "Nơi nhận: …" say their own label; "Người ký" is the index's
            level = min(2 + depth, 6)
            rows.append(f"<h{level}>{html.escape(label)}</h{level}>")
        path = heads
        # the page of a paged file (and an OCR mark) where it changes, not on every paragraph
        where = where_phrase(c.get("page", 0), c.get("ocr", False))
        if where and where != shown_where:
            rows.append(f'<div class="where">{html.escape(where)}</div>')
        shown_where = where or shown_where
        nxt = chunks[i + 1] if i + 1 < len(chunks) else None
        is_heading = (
            nxt is not None
            and len(nxt.get("headings") or []) > len(heads)
            and _opens(text, nxt["headings"][len(heads)])
        )
        cls = "para focus" if c["chunk_id"] == focus else "para"
        anchor = html.escape(c["chunk_id"])
        if is_heading:
            level = min(2 + len(heads), 6)
            body = "<br>".join(html.escape(t.strip()) for t in text.split("\n") if t.strip())
            rows.append(f'<h{level} id="{anchor}" class="{cls}">{body}</h{level}>')
        else:
            paras = "".join(
                f"<p>{html.escape(p.strip()).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n") if p.strip()
            )
            rows.append(f'<div id="{anchor}" class="{cls}">{paras}</div>')
    meta = " · ".join(html.escape(x) for x in (m.doc_type, m.number, m.issuer, m.date) if x)
    return (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(rec.title)}</title>'
        f'<link rel="stylesheet" href="{ASSET_PATH}/view.css"><script src="{ASSET_PATH}/view.js" defer></script>'
        f'</head><body><h1>{html.escape(rec.title)}</h1><p class="meta">{meta}</p>{"".join(rows)}</body></html>'
    )


def render_message(title: str, message: str) -> str:
    return (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f'<link rel="stylesheet" href="{ASSET_PATH}/view.css"></head><body><h1>{html.escape(title)}</h1>'
        f"<p>{html.escape(message)}</p></body></html>"
    )
