"""Read a document's layout from its cleaned paragraphs: the header (issuing body and its parent,
số/ký hiệu, place and date, kind and subject, the authority line), "Kính gửi", the closing
("Nơi nhận" and the signature, in either order) and where the content attached after the
signature begins; and from the body, when the document takes effect and what it repeals or
amends. Pure functions.

The words that open each part are general knowledge of administrative layout (Nghị định
30/2020/NĐ-CP, Phụ lục I), kept with their sources in assistant/data/admin_layout.toml.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from assistant.core.layout_words import AdminLayout, admin_layout
from assistant.core.models import DocumentMeta
from assistant.core.textutil import UPPER_VI, fold, modern_tone
from assistant.ingest.cleaning import MARKER

_LAYOUT = admin_layout()
PROVINCES = list(_LAYOUT.provinces)
DOC_TYPES = [(k.name, k.title, k.code) for k in _LAYOUT.kinds]

HEADER_SCAN = 40  # the header lies in the first paragraphs; a long subject takes a dozen at most
_NUMBER = re.compile(r"(?:^|\s)(?:Luật |Bộ luật )?[Ss]ố\s*:?\s*([0-9]*\s*/\s*[^\s,;]+)")
_DATE = re.compile(
    r"(?P<place>[" + UPPER_VI + r"][\wÀ-ỹ.\- ]{1,40}?)\s*,\s*ngày\s*(?P<d>\d{1,2})?[\s.…/]*"
    r"tháng\s*(?P<m>\d{1,2})?[\s.…/]*năm\s*(?P<y>\d{4})"
)
_NAME_WORD = f"[{UPPER_VI}][a-zà-ỹđ]*"
_NAME = re.compile(rf"^{_NAME_WORD}(?:\s{_NAME_WORD}){{1,5}}$")
_DOC_REF = re.compile(r"\b\d+(?:/\d{4})?/[A-ZĐ][\wĐđ&.\-]*[A-ZĐa-zđ0-9]")
_BULLET = ("-", "–", "+", "•", "*")


@dataclass
class HeaderParse:
    meta: DocumentMeta
    body_start: int  # index of the first body paragraph
    footer_start: int  # start of the closing ("Nơi nhận" or the signature), len(paragraphs) if none
    # paragraph indices of the signature block (title lines … name), both inclusive; None if unsigned
    signature: tuple[int, int] | None = None
    header_end: int = 0  # paragraphs [0, header_end) are the header proper (before "Kính gửi")
    recipients: tuple[int, int] | None = None  # "Kính gửi" and its list: [start, end)
    distribution: tuple[int, int] | None = None  # "Nơi nhận" and its list: [start, end)
    closing_end: int = 0  # the first paragraph after the closing: attached content starts here


def is_caps(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _starts_with_any(text: str, heads: tuple[str, ...]) -> bool:
    return any(text == h or text.startswith(h + " ") or text.startswith(h + ",") for h in heads)


def parse_header(paragraphs: list[str]) -> HeaderParse:
    """The layout of a document: its metadata and the paragraph ranges of its parts."""
    lay = _LAYOUT
    meta = DocumentMeta()
    n = len(paragraphs)
    head = [p.strip() for p in paragraphs[: min(n, HEADER_SCAN)]]
    used: set[int] = set()  # header paragraphs read as fields

    number_at = _find_number(head, meta, used)
    date_at = _find_date(head, meta, used)
    motto = _motto_paragraphs(head, lay)
    used |= motto
    first_field = min([i for i in (number_at, date_at) if i is not None] + [min(motto, default=len(head))])

    org_lines = _org_lines(head, motto, first_field, lay)
    used |= {i for i, _ in org_lines}
    bodies = _bodies(org_lines, lay)
    _find_type(head, meta, used, motto | {i for i, _ in org_lines}, lay, bodies[-1] if bodies else "")
    _find_letter_subject(head, meta, used, lay)

    header_end = max(used) + 1 if used else 0
    body_start = header_end
    recipients = None
    for i in range(max(header_end - 1, 0), min(header_end + 3, n)):
        if _starts_with_any(paragraphs[i], lay.address_heads) or paragraphs[i].startswith(lay.address_heads):
            end = _list_end(paragraphs, i, lay)
            meta.recipients = _list_items(paragraphs[i:end])
            recipients = (i, end)
            header_end = min(header_end, i)
            body_start = max(body_start, end)
            break

    closing = _closing(paragraphs, body_start, meta, lay)
    footer_start, closing_end, distribution, signature = closing
    meta.doc_type = (
        meta.doc_type or (lay.letter_kind if meta.subject else "") or _type_from_number(meta.number) or lay.letter_kind
    )
    body_text = "\n".join(paragraphs)
    meta.issuer, meta.parent_issuer = _issuer(bodies, meta, body_text, lay)
    meta.province = _province(meta, paragraphs, lay)
    _effect(paragraphs[body_start:footer_start], meta, lay)
    _related(paragraphs[body_start:footer_start], meta, lay)
    return HeaderParse(
        meta, min(body_start, n), footer_start, signature, header_end, recipients, distribution, closing_end
    )


# -- header fields ------------------------------------------------------------------------------


def _find_number(head: list[str], meta: DocumentMeta, used: set[int]) -> int | None:
    for i, p in enumerate(head):
        m = _NUMBER.search(p)
        if m and (m.start() == 0 or is_caps(p[: m.start()]) or p.lstrip().startswith(("Luật", "Bộ luật"))):
            meta.number = re.sub(r"\s+", "", m.group(1)).replace("–", "-").rstrip(".")
            used.add(i)
            return i
    return None


def _find_date(head: list[str], meta: DocumentMeta, used: set[int]) -> int | None:
    for i, p in enumerate(head):
        m = _DATE.search(p)
        if not m:
            continue
        place = m.group("place").strip()
        if "Hạnh phúc" in place:  # the motto shares the line
            place = place.split("Hạnh phúc", 1)[1].strip(" -–")
        meta.place = place
        meta.date_text = p[p.find("ngày", m.start()) : m.end()]
        meta.date = _iso_date(m.group("y"), m.group("m"), m.group("d"))
        used.add(i)
        return i
    return None


def _motto_paragraphs(head: list[str], lay: AdminLayout) -> set[int]:
    """The paragraphs that make up "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh
    phúc", however the lines were broken: consecutive paragraphs whose words run along the motto,
    three words at least ("HỘI" alone opens "HỘI ĐỒNG NHÂN DÂN")."""
    whole = " ".join(lay.national_motto[:2]).replace(" - ", " ").split()

    def words_of(p: str) -> list[str]:
        return fold(p).replace("–", "-").replace(" - ", " ").split()

    out: set[int] = set()
    i = 0
    while i < min(len(head), 16):
        j = i
        joined: list[str] = []
        while j < min(len(head), 16) and words_of(head[j]) and _is_sublist(joined + words_of(head[j]), whole):
            joined += words_of(head[j])
            j += 1
        if len(joined) >= 3:
            out.update(range(i, j))
            i = j
        else:
            i += 1
    return out


def _is_sublist(part: list[str], whole: list[str]) -> bool:
    k = len(part)
    return any(whole[j : j + k] == part for j in range(len(whole) - k + 1))


def strip_motto(text: str) -> str:
    """A header line with the motto merged into it (two columns read as one line):
    "SỞ GIÁO DỤC VÀ ĐÀO TẠO CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" -> "SỞ GIÁO DỤC VÀ ĐÀO TẠO"."""
    words_ = text.split()
    folded = [fold(w).strip(",.") for w in words_]
    for motto in _LAYOUT.national_motto:
        m = motto.split()
        for j in range(len(folded) - len(m) + 1):
            if folded[j : j + len(m)] == m:
                return " ".join(words_[:j] + words_[j + len(m) :]).strip(" -–")
    return text


def _kind_title(text: str, lay: AdminLayout) -> tuple[str, str]:
    """("Quyết định", rest) when ``text`` opens with a kind's title line."""
    norm = " ".join(text.split())
    for kind in sorted(lay.kinds, key=lambda k: -len(k.title)):
        if norm == kind.title or norm.startswith(kind.title + " ") or norm.startswith(kind.title + ":"):
            return kind.name, norm[len(kind.title) :].strip(" :")
    return "", ""


