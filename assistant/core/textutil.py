"""Small, pure text helpers for Vietnamese: accent folding, casing, tokenising, matching."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[0-9]+(?:[.,/][0-9]+)*|[^\W_]+", re.UNICODE)
_LOWER_WORDS = {"và", "của", "các", "về", "với", "tỉnh", "huyện", "thành", "phố", "thị", "xã"}


def fold(text: str) -> str:
    """Lower-case and strip Vietnamese diacritics: "Học bạ điện tử" -> "hoc ba dien tu"."""
    text = text.lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


_TONES = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}
_OLD_TONE_PAIRS = {("o", "a"), ("o", "e"), ("u", "y")}


def modern_tone(text: str) -> str:
    """Tone marks where today's spelling puts them: "hoà" -> "hòa", "Uỷ" -> "Ủy", "khoẻ" -> "khỏe"
    (an open syllable ending in oa/oe/uy carries the tone on its first vowel; "quý" stays)."""

    def move(m: re.Match[str]) -> str:
        word = m.group()
        if len(word) < 2:
            return word
        a, b = unicodedata.normalize("NFD", word[-2]), unicodedata.normalize("NFD", word[-1])
        tone = next((c for c in b if c in _TONES), "")
        base = (a[0].lower(), b[0].lower())
        if (
            not tone
            or base not in _OLD_TONE_PAIRS
            or any(c in _TONES for c in a)
            or len(a) > 1
            or word[:-2].lower().endswith("q")
        ):
            return word
        moved = unicodedata.normalize("NFC", a + tone) + unicodedata.normalize("NFC", b.replace(tone, ""))
        return word[:-2] + moved

    return re.sub(r"\w+", move, unicodedata.normalize("NFC", text))


def has_diacritics(text: str) -> bool:
    return fold(text) != text.lower()


def title_case_vi(text: str) -> str:
    """ "TỈNH AN GIANG" -> "tỉnh An Giang" (administrative words stay lower case)."""
    words = text.lower().split()
    out = []
    for w in words:
        if w in _LOWER_WORDS:
            out.append(w)
        else:
            out.append(w[:1].upper() + w[1:])
    return " ".join(out)


def words(text: str) -> list[str]:
    """Lower-cased word tokens (syllables for Vietnamese), numbers kept whole ("2024", "13/02/2025")."""
    return [m.group().lower() for m in _WORD.finditer(unicodedata.normalize("NFC", text))]


def as_written(text: str, folded_keys: str) -> str:
    """The words of ``text`` behind folded keys ("cao dang, su pham" -> "cao đẳng, sư phạm")."""
    out = []
    for key in folded_keys.split(", "):
        sylls = key.split()
        toks = re.findall(r"\w+", text)
        found = next(
            (
                " ".join(toks[i : i + len(sylls)])
                for i in range(len(toks) - len(sylls) + 1)
                if [fold(t) for t in toks[i : i + len(sylls)]] == sylls
            ),
            key,
        )
        out.append(found)
    return ", ".join(out)


def normalize_for_match(text: str) -> str:
    """The comparison form used by the evaluation: NFC, case-folded, whitespace collapsed,
    no spaces around "-", "–" and "/" (so "2024 - 2025" == "2024-2025")."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = text.replace("–", "-").replace("—", "-")
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*([-/])\s*", r"\1", text)
    return text.strip()


# the capital letters of Vietnamese: "[A-ZĐÀ-Ỹ]" is not that class (the range À-Ỹ holds "đ",
# "ể", "ợ" … too); for the sentence splitter it is kept as it is: chunk texts depend on it
UPPER_VI = "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_SENTENCE_END = re.compile(r"(?<=[.;!?…])\s+(?=[\"“(]?[A-ZĐÀ-Ỹ0-9(\-–•])")
_SENTENCE_END_NO_SEMICOLON = re.compile(r"(?<=[.!?…])\s+(?=[\"“(]?[A-ZĐÀ-Ỹ0-9(\-–•])")


def split_sentences(text: str, clauses: bool = True) -> list[tuple[int, int]]:
    """Sentence spans (start, end) inside text. Splits on . ; ! ? followed by a capital; with
    ``clauses`` false not on ";" (an enumeration "Cục Thuế; Thuế tỉnh, thành phố; Thuế cơ sở" stays one)."""
    spans = []
    start = 0
    for m in (_SENTENCE_END if clauses else _SENTENCE_END_NO_SEMICOLON).finditer(text):
        end = m.start()
        if end > start:
            spans.append((start, end))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans
