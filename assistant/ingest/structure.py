"""Split a cleaned directive into its section tree and into citable chunks. Pure functions.

Directives nest ``I.`` > ``1.`` > ``1.1.`` > ``a)`` > ``(1)`` > ``-``; laws nest
``Chương`` > ``Mục`` > ``Điều N.`` > khoản ``1.`` > điểm ``a)``. A marker of a given rank closes
every open section of the same or a deeper rank, which handles both without a per-type grammar.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from assistant.core.layout_words import admin_layout
from assistant.core.models import HEADER_KIND, ROW_KIND, SIGNATURE_KIND, Block, Chunk, DocumentMeta
from assistant.core.textutil import split_sentences
from assistant.ingest.cleaning import TABLE_SEP, is_table_row
from assistant.ingest.header import HeaderParse, is_caps, parse_header

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
_RANK = {
    kind: i
    for i, kind in enumerate(
        (
            "phan",
            "chuong",
            "muc",
            "dieu",
            "roman",
            "num",
            "num2",
            "num3",
            "num_paren",
            "letter",
            "paren",
            "item",
            "dash",
            "bullet",
        )
    )
}
# numbered items keep their own chunk, however short: their marker is their address
_NUMBERED = set(_RANK) - {"dash", "bullet"}
_TITLED = {"phan", "chuong", "muc", "dieu", "roman"}  # their label is the heading itself
_INLINE_ITEM = re.compile(r"\(i\d+\)\s*")

MIN_CHUNK_CHARS = 60
MAX_CHUNK_CHARS = 1500
SPLIT_TARGET_CHARS = 900
HARD_CHUNK_CHARS = 3000  # longer than any sentence of the corpora; see _split_long
HEADING_ONLY_CHARS = 160


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


HEADER_LABEL = "Thông tin văn bản"  # the header (số, cơ quan, ngày, trích yếu): a chunk of its own
CLOSING_LABEL = "Phần kết"


def parse_document(text: str) -> ParsedDocument:
    """Header metadata plus blocks with section paths for every part of a cleaned text: the
    header, "Kính gửi", the body, "Nơi nhận", the signature and what is attached after it
    (Quy định, Phụ lục, tables), each attached text under its own title."""
    spans = paragraph_spans(text)
    paragraphs = [text[s:e] for s, e in spans]
    lay: HeaderParse = parse_header(paragraphs)
    n = len(paragraphs)
    blocks: list[Block] = []

    def span_block(a: int, b: int, kind: str, path: list[str]) -> None:
        """One block over paragraphs [a, b) (a list read as one unit: "Kính gửi", "Nơi nhận")."""
        if a < b:
            s, e = spans[a][0], spans[b - 1][1]
            blocks.append(Block(text[s:e], s, e, kind, "", path))

    span_block(0, lay.header_end, HEADER_KIND, [HEADER_LABEL])
    taken = set(range(lay.header_end))
    if lay.recipients:
        span_block(*lay.recipients, "recipients", ["Kính gửi"])
        taken.update(range(*lay.recipients))
    # what lies between the header and the body, if anything, belongs to the body
    body = [i for i in range(lay.header_end, lay.footer_start) if i not in taken]
    blocks.extend(_tree_blocks(text, spans, body))

    closing = range(lay.footer_start, min(lay.closing_end, n))
    parts = set()
    if lay.distribution:
        span_block(*lay.distribution, "distribution", ["Nơi nhận"])
        parts.update(range(*lay.distribution))
    if lay.signature:
        # who signed, as written (titles and name): citable for "ai ký?", outside the section tree
        span_block(lay.signature[0], lay.signature[1] + 1, SIGNATURE_KIND, ["Người ký"])
        parts.update(range(lay.signature[0], lay.signature[1] + 1))
    rest = [i for i in closing if i not in parts]  # e.g. "Ký bởi: …" between the list and the name
    blocks.extend(_tree_blocks(text, spans, rest, CLOSING_LABEL))

    for start, end in attachments(paragraphs, lay.closing_end if lay.closing_end else n):
        blocks.extend(_attachment_blocks(text, spans, paragraphs, start, end))
    blocks.sort(key=lambda b: b.start)
    return ParsedDocument(lay.meta, blocks)


def attachments(paragraphs: list[str], start: int) -> list[tuple[int, int]]:
    """The texts attached after the signature, as paragraph ranges: each opens with a title in
    capitals ("QUY ĐỊNH …", "PHỤ LỤC II …"); a "PHỤ LỤC" title, or one followed by "(Ban hành
    kèm theo …)", starts a new one."""
    n = len(paragraphs)
    if start >= n:
        return []
    words = admin_layout()
    starts = [start]
    for i in range(start + 1, n):
        p = paragraphs[i]
        if not is_caps(p) or not p.startswith(words.attachment_heads):
            continue
        noted = any(note in q for q in paragraphs[i + 1 : i + 4] for note in words.attachment_notes)
        if p.upper().startswith("PHỤ LỤC") or noted:
            starts.append(i)
    bounds = starts + [n]
    return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if a < b]