def _find_type(
    head: list[str], meta: DocumentMeta, used: set[int], skip: set[int], lay: AdminLayout, issuer: str = ""
) -> int | None:
    """The kind's title line ("QUYẾT ĐỊNH", even broken as "QUYẾT" / "ĐỊNH"), the subject after
    it, and the authority line that may close it ("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH …")."""
    start = max(skip, default=-1) + 1  # after the issuing body's lines and the motto
    for i in range(start, len(head)):
        p = head[i]
        if i in used or not is_caps(p) and not _kind_title(p, lay)[0]:
            continue
        run = [i]
        while run[-1] + 1 < len(head) and is_caps(head[run[-1] + 1]) and run[-1] + 1 not in used:
            run.append(run[-1] + 1)
        # a title broken over lines: the run's first one, two or three lines joined
        kind, rest, taken = "", "", 0
        for k in range(1, min(3, len(run)) + 1):
            kind, rest = _kind_title(" ".join(head[j] for j in run[:k]), lay)
            if kind:
                taken = k
                break
        if not kind:
            continue
        meta.doc_type = kind
        subject_lines = run[taken:]
        following = run[-1] + 1
        authority = _authority_at(head, subject_lines, following, lay, issuer)
        if authority is not None:
            subject_lines = [j for j in subject_lines if j < authority]
        subject = " ".join([rest] * bool(rest) + [head[j] for j in subject_lines])
        if (
            not subject
            and following < len(head)
            and following not in used
            and _looks_like_subject(head[following], lay)
        ):
            subject = head[following]
            subject_lines = [following]
        meta.subject = _sentence_case(subject)
        used.update(run[:taken])
        used.update(subject_lines)
        if authority is not None:
            used.update(j for j in run if j >= authority)
        return i
    return None


