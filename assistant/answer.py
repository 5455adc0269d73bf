"""Answers with citations. The default answerer is extractive: it picks the sentences or list
items that answer the question from the top evidence and writes a short Vietnamese answer
with ``[n]`` markers; it abstains when the evidence does not cover the question."""
from __future__ import annotations

import math
import re
from functools import lru_cache
from dataclasses import dataclass


from .citations import Citation, citation_from_hit, source_phrase
from .models import Hit
from .query import AnalyzedQuery
from .retrieval import Context
from .terms import TermWeights
from .textutil import fold, has_diacritics, split_sentences, words

NOT_FOUND = "Không tìm thấy thông tin này trong các văn bản đã nạp."


@dataclass
class Unit:
    """A candidate statement: a sentence or list item inside a retrieved paragraph."""

    hit_rank: int
    start: int  # inside hit.text
    end: int
    text: str
    own: float  # weighted share of the question's terms found in the unit
    score: float


class ExtractiveAnswerer:
    def __init__(self, weights: TermWeights, threshold: float = 0.34, max_hits: int = 5) -> None:
        self.weights = weights
        self.threshold = threshold
        self.max_hits = max_hits

    # -- scoring ---------------------------------------------------------------------------
    def question_words(self, q: AnalyzedQuery) -> dict[str, float]:
        """The question's words (compounds from the segmenter, folded: "hoc phi") with weights.
        Unanswerable questions usually combine words that each occur somewhere in the corpus
        but never together: matching whole words in one paragraph tells them apart."""
        from .sparse import segment

        max_w = self.weights.weight("\x00unseen")
        out: dict[str, float] = {}
        if q.english:
            texts = [" ".join(q.expansions)]
            names = _name_phrases(q.resolved, self.weights)
            named = set(" ".join(names).split())
            unknown = [w for w in english_content_words(q.resolved) if w not in named]
        else:
            texts = [q.resolved]
            names, unknown = [], []
        for text in texts:
            stop = _STOP_FOLDED if q.no_diacritics else _STOP_WORDS
            for w in segment(text):
                parts = w.split("_")
                kept = [x for x in parts if (fold(x) if q.no_diacritics else x) not in stop]
                # a compound keeps its glue syllable ("làm_việc" stays "lam viec": the text's
                # segmenter joins it too); only words made of glue alone are dropped
                if len(parts) == 1 or not kept or any(fold(x) in _QUESTION_SYLLABLES for x in parts):
                    parts = kept  # "lúc_nào", "là_gì": the question word goes, the rest stays
                sylls = [fold(x) for x in parts]
                if not sylls:
                    continue
                weight = sum(self._weight(x, max_w) for x in sylls) / len(sylls)
                if len(sylls) > 1 and not self.weights.has_phrase(sylls):
                    weight = max_w  # a compound or name the documents never contain
                out[" ".join(sylls)] = weight
        for t in names:
            out[t] = sum(self.weights.weight(x) for x in t.split()) / len(t.split())
        for w in unknown:
            out["\x00" + w] = 0.5 * max_w  # an English concept we cannot translate: never matched
        for e in q.expansions:  # "THCS" or "trung học cơ sở": either form counts (see _ALIASES)
            key = " ".join(fold(x) for x in words(e))
            if key in out and not q.english:
                out.pop(key, None)
        return out

    def _weight(self, syllable: str, max_w: float) -> float:
        if re.fullmatch(r"(?:19|20)\d\d", syllable):
            return 1.0  # a year qualifies the question; it is rarely what it is about
        return self.weights.weight(syllable) if self.weights.df.get(syllable, 0) else max_w

    def confidence(self, q: AnalyzedQuery, hits: list[Hit]) -> float:
        """How well one paragraph (with its headings and document title) covers the question's
        content words, blended with the dense similarity; in [0, 1]. Words that name the
        document ("Chỉ thị 04 của An Giang") only have to match its name: they say which
        document, not that this paragraph answers."""
        if not hits:
            return 0.0
        qw = {k: (0.3 * w if k in _LIGHT_WORDS else w) for k, w in self.question_words(q).items()}
        seg = not q.no_diacritics
        best = 0.0
        for h in hits[:3]:
            dt = doc_terms(h)
            naming = {k: w for k, w in qw.items() if _names_document(k, dt)}
            content = {k: w for k, w in qw.items() if k not in naming}
            if not content:
                content, naming = qw, {}
            identity = _word_coverage(naming, _identity_text(h), q.expansions, segmented=False) if naming else 1.0
            frame = " ".join([*h.headings, h.doc_title])
            cov = 0.0
            for a, z in _units(h.text):
                c = _word_coverage(content, h.text[a:z] + " | " + frame, q.expansions, seg)
                if not _answers_kind(q.kind, q.resolved, h.text[a:z]):
                    c *= 0.5
                cov = max(cov, c)
            dense = min(1.0, max(0.0, (h.score - 0.78) / (0.90 - 0.78)))
            best = max(best, (0.8 * cov + 0.2 * dense) * (0.6 + 0.4 * identity))
        return best

    def select(self, q: AnalyzedQuery, hits: list[Hit], contexts: list[Context],
               outlines: dict[str, list[Hit]] | None = None) -> list[Unit]:
        qw = self.question_words(q)
        seg = not q.no_diacritics
        named = _named_places(q.resolved)
        asks_recipients = bool(re.search(r"gửi (?:đến|cho|tới)|kính gửi|gửi ai|gui (?:den|cho|toi)|sent to|recipient",
                                         q.resolved, re.I))
        actor = _actor_words(q.resolved, qw)
        slot = _slot_pattern(q.resolved) if q.kind != "list" else None
        units: list[Unit] = []
        for rank, h in enumerate(hits[: self.max_hits]):
            if named and h.province and h.province not in named and any(x.province in named for x in hits[:5]):
                continue  # the question names a province: its documents answer it
            if h.section == "Nơi nhận" and not re.search(r"nơi nhận|gửi|noi nhan|gui", q.resolved, re.I):
                continue
            if asks_recipients and h.section not in ("Kính gửi", "Nơi nhận") and any(
                    x.section in ("Kính gửi", "Nơi nhận") for x in hits[: self.max_hits]):
                continue
            dt, tt = doc_terms(h), title_terms(h)
            # words of the document's name do not tell its paragraphs apart: drop them; words of
            # its subject line weigh less
            content = {k: (0.5 * w if set(k.split()) <= tt else w) for k, w in qw.items()
                       if not _names_document(k, dt)} or qw
            head_cov = _word_coverage(content, " ".join(h.headings), q.expansions, seg)
            prev = ""
            for a, z in _units(h.text):
                text = h.text[a:z]
                own = _word_coverage(content, text, q.expansions, seg)
                if len(text) < 100 and prev:
                    # a short line ("Thời gian vào lúc 8h00 ngày 18/04/2022") is read with the
                    # sentence before it, which says what it is about
                    own = max(own, 0.7 * _word_coverage(content, prev + " " + text, q.expansions, seg))
                if h.headings and (_MARKER.match(text) or (a == 0 and len(h.text) < 160)):
                    # a list item ("a) Có bằng … đối với giáo viên mầm non;") is read with the
                    # clause that introduces it ("Trình độ chuẩn … được quy định như sau:"); a
                    # one-line paragraph with its heading ("ĐỀ CƯƠNG BÁO CÁO" > "Kết quả … năm học 2022-2023")
                    own = max(own, 0.85 * _word_coverage(content, h.headings[-1] + " " + text, q.expansions, seg))
                prev = text
                if own <= 0:
                    continue
                bonus = _kind_bonus(q.kind, text)
                if not _answers_kind(q.kind, q.resolved, text):
                    bonus -= 0.15
                length_penalty = 0.08 * math.log(len(text) / 300) if len(text) > 300 else 0.0
                length_penalty += _boilerplate_penalty(text)
                bonus += _phrase_bonus(list(content), text, seg)
                if slot and slot.search(text):
                    bonus += 0.12  # "năm học nào?" — "năm học 2022-2023": the slot filled with a value
                if actor and a == 0 and _word_coverage(actor, _opening(text), q.expansions, seg) >= 0.99:
                    bonus += 0.15  # "Giám đốc Sở GDĐT có trách nhiệm gì?": the item that opens with its actor
                score = 0.6 * own + 0.2 * head_cov + 0.12 / (1 + rank) + bonus - length_penalty
                units.append(Unit(rank, a, z, text, own, score))
        if not units:
            return []
        units.sort(key=lambda u: -u.score)
        best = units[0]
        if q.kind == "list" and outlines:
            listed = self._section_list(q, hits, outlines, qw)
            if listed:
                return listed
        limit = 5 if q.kind == "list" else 2
        chosen: list[Unit] = [best]
        best_doc = hits[best.hit_rank].doc_id
        for u in units[1:]:
            if len(chosen) >= limit:
                break
            if q.kind != "list" and u.hit_rank != best.hit_rank:
                continue  # a single fact: at most a second sentence of the same paragraph
            same_doc = hits[u.hit_rank].doc_id == best_doc
            floor = (0.85 if q.kind == "list" else 0.92) if same_doc else 0.97
            if u.score < floor * best.score or u.own < 0.8 * best.own:
                continue
            if any(_similar(u.text, c.text) for c in chosen):
                continue
            chosen.append(u)
        # a list question whose best unit introduces a list: bring its items
        if q.kind == "list" and best.text.rstrip().endswith(":"):
            ctx = contexts[best.hit_rank] if best.hit_rank < len(contexts) else None
            if ctx:
                for c in ctx.after:
                    hits.append(c)
                    chosen.append(Unit(len(hits) - 1, 0, len(c.text), c.text, best.own, best.score))
        return chosen

    def _section_list(self, q: AnalyzedQuery, hits: list[Hit], outlines: dict[str, list[Hit]],
                      qw: dict[str, float] | None = None) -> list[Unit]:
        """"Nội dung làm việc gồm những gì?" names a heading: the items under it are the answer.
        Every section of the top documents is a candidate; its heading path must cover the
        question's focus (the words before "khi", "với"…: "Thành phần của Sở GDĐT khi làm việc
        với UBND huyện" asks about the Sở's delegation, not the district's)."""
        focus = self.focus_words(q, qw if qw is not None else self.question_words(q))
        if not focus:
            return []
        seg = not q.no_diacritics
        qwords = _question_word_set(q)
        best: tuple[tuple[float, float, int], list[Hit]] | None = None
        for doc_id in dict.fromkeys(h.doc_id for h in hits[:3]):
            chunks = outlines.get(doc_id, [])
            dt = doc_terms(chunks[0]) if chunks else set()
            weights = {k: (0.3 * w if _names_document(k, dt) or k in _META_WORDS else w) for k, w in focus.items()}
            sections: dict[tuple[str, ...], list[Hit]] = {}
            for c in chunks:  # every heading path and the chunks under it, in document order
                for n in range(1, len(c.headings) + 1):
                    sections.setdefault(tuple(c.headings[:n]), []).append(c)
            for path, items in sections.items():
                label = path[-1]
                if label.endswith("…") or label in ("Kính gửi", "Nơi nhận"):
                    continue  # a long item cut to a label, or the address lists: not a titled section
                if not 2 <= len(items) <= 12:
                    continue
                cov = _word_coverage(weights, " ".join(path), q.expansions, seg)
                if cov < 0.6 or _word_coverage(weights, label, q.expansions, seg) == 0:
                    continue
                key = (round(cov, 3), _label_share(label, qwords), -len(path))
                if best is None or key > best[0]:
                    best = (key, items)
        if best is None:
            return []
        cov = best[0][0]
        out = []
        for c in best[1]:
            rank = next((i for i, h in enumerate(hits) if h.chunk_id == c.chunk_id), None)
            if rank is None:
                hits.append(c)
                rank = len(hits) - 1
            a, z = _units(c.text)[0]
            out.append(Unit(rank, a, z, c.text[a:z], cov, cov))
        return out

    def focus_words(self, q: AnalyzedQuery, qw: dict[str, float]) -> dict[str, float]:
        """The question words (``qw``) before the first clause that only sets the scene ("khi …",
        "với …")."""
        head = _FOCUS_END.split(q.resolved, maxsplit=1)[0]
        spaced = _spaced(head)
        return {k: w for k, w in qw.items() if f" {k} " in spaced}

    # -- writing ---------------------------------------------------------------------------
    def answer(self, q: AnalyzedQuery, hits: list[Hit], contexts: list[Context],
               outlines: dict[str, list[Hit]] | None = None) -> tuple[str, list[Citation], bool, float]:
        """``outlines``: the chunks of the top documents, in order (for questions naming a section)."""
        conf = self.confidence(q, hits)
        if conf < self.threshold:
            return abstain_text(hits), [], True, conf
        units = self.select(q, hits, contexts, outlines)
        if not units:
            return abstain_text(hits), [], True, conf
        # citation numbers in order of first use; statements in document order per document
        primary = hits[units[0].hit_rank].doc_id
        units.sort(key=lambda u: (hits[u.hit_rank].doc_id != primary, hits[u.hit_rank].doc_id,
                                  hits[u.hit_rank].position, u.start))
        numbers: dict[str, int] = {}
        citations: list[Citation] = []
        by_doc: dict[str, list[tuple[Unit, int]]] = {}
        for u in units:
            h = hits[u.hit_rank]
            if h.chunk_id not in numbers:
                numbers[h.chunk_id] = len(numbers) + 1
                citations.append(citation_from_hit(numbers[h.chunk_id], h))
            cit = citations[numbers[h.chunk_id] - 1]
            cit.quote_spans.append([u.start, u.end])
            cit.quote = " … ".join(h.text[a:b] for a, b in sorted(cit.quote_spans))
            by_doc.setdefault(h.doc_id, []).append((u, numbers[h.chunk_id]))

        parts: list[str] = []
        lead = _lead(q, units, hits)
        if lead:
            parts.append(lead)
        for doc_id, items in by_doc.items():
            h = hits[items[0][0].hit_rank]
            statements = [(_statement(u.text), n) for u, n in items]
            if q.kind == "list" and len(statements) > 1:
                lines = "\n".join(f"- {s} [{n}]" for s, n in statements)
                parts.append(f"Theo {source_phrase(h)}:\n{lines}")
            else:
                body = " ".join(f"{s} [{n}]" for s, n in statements)
                parts.append(f"Theo {source_phrase(h)}: {body}")
        return "\n\n".join(parts), citations, False, conf


# Question words and glue: never evidence. Accented forms, so "thì" (then) does not also drop
# "thi" (exam); the folded set is used only for questions typed without diacritics.
_STOP_WORDS = frozenset(
    "gì nào sao ai đâu bao nhiêu giờ khi thế là có không được phải cần của và với về cho theo tại trong ở thì mà "
    "để từ đến này đó như làm hãy biết nêu hỏi những các mỗi vào ra diễn gồm đã sẽ đang hiện nay giữa cuộc nhằm bởi "
    "nhắc mấy"
    .split())
# Words questions use to talk about directives ("An Giang yêu cầu những nội dung gì"): they say
# little about whether a paragraph answers, so they weigh less in the confidence.
_META_WORDS = frozenset({"yeu cau", "quy dinh", "de nghi"})  # "Luật … quy định những quyền nào"
_LIGHT_WORDS = _META_WORDS | {"noi dung"}  # "nội dung" can also be a heading's own word
_STOP_FOLDED = frozenset(fold(w) for w in _STOP_WORDS)
_QUESTION_SYLLABLES = frozenset("gi nao sao ai dau bao nhieu may".split())
_EN_STOP = frozenset(
    "what which when who whom how many much must should shall will would can could does do did is are was were be "
    "been the a an of to in on at for from by with about after before during into over under and or not no yes "
    "there their they them it its this that these those say says said tell me please according give list "
    "include includes included all any some each other than then also work works want wants take takes part "
    "need needs get make use start begin happen according should schools".split())


def english_content_words(text: str) -> list[str]:
    """English words of a question that carry meaning and that the glossary does not cover."""
    from .query import GLOSSARY

    low = text.lower()
    for en, _ in GLOSSARY:
        low = re.sub(r"\b" + re.escape(en) + r"(?:s|es|ed|ing)?\b", " ", low)
    return [w for w in re.findall(r"[a-z]{3,}", low) if w not in _EN_STOP and not has_diacritics(w)]


def _phrase_bonus(keys: list[str], text: str, segmented: bool) -> float:
    """Question words that stand together in the text too ("trường mẫu giáo") count a little extra."""
    spaced = _forms(text)[0] if segmented else _spaced(text)
    pairs = sum(1 for a, b in zip(keys, keys[1:]) if f" {a} {b} " in spaced)
    return min(0.09, 0.03 * pairs)


def _name_phrases(text: str, weights: TermWeights) -> list[str]:
    """Runs of words an English question shares with the corpus: "Ninh Thuan" -> "ninh thuan"."""
    phrases, run = [], []
    for w in words(text) + [""]:
        f = fold(w)
        if f and f not in _EN_STOP and weights.df.get(f, 0) and len(f) > 1:
            run.append(f)
        else:
            if run:
                phrases.append(" ".join(run))
            run = []
    return phrases