def _attachment_blocks(
    text: str, spans: list[tuple[int, int]], paragraphs: list[str], start: int, end: int
) -> list[Block]:
    """An attached text: its title (with "(Ban hành kèm theo …)") is a block of its own and the
    root of the section path of everything under it."""
    words = admin_layout()
    j = start
    while (
        j < end
        and j - start < 6
        and (
            is_caps(paragraphs[j])
            and classify(paragraphs[j])[0] == "plain"
            or any(paragraphs[j].lstrip("(").startswith(note) for note in words.attachment_notes)
        )
    ):
        j += 1
    if j == start:  # no title: still the document's content
        return _tree_blocks(text, spans, list(range(start, end)), "Phụ lục")
    title = _title_case(
        " ".join(p for p in paragraphs[start:j] if not p.lstrip("(").startswith(words.attachment_notes))
    )
    if not title.upper().startswith(tuple(h.upper() for h in words.attachment_heads)):
        title = f"Phụ lục: {title}"  # "ĐỀ CƯƠNG BÁO CÁO" attached after the signature
    root = label_of(title, 120)
    s, e = spans[start][0], spans[j - 1][1]
    head = Block(text[s:e], s, e, "title", "", [])
    return [head, *_tree_blocks(text, spans, list(range(j, end)), root)]


def _title_case(caps: str) -> str:
    """ "PHỤ LỤC I DANH MỤC THỦ TỤC" -> "Phụ lục I Danh mục thủ tục" (a root label reads better)."""
    if not is_caps(caps):
        return caps
    low = " ".join(caps.split()).lower()
    low = re.sub(r"\b([ivxlc]+)\b", lambda m: m.group().upper(), low)
    return low[:1].upper() + low[1:]


def _tree_blocks(text: str, spans: list[tuple[int, int]], indices: list[int], root: str = "") -> list[Block]:
    # (kind, label, marker); "root" is never closed
    stack: list[tuple[str, str, str]] = [("root", root, "")] if root else []

    def outline() -> list[tuple[str, str]]:
        return [(k, m) for k, _, m in stack if k != "root"]

    blocks: list[Block] = []
    table: _Table | None = None
    skip_next = False
    for n, i in enumerate(indices):
        if skip_next:
            skip_next = False
            continue
        s, e = spans[i]
        para = text[s:e]
        if is_table_row(para):
            while stack and stack[-1][0] in ("dash", "bullet"):
                stack.pop()
            if table is None:
                table = _Table([lbl for _, lbl, _ in stack], outline())
            table.add(text, s, e, blocks)
            continue
        table = None
        kind, marker = classify(para)
        bare_article = kind == "dieu" and para.strip() == marker
        if (kind in ("chuong", "muc", "phan") and len(para) < 40 or bare_article) and n + 1 < len(indices):
            # "Chương I" followed by its caps title on the next line; "Điều 3." and its title
            ns, ne = spans[indices[n + 1]]
            title = text[ns:ne]
            if (
                (title.upper() == title or bare_article)
                and classify(title)[0] == "plain"
                and len(title) < 200
                and not is_table_row(title)
            ):
                e = ne  # the block spans both; its label reads "Chương I. NHỮNG QUY ĐỊNH CHUNG"
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
                blocks.append(
                    Block(
                        item,
                        a,
                        a + len(item),
                        "item",
                        m.group().strip(),
                        [lbl for _, lbl, _ in stack],
                        outline=outline(),
                    )
                )
            if kind == "plain":
                del stack[stack_mark:]  # a plain lead-in opens no section for what follows
            continue
        label = label_of(para.replace("\n", " ")) if kind not in _TITLED else label_of(para, 140)
        blocks.append(Block(text[s:e], s, e, kind, marker, path, outline=outline()))
        stack.append((kind, label, marker))
    _mark_children(blocks)
    return blocks