def _authority_at(head: list[str], lines: list[int], following: int, lay: AdminLayout, issuer: str = "") -> int | None:
    """The first line of the authority ("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH …", "CHÍNH PHỦ") closing a
    caps run: it comes right before the legal grounds ("Căn cứ …") and names the issuing body
    (a subject may name another: "… GIỮA CHÍNH PHỦ NƯỚC …")."""
    if not lines or following >= len(head) or not head[following].startswith(lay.body_openers):
        return None
    heads = lay.role_heads + lay.body_heads
    own = " ".join(re.findall(r"\w+", fold(issuer)))
    for j in reversed(lines[1:]):  # a subject comes first ("BAN HÀNH QUY ĐỊNH …" is one)
        if _starts_with_any(head[j], heads):
            said = " ".join(re.findall(r"\w+", fold(" ".join(head[k] for k in lines if k >= j))))
            return j if not own or own in said else None
    return None


def _looks_like_subject(p: str, lay: AdminLayout) -> bool:
    if _NUMBER.search(p) or _DATE.search(p):
        return False
    return (
        len(p) < 800
        and not p.startswith(lay.body_openers + lay.address_heads)
        and p[:1].isupper()
        and not re.match(r"^\d+\.|^[IVX]+\.", p)
    )


def _find_letter_subject(head: list[str], meta: DocumentMeta, used: set[int], lay: AdminLayout) -> None:
    """ "V/v …" (a letter's subject), possibly over several lines."""
    for i, p in enumerate(head):
        prefix = next((x for x in lay.subject_prefixes if p.startswith(x)), None)
        if prefix is None and _NUMBER.search(p):  # "Số: 5387/CT-CS v/v trả lời …" on one line
            inline = re.search(r"\s(" + "|".join(re.escape(x) for x in lay.subject_prefixes) + r")\s", p)
            if inline:
                p, prefix = p[inline.start(1) :], inline.group(1)
                used.discard(i)
        if prefix is None or i in used:
            continue
        rest = p[len(prefix) :].strip(" :")
        lines = [rest] if rest else []
        used.add(i)
        j = i + 1
        while (
            j < len(head)
            and j not in used
            and len(lines) < 4
            and not _header_field(head[j], lay)
            and not head[j].startswith(lay.body_openers)
            and not MARKER.match(head[j])  # an item or heading opens the body ("1. Lịch tiêm …")
            and len(head[j]) < 160
            and lines
            and not lines[-1].endswith((".", ";"))
        ):
            lines.append(head[j])
            used.add(j)
            j += 1
        if not meta.subject:
            meta.subject = " ".join(lines).rstrip(".")
        meta.doc_type = meta.doc_type or lay.letter_kind
        return