def _aliases() -> dict[str, list[str]]:
    from .query import ABBREVIATIONS

    out: dict[str, list[str]] = {}
    for short, long in ABBREVIATIONS.items():
        a, b = " ".join(fold(x) for x in words(short)), " ".join(fold(x) for x in words(long))
        out.setdefault(a, []).append(b)
        out.setdefault(b, []).append(a)
    return out


_ALIASES = _aliases()


def _word_coverage(qw: dict[str, float], text: str, expansions: list[str], segmented: bool = True) -> float:
    """Weighted share of the question's words found in text. With ``segmented``, text is split
    into words first, so "giá" (price) does not match inside "đánh giá" (evaluate); question
    syllables that stand next to each other in the text too ("Tư" "Nghĩa") match as a phrase."""
    if not qw:
        return 0.0
    spaced, joined = _forms(text) if segmented else (_spaced(text), "")
    keys = list(qw)
    matched = [False] * len(keys)
    for i, k in enumerate(keys):
        if k.startswith("\x00"):
            continue
        if " " in k or not segmented:
            hit = f" {k} " in spaced
        else:
            hit = f" {k} " in joined
        matched[i] = hit or any(f" {alt} " in spaced for alt in _ALIASES.get(k, ()))
    for i in range(len(keys) - 1):  # adjacent single syllables found together
        a, b = keys[i], keys[i + 1]
        if not (matched[i] and matched[i + 1]) and " " not in a and " " not in b and f" {a} {b} " in spaced:
            matched[i] = matched[i + 1] = True
    total = sum(qw.values())
    return sum(qw[k] for k, m in zip(keys, matched) if m) / total if total else 0.0