_TABLE_HEAD_KIND = "table_head"
# blocks that are always a chunk of their own: a part of the document's frame, a table row
_OWN_CHUNK = frozenset({ROW_KIND, "title", HEADER_KIND, "recipients", "distribution", SIGNATURE_KIND})


class _Table:
    """A data table written one row per paragraph, cells joined by " | ": the first row names
    the columns (unless it is already data), a row whose first cell is a marker ("I", "1",
    "1.1", "a)") nests under the rows of higher rank above it, a row repeated from the header
    (a table continued on the next page) is dropped, and a row with fewer cells and no marker
    continues the row above it (a row broken across lines)."""

    def __init__(self, path: list[str], outline: list[tuple[str, str]]) -> None:
        self.path, self.outline = path, outline
        self.columns: list[str] | None = None
        self.stack: list[tuple[int, str, tuple[str, str]]] = []  # (rank, label, (kind, marker))
        self.last: Block | None = None

    def add(self, text: str, s: int, e: int, blocks: list[Block]) -> None:
        para = text[s:e]
        cells = [c.strip() for c in para.split(TABLE_SEP)]
        kind = _cell_kind(cells[0])
        if self.columns is None:
            self.columns = [] if kind else cells
            if not kind:
                blocks.append(Block(para, s, e, _TABLE_HEAD_KIND, "", self.path, outline=self.outline, columns=cells))
                return
        if self.columns and cells == self.columns:
            return  # the header again, after a page break
        filled = [c for c in cells if c]
        if self.last is not None and not kind and len(cells) < max(len(self.columns), 2) and len(filled) <= 1:
            self.last.end = e  # the rest of the row above
            self.last.text = text[self.last.start : e]
            self.last.cells[-1] = f"{self.last.cells[-1]} {' '.join(filled)}".strip()
            return
        rank = _RANK.get(kind, len(_RANK)) if kind else len(_RANK)
        while self.stack and self.stack[-1][0] >= rank:
            self.stack.pop()
        path = self.path + [lbl for _, lbl, _ in self.stack]
        outline = self.outline + [o for _, _, o in self.stack]
        marker = (classify(cells[0])[1] or cells[0]) if kind else ""
        block = Block(para, s, e, ROW_KIND, marker, path, outline=outline, columns=list(self.columns), cells=cells)
        blocks.append(block)
        self.last = block
        if kind:
            self.stack.append((rank, label_of(" – ".join(filled), 120), (kind, marker)))


def _cell_kind(cell: str) -> str:
    """The marker kind of a table's first cell: a bare marker ("I", "1", "1.1", "a)", "(1)") or
    a numbered criterion ("2.1. Phòng đọc …"); "" for text."""
    cell = cell.strip()
    if not cell:
        return ""
    if re.fullmatch(r"[IVXLC]+\.?", cell):
        return "roman"
    kind, _ = classify(cell if len(cell) > 8 or cell.endswith((".", ")")) else cell + ". ")
    return kind if kind in _NUMBERED else ""