def _header_field(p: str, lay: AdminLayout) -> bool:
    return (
        bool(_NUMBER.search(p) or _DATE.search(p))
        or p.startswith(lay.address_heads)
        or any(fold(p).startswith(m.split()[0] + " " + m.split()[1]) for m in lay.national_motto)
    )


def _org_lines(head: list[str], motto: set[int], first_field: int, lay: AdminLayout) -> list[tuple[int, str]]:
    """The issuing body's lines: caps lines above the motto, the number and the date; a line
    that also holds the motto or "Số:" (two columns read as one line) gives the part before it."""
    out: list[tuple[int, str]] = []
    for i, p in enumerate(head[: first_field + 1]):
        if i in motto:
            continue
        lead = strip_motto(re.split(r"(?:^|\s)(?:Số|Luật số)\s*:", p)[0]).strip()
        if lead and is_caps(lead) and not _kind_title(lead, lay)[0] and not _DATE.search(lead):
            out.append((i, lead))
        elif out or i == first_field:
            break
    return out


def _bodies(org_lines: list[tuple[int, str]], lay: AdminLayout) -> list[str]:
    """Header lines grouped into bodies, outermost first: a line opening with a body's head word
    starts a new body, any other continues the one above."""
    bodies: list[str] = []
    for _, line in org_lines:
        starts = _starts_with_any(line, lay.body_heads)
        # "ỦY" / "BAN NHÂN DÂN": the line completes a longer head word than the body above had
        completes = bool(bodies) and _head_len(f"{bodies[-1]} {line}", lay) > _head_len(bodies[-1], lay)
        if bodies and (not starts or completes or bodies[-1] in lay.body_heads or bodies[-1].endswith((",", " VÀ"))):
            bodies[-1] = f"{bodies[-1]} {line}"
        else:
            bodies.append(line)
    return [" ".join(b.replace("*", " ").split()) for b in bodies if b.strip(" *-")]


def _head_len(text: str, lay: AdminLayout) -> int:
    return max((len(h) for h in lay.body_heads if text == h or text.startswith(h + " ")), default=0)


def _issuer(bodies: list[str], meta: DocumentMeta, text: str, lay: AdminLayout) -> tuple[str, str]:
    """(issuing body, its parent) as written in the text where it names them."""
    if not bodies:
        name = _org_from_symbol(meta.number)
        return (_with_place(name, meta, lay) if name else ""), ""
    issuer = modern_tone(cased(bodies[-1], text))
    parent = modern_tone(cased(bodies[-2], text)) if len(bodies) > 1 else ""
    if parent and any(issuer.startswith(b + " ") for b in lay.local_bodies) and not _locality(issuer, lay):
        place = _locality(parent, lay)
        if place:
            issuer = f"{issuer} {place}"
    if (
        not parent
        and any(issuer.startswith(b + " ") or issuer == b for b in lay.local_bodies)
        and not _locality(issuer, lay)
        and not _is_central(DocumentMeta(issuer=issuer), lay)
    ):
        issuer = _with_place(issuer, meta, lay)
    return issuer, parent


def _locality(name: str, lay: AdminLayout) -> str:
    """ "thành phố Hà Nội" of "Ủy ban nhân dân thành phố Hà Nội"; "" when no locality is named."""
    best = -1
    for unit in lay.locality_units:
        m = re.search(rf"(?:^|\s)(?i:{re.escape(unit)})\s+[{UPPER_VI}]", name)
        if m and (best < 0 or m.start() < best):
            best = m.start()
    return name[best:].strip() if best >= 0 else ""


