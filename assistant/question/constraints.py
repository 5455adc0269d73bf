"""What a question says about which documents answer it (LlamaIndex calls this auto-retrieval,
or a self-query retriever): a document named by type and number ("Chỉ thị 04", "3677/TB-SGDĐT",
"Nghị quyết 29"), a law by name and year ("Luật Giáo dục 2019"), a province ("… ở Quảng Ninh?").

``parse`` reads the mentions from the question alone; ``resolve`` matches them against the
indexed documents and returns a ``Scope``: the documents retrieval is restricted to, or the
mention that names a document the index does not hold (the answer then says so instead of
answering from another document).

A mention restricts the answer only when it names the source: "Theo Luật Giáo dục, …",
"… theo Luật Giáo dục 2019?", "Chỉ thị 04 yêu cầu gì?" — or when it names an indexed document.
A law named inside a statement to verify ("… theo quy định của Bộ luật hình sự, đúng hay sai?")
is part of the claim, not its source; a statement that opens with a document is about it."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.core.layout_words import admin_layout
from assistant.core.models import NAMED_TYPES, DocumentMeta, document_name
from assistant.core.textutil import fold, has_diacritics
from assistant.question import lexicon

# (type as written, folded) — longest first, so "Bộ luật" wins over "Luật"
_TYPES = sorted(((t, fold(t)) for t in lexicon.NAMED_KINDS), key=lambda t: -len(t[1]))
_TYPE_BY_FOLDED = {f: t for t, f in _TYPES}
# codes in a symbol: "04/CT-UBND" is a Chỉ thị (admin_layout.toml's kinds, Nghị định 30/2020/NĐ-CP)
_TYPE_CODES = {fold(k.code): k.name for k in admin_layout().kinds if k.name in lexicon.NAMED_KINDS and k.code}
_NUMBERED = re.compile(
    r"\b(" + "|".join(f for _, f in _TYPES) + r")\s+(?:so\s*:?\s*)?(\d+[a-z]?(?:\s*[/-]\s*[0-9a-z&]+)*)"
)
_SYMBOL = re.compile(r"(?<![\w/])(\d+[a-z]?(?:/\d{4})?(?:[/-][a-z&]+\d*)+(?:[/-][a-z&]+\d*)*)(?![\w/])")
_YEAR_AFTER = re.compile(r"^\s*(?:nam\s+)?((?:19|20)\d\d)\b")
# words that end an unknown law's name: "Luật Nhà giáo quy định …"
# "QĐ 1973", "qd 1973", "KH 182/KH-UBND": a kind's symbol code (Nghị định 30/2020/NĐ-CP, Phụ lục
# III) before its number, as officers write it. Not "QH" (Quốc hội's code in a law's symbol
# "43/2019/QH14", not a kind) nor "PL" (also "phụ lục", an appendix).
_CODE_NUMBERED = re.compile(
    r"\b("
    + "|".join(sorted((c for c in _TYPE_CODES if c not in ("qh", "pl")), key=len, reverse=True))
    + r")\s+(?:so\s*:?\s*)?(\d+[a-z]?(?:\s*[/-]\s*[0-9a-z&]+)*)"
)
_NAME_END = lexicon.LAW_NAME_ENDS
_SOURCE_HEAD = re.compile(
    r"^\s*(?:theo|can cu|trong|tai|dua vao|chieu theo|according to)\s+(?:(?:quy dinh|noi dung)\s+"
    r"(?:cua|tai)\s+)?$"
)
_SOURCE_TAIL_BEFORE = re.compile(r"(?:theo|cua|trong|tai|o)\s+(?:(?:quy dinh|noi dung)\s+(?:cua|tai)\s+)?$")
_SOURCE_TAIL_AFTER = re.compile(r"^\s*(?:(?:nam\s+)?(?:19|20)\d\d)?\s*(?:hien hanh)?\s*[?.!]*\s*$")


@dataclass
class Mention:
    """A document named in the question."""

    text: str  # as written: "Chỉ thị 04", "Luật Giáo dục 2019"
    doc_type: str = ""  # "Chỉ thị", "Luật"
    number: str = ""  # folded, no spaces: "04", "3677/tb-sgddt"
    name: str = ""  # folded full name of a named type: "luat giao duc"
    year: str = ""
    source: bool = False  # names where the answer must come from (see the module docstring)
    start: int = 0
    end: int = 0


@dataclass
class QuestionConstraint:
    mentions: list[Mention] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not self.mentions and not self.provinces

    def strip_sources(self, text: str) -> str:
        """The question without the words naming its source ("Theo Luật Giáo dục 2019, …"):
        they say which document, not what the answer says."""
        out = text
        for m in sorted((m for m in self.mentions if m.source), key=lambda m: -m.start):
            if out[m.start : m.end].lower() != m.text.lower():
                continue
            if out[: m.start].strip(" ,") and _SOURCE_HEAD.match(fold(out[: m.start])):
                # "Theo Chỉ thị 04 của An Giang, …": the whole framing clause goes
                comma = out.find(",", m.end)
                cut = comma + 1 if 0 <= comma < m.end + 60 else m.end
                out = out[cut:]
            else:
                out = out[: m.start] + out[m.end :]
        out = re.sub(r"^\s*(?:[Tt]heo|[Cc]ăn cứ|[Tt]rong|[Tt]ại)\s*(?:quy định (?:của|tại)\s*)?,?\s*", "", out)
        out = re.sub(r"\s+(?:theo|của|trong|tại)\s*(?:quy định (?:của|tại)\s*)?(\?*)\s*$", r"\1", out)
        return out.strip(" ,") or text


def name_key(name: str) -> str:
    """A law's name as compared: folded words, no punctuation ("luat phong chong ma tuy")."""
    return " ".join(re.findall(r"\w+", fold(name)))