def _mark_children(blocks: list[Block]) -> None:
    for a, b in zip(blocks, blocks[1:], strict=False):
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
    """ "32" for a chunk inside "Điều 32." (laws); "" elsewhere."""
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
        if (
            b.has_children
            and len(b.text) <= HEADING_ONLY_CHARS
            and not b.text.rstrip().endswith((".", ";", "./."))
            and b.kind not in _OWN_CHUNK
            and _heading_holds(b)
        ):
            continue  # a bare heading: it travels whole in its children's headings
        prev = units[-1] if units else None
        if prev is not None and b.kind == ROW_KIND and len(prev[0]) == 1 and prev[0][0].kind == _TABLE_HEAD_KIND:
            units[-1] = (prev[0] + [b], prev[1], b.end)  # a table's header row reads with its first row
            continue
        if (
            prev is not None
            and len(b.text) < MIN_CHUNK_CHARS
            and b.kind not in _NUMBERED
            and b.kind not in _OWN_CHUNK
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
        first = next((b for b in group if b.kind == ROW_KIND), group[0])
        whole_row = first.kind == ROW_KIND and start <= first.start and end >= first.end
        section = section_label(first)
        body = text[start:end]
        digest = hashlib.sha1(f"{section}\n{body}".encode()).hexdigest()[:10]
        n = seen.get(digest, 0)
        seen[digest] = n + 1
        chunk_id = f"{doc_id}:{digest}" + (f"-{n + 1}" if n else "")
        headings = [label_of(h, 160) for h in first.path]
        own = [(first.kind, first.marker)] if first.marker else []
        outline = [*first.outline, *own]
        chunks.append(
            Chunk(
                chunk_id,
                doc_id,
                position,
                body,
                start,
                end,
                section,
                headings,
                kind=first.kind,
                marker=first.marker,
                outline=outline,
                article=article_number(outline),
                locator=law_locator(outline),
                columns=first.columns if whole_row else [],
                cells=first.cells if whole_row else [],
            )
        )
    return chunks


def _heading_holds(b: Block) -> bool:
    """Does the label this block gives its children hold all of its text (not cut with "…")?"""
    label = label_of(b.text, 140) if b.kind in _TITLED else label_of(b.text.replace("\n", " "))
    return not label.endswith("…")


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
    # a single sentence longer than the limit stays whole (cutting it would break a quote), up to
    # HARD_CHUNK_CHARS: past that (a file that is one long paragraph) it is cut at spaces, so
    # no chunk costs the embedder more than a few seconds whatever the file's shape
    out: list[tuple[int, int]] = []
    for a, z in pieces:
        while z - a > HARD_CHUNK_CHARS:
            cut = text.rfind(" ", a + SPLIT_TARGET_CHARS // 2, a + SPLIT_TARGET_CHARS)
            cut = cut if cut > a else a + SPLIT_TARGET_CHARS
            out.append((a, cut))
            a = cut
            while a < z and text[a].isspace():
                a += 1
        if z > a:
            out.append((a, z))
    return out


_FIELD_KINDS = {
    HEADER_KIND: ("date", "number", "issuer", "subject"),
    SIGNATURE_KIND: ("signer",),
    "recipients": ("recipients",),
    "distribution": ("distribution",),
}


def mark_fields(chunks: list[Chunk], meta: DocumentMeta) -> None:
    """Which of the document's own fields each chunk states (the header its number, date and
    issuer; the effect clause its effective date; the sentence that repeals, what it repeals), so
    the answer stage can prefer that chunk when a question asks for the field."""
    words = admin_layout()
    effect = " ".join(meta.effective_text.split())[:60]
    for c in chunks:
        found = list(_FIELD_KINDS.get(c.kind, ()))
        if "number" in found and not re.search(r"\d", meta.number):
            found.remove("number")  # "Số: …/PGDĐT" (a number not yet given) states none
        flat = " ".join(c.text.split())
        if effect and effect in flat:
            found.append("effective_date")
        low = flat.lower()
        for name, numbers, verbs in (
            ("replaces", meta.replaces, words.repeal_verbs),
            ("amends", meta.amends, words.amend_verbs),
        ):
            if numbers and any(n in flat for n in numbers) and any(v in low for v in verbs):
                found.append(name)
        c.fields = found
