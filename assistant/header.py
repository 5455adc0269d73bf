"""Parse a directive's header (số/ký hiệu, loại, cơ quan ban hành, nơi và ngày, trích yếu,
kính gửi, nơi nhận, người ký) from its cleaned paragraphs. Pure functions."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .models import NATIONAL_ISSUERS, DocumentMeta
from .textutil import fold, title_case_vi

PROVINCES = [
    "An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bắc Ninh", "Bến Tre",
    "Bình Dương", "Bình Định", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Cần Thơ",
    "Đà Nẵng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang",
    "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương", "Hải Phòng", "Hậu Giang", "Hòa Bình", "Hưng Yên",
    "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu", "Lạng Sơn", "Lào Cai", "Lâm Đồng", "Long An",
    "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình",
    "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh",
    "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "Tiền Giang", "Hồ Chí Minh",
    "Trà Vinh", "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái", "Huế",
]

# Document types, the form they take as a header line, and the code used in the symbol.
DOC_TYPES = [
    ("Hiến pháp", "HIẾN PHÁP", None),
    ("Bộ luật", "BỘ LUẬT", None),
    ("Luật", "LUẬT", "QH"),
    ("Nghị quyết", "NGHỊ QUYẾT", "NQ"),
    ("Nghị định", "NGHỊ ĐỊNH", "NĐ"),
    ("Thông tư", "THÔNG TƯ", "TT"),
    ("Quyết định", "QUYẾT ĐỊNH", "QĐ"),
    ("Chỉ thị", "CHỈ THỊ", "CT"),
    ("Thông báo", "THÔNG BÁO", "TB"),
    ("Kế hoạch", "KẾ HOẠCH", "KH"),
    ("Báo cáo", "BÁO CÁO", "BC"),
    ("Hướng dẫn", "HƯỚNG DẪN", "HD"),
    ("Tờ trình", "TỜ TRÌNH", "TTr"),
    ("Công điện", "CÔNG ĐIỆN", "CĐ"),
    ("Công văn", "CÔNG VĂN", None),
]

# Issuing bodies, from the caps header line or from the symbol's suffix.
ORGS = [
    ("ỦY BAN NHÂN DÂN", "Ủy ban nhân dân", ("UBND",)),
    ("UỶ BAN NHÂN DÂN", "Ủy ban nhân dân", ()),
    ("SỞ GIÁO DỤC VÀ ĐÀO TẠO", "Sở Giáo dục và Đào tạo", ("SGDĐT", "SGDDT", "SGDDĐT", "SGD&ĐT")),
    ("PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "Phòng Giáo dục và Đào tạo", ("PGDĐT", "PGDDĐT", "PGD&ĐT", "PGDDT")),
    ("BỘ GIÁO DỤC VÀ ĐÀO TẠO", "Bộ Giáo dục và Đào tạo", ("BGDĐT", "BGD&ĐT")),
    ("QUỐC HỘI", "Quốc hội", ("QH",)),
    ("CHÍNH PHỦ", "Chính phủ", ("CP",)),
    ("THỦ TƯỚNG CHÍNH PHỦ", "Thủ tướng Chính phủ", ("TTg",)),
]

_NUMBER = re.compile(r"(?:^|\s)(?:Luật |Bộ luật )?[Ss]ố\s*:\s*([0-9]*\s*/\s*[0-9A-Za-zĐđ&\-–/]+)")
_DATE = re.compile(
    r"(?P<place>[A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈÍÌÓÒÚÙÝ][\wÀ-ỹ.\- ]{1,40}?)\s*,\s*ngày\s*(?P<d>\d{1,2})?[\s.…]*"
    r"tháng\s*(?P<m>\d{1,2})?[\s.…]*năm\s*(?P<y>\d{4})"
)
_VV = re.compile(r"^(?:V/v|V/V|Về việc)\s*:?\s*(.+)$")
_NAME = re.compile(r"^(?:[A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈÍÌÓÒÚÙÝỲỸỶỴ][a-zà-ỹđ]+\s){1,4}[A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈÍÌÓÒÚÙÝ][a-zà-ỹđ]+$")
_SIGNED = re.compile(r"^\((?:Đã|đã) ký\)\s*")  # "(Đã ký) Nguyễn Sinh Hùng": the published copy of a signed text
_SIGNER_TITLE = re.compile(
    r"^(?:(?:KT|TM|TL|TUQ|Q)\.\s*)?(?:[A-ZĐÂĂÊÔƠƯ][A-ZĐÂĂÊÔƠƯÀ-Ỹ .]*)$"
)
_NATIONAL = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập")


@dataclass
class HeaderParse:
    meta: DocumentMeta
    body_start: int  # index of the first body paragraph
    footer_start: int  # index of "Nơi nhận:" (or len(paragraphs))
    # paragraph indices of the signature block (title lines … name), both inclusive; None if unsigned
    signature: tuple[int, int] | None = None


def parse_header(paragraphs: list[str]) -> HeaderParse:
    """Read the header fields from the first paragraphs and the footer fields from the last."""
    meta = DocumentMeta()
    head = paragraphs[:14]
    last_header = -1

    for i, p in enumerate(head):
        if not meta.number:
            m = _NUMBER.search(p)
            if m:
                meta.number = re.sub(r"\s+", "", m.group(1)).replace("–", "-")
                last_header = max(last_header, i)
        if not meta.date_text:
            m = _DATE.search(p)
            if m:
                meta.place = m.group("place").strip()
                if "Hạnh phúc" in meta.place:  # national motto shares the line
                    meta.place = meta.place.split("Hạnh phúc", 1)[1].strip(" -–")
                meta.date_text = p[p.find("ngày", m.start()) : m.end()]
                meta.date = _iso_date(m.group("y"), m.group("m"), m.group("d"))
                last_header = max(last_header, i)

    # The type line ("THÔNG BÁO", "KẾ HOẠCH làm việc…", "LUẬT") and the subject after it.
    for i, p in enumerate(head):
        if i <= _national_index(head):
            continue
        doc_type, rest = _type_line(p)
        if doc_type:
            meta.doc_type = doc_type
            last_header = max(last_header, i)
            subject_parts = [rest] if rest else []
            j = i + 1
            if not rest and j < len(paragraphs) and _looks_like_subject(paragraphs[j]):
                subject_parts.append(paragraphs[j])
                j += 1
            meta.subject = _sentence_case(" ".join(subject_parts))
            last_header = max(last_header, j - 1)
            break

    for i, p in enumerate(head):
        m = _VV.match(p)
        if m:
            meta.subject = m.group(1).strip()
            meta.doc_type = meta.doc_type or "Công văn"
            last_header = max(last_header, i)
            break

    body_start = last_header + 1
    # "Kính gửi:" and its list
    for i in range(body_start, min(body_start + 3, len(paragraphs))):
        if paragraphs[i].startswith("Kính gửi"):
            after = paragraphs[i].split(":", 1)[1].strip() if ":" in paragraphs[i] else ""
            items = [after] if after else []
            j = i + 1
            while j < len(paragraphs) and paragraphs[j].startswith(("-", "–", "•", "+")):
                items.append(paragraphs[j].lstrip("-–•+ ").rstrip(";,. "))
                j += 1
            meta.recipients = [x for x in items if x]
            body_start = j
            break

    footer_start = len(paragraphs)
    for i in range(len(paragraphs) - 1, body_start, -1):
        if paragraphs[i].startswith("Nơi nhận"):
            footer_start = i
            j = i + 1
            dist = []
            while j < len(paragraphs) and paragraphs[j].startswith(("-", "–", "•", "+")):
                dist.append(paragraphs[j].lstrip("-–•+ ").rstrip(";,. "))
                j += 1
            meta.distribution = dist
            break

    signature = _parse_signer(paragraphs, footer_start, meta)
    meta.doc_type = meta.doc_type or _type_from_number(meta.number) or "Công văn"
    meta.issuer = _issuer(paragraphs[:6], meta)
    meta.province = _province(meta, paragraphs)
    return HeaderParse(meta, min(body_start, len(paragraphs)), footer_start, signature)


def _national_index(head: list[str]) -> int:
    for i, p in enumerate(head):
        if p.startswith(_NATIONAL) or "Độc lập" in p and "Hạnh phúc" in p:
            return i if "ngày" not in p else i - 1
    return -1


def _type_line(p: str) -> tuple[str, str]:
    for name, caps, _ in DOC_TYPES:
        if p == caps or p.startswith(caps + " ") or p.startswith(caps + "\n"):
            rest = p[len(caps) :].strip()
            if rest and not rest[:1].isupper() and not rest[:1].islower():
                continue
            return name, rest
    return "", ""


def _is_caps(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _looks_like_subject(p: str) -> bool:
    if _NUMBER.search(p) or _DATE.search(p):
        return False  # "Số: 12/TB-SGDĐT" or the place-and-date line, not a subject
    return len(p) < 800 and not p.startswith(("Căn cứ", "Thực hiện", "Kính gửi", "Ngày")) and (
        _is_caps(p) or p[:1].isupper()
    ) and not re.match(r"^\d+\.|^[IVX]+\.", p)


def _sentence_case(s: str) -> str:
    """Caps subjects ("VỀ VIỆC THỰC HIỆN…") read better in sentence case."""
    if not _is_caps(s):
        return s
    out = s.lower()
    out = out[:1].upper() + out[1:]
    for prov in PROVINCES:
        out = re.sub(re.escape(prov.lower()), prov, out)
    for word in ("covid-19", "gdđt", "thcs", "thpt", "ubnd"):
        out = out.replace(word, word.upper())
    return out


def _iso_date(y: str | None, m: str | None, d: str | None) -> str:
    if not y:
        return ""
    if not m:
        return y
    if not d:
        return f"{y}-{int(m):02d}"
    return f"{y}-{int(m):02d}-{int(d):02d}"


def _type_from_number(number: str) -> str:
    if not number:
        return ""
    parts = re.split(r"[/\-]", number)
    codes = {p.strip().upper() for p in parts if p}
    for name, _, code in DOC_TYPES:
        if code and code.upper() in codes:
            return name
    if re.search(r"/QH\d*$", number):
        return "Luật"
    return "Công văn"


def _org_from_symbol(number: str) -> str:
    suffix = [p for p in re.split(r"[/\-]", number) if p]
    for _, name, codes in ORGS:
        for code in codes:
            if any(part.upper() == code.upper() or part.upper().startswith(code.upper()) and code != "QH"
                   for part in suffix):
                return name
    if re.search(r"/QH\d*$", number):
        return "Quốc hội"
    return ""


def _issuer(first: list[str], meta: DocumentMeta) -> str:
    caps_lines: list[str] = []
    for p in first:
        if p.startswith(_NATIONAL) or p.startswith("Số") or "ngày" in p and "tháng" in p:
            if caps_lines:
                break
            # "SỞ GIÁO DỤC VÀ ĐÀO TẠO Số: /TB-SGDĐT": the issuer shares the line
            lead = re.split(r"\s(?:Số|Luật số)\s*:", p)[0]
            if lead != p and _is_caps(lead):
                caps_lines.append(lead)
                break
            continue
        if _is_caps(p) and not _type_line(p)[0]:
            caps_lines.append(p)
        else:
            break
    text = " ".join(caps_lines)
    for caps, name, _ in ORGS:
        if text.startswith(caps):
            rest = text[len(caps) :].strip()
            if rest:
                return f"{name} {title_case_vi(rest)}"
            return _with_place(name, meta)
    if text and len(text) < 80:
        return title_case_vi(text)
    name = _org_from_symbol(meta.number)
    return _with_place(name, meta) if name else ""


def _with_place(org: str, meta: DocumentMeta) -> str:
    """A header that names only "SỞ GIÁO DỤC VÀ ĐÀO TẠO" is read with its place."""
    place = meta.place
    if not place or org in ("Quốc hội", "Chính phủ", "Thủ tướng Chính phủ", "Bộ Giáo dục và Đào tạo"):
        return org
    if org.startswith("Phòng"):
        return f"{org} huyện {place}" if place not in PROVINCES else f"{org} {place}"
    if place in PROVINCES and place not in ("Hà Nội", "Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ"):
        return f"{org} tỉnh {place}"
    return f"{org} {place}"


def _province(meta: DocumentMeta, paragraphs: list[str]) -> str:
    if meta.issuer in NATIONAL_ISSUERS or meta.issuer.startswith("Bộ "):
        return ""  # a law passed in Hà Nội applies everywhere
    for prov in PROVINCES:
        if meta.place and fold(meta.place) == fold(prov):
            return prov
    for text in [meta.issuer, meta.subject, *paragraphs[:40]]:
        for prov in PROVINCES:
            if re.search(r"(?:tỉnh|thành phố|TP\.?)\s+" + re.escape(prov), text, re.I) or (
                text is meta.issuer and prov in text
            ):
                return prov
    return ""


def _parse_signer(paragraphs: list[str], footer_start: int, meta: DocumentMeta) -> tuple[int, int] | None:
    """The signer's name is the last personal name in the document's closing lines ("(Đã ký)
    Nguyễn Sinh Hùng" in published laws); the titles are the capitalised lines above it. Returns
    the signature block's paragraph range."""
    tail_range = range(len(paragraphs) - 1, max(footer_start - 8, len(paragraphs) - 40, -1), -1)
    for i in tail_range:
        p = _SIGNED.sub("", paragraphs[i])
        if _NAME.match(p) and not p.startswith(("Nơi", "Lưu", "Như")):
            meta.signer = p
            titles = []
            k = i - 1
            while k >= 0 and _SIGNER_TITLE.match(paragraphs[k]) and len(paragraphs[k]) < 60 and not paragraphs[k].startswith("-"):
                titles.insert(0, paragraphs[k])
                k -= 1
            meta.signer_title = " ".join(titles)
            return k + 1, i
    return None