def cased(caps: str, text: str) -> str:
    """A name written in capitals, as the document itself writes it elsewhere ("BỘ KHOA HỌC VÀ
    CÔNG NGHỆ" -> "Bộ Khoa học và Công nghệ"), else in the usual casing of a body's name."""
    key = fold(caps).split()
    if not key:
        return caps
    pattern = r"\b" + r"\W+".join(re.escape(w) for w in key) + r"\b"
    folded = fold(text)
    best, best_caps = "", -1
    for m in re.finditer(pattern, folded):
        found = text[m.start() : m.end()]
        if len(found) != len(folded[m.start() : m.end()]) or is_caps(found) or not found[:1].isupper():
            continue
        # a name is written with its key words capitalized ("Phòng Giáo dục và Đào tạo"); a sentence
        # may start with it in lower case ("Phòng giáo dục và đào tạo các huyện …")
        caps = sum(1 for w in found.split() if w[:1].isupper())
        if caps > best_caps:
            best, best_caps = " ".join(found.split()), caps
    return best or _default_case(caps)


def _default_case(caps: str) -> str:
    """A body's name written in capitals as Nghị định 30/2020 writes it out: its type in sentence
    case, then each word of its function and field capitalized, the joining words ("và", "của")
    not, and a place after a locality unit as a proper name: "SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH CAO
    BẰNG" -> "Sở Giáo dục và Đào tạo tỉnh Cao Bằng"."""
    text = " ".join(caps.split())
    head = max(
        (h for h in _LAYOUT.body_heads + _LAYOUT.role_heads if text == h or text.startswith(h + " ")),
        key=len,
        default="",
    )
    if head:
        rest = text[len(head) :].strip()
        out = head.lower().capitalize()
        # "CHỦ TỊCH ỦY BAN NHÂN DÂN …": the rest is another body's name
        return (
            f"{out} {_default_case(rest)}".strip()
            if rest and _starts_with_any(rest, _LAYOUT.body_heads)
            else f"{out} {_field_case(rest)}".strip()
        )
    return _field_case(text)


def _field_case(caps: str) -> str:
    """The words after a body's type: fields capitalized, joiners lower case, a place after a
    locality unit as a proper name."""
    from assistant.core.segmenter import segmenter

    low = caps.lower()
    units = sorted(_LAYOUT.locality_units, key=len, reverse=True)
    m = re.search(r"(?:^|\s)(" + "|".join(re.escape(u) for u in units) + r")\s+(.+)$", low)
    field_part, place = (
        (low[: m.start()].strip(), m.group(1) + " " + " ".join(w[:1].upper() + w[1:] for w in m.group(2).split()))
        if m
        else (low, "")
    )
    words_out = []
    for word in segmenter().tokenize(field_part).split():
        w = word.replace("_", " ")
        words_out.append(w if w in _LAYOUT.name_joiners or not w[:1].isalpha() else w[:1].upper() + w[1:])
    return re.sub(r"\s+([,.;)])", r"\1", " ".join([*words_out, place])).strip()


def _sentence_case(s: str) -> str:
    """Caps subjects ("VỀ VIỆC THỰC HIỆN…") read better in sentence case."""
    s = " ".join(s.split())
    if not is_caps(s):
        return s
    out = s.lower()
    out = out[:1].upper() + out[1:]
    for prov in PROVINCES:
        out = re.sub(r"\b" + re.escape(prov.lower()) + r"\b", prov, out)
    # document numbers and symbols keep their capitals ("05/2025/TT-BGDĐT")
    for m in _DOC_REF.finditer(s):
        out = out.replace(m.group().lower(), m.group())
    return out


def _iso_date(y: str | None, m: str | None, d: str | None) -> str:
    if not y:
        return ""
    if not m:
        return y
    try:
        if not d:
            return f"{int(y):04d}-{int(m):02d}" if 1 <= int(m) <= 12 else y
        return datetime.date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return y


def _type_from_number(number: str) -> str:
    """A kind from the symbol's code ("12/KH-UBND" -> "Kế hoạch"); "" when it names none."""
    if not number:
        return ""
    codes = {p.strip() for p in re.split(r"[/\-]", number) if p}
    for kind in _LAYOUT.kinds:
        if kind.code and kind.code in codes:
            return kind.name
    if re.search(r"/QH\d*$", number):
        return "Luật"
    return ""