def _known_names(names: Iterable[str]) -> frozenset[str]:
    return _name_keys(tuple(names))


@functools.lru_cache(maxsize=8)
def _name_keys(names: tuple[str, ...]) -> frozenset[str]:
    # the same few hundred law names for every question until the index changes (5 ms at 223 laws)
    return frozenset(name_key(n) for n in names if n)


def parse(question: str, known_names: Iterable[str] = (), statement: bool = False) -> QuestionConstraint:
    """Mentions of documents and provinces in ``question``. ``known_names``: the names of the
    indexed laws ("Luật Giáo dục"), matched as whole names; other laws are read by their
    capitalised words. ``statement``: the question is a claim to verify (see module docstring)."""
    from assistant.core.layout_words import admin_layout

    provinces_known = admin_layout().provinces  # the header parser's list, from the same data file

    folded = fold(question)
    if len(folded) != len(question):  # offsets must line up (true for NFC Vietnamese)
        folded = fold(question)[: len(question)].ljust(len(question))
    known = _known_names(known_names)
    mentions: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def add(m: Mention) -> None:
        if any(a < m.end and m.start < b for a, b in taken):
            return
        m.text = question[m.start : m.end]
        m.source = _is_source(folded, m.start, m.end, statement)
        taken.append((m.start, m.end))
        mentions.append(m)

    # "Chỉ thị 04/CT-UBND", "Luật số 43/2019/QH14", "Nghị quyết 29"
    # and by the kind's code: "QĐ 1973"
    for pattern, kinds in ((_NUMBERED, _TYPE_BY_FOLDED), (_CODE_NUMBERED, _TYPE_CODES)):
        for m in pattern.finditer(folded):
            number = re.sub(r"\s+", "", m.group(2))
            add(Mention("", kinds[m.group(1)], number, start=m.start(), end=m.end()))
    # "Luật Giáo dục 2019", "Bộ luật Dân sự", "Hiến pháp"
    for m in re.finditer(r"\b(bo luat|luat|hien phap|phap lenh)\b", folded):
        if any(a <= m.start() < b for a, b in taken):
            continue
        doc_type = _TYPE_BY_FOLDED[m.group(1)]
        rest_words = re.findall(r"\S+", folded[m.end() :])[:14]
        name, consumed = _longest_known(m.group(1), rest_words, known)
        end = m.end()
        if name:
            end = _advance(folded, m.end(), consumed)
        elif doc_type == "Hiến pháp":
            name = "hien phap"
        else:
            name, end = _unknown_name(question, folded, m.start(), m.end(), m.group(1))
            if not name:
                continue
        year = ""
        y = _YEAR_AFTER.match(folded[end:])
        if y:
            year = y.group(1)
            end += y.end()
        add(Mention("", doc_type, name=name, year=year, start=m.start(), end=end))
    # a bare symbol: "3677/TB-SGDĐT"
    for m in _SYMBOL.finditer(folded):
        codes = [c.rstrip("0123456789") for c in re.split(r"[/-]", m.group(1)) if c and not c.isdigit()]
        doc_type = next((_TYPE_CODES[c] for c in codes if c in _TYPE_CODES), "")
        if doc_type:
            add(Mention("", doc_type, m.group(1), start=m.start(), end=m.end()))
    provinces = [p for p in provinces_known if _names_province(question, folded, p)]
    return QuestionConstraint(sorted(mentions, key=lambda m: m.start), provinces)