def _spaced(text: str) -> str:
    """" hoc phi ... ": folded words between spaces, for whole-word substring tests."""
    return " " + " ".join(fold(w) for w in words(text)) + " "


@lru_cache(maxsize=4096)
def _forms(text: str) -> tuple[str, str]:
    """(" hoc phi ... ", " hoc_phi ... "): folded words, and folded segmenter tokens."""
    from .sparse import segment

    tokens = [fold(t) for t in segment(text)]
    joined = " " + " ".join(tokens) + " "
    spaced = " " + " ".join(t.replace("_", " ") for t in tokens) + " "
    return spaced, joined


# "Quyết định số 131/QĐ-TTg", "Nghị quyết 09-NQ/TU", "Luật Giáo dục số 43/2019/QH14"
_DOC_REF = re.compile(r"\b\d+[a-z]?(?:/\d{4})?[/-][A-ZĐ][\wĐđ&]*(?:[-/][A-ZĐ][\wĐđ&]*)*")

_SURNAMES = ("Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Lưu Châu Trịnh Mai Tô "
             "Hà Đào Cao Lâm Thái Trương Đoàn Lương Tạ Quách Văn Kiều Đàm Lại Triệu Vương Phùng Tăng Hứa").split()
_PERSON = re.compile(r"\b(?:" + "|".join(_SURNAMES) + r")(?:\s+[A-ZĐÀ-Ỹ][a-zà-ỹđ]+){1,3}\b")
_ENTITY_SEQ = re.compile(r"(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ&]*)(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ&]*)+|\b[A-ZĐ]{2,}[A-ZĐ&]*\b")


def _answers_kind(kind: str, question: str, text: str) -> bool:
    """A "who" answer names someone the question did not; a "how many" answer has a number
    the question did not."""
    fq = _spaced(question)
    if kind == "person":
        return bool(_PERSON.search(text))
    if kind == "document":
        return bool(_DOC_REF.search(text))
    if kind == "when":
        return bool(_DATE_EXPR.search(text) or _FULL_DATE.search(text) or _MONTH_DATE.search(text)
                    or re.search(r"\b(?:19|20)\d\d\b|kể từ ngày|hằng năm|hàng năm|định kỳ|hiệu lực", text))
    if kind == "who":
        for m in _ENTITY_SEQ.finditer(text):
            ent = " ".join(fold(w) for w in words(m.group()))
            if ent and f" {ent} " not in fq:
                return True
        return False
    if kind == "number":
        body = _MARKER.sub("", text, count=1)
        asked = {w for w in fq.split() if w not in _STOP_FOLDED and w not in _QUESTION_SYLLABLES and len(w) > 1}
        for m in _NUMBER_EXPR.finditer(body):
            num = m.group().split()[0]
            if re.fullmatch(r"(?:19|20)\d\d", num) or f" {fold(num)} " in fq:
                continue
            # the number must stand next to what was asked ("550 đại biểu", "đạt chuẩn … 91,0%"),
            # not elsewhere in the paragraph ("2 buổi/ngày" for "bao nhiêu trường THPT chuyên")
            near = body[max(0, m.start() - 50): m.end() + 25]
            if asked & {fold(w) for w in words(near)}:
                return True
        return False
    return True


def _named_places(question: str) -> set[str]:
    from .header import PROVINCES

    fq = _spaced(question)
    return {p for p in PROVINCES if f" {' '.join(fold(w) for w in words(p))} " in fq}


_FULL_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b|\bngày \d{1,2}/\d{1,2}\b|\bngày \d{1,2} tháng \d{1,2}(?: năm \d{4})?")
_MONTH_DATE = re.compile(r"\b(?:[Qq]uý [IV]+/\d{4}|tháng \d{1,2}/\d{4}|học kỳ [IV]+|\d{1,2}/\d{4})\b")


_CLOSING = re.compile(r"^(?:Trên đây là|Đề nghị các (?:đơn vị|trường|thành viên)[^.]{0,80}(?:thực hiện|triển khai)\./\.)")
_BASIS = re.compile(r"^[-–(]?\s*(?:Căn cứ|Thực hiện|Để tiếp tục triển khai|Theo đề nghị)\b")


def _boilerplate_penalty(text: str) -> float:
    """Closing formulas ("Trên đây là Kế hoạch…") never answer a question; the legal-basis
    preamble ("Căn cứ…", "Thực hiện Công văn…") rarely does."""
    if _CLOSING.match(text):
        return 0.25
    if _BASIS.match(text):
        return 0.08
    return 0.0


_ACTOR_Q = re.compile(
    r"^(?:theo [^,]+,\s*)?(.+?)\s+(?:có |phải |cần |chịu )?(?:trách nhiệm|nhiệm vụ|làm|thực hiện|được giao)\s+(?:gì|những gì|"
    r"việc gì|như thế nào)|(?:trách nhiệm|nhiệm vụ|việc) (?:của|giao cho) (.+?)(?:\s+(?:là|gồm|trong|theo|khi)\b|\?|$)",
    re.I)


_NOT_SLOTS = {"khi", "lúc", "thế", "như_thế", "bao", "cách", "những", "các", "nơi"}