_SYMBOL_BODIES = [  # the symbol's part that names the issuer, when the header does not [ND30 PL I, mục 3]
    ("Ủy ban nhân dân", ("UBND",)),
    ("Sở Giáo dục và Đào tạo", ("SGDĐT", "SGDDT", "SGDDĐT", "SGD&ĐT")),
    ("Phòng Giáo dục và Đào tạo", ("PGDĐT", "PGDDĐT", "PGD&ĐT", "PGDDT")),
    ("Bộ Giáo dục và Đào tạo", ("BGDĐT", "BGD&ĐT")),
    ("Quốc hội", ("QH",)),
    ("Chính phủ", ("CP",)),
    ("Thủ tướng Chính phủ", ("TTg",)),
]


def _org_from_symbol(number: str) -> str:
    suffix = [p for p in re.split(r"[/\-]", number) if p]
    for name, codes in _SYMBOL_BODIES:
        for code in codes:
            if any(
                part.upper() == code.upper() or part.upper().startswith(code.upper()) and code != "QH"
                for part in suffix
            ):
                return name
    if re.search(r"/QH\d*$", number):
        return "Quốc hội"
    return ""


def _with_place(org: str, meta: DocumentMeta, lay: AdminLayout) -> str:
    """A header that names only "SỞ GIÁO DỤC VÀ ĐÀO TẠO" is read with its place."""
    place = meta.place
    if not place or org in lay.national_bodies or org.startswith("Bộ "):
        return org
    if org.startswith("Phòng"):
        return f"{org} huyện {place}" if place not in PROVINCES else f"{org} {place}"
    if place in PROVINCES:
        return f"{org} {'thành phố' if place in lay.cities else 'tỉnh'} {place}"
    return f"{org} {place}"


def _province(meta: DocumentMeta, paragraphs: list[str], lay: AdminLayout) -> str:
    if _is_central(meta, lay):
        return ""  # a law passed in Hà Nội applies everywhere; a ministry's letter too
    for name in (meta.issuer, meta.parent_issuer):
        for prov in sorted(PROVINCES, key=len, reverse=True):
            if re.search(r"(?:tỉnh|thành phố|TP\.?)\s+" + re.escape(prov) + r"\b", name, re.I):
                return prov
    for prov in PROVINCES:
        if meta.place and fold(meta.place) == fold(prov):
            return prov
    for text in [meta.subject, *paragraphs[:40]]:
        for prov in PROVINCES:
            if re.search(r"(?:tỉnh|thành phố|TP\.?)\s+" + re.escape(prov) + r"\b", text, re.I):
                return prov
    return ""


def _is_central(meta: DocumentMeta, lay: AdminLayout) -> bool:
    names = [meta.issuer, meta.parent_issuer]
    return any(
        n in lay.national_bodies or n.startswith(("Bộ ", "Cục ", "Tổng cục ", "Văn phòng Chính phủ"))
        for n in names
        if n
    )


# -- "Kính gửi" and the closing ---------------------------------------------------------------


def _list_end(paragraphs: list[str], i: int, lay: AdminLayout) -> int:
    """The end of a list opened at ``i`` ("Kính gửi:", "Nơi nhận:"): bullet items, and lines that
    continue an item (it has no closing punctuation yet, or the line is an aside in brackets)."""
    j = i + 1
    while j < len(paragraphs):
        p = paragraphs[j]
        prev = paragraphs[j - 1]
        if p.startswith(_BULLET) and not p.startswith("- -"):
            j += 1
        elif p.startswith("(") and len(p) < 300:
            j += 1
        elif (
            not prev.rstrip().endswith((".", ";", ":", "./."))
            and len(p) < 80
            and not _NAME.match(p)
            and (not is_caps(p) or p.rstrip().endswith((";", ",")))
            and not p.startswith(lay.signature_prefixes)
            and (j == i + 1 or prev.startswith(_BULLET) or p[:1].islower())
        ):
            j += 1
        else:
            break
    return j


def _list_items(lines: list[str]) -> list[str]:
    items: list[str] = []
    first = lines[0].split(":", 1)[1].strip() if ":" in lines[0] else ""
    if first:
        items.append(first)
    for p in lines[1:]:
        if p.startswith(_BULLET) or not items:
            items.append(p.lstrip("-–•+* "))
        else:
            items[-1] = f"{items[-1]} {p}"
    return [x.rstrip(";,. ") for x in items if x.strip(";,. ")]


