"""Split a cleaned directive into its section tree and into citable chunks. Pure functions.

Directives nest ``I.`` > ``1.`` > ``1.1.`` > ``a)`` > ``(1)`` > ``-``; laws nest
``Chương`` > ``Mục`` > ``Điều N.`` > khoản ``1.`` > điểm ``a)``. A marker of a given rank closes
every open section of the same or a deeper rank, which handles both without a per-type grammar.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .header import HeaderParse, parse_header
from .models import Block, Chunk, DocumentMeta
from .textutil import split_sentences

_KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("phan", re.compile(r"^(?:Phần|PHẦN)\s+(?:thứ\s+\w+|THỨ\s+\w+|[IVXLCDM\d]+)\b")),
    ("chuong", re.compile(r"^(?:Chương|CHƯƠNG)\s+[IVXLCDM\d]+\b")),
    ("muc", re.compile(r"^(?:Mục|MỤC)\s+\d+\b")),
    ("dieu", re.compile(r"^Điều\s+\d+[a-zđ]?\.")),
    ("roman", re.compile(r"^[IVXLC]+\.\s")),
    ("num3", re.compile(r"^\d+\.\d+\.\d+\.?\s")),
    ("num2", re.compile(r"^\d+\.\d+\.?\s")),
    ("num", re.compile(r"^\d+\.\s")),
    ("num_paren", re.compile(r"^\d+\)\s")),
    ("letter", re.compile(r"^[a-zđ]\)\s")),
    ("paren", re.compile(r"^\(\d+\)\s?")),
    ("item", re.compile(r"^\(i\d+\)\s?")),
    ("dash", re.compile(r"^[-–+]\s?")),
    ("bullet", re.compile(r"^[•]\s?")),
]
# Nesting order, outermost first. It differs from the matching order above, which tries
# "1.1.1." before "1.1." before "1.": a "1.1." item sits inside "1.", not above it.
_RANK = {kind: i for i, kind in enumerate(
    ("phan", "chuong", "muc", "dieu", "roman", "num", "num2", "num3", "num_paren", "letter", "paren", "item",
     "dash", "bullet"))}
# numbered items keep their own chunk, however short: their marker is their address
_NUMBERED = set(_RANK) - {"dash", "bullet"}
_TITLED = {"phan", "chuong", "muc", "dieu", "roman"}  # their label is the heading itself
_INLINE_ITEM = re.compile(r"\(i\d+\)\s*")

MIN_CHUNK_CHARS = 60
MAX_CHUNK_CHARS = 1500
SPLIT_TARGET_CHARS = 900
HEADING_ONLY_CHARS = 160
SIGNATURE_KIND = "signature"  # block kind of the signer's titles and name


def classify(paragraph: str) -> tuple[str, str]:
    """The marker kind and the marker as written; ("plain", "") when there is none."""
    for kind, pattern in _KINDS:
        m = pattern.match(paragraph)
        if m:
            return kind, m.group().strip()
    return "plain", ""


def label_of(text: str, limit: int = 100) -> str:
    """A heading label: the paragraph itself when short, else its first clause, cut."""
    if len(text) <= limit:
        return text.rstrip(":;,. ")
    cut = text[:limit]
    for sep in (":", ";", ". "):
        i = cut.find(sep, 20)
        if i > 0:
            return cut[:i].rstrip() + "…"
    return cut.rsplit(" ", 1)[0] + "…"


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for part in text.split("\n\n"):
        if part:
            spans.append((pos, pos + len(part)))
        pos += len(part) + 2
    return spans


@dataclass
class ParsedDocument:
    meta: DocumentMeta
    blocks: list[Block]


def parse_document(text: str) -> ParsedDocument:
    """Header metadata plus body blocks with section paths, for a cleaned text."""
    spans = paragraph_spans(text)
    paragraphs = [text[s:e] for s, e in spans]
    header: HeaderParse = parse_header(paragraphs)
    blocks: list[Block] = []

    # "Kính gửi" list: citable (who the directive is for), outside the section tree.
    for i in range(header.body_start):
        if paragraphs[i].startswith("Kính gửi"):
            j = i
            while j < header.body_start:
                s, e = spans[j]
                blocks.append(Block(text[s:e], s, e, "recipients", "", ["Kính gửi"]))
                j += 1
            break

    appendix_start = _appendix_start(paragraphs, header)
    signature = range(header.signature[0], header.signature[1] + 1) if header.signature else range(0)
    # a law has no "Nơi nhận": its signature closes the body and is not part of the last article
    body = [i for i in range(header.body_start, header.footer_start) if i not in signature]
    blocks.extend(_tree_blocks(text, spans, body))
    if appendix_start < len(paragraphs):
        title = paragraphs[appendix_start]
        root = "Phụ lục: " + label_of(title, 80) if title.upper() == title else "Phụ lục"
        blocks.extend(_tree_blocks(text, spans, list(range(appendix_start, len(paragraphs))), root))

    if header.footer_start < len(paragraphs):
        for j in range(header.footer_start, min(appendix_start, len(paragraphs))):
            s, e = spans[j]
            if j > header.footer_start and not paragraphs[j].startswith(("-", "–", "+", "•")):
                break
            blocks.append(Block(text[s:e], s, e, "distribution", "", ["Nơi nhận"]))
    if signature:
        # who signed, as written (titles and name): citable for "ai ký?", outside the section tree
        s, e = spans[signature[0]][0], spans[signature[-1]][1]
        blocks.append(Block(text[s:e], s, e, SIGNATURE_KIND, "", ["Người ký"]))
    return ParsedDocument(header.meta, blocks)


def _appendix_start(paragraphs: list[str], header: HeaderParse) -> int:
    """Content after the signature (an attached outline, a form) is part of the body again."""
    if header.signature and header.signature[1] > header.footer_start:
        return header.signature[1] + 1
    return len(paragraphs)


def _tree_blocks(text: str, spans: list[tuple[int, int]], indices: list[int], root: str = "") -> list[Block]:
    # (kind, label, marker); "root" is never closed
    stack: list[tuple[str, str, str]] = [("root", root, "")] if root else []

    def outline() -> list[tuple[str, str]]:
        return [(k, m) for k, _, m in stack if k != "root"]

    blocks: list[Block] = []
    skip_next = False
    for n, i in enumerate(indices):
        if skip_next:
            skip_next = False
            continue
        s, e = spans[i]
        para = text[s:e]
        kind, marker = classify(para)
        if kind in ("chuong", "muc", "phan") and n + 1 < len(indices) and len(para) < 40:
            # "Chương I" followed by its caps title on the next line
            ns, ne = spans[indices[n + 1]]
            title = text[ns:ne]
            if title.upper() == title and classify(title)[0] == "plain" and len(title) < 200:
                e = ne
                para = para + ". " + title if not para.endswith(".") else para + " " + title
                skip_next = True
        items = list(_INLINE_ITEM.finditer(para)) if "(i1)" in para and "(i2)" in para else []
        if kind == "plain":
            while stack and stack[-1][0] in ("dash", "bullet"):
                stack.pop()
            if not items:
                blocks.append(Block(text[s:e], s, e, kind, "", [lbl for _, lbl, _ in stack], outline=outline()))
                continue
        else:
            while stack and _RANK.get(stack[-1][0], -1) >= _RANK[kind]:
                stack.pop()
        path = [lbl for _, lbl, _ in stack]
        if items:
            # "… như sau: (i1) …; (i2) …" — each item is its own citable unit
            lead_end = items[0].start()
            lead = text[s : s + lead_end].rstrip()
            blocks.append(Block(lead, s, s + len(lead), kind, marker, path, outline=outline()))
            stack.append((kind, label_of(lead), marker))
            stack_mark = len(stack) - 1
            for k, m in enumerate(items):
                a = s + m.start()
                b = s + (items[k + 1].start() if k + 1 < len(items) else len(para))
                item = text[a:b].rstrip()
                blocks.append(Block(item, a, a + len(item), "item", m.group().strip(),
                                    [lbl for _, lbl, _ in stack], outline=outline()))
            if kind == "plain":
                del stack[stack_mark:]  # a plain lead-in opens no section for what follows
            continue
        label = label_of(para.replace("\n", " ")) if kind not in _TITLED else label_of(para, 140)
        blocks.append(Block(text[s:e], s, e, kind, marker, path, outline=outline()))
        stack.append((kind, label, marker))
    _mark_children(blocks)
    return blocks


def _mark_children(blocks: list[Block]) -> None:
    for a, b in zip(blocks, blocks[1:]):
        if a.kind != "plain" and len(b.path) > len(a.path) and b.path[: len(a.path)] == a.path:
            a.has_children = True


def section_label(block: Block) -> str:
    own = ""
    if block.kind in _TITLED:
        own = label_of(block.text, 140)
    elif block.kind in ("num", "num2", "num3", "num_paren", "letter"):
        own = label_of(block.text, 80)
    elif block.marker:
        own = block.marker
    parts = block.path + ([own] if own else [])
    return " > ".join(parts)


_LAW_PARTS = {"num": "khoản", "letter": "điểm"}


def article_number(outline: list[tuple[str, str]]) -> str:
    """"32" for a chunk inside "Điều 32." (laws); "" elsewhere."""
    for kind, marker in outline:
        if kind == "dieu":
            return marker.removeprefix("Điều").strip(" .")
    return ""


def law_locator(outline: list[tuple[str, str]]) -> str:
    """How a lawyer cites the chunk: "Điều 32, khoản 1, điểm a" ("" outside an article)."""
    parts: list[str] = []
    for kind, marker in outline:
        if kind == "dieu":
            parts = [f"Điều {article_number([(kind, marker)])}"]
        elif parts and kind in _LAW_PARTS:
            parts.append(f"{_LAW_PARTS[kind]} {marker.rstrip('.)')}")
    return ", ".join(parts)


def build_chunks(doc_id: str, text: str, blocks: list[Block]) -> list[Chunk]:
    """Blocks -> chunks: headings fold into their children, tiny leaves merge, long ones split."""
    units: list[tuple[list[Block], int, int]] = []  # blocks, start, end
    for b in blocks:
        if b.has_children and len(b.text) <= HEADING_ONLY_CHARS and not b.text.rstrip().endswith((".", ";", "./.")):
            continue  # a bare heading: it travels in its children's headings
        prev = units[-1] if units else None
        if (
            prev is not None
            and len(b.text) < MIN_CHUNK_CHARS
            and b.kind not in _NUMBERED
            and prev[0][-1].path == b.path
            and prev[0][-1].kind == b.kind
            and not prev[0][-1].has_children
            and prev[2] - prev[1] + len(b.text) < 900
        ):
            # a tiny paragraph ("Thời gian vào lúc 8h00 ngày 18/04/2022") means little alone:
            # it joins the paragraph before it in the same section
            units[-1] = (prev[0] + [b], prev[1], b.end)
            continue
        if len(b.text) > MAX_CHUNK_CHARS:
            for a, z in _split_long(b.text):
                units.append(([b], b.start + a, b.start + z))
            continue
        units.append(([b], b.start, b.end))

    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for position, (group, start, end) in enumerate(units):
        first = group[0]
        section = section_label(first)
        body = text[start:end]
        digest = hashlib.sha1(f"{section}\n{body}".encode()).hexdigest()[:10]
        n = seen.get(digest, 0)
        seen[digest] = n + 1
        chunk_id = f"{doc_id}:{digest}" + (f"-{n + 1}" if n else "")
        headings = [label_of(h, 160) for h in first.path]
        own = [(first.kind, first.marker)] if first.marker else []
        outline = [*first.outline, *own]
        chunks.append(Chunk(chunk_id, doc_id, position, body, start, end, section, headings,
                            kind=first.kind, marker=first.marker, outline=outline,
                            article=article_number(outline), locator=law_locator(outline)))
    return chunks


def _split_long(text: str) -> list[tuple[int, int]]:
    """Split at sentence boundaries into pieces of about SPLIT_TARGET_CHARS."""
    pieces: list[tuple[int, int]] = []
    start = None
    end = 0
    for a, z in split_sentences(text):
        if start is None:
            start = a
        elif z - start > SPLIT_TARGET_CHARS and end > start:
            pieces.append((start, end))
            start = a
        end = z
    if start is not None:
        pieces.append((start, end))
    # a single sentence longer than the limit stays whole: cutting it would break a quote
    return pieces