def _names_province(question: str, folded: str, province: str) -> bool:
    """Whether the question names the province: its words, folded, as whole words; where the
    question writes them with diacritics, in the province's own spelling ("huyện Bình Sơn là về
    việc gì" does not name Sơn La; "tinh son la" typed without diacritics does)."""
    pattern, own = _province_pattern(province)
    for m in pattern.finditer(folded):
        written = re.findall(r"\w+", question[m.start() : m.end()])
        if not has_diacritics(" ".join(written)) or tuple(w.lower() for w in written) == own:
            return True
    return False


@functools.lru_cache(maxsize=256)
def _province_pattern(province: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """(the province's folded words as a pattern of whole words, its own words in lower case)."""
    words = re.findall(r"\w+", fold(province))
    pattern = re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, words)) + r"(?!\w)")
    return pattern, tuple(w.lower() for w in re.findall(r"\w+", province))


def _longest_known(type_folded: str, rest: list[str], known: set[str]) -> tuple[str, int]:
    """The longest indexed law name that the words after "Luật" spell: ("luat hon nhan va gia dinh", 5)."""
    best, used = "", 0
    clean = [re.sub(r"[^\w]", "", w) for w in rest]
    for n in range(1, len(clean) + 1):
        cand = " ".join([type_folded, *[w for w in clean[:n] if w]])
        if cand in known:
            best, used = cand, n
    return best, used


def _advance(folded: str, pos: int, n_words: int) -> int:
    for m in re.finditer(r"\S+", folded[pos:]):
        n_words -= 1
        if n_words == 0:
            end = pos + m.end()
            while end > pos and not folded[end - 1].isalnum():
                end -= 1
            return end
    return len(folded)


def _unknown_name(question: str, folded: str, start: int, type_end: int, type_folded: str) -> tuple[str, int]:
    """A law the index does not know, read from capitalisation: "Luật Nhà giáo 2025" -> "luat nha giao"."""
    words = list(re.finditer(r"[^\s,.;:?!()]+", question[type_end:]))
    if not words or not question[type_end + words[0].start()][:1].isupper() or question[start].islower():
        return "", type_end  # "luật này", "theo luật": not a name
    taken, end = [], type_end
    for w in words[:8]:
        f = fold(w.group())
        if f in _NAME_END or re.fullmatch(r"(?:19|20)\d\d", f) or not f.isalpha():
            break
        between = question[end : type_end + w.start()]
        if taken and re.search(r"[,.;:?!()]", between):
            break
        taken.append(f)
        end = type_end + w.end()
    return (" ".join([type_folded, *taken]), end) if taken else ("", type_end)


def _is_source(folded: str, start: int, end: int, statement: bool) -> bool:
    before, after = folded[:start], folded[end:]
    if before.strip() and _SOURCE_HEAD.match(before):
        return True  # "Theo Luật X, …"
    if not before.strip():
        # "Chỉ thị 04 yêu cầu …"; a statement about the document itself ("Luật Giáo dục nghề nghiệp
        # 2014 có hiệu lực từ …, đúng hay sai?") is checked against that document (or, when it is
        # not indexed, against the documents that cite it: service.prepare)
        return True
    if statement:
        return False  # named inside a claim ("… theo quy định của Bộ luật hình sự, đúng hay sai?"): claimed about
    return bool(_SOURCE_TAIL_BEFORE.search(before) and _SOURCE_TAIL_AFTER.match(after))


# -- resolution against the index ----------------------------------------------------------------
@dataclass
class Scope:
    """Which indexed documents may answer the question."""

    doc_ids: list[str] | None = None  # None: any document
    named: list[str] = field(default_factory=list)  # the mentions that were matched, as written
    missing: str = ""  # a source the index does not hold ("Luật Nhà giáo 2025", "tỉnh Ninh Bình")
    preferred: list[str] = field(default_factory=list)  # documents named without being the source
    missing_mention: Mention | None = None  # the mention behind ``missing``, when it is a document
    # a source the index does not hold, answered from the indexed documents that cite it
    # ("Chỉ thị 38-CT/TU" through the notice on its conference)
    cited: str = ""


def _norm_number(number: str) -> str:
    """ "04 / CT-UBND" -> "4/ct-ubnd": folded, no spaces, no leading zeros."""
    return re.sub(r"^0+(?=\d)", "", re.sub(r"\s+", "", fold(number)).replace("–", "-"))


def matches(m: Mention, meta: DocumentMeta) -> bool:
    """Does the mention name this document?"""
    if m.doc_type and meta.doc_type and fold(m.doc_type) != fold(meta.doc_type):
        if not (m.number and "/" in m.number):  # a full symbol names the document whatever its type says
            return False
    if m.number:
        mine, theirs = _norm_number(meta.number), _norm_number(m.number)
        if not mine or mine.startswith("/"):
            return False
        return mine == theirs or mine.startswith(theirs + "/") or mine.startswith(theirs + "-")
    if m.name:
        if name_key(document_name(meta)) != m.name:
            return False
        if m.year:
            years = set(re.findall(r"(?:19|20)\d\d", f"{meta.date} {meta.number}"))
            return not years or m.year in years
        return True
    return False


def resolve(constraint: QuestionConstraint, documents: dict[str, DocumentMeta]) -> Scope:
    """Match the mentions against the indexed documents (doc_id -> metadata)."""
    scope = Scope()
    if constraint.is_empty():
        return scope
    source_ids: list[str] = []
    named_ids: list[str] = []
    unmatched: list[Mention] = []
    for m in constraint.mentions:
        ids = [d for d, meta in documents.items() if matches(m, meta)]
        if ids:
            scope.named.append(m.text)
            (source_ids if m.source else named_ids).extend(ids)
        elif m.source and (m.name or m.number):
            unmatched.append(m)
    if unmatched and not source_ids:
        # a source the index does not hold; one beside an indexed source is a document it cites
        # ("Công văn 5387/CT-CS … theo Nghị định 151/2025/NĐ-CP")
        scope.missing = unmatched[0].text.strip(" ,?")
        scope.missing_mention = unmatched[0]
    ids = list(dict.fromkeys(source_ids or named_ids))
    if ids and not source_ids:
        # a named document that is not said to be the source: a strong preference, not a wall
        scope.preferred = ids
        ids = []
    if constraint.provinces and any(meta.province for meta in documents.values()):
        # a province named in a corpus of provincial directives: its documents, and the laws
        # that apply everywhere (no province); none of either means the index cannot answer
        local = [d for d, meta in documents.items() if meta.province in constraint.provinces]
        national = [d for d, meta in documents.items() if not meta.province]
        if ids:
            ids = [d for d in ids if d in set(local + national)] or ids
        elif local or national:
            ids = local + national
        else:
            scope.missing = scope.missing or "văn bản của tỉnh " + ", ".join(constraint.provinces)
    if scope.missing:
        return Scope(None, scope.named, scope.missing, missing_mention=scope.missing_mention)
    scope.doc_ids = ids or None
    return scope


_NUMBER_IN_TEXT = re.compile(r"\d+(?:\s?[-/]\s?[\wĐđ.]+)*")


def cites(m: Mention, text: str) -> bool:
    """Does a paragraph name the document ``m`` ("… Chỉ thị số 38-CT/TU ngày 05/9/2023 …")? A bare
    number ("Nghị quyết 09") counts only right after the document's type."""
    if not m.number:
        return False
    theirs = _norm_number(m.number)
    symbol = "/" in theirs or "-" in theirs
    for tok in _NUMBER_IN_TEXT.finditer(text):
        mine = _norm_number(tok.group())
        if not (mine == theirs or mine.startswith(theirs + "/") or mine.startswith(theirs + "-")):
            continue
        if symbol:
            return True
        before = fold(text[max(0, tok.start() - 24) : tok.start()])
        if m.doc_type and re.search(r"\b" + re.escape(fold(m.doc_type)) + r"(?:\s+so)?\s*$", before):
            return True
    return False


def law_names(documents: dict[str, DocumentMeta]) -> list[str]:
    return [document_name(m) for m in documents.values() if m.doc_type in NAMED_TYPES]