def _closing(
    paragraphs: list[str], body_start: int, meta: DocumentMeta, lay: AdminLayout
) -> tuple[int, int, tuple[int, int] | None, tuple[int, int] | None]:
    """(closing start, closing end, "Nơi nhận" range, signature range) of the main text: the
    first "Nơi nhận" and the signature next to it; content after them is attached to the document."""
    n = len(paragraphs)
    dist_at = next((i for i in range(body_start, n) if paragraphs[i].startswith(lay.distribution_heads)), None)
    signature = None
    if dist_at is not None:
        dist_end = _list_end(paragraphs, dist_at, lay)
        # the signature follows the list, or stands just above "Nơi nhận"
        signature = _signature_from(paragraphs, dist_end, min(n, dist_end + 20), meta, lay) or _signature_from(
            paragraphs, max(body_start, dist_at - 10), dist_at, meta, lay
        )
        meta.distribution = _list_items(paragraphs[dist_at:dist_end])
        start = min(dist_at, signature[0]) if signature else dist_at
        end = max(dist_end, signature[1] + 1) if signature else dist_end
        return start, end, (dist_at, dist_end), signature
    signature = _signature_from(paragraphs, body_start, n, meta, lay)
    if signature:
        return signature[0], signature[1] + 1, None, signature
    return n, n, None, None


def _signature_from(
    paragraphs: list[str], lo: int, hi: int, meta: DocumentMeta, lay: AdminLayout
) -> tuple[int, int] | None:
    """The first signature block in [lo, hi): title lines in capitals ("TM. ỦY BAN NHÂN DÂN",
    "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"), maybe "(Đã ký)", then the signer's name. Sets the signer."""
    for i in range(lo, hi):
        name, name_start = _signer_name(paragraphs, i, lay)
        if not name:
            continue
        k = name_start - 1
        while k >= lo and k >= name_start - 3 and _is_signed_mark(paragraphs[k], lay):
            k -= 1
        titles: list[str] = []
        while k >= max(lo, 0) and len(titles) < 8 and _is_title_line(paragraphs[k]):
            titles.insert(0, paragraphs[k].strip())
            k -= 1
        if not titles:
            continue
        meta.signer = name
        meta.signer_title = " / ".join(_roles(titles, lay))
        return k + 1, i
    return None


def _signer_name(paragraphs: list[str], i: int, lay: AdminLayout) -> tuple[str, int]:
    """(the signer's name, the paragraph it starts on) when paragraph ``i`` ends a name."""
    p = paragraphs[i].strip()
    for mark in lay.signed_marks:
        p = p.removeprefix(mark).strip()
    for rank in sorted(lay.ranks, key=len, reverse=True):
        if p.startswith(rank + " "):
            p = p[len(rank) :].strip()
            break
    if not _NAME.match(p) or p in PROVINCES or p.startswith(("Nơi", "Lưu", "Như", "Kính", "Căn")):
        return "", i
    prev = paragraphs[i - 1].strip() if i > 0 else ""
    if re.fullmatch(_NAME_WORD, prev) and len(p.split()) <= 3:  # "Dương" / "Đức Tuấn": a name broken
        return f"{prev} {p}", i - 1
    return p, i


def _is_signed_mark(p: str, lay: AdminLayout) -> bool:
    p = p.strip()
    return p in lay.signed_marks or p.startswith(("Ký bởi", "(Đã ký", "(đã ký", "Đã ký")) or p in ("(ký)", "ký")


def _is_title_line(p: str) -> bool:
    p = p.strip()
    return bool(p) and len(p) <= 90 and is_caps(p) and not p.startswith(_BULLET) and not p.endswith("./.")


def _roles(titles: list[str], lay: AdminLayout) -> list[str]:
    """Title lines as roles: a line opening with TM./KT./TL./Q. or a title word starts a role, any
    other continues the one above ("TM. ỦY BAN NHÂN" / "DÂN")."""
    roles: list[str] = []
    heads = lay.role_heads
    for t in titles:
        starts = t.startswith(lay.signature_prefixes) or _starts_with_any(t, heads)
        if roles and not starts:
            roles[-1] = f"{roles[-1]} {t}"
        else:
            roles.append(t)
    return roles


# -- from the body: effect, repeal, amendment -------------------------------------------------

