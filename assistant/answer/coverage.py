"""Which of the question's words a text contains: the measure every answer-stage feature is
built on. Words are compared accent-folded ("hoc phi"), as whole segmenter words where the
text is segmented (so "giá", price, does not match inside "đánh giá", evaluate), weighted by
inverse document frequency over the index. Pure functions over ``TermWeights``."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.core.models import Hit
from assistant.core.textutil import fold, has_diacritics, words
from assistant.index.terms import TermWeights
from assistant.question.lexicon import (
    ABBREVIATIONS,
    EN_STOP,
    GLOSSARY,
    QUESTION_SYLLABLES,
    STOP_FOLDED,
    STOP_WORDS,
    SYNONYMS,
)
from assistant.question.query import QUESTION_PHRASE, AnalyzedQuery

# Words questions use to talk about directives ("An Giang yêu cầu những nội dung gì"): they say
# little about whether a paragraph answers, so they weigh less.
META_WORDS = frozenset(
    {"yeu cau", "quy dinh", "de nghi", "dinh nghia", "khai niem", "duoc hieu"}
)  # "Luật … quy định những quyền nào"
LIGHT_WORDS = META_WORDS | {"noi dung"}  # "nội dung" can also be a heading's own word
UNKNOWN = "\x00"  # prefix of a question word that can never match (an untranslated English concept)


def question_words(q: AnalyzedQuery, weights: TermWeights, text: str | None = None) -> dict[str, float]:
    """The question's words (compounds from the segmenter, folded: "hoc phi") with IDF weights.
    Unanswerable questions usually combine words that each occur somewhere in the corpus but
    never together: matching whole words in one paragraph tells them apart. ``text``: another
    part of the question to take the words of (a statement, a choice) instead of the whole. The
    words are those the question stage segmented (AnalyzedQuery.words_of)."""
    max_w = weights.weight("\x00unseen")
    out: dict[str, float] = {}
    if q.english and text is None:
        texts = list(q.expansions)  # each on its own: "thông báo" + "công nghệ" is not a compound
        names = name_phrases(q.resolved, weights)
        named = set(" ".join(names).split())
        unknown = [w for w in english_content_words(q.resolved) if w not in named]
    else:
        texts = [text if text is not None else q.focus_text]
        names, unknown = [], []
    for part in texts:
        part = QUESTION_PHRASE.sub(" ", part)
        stop = STOP_FOLDED if q.no_diacritics else STOP_WORDS
        for w in folded_words(part, weights) if q.no_diacritics else q.words_of(part):
            parts = w.split("_")
            kept = [x for x in parts if (fold(x) if q.no_diacritics else x) not in stop]
            # a compound keeps its glue syllable ("làm_việc" stays "lam viec": the text's
            # segmenter joins it too); only words made of glue alone are dropped
            joined_by_corpus = q.no_diacritics and len(parts) > 1  # folded_words joined it: "bao_cao"
            if (
                len(parts) == 1
                or not kept
                or (any(fold(x) in QUESTION_SYLLABLES for x in parts) and not joined_by_corpus)
            ):
                parts = kept  # "lúc_nào", "là_gì": the question word goes, the rest stays
            sylls = [fold(x) for x in parts]
            if not sylls:
                continue
            if len(sylls) > 1 and not weights.has_phrase(sylls):
                if _is_name(part, parts):
                    out[" ".join(sylls)] = max_w  # a name the documents never contain ("Sơn Tịnh")
                    continue
                # a common word the documents write otherwise ("bằng cấp" for "bằng tốt nghiệp"):
                # its syllables count one by one
                for x in sylls:
                    if x not in STOP_FOLDED and x not in QUESTION_SYLLABLES:
                        out.setdefault(x, _syllable_weight(weights, x, max_w))
                continue
            out[" ".join(sylls)] = sum(_syllable_weight(weights, x, max_w) for x in sylls) / len(sylls)
    for t in names:
        out[t] = sum(weights.weight(x) for x in t.split()) / len(t.split())
    for w in unknown:
        out[UNKNOWN + w] = 0.5 * max_w  # an English concept we cannot translate: never matched
    for e in q.expansions:  # "THCS" or "trung học cơ sở": either form counts (see ALIASES)
        key = " ".join(fold(x) for x in words(e))
        if key in out and not q.english:
            out.pop(key, None)
    return out


def folded_words(text: str, weights: TermWeights) -> list[str]:
    """Words of a question typed without diacritics, where the segmenter cannot see compounds:
    a syllable that is glue when folded ("bao" of "bao nhiêu") joins the next one when the corpus
    has the pair ("bao cao" is "báo cáo"); other syllables stay single."""
    sylls = [fold(w) for w in words(text)]
    out: list[str] = []
    i = 0
    while i < len(sylls):
        a = sylls[i]
        b = sylls[i + 1] if i + 1 < len(sylls) else ""
        if (
            a in STOP_FOLDED
            and b
            and b not in STOP_FOLDED
            and b not in QUESTION_SYLLABLES
            and weights.has_phrase([a, b])
        ):
            out.append(f"{a}_{b}")
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def _is_name(text: str, syllables: list[str]) -> bool:
    """Are these syllables written capitalised in the question ("huyện Sơn Tịnh")?"""
    m = re.search(r"(?<!\w)" + r"\s+".join(re.escape(x) for x in syllables) + r"(?!\w)", text, re.I)
    return m is not None and all(w[:1].isupper() for w in m.group().split())


def _syllable_weight(weights: TermWeights, syllable: str, max_w: float) -> float:
    if re.fullmatch(r"(?:19|20)\d\d", syllable):
        return 1.0  # a year qualifies the question; it is rarely what it is about
    return weights.weight(syllable) if weights.df.get(syllable, 0) else max_w


def english_content_words(text: str) -> list[str]:
    """English words of a question that carry meaning and that the glossary does not cover."""
    low = text.lower()
    for en, _ in sorted(GLOSSARY, key=lambda t: -len(t[0])):  # longest first, as translate_terms
        low = re.sub(r"\b" + re.escape(en) + r"(?:s|es|ed|ing)?\b", " ", low)
    return [
        w
        for w in re.findall(r"[a-z]{3,}", low)
        if _en_stem(w) not in EN_STOP and w not in EN_STOP and not has_diacritics(w)
    ]


def _en_stem(word: str) -> str:
    """ "used" -> "use", "includes" -> "include": enough to find a word in EN_STOP."""
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("d", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)] + repl
            if stem in EN_STOP or stem + "e" in EN_STOP:
                return stem if stem in EN_STOP else stem + "e"
    return word


def name_phrases(text: str, weights: TermWeights) -> list[str]:
    """Runs of words an English question shares with the corpus: "Ninh Thuan" -> "ninh thuan"."""
    # a word capitalised inside the sentence is a name's even when English uses it too ("An Giang")
    capitalised = {w.lower() for w in re.findall(r"\w+", text)[1:] if w[:1].isupper()}
    phrases, run = [], []
    for w in words(text) + [""]:
        f = fold(w)
        if f and (f not in EN_STOP or w in capitalised) and weights.df.get(f, 0) and len(f) > 1:
            run.append(f)
        else:
            if run:
                phrases.append(" ".join(run))
            run = []
    return phrases


def _aliases() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for short, long in [*ABBREVIATIONS.items(), *SYNONYMS]:
        a, b = " ".join(fold(x) for x in words(short)), " ".join(fold(x) for x in words(long))
        out.setdefault(a, []).append(b)
        out.setdefault(b, []).append(a)
    return out


ALIASES = _aliases()


def coverage(qw: dict[str, float], text: str, segmented: bool = True, frame: str = "") -> float:
    """Weighted share of the question's words found in text. With ``segmented``, text is split
    into words first; question syllables that stand next to each other in the text too ("Tư"
    "Nghĩa") match as a phrase; an abbreviation matches its long form and back. ``frame``: more
    text the words may be found in (a paragraph's headings and document title), read on its own
    so that it is segmented once for all the paragraph's units."""
    if not qw:
        return 0.0
    matched = _matched(qw, text, segmented)
    if frame:
        matched = [a or b for a, b in zip(matched, _matched(qw, frame, segmented), strict=False)]
    total = sum(qw.values())
    return sum(w for w, m in zip(qw.values(), matched, strict=False) if m) / total if total else 0.0


def _matched(qw: dict[str, float], text: str, segmented: bool) -> list[bool]:
    spaced, joined = forms(text) if segmented else (spaced_words(text), "")
    keys = list(qw)
    matched = [False] * len(keys)
    for i, k in enumerate(keys):
        if k.startswith(UNKNOWN):
            continue
        if " " in k or not segmented:
            hit = f" {k} " in spaced
        else:
            hit = f" {k} " in joined
        matched[i] = hit or any(f" {alt} " in spaced for alt in ALIASES.get(k, ()))
    for i in range(len(keys) - 1):  # adjacent single syllables found together
        a, b = keys[i], keys[i + 1]
        if not (matched[i] and matched[i + 1]) and " " not in a and " " not in b and f" {a} {b} " in spaced:
            matched[i] = matched[i + 1] = True
    return matched


def adjacent_pairs(keys: list[str], text: str) -> int:
    """How many consecutive question words stand together in the text too ("trường mẫu giáo"),
    within one clause ("mẫu giáo, nhận" is not "mẫu giáo nhận")."""
    clauses = [c for c in re.split(r"[,;:.()\n]", text) if c.strip()]
    found: set[int] = set()
    for clause in clauses:
        spaced = spaced_words(clause)  # folded syllables: the same as the segmented form's, without the segmenter
        found.update(i for i, (a, b) in enumerate(zip(keys, keys[1:], strict=False)) if f" {a} {b} " in spaced)
    return len(found)


def spaced_words(text: str) -> str:
    """ " hoc phi ... ": folded words between spaces, for whole-word substring tests."""
    return " " + " ".join(_fold_word(w) for w in words(text)) + " "


@lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    return fold(word)  # the same few thousand words come back in every paragraph


@lru_cache(maxsize=8192)
def forms(text: str) -> tuple[str, str]:
    """(" hoc phi ... ", " hoc_phi ... "): folded words, and folded segmenter tokens."""
    from assistant.index.sparse import segment

    tokens = [fold(t) for t in segment(text)]
    joined = " " + " ".join(tokens) + " "
    spaced = " " + " ".join(t.replace("_", " ") for t in tokens) + " "
    return spaced, joined


def identity_text(h: Hit) -> str:
    """What names the document: its type, number, issuer and province. (A law's own name is
    left out: "giáo dục" names Luật Giáo dục but is also what its articles are about; a question
    naming the law is handled by its constraint, see constraints.py.)"""
    return " ".join([h.doc_type, h.doc_number, h.issuer, h.province])


def doc_terms(h: Hit) -> set[str]:
    """Folded words that name the document rather than say something in it."""
    return set(fold(w) for w in words(identity_text(h)))


def title_terms(h: Hit) -> set[str]:
    return set(fold(w) for w in words(h.doc_title))


def names_document(key: str, dt: set[str]) -> bool:
    """A question word that is part of the document's name ("gddt" for "Sở Giáo dục và Đào tạo")."""
    return any(set(k.split()) <= dt for k in (key, *ALIASES.get(key, ())))


def question_word_set(q: AnalyzedQuery) -> set[str]:
    return {fold(w) for w in words(q.resolved + " " + " ".join(q.expansions))}


_PREDICATE = re.compile(
    r"\s(?:là|phải|được|có|không|chỉ|bị|sẽ|cần|thì|do|chịu|gồm|bao gồm|được phép|có thể|nhận)\s", re.I
)


def subject_of(statement: str) -> str:
    """The words a statement or question is about, before its first predicate: "giáo viên tiểu
    học chỉ cần có bằng …" -> "giáo viên tiểu học"; "Trường mẫu giáo nhận trẻ em …" -> "Trường
    mẫu giáo"; "" when the predicate comes first."""
    for m in _PREDICATE.finditer(statement):
        if len(statement[: m.start()].split()) >= 2:
            return statement[: m.start()]
    return ""