def _slot_pattern(question: str) -> re.Pattern[str] | None:
    """"Which X" ("năm học nào", "huyện nào") is answered by "X <value>": the pattern of that."""
    from .sparse import segment

    toks = segment(question)
    at = next((i for i, t in enumerate(toks) if t == "nào" and i > 0), None)
    if at is None or toks[at - 1] in _NOT_SLOTS:
        return None
    slot = toks[at - 1].replace("_", " ")
    return re.compile(r"(?i:" + re.escape(slot) + r")\s+(?:số\s+)?(?:\d|[A-ZĐÀ-Ỹ])")


def _actor_words(question: str, qw: dict[str, float]) -> dict[str, float]:
    """The question words naming who a "what must X do" question is about ("Giám đốc Sở GDĐT")."""
    m = _ACTOR_Q.search(question.strip())
    if not m:
        return {}
    phrase = _spaced(m.group(1) or m.group(2))
    return {k: w for k, w in qw.items() if f" {k} " in phrase}


def _opening(text: str) -> str:
    """The first words of a unit, after its list marker: where a directive names the actor."""
    body = _MARKER.sub("", text, count=1)
    return " ".join(body.split()[:12])


_FOCUS_END = re.compile(r"\s(?:khi|với|trong|để|tại|sau|trước|đối với|nhằm|theo)\s", re.I)


def _names_document(key: str, dt: set[str]) -> bool:
    """A question word that is part of the document's name ("gddt" for "Sở Giáo dục và Đào tạo")."""
    return any(set(k.split()) <= dt for k in (key, *_ALIASES.get(key, ())))


def _question_word_set(q: AnalyzedQuery) -> set[str]:
    return {fold(w) for w in words(q.resolved + " " + " ".join(q.expansions))}


def _label_share(label: str, qwords: set[str]) -> float:
    """How much of a heading the question mentions: "Thành phần" all of it, "Thời gian, thành
    phần, địa điểm" a third."""
    body = [fold(w) for w in words(_MARKER.sub("", label, count=1))]
    body = [w for w in body if w not in _STOP_FOLDED]
    return sum(1 for w in body if w in qwords) / len(body) if body else 0.0


def _kind_bonus(kind: str, text: str) -> float:
    """A "khi nào" answer has a date (the more precise, the better); "bao nhiêu" a number."""
    if kind == "when":
        if _FULL_DATE.search(text):
            return 0.3
        if _MONTH_DATE.search(text):
            return 0.25
        if re.search(r"\b(?:sau|trong|trước) \d+ ngày\b|\bhiệu lực\b|năm học \d{4}\s*-\s*\d{4}", text):
            return 0.15
        return 0.04 if _DATE_EXPR.search(text) else 0.0
    if kind == "number" and _has_number(text):
        return 0.12
    if kind == "document" and _DOC_REF.search(text):
        return 0.15
    return 0.0


def _identity_text(h: Hit) -> str:
    """What names the document: its type, number, issuer and province."""
    return " ".join([h.doc_type, h.doc_number, h.issuer, h.province])


def doc_terms(h: Hit) -> set[str]:
    """Folded words that name the document rather than say something in it."""
    return set(fold(w) for w in words(_identity_text(h)))


def title_terms(h: Hit) -> set[str]:
    return set(fold(w) for w in words(h.doc_title))


def _has_number(text: str) -> bool:
    """A number in the text other than a year or the list marker ("1. Giám đốc …")."""
    body = _MARKER.sub("", text, count=1)
    return any(not re.fullmatch(r"(?:19|20)\d\d", m.group().split()[0]) for m in _NUMBER_EXPR.finditer(body))


def abstain_text(hits: list[Hit]) -> str:
    titles = []
    for h in hits[:5]:
        label = source_phrase(h)
        if label not in titles:
            titles.append(label)
    if not titles:
        return NOT_FOUND
    return NOT_FOUND + " Các văn bản gần nhất với câu hỏi: " + "; ".join(titles[:2]) + "."