_EFFECT_DATE = re.compile(
    r"có hiệu lực(?: thi hành)?(?: chính thức)?\s*(?:kể\s*)?từ\s*ngày\s*(\d{1,2})\s*(?:tháng\s*|/|-)\s*(\d{1,2})"
    r"\s*(?:năm\s*|/|-)\s*(\d{4})",
    re.I,
)
_EFFECT_SIGNING = re.compile(r"có hiệu lực(?: thi hành)?\s*(?:kể\s*)?từ\s*ngày\s*(?:ký|ban hành)", re.I)
_EFFECT_AFTER = re.compile(
    r"có hiệu lực(?: thi hành)?\s*sau\s*(\d{1,3})\s*ngày,?\s*(?:kể\s*)?từ\s*ngày\s*(?:ký|ban hành)", re.I
)


def _own_effect(sentence: str, at: int, meta: DocumentMeta) -> bool:
    """Is the effect clause at ``at`` about this document ("Quyết định này có hiệu lực …",
    "Nghị quyết có hiệu lực …"), not one it cites ("Nghị định số 291/… (có hiệu lực ngày …)")?"""
    before = sentence[:at]
    cut = max(before.rfind(". "), before.rfind("; "))
    clause = before[cut + 1 :]
    if re.search(r"\bnày\b", clause) and not _DOC_REF.search(clause[clause.find("này") :]):
        return True
    kind = meta.doc_type
    return bool(kind) and clause.strip().rstrip(",").endswith(kind) and not _DOC_REF.search(clause)


def _effect(paragraphs: list[str], meta: DocumentMeta, lay: AdminLayout) -> None:
    for p in paragraphs:
        if "hiệu lực" not in p:
            continue
        for rx, how in ((_EFFECT_DATE, "date"), (_EFFECT_AFTER, "after"), (_EFFECT_SIGNING, "signing")):
            m = rx.search(p)
            if not m or not _own_effect(p, m.start(), meta):
                continue
            if how == "date":
                meta.effective_date = _iso_date(m.group(3), m.group(2), m.group(1))
            elif how == "signing":
                meta.effective_date = meta.date if len(meta.date) == 10 else ""
            else:
                if len(meta.date) == 10:
                    day = datetime.date.fromisoformat(meta.date) + datetime.timedelta(days=int(m.group(1)))
                    meta.effective_date = day.isoformat()
            meta.effective_text = _sentence_around(p, m.start(), m.end())
            return


def _sentence_around(p: str, a: int, b: int) -> str:
    start = max(p.rfind(". ", 0, a) + 2 if p.rfind(". ", 0, a) >= 0 else 0, 0)
    end = p.find(". ", b)
    return p[start : end if end >= 0 else len(p)].strip()[:300]


def _related(paragraphs: list[str], meta: DocumentMeta, lay: AdminLayout) -> None:
    """The documents this one repeals or replaces, and those it amends: numbers cited in a
    sentence whose verb says so and whose subject is this document (or its subject line)."""
    own = meta.number
    replaces: list[str] = []
    amends: list[str] = []
    for text in [meta.subject, *paragraphs]:
        for sentence in re.split(r"(?<=[.;:])\s+", text):
            low = sentence.lower()
            # "… Quyết định này … bãi bỏ …", or a provision that opens with the verb ("Điều 1. Bãi bỏ …")
            opening = re.sub(r"^(?:Điều\s+\d+[a-zđ]?\.|\d+\.|[a-zđ]\))\s*", "", sentence.strip()).lower()
            opens_with_verb = any(opening.startswith(v) for v in lay.repeal_verbs + lay.amend_verbs)
            if text is not meta.subject and "này" not in low and not opens_with_verb:
                continue
            for verbs, out in ((lay.repeal_verbs, replaces), (lay.amend_verbs, amends)):
                at = min((low.find(v) for v in verbs if v in low), default=-1)
                if at < 0:
                    continue
                window = sentence[at:] if "hết hiệu lực" not in low else sentence
                for m in _DOC_REF.finditer(window):
                    ref = m.group()
                    if ref != own and ref not in out and ref not in replaces + amends:
                        out.append(ref)
    meta.replaces = replaces
    meta.amends = amends