def _units(text: str) -> list[tuple[int, int]]:
    """Sentences of a paragraph; a list item stays whole unless it is long."""
    if text.startswith(("Kính gửi", "Nơi nhận")):
        return [(0, len(text))]  # a recipients list is one statement
    out: list[tuple[int, int]] = []
    pos = 0
    for para in text.split("\n\n"):
        base = pos
        pos += len(para) + 2
        if not para.strip():
            continue
        if len(para) < 420 and para.lstrip()[:1] in "-–+•(":
            out.append((base, base + len(para)))
            continue
        spans = split_sentences(para)
        local: list[tuple[int, int]] = []
        for a, z in spans:
            # glue very short fragments ("1.") to the next sentence
            if local and (local[-1][1] - local[-1][0] < 25):
                local[-1] = (local[-1][0], z)
            else:
                local.append((a, z))
        out.extend((base + a, base + z) for a, z in local)
    return out


def _similar(a: str, b: str) -> bool:
    wa, wb = set(words(a)), set(words(b))
    if not wa or not wb:
        return False
    return len(wa & wb) / min(len(wa), len(wb)) > 0.85


_MARKER = re.compile(r"^\s*(?:[-–+•]\s*|\((?:\d+|i\d+|[a-z])\)\s*|[a-zđ]\)\s*|\d+(?:\.\d+)*\.\s+)")


def _statement(text: str) -> str:
    s = _MARKER.sub("", text.strip()).strip()
    s = s.rstrip(" ;,")
    if not s.endswith((".", "!", "?", ":", "”", "./.")):
        s += "."
    return s.replace("./.", ".")


_DATE_EXPR = re.compile(
    r"(?:trước |từ |đến |sau |trong )?(?:ngày \d{1,2} tháng \d{1,2}(?: hằng năm| năm \d{4})?|sau \d+ ngày"
    r"|ngày \d{1,2}/\d{1,2}(?:/\d{4})?|\d{1,2}/\d{1,2}/\d{4}|tháng \d{1,2}/\d{4}"
    r"|[Qq]uý [IV]+/\d{4}|học kỳ [IV]+ năm học \d{4}\s*-\s*\d{4}|năm học \d{4}\s*-\s*\d{4}"
    r"|\d{1,2}h\d{2} ngày \d{1,2}/\d{1,2}/\d{4}|năm \d{4})")
_NUMBER_EXPR = re.compile(r"(?<![\w-])\d+(?:[.,]\d+)?\s*(?:%|đại biểu|người|trường|đơn vị|ngày|tháng|năm|buổi|phân hệ|quan điểm|nội dung)?")


def _lead(q: AnalyzedQuery, units: list[Unit], hits: list[Hit]) -> str:
    """"Khi nào" questions lead with the date, "bao nhiêu" questions with the number."""
    if q.kind == "when":
        for u in sorted(units, key=lambda u: -u.score):
            found = list(dict.fromkeys(m.group().strip() for m in _DATE_EXPR.finditer(u.text)))
            if found:
                return "Thời gian: " + "; ".join(found[:2]) + "."
    if q.kind == "document":
        for u in sorted(units, key=lambda u: -u.score)[:1]:
            m = re.search(r"(?:(?:Quyết định|Nghị quyết|Nghị định|Thông tư|Chỉ thị|Kế hoạch|Công văn|Luật|Thông báo)"
                          r"[^\d]{0,40}?)?(?:số\s+)?" + _DOC_REF.pattern[2:] + r"(?:\s+ngày\s+\d{1,2}/\d{1,2}/\d{4})?", u.text)
            if m:
                return f"Văn bản: {m.group().strip()}."
    if q.kind == "number":
        qset = set(fold(w) for w in words(q.resolved))
        best = ""
        best_score = -1.0
        for u in sorted(units, key=lambda u: -u.score)[:1]:
            body = _MARKER.sub("", u.text, count=1)
            for m in _NUMBER_EXPR.finditer(body):
                val = m.group().strip()
                if re.fullmatch(r"\d{4}", val) or re.fullmatch(r"(19|20)\d\d", val.split()[0]):
                    continue
                window = body[max(0, m.start() - 60) : m.end() + 30]
                s = len(qset & set(fold(w) for w in words(window)))
                if s > best_score:
                    best, best_score = val, s
        if best:
            return f"Con số: {best}."
    return ""
