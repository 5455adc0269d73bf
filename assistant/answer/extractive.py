"""Answers with citations. The default answerer is extractive: it scores candidate units
(sentences or list items of the top paragraphs, features.py) with the fitted weights of
answer_model.json, lets the question kind's strategy (kinds.py) decide what leads the answer and
how many statements it takes, and writes a short Vietnamese answer with ``[n]`` markers. A
statement to verify or a choice to make is answered by quoting the governing provision with a
verdict (verdict.py). It abstains when no paragraph covers the question."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from assistant.answer.answer_model import AnswerModel
from assistant.answer.citations import Citation, CitationBook, source_phrase
from assistant.answer.coverage import (
    LIGHT_WORDS,
    META_WORDS,
    coverage,
    doc_terms,
    identity_text,
    names_document,
    question_word_set,
    question_words,
    spaced_words,
)
from assistant.answer.features import (
    FEATURE_NAMES,
    LIST_ITEM_KINDS,
    Unit,
    UnitFeaturizer,
    calibrated_dense,
    can_answer,
    content_words,
    similar,
    split_units,
    unit_view,
)
from assistant.answer.verdict import Provision, Verdict, check_statement, choose, governing, subject_of
from assistant.answer.verdict_model import know_segmented
from assistant.core.models import HEADER_KIND, ROW_KIND, SIGNATURE_KIND, Hit, row_text
from assistant.core.textutil import as_written, fold, words
from assistant.index.terms import TermWeights
from assistant.question.facets import other_level, school_levels
from assistant.question.kinds import (
    CLAIM_KINDS,
    DOC_REF,
    MARKER,
    SIGNER_WORDS,
    Asked,
    KindStrategy,
    QuestionKind,
    strategy,
)
from assistant.question.lexicon import STOP_FOLDED
from assistant.question.query import AnalyzedQuery
from assistant.retrieval.hybrid import Context

NOT_FOUND = "Không tìm thấy thông tin này trong các văn bản đã nạp."
MAX_LIST_ITEMS = 12  # items of one list an answer quotes
# a paragraph that announces a list: it ends with a colon, or a colon is followed by its first item
# ("… các Quyết định sau đây: a) Quyết định số …")
_INTRODUCES_LIST = re.compile(r":\s*$|:\s*(?:[a-zđ]\)|\d+[.)]|[-–+•])\s")


_INLINE_FIRST_ITEM = re.compile(r":\s*(?:[a-zđ]\)|\d+[.)])\s")


def introduces_list(text: str) -> bool:
    return bool(_INTRODUCES_LIST.search(text))


# a sibling item joins a list answer when it covers this share of what the best item covers
SIBLING_COVERAGE = 0.5
_SCENE_FIRST = re.compile(r"^\s*(?:khi|trong|với|sau|trước|để|đối với)\s[^,?]{3,120},\s*", re.I)
_FOCUS_END = re.compile(r"\s(?:khi|với|trong|để|tại|sau|trước|đối với|nhằm|theo)\s", re.I)
_ADDRESS = ("recipients", "distribution")  # block kinds of "Kính gửi" and "Nơi nhận" (structure.py)


@dataclass
class Draft:
    """What the answerer produces for one question."""

    text: str
    citations: list[Citation]
    abstained: bool
    confidence: float
    verdict: Verdict | None = None
    units: list[Unit] = field(default_factory=list)


class ExtractiveAnswerer:
    def __init__(
        self,
        terms: TermWeights,
        model: AnswerModel,
        embedder_id: str = "",
        max_hits: int | None = None,
        threshold: float | None = None,
        feature_cache: dict | None = None,
    ) -> None:
        """``feature_cache``: keep each question's candidate units (their features do not depend
        on the weights) across calls — the tuner replays the same questions under many models."""
        self.terms = terms
        self.feature_cache = feature_cache
        self.model = model
        self.calibration = model.calibration_for(embedder_id)
        self.threshold = model.confidence.threshold if threshold is None else threshold
        self.claim_threshold = model.confidence.claim_threshold if threshold is None else threshold
        self.english_threshold = model.confidence.english_threshold if threshold is None else threshold
        self.override = threshold
        self.max_hits = max_hits or model.selection.candidate_hits
        self._w = np.asarray(model.vector(), dtype=np.float32)

    # -- evidence ----------------------------------------------------------------------------
    def question_words(self, q: AnalyzedQuery, text: str | None = None) -> dict[str, float]:
        return question_words(q, self.terms, text)

    def strategies(self, q: AnalyzedQuery):
        parts = q.form.parts if q.form and q.form.parts else []
        return [strategy(k) for k, _ in parts] or [strategy(q.kind)]

    def threshold_for(self, q: AnalyzedQuery) -> float:
        """Claims (statements to verify, choices) and English questions have thresholds of their own;
        the fitted abstention model has one threshold on its probability."""
        if self.model.abstention is not None:
            return self.model.abstention.threshold if self.override is None else self.override
        if q.kind in CLAIM_KINDS:
            return self.claim_threshold
        return self.english_threshold if q.english else self.threshold

    def confidence(
        self,
        q: AnalyzedQuery,
        hits: list[Hit],
        units: list[Unit] | None = None,
        preferred: frozenset[str] = frozenset(),
    ) -> float:
        """The probability that the documents answer the question (the fitted abstention model
        over abstention_features), or without one the hand-set mix: how well one paragraph (with
        its headings and document title) covers the question's content words, blended with the
        dense similarity. Words that name the document ("Chỉ thị 04 của An Giang") only have to
        match its name: they say which document, not that this paragraph answers."""
        parts = self.confidence_parts(q, hits, units[0].hit_rank if units else None)
        if self.model.abstention is not None:
            return self.model.abstention.probability(
                abstention_features(q, hits, units or [], parts, preferred, self.calibration)
            )
        return confidence_of(parts, self.model.confidence, self.calibration)

    def signed_document(
        self, q: AnalyzedQuery, hits: list[Hit], outlines: Mapping[str, list[Hit]], preferred: frozenset[str]
    ) -> str | None:
        """The document a "who signed" question is about: one it names (a number, a law's name:
        the retrieval is already restricted to it), else the top document whose type, issuer,
        province and subject line its words — but for "ai ký" — cover ("ai ky cong van phong
        giao duc binh son"); None when no document is identified that well."""
        on_hand = [d for d in preferred if d in outlines]
        if on_hand:
            return on_hand[0]
        if any(m.source for m in q.constraint.mentions) and hits:
            return hits[0].doc_id
        words_ = {k: w for k, w in self.question_words(q).items() if k not in SIGNER_WORDS}
        best, best_cov = None, 0.0
        for h in {h.doc_id: h for h in reversed(hits[:3])}.values():
            cov = coverage(words_, f"{identity_text(h)} {h.doc_title}", segmented=False) if words_ else 0.0
            if cov > best_cov or (cov == best_cov and best is None):
                best, best_cov = h.doc_id, cov
        return best if best_cov >= self.model.selection.signer_identity else None

    def confidence_parts(
        self, q: AnalyzedQuery, hits: list[Hit], answer_rank: int | None = None
    ) -> list[tuple[float, float, float, float]]:
        """For each of the top paragraphs, and the one the best unit is in (``answer_rank``; the
        paragraph quoted, wherever it ranks): (best coverage of a unit that can answer the kind,
        best coverage of one that cannot, how well the words naming a document match this one,
        dense score) — what ``confidence_of`` combines with the model's mix."""
        qw = {k: (0.3 * w if k in LIGHT_WORDS else w) for k, w in self.question_words(q).items()}
        seg = not q.no_diacritics
        strategies = self.strategies(q)
        if any(s.kind == QuestionKind.SIGNER for s in strategies):
            # "Ai ký thông báo kết quả cuộc họp …?": a paragraph must say which document, any
            # paragraph can; the signature itself is read from the document (signature_units)
            qw = {k: w for k, w in qw.items() if k not in SIGNER_WORDS} or qw
            strategies = [strategy(QuestionKind.FACT) if s.kind == QuestionKind.SIGNER else s for s in strategies]
        levels = q.reading.levels
        c = self.model.confidence
        parts = []
        read = [
            h for h in hits[: c.claim_paragraphs if q.kind in CLAIM_KINDS else c.paragraphs] if h.kind != HEADER_KIND
        ]
        if answer_rank is not None and answer_rank >= len(read):
            read = [*read, hits[answer_rank]]
        for h in read:
            dt = doc_terms(h)
            naming = {k: w for k, w in qw.items() if names_document(k, dt)}
            content = {k: w for k, w in qw.items() if k not in naming}
            if not content:
                content, naming = qw, {}
            identity = coverage(naming, identity_text(h), segmented=False) if naming else 1.0
            frame = " ".join([*h.headings, h.doc_title])
            answering = other = 0.0
            for a, z in split_units(h.text, h.kind):
                unit = unit_view(h, a, z)
                u = coverage(content, unit, seg, frame)
                if can_answer(h, unit, q, strategies, levels):
                    answering = max(answering, u)
                else:
                    other = max(other, u)
            parts.append((answering, other, identity, h.score))
        return parts

    def candidates(self, q: AnalyzedQuery, hits: list[Hit], preferred: frozenset[str] = frozenset()) -> list[Unit]:
        """Scored candidate units of the top paragraphs, best first."""
        key = (id(q), tuple(h.chunk_id for h in hits[: self.max_hits]))
        if self.feature_cache is not None and key in self.feature_cache:
            units = [replace(u) for u in self.feature_cache[key]]
        else:
            units = self._featurize(q, hits, preferred)
            if self.feature_cache is not None:
                self.feature_cache[key] = [replace(u) for u in units]
        for u in units:
            u.score = float(u.features @ self._w)
        units.sort(key=lambda u: -u.score)
        return units

    def _featurize(self, q: AnalyzedQuery, hits: list[Hit], preferred: frozenset[str]) -> list[Unit]:
        qw = self.question_words(q)
        featurizer = UnitFeaturizer(q, qw, self.strategies(q), self.calibration.lo, self.calibration.hi, preferred)
        asks_recipients, asks_distribution = q.asks_recipients, q.asks_distribution
        has_address = any(x.kind in _ADDRESS for x in hits[: self.max_hits])
        units: list[Unit] = []
        for rank, h in enumerate(hits[: self.max_hits]):
            # who a directive is sent to answers only "gửi cho ai?": a school named in "Kính gửi"
            # is not what it must do
            if h.kind == "recipients" and not asks_recipients or h.kind == "distribution" and not asks_distribution:
                continue
            if h.kind == SIGNATURE_KIND or h.kind == HEADER_KIND and not q.fields & set(h.fields):
                continue  # who signed answers only "ai ký?" (signature_units); the header says which document
            if asks_recipients and has_address and h.kind not in _ADDRESS:
                continue
            units.extend(featurizer.units(rank, h))
        return units

    def select(
        self,
        q: AnalyzedQuery,
        hits: list[Hit],
        contexts: Sequence[Context],
        outlines: Mapping[str, list[Hit]] | None = None,
        preferred: frozenset[str] = frozenset(),
        units: list[Unit] | None = None,
    ) -> list[Unit]:
        """``units``: the scored candidates when the caller has them already."""
        if q.kind == QuestionKind.SIGNER:
            # answer() has put the document the question identifies in ``preferred``; no other
            # document's signature answers it
            return self.signature_units(hits, {d: outlines[d] for d in preferred if outlines and d in outlines})
        units = self.candidates(q, hits, preferred) if units is None else units
        if not units:
            return []
        best = units[0]
        if q.kind == QuestionKind.LIST and outlines:
            listed = self.section_list(q, hits, outlines)
            if listed:
                return listed
        best_doc = hits[best.hit_rank].doc_id
        if q.form and q.form.parts:
            return self._per_part(q, hits, units, outlines or {})
        plan = strategy(q.kind)
        sel = self.model.selection
        chosen: list[Unit] = [best]
        limit = plan.max_units
        for u in units[1:]:
            if len(chosen) >= limit:
                break
            if not plan.across_paragraphs and u.hit_rank != best.hit_rank:
                continue  # a single fact: at most a second sentence of the same paragraph
            same_doc = hits[u.hit_rank].doc_id == best_doc
            floor = (
                (sel.same_document_list if plan.across_paragraphs else sel.same_paragraph)
                if same_doc
                else sel.other_document
            )
            if u.score < floor * best.score or u.own < sel.coverage_ratio * best.own:
                continue
            if any(similar(u.text, c.text) for c in chosen):
                continue
            chosen.append(u)
        # a list question whose best unit introduces a list ("… thay thế các Quyết định sau đây:",
        # with or without its first item in the same paragraph): bring its items
        items = (
            self._items_after(hits, best, outlines[best_doc])
            if q.kind == QuestionKind.LIST and outlines and best_doc in outlines and introduces_list(best.text)
            else []
        )
        if items:
            have = {hits[u.hit_rank].chunk_id for u in chosen}
            for c in items:
                if c.chunk_id not in have:
                    hits.append(c)
                    chosen.append(Unit(len(hits) - 1, 0, len(c.text), c.text, best.own, best.score * 0.99))
        elif plan.across_paragraphs and best.text.rstrip().endswith(":"):
            ctx = contexts[best.hit_rank] if best.hit_rank < len(contexts) else None
            if ctx:
                for c in ctx.after:
                    hits.append(c)
                    chosen.append(Unit(len(hits) - 1, 0, len(c.text), c.text, best.own, best.score))
        elif q.kind == QuestionKind.LIST and outlines and best_doc in outlines:
            qw = content_words(self.question_words(q), hits[best.hit_rank])
            seg = not q.no_diacritics

            def relevant(c: Hit) -> bool:
                return coverage(qw, unit_view(c, 0, len(c.text)), seg) >= SIBLING_COVERAGE * best.own

            chosen = self._with_siblings(hits, chosen, outlines[best_doc], relevant)
        return chosen

    @staticmethod
    def _items_after(hits: list[Hit], best: Unit, outline: list[Hit]) -> list[Hit]:
        """The items of the list a paragraph introduces: the list-item chunks that follow it, as
        long as they are siblings of the first (same headings and marker kind)."""
        h = hits[best.hit_rank]
        at = next((i for i, c in enumerate(outline) if c.chunk_id == h.chunk_id), None)
        if at is None or at + 1 >= len(outline) or outline[at + 1].kind not in LIST_ITEM_KINDS:
            return []
        first = outline[at + 1]
        items = []
        for c in outline[at + 1 : at + 1 + MAX_LIST_ITEMS]:
            if c.kind != first.kind or c.headings != first.headings:
                break
            items.append(c)
        return items

    @staticmethod
    def _with_siblings(hits: list[Hit], chosen: list[Unit], outline: list[Hit], relevant) -> list[Unit]:
        """A list question answered by one item of a list (a dash or lettered item, a table row):
        the items beside it under the same heading that are about what is asked (``relevant``)
        are the rest of the answer, in document order."""
        best = chosen[0]
        h = hits[best.hit_rank]
        if h.kind not in LIST_ITEM_KINDS | {ROW_KIND}:
            return chosen
        at = next((i for i, c in enumerate(outline) if c.chunk_id == h.chunk_id), None)
        if at is None:
            return chosen

        def sibling(c: Hit) -> bool:
            return c.headings == h.headings and c.kind == h.kind

        lo = at
        while lo > 0 and sibling(outline[lo - 1]) and at - lo < MAX_LIST_ITEMS:
            lo -= 1
        hi = at
        while hi + 1 < len(outline) and sibling(outline[hi + 1]) and hi - lo < MAX_LIST_ITEMS:
            hi += 1
        # the paragraph that announces the list may hold its first item ("… sau đây: a) …")
        first = lo - 1 if lo > 0 and _INLINE_FIRST_ITEM.search(outline[lo - 1].text) else lo
        if hi == first:
            return chosen
        have = {hits[u.hit_rank].chunk_id for u in chosen}
        out = list(chosen)
        for c in outline[first : hi + 1]:
            if c.chunk_id in have or not relevant(c):
                continue
            hits.append(c)
            out.append(Unit(len(hits) - 1, 0, len(c.text), c.text, best.own, best.score * 0.99))
        return out

    def _per_part(
        self, q: AnalyzedQuery, hits: list[Hit], units: list[Unit], outlines: Mapping[str, list[Hit]]
    ) -> list[Unit]:
        """Several questions in one ("ở đâu và có bao nhiêu đại biểu", "phải có trình độ gì và đã
        quản lý ít nhất bao nhiêu năm"): the best unit, and for each part it does not answer, the
        unit of the same document that answers that part best."""
        assert q.form is not None  # called for a question with parts
        best = units[0]
        best_doc = hits[best.hit_rank].doc_id
        seg = not q.no_diacritics
        chosen = [best]
        for kind, text in q.form.parts:
            if kind == QuestionKind.SIGNER:  # "… và ai ký thông báo?": the signature of that document
                chosen.extend(self.signature_units(hits, {best_doc: outlines.get(best_doc, [])}))
                continue
            plan = strategy(kind)
            reading = q.part_reading(text)
            words_ = self.question_words(q, text)

            def answers(u: Unit, plan: KindStrategy = plan, reading: Asked = reading, words_: dict = words_) -> float:
                """How well a unit answers this part (0: not at all); bound to this part."""
                if not plan.answers(u.text, reading):
                    return 0.0
                return coverage(words_, u.text, seg) if words_ else 1.0

            pool = [u for u in units[1:] if hits[u.hit_rank].doc_id == best_doc and u not in chosen]
            covered = [c for c in chosen if answers(c) >= self.model.selection.part_coverage]
            if covered:
                # answered, unless the document says it more precisely in a statement about as much
                # on topic ("Thời gian vào lúc 8h00 ngày 18/04/2022" over "… định hướng đến năm 2030")
                have = max(plan.strength(c.text, reading) for c in covered)
                sharper = next(
                    (
                        u
                        for u in pool
                        if plan.answers(u.text, reading)
                        and plan.strength(u.text, reading) > have
                        and u.own >= self.model.selection.part_coverage * best.own
                    ),
                    None,
                )
                if sharper is not None:
                    chosen.append(sharper)
                continue
            if not pool:
                continue
            answer_of = {id(u): answers(u) for u in pool}
            scored = max(pool, key=lambda u: answer_of[id(u)])
            said = {id(u): coverage(words_, u.text, seg) for u in pool} if words_ else {}
            restated = max(pool, key=lambda u: said[id(u)]) if said else None
            if answer_of[id(scored)] >= self.model.selection.part_coverage:
                chosen.append(scored)
            elif restated is not None and said[id(restated)] >= self.model.selection.part_restated:
                chosen.append(restated)
            elif answer_of[id(scored)] > 0:
                chosen.append(scored)
        return chosen

    @staticmethod
    def signature_units(hits: list[Hit], outlines: Mapping[str, list[Hit]]) -> list[Unit]:
        """ "Ai ký …?": the signature block of the document the question is about (``outlines``
        holds only that one), as a unit; none when it has no signature block."""
        for chunks in outlines.values():
            sig = next((c for c in reversed(chunks) if c.kind == SIGNATURE_KIND), None)
            if sig is None:
                continue
            rank = next((i for i, h in enumerate(hits) if h.chunk_id == sig.chunk_id), None)
            if rank is None:
                hits.append(sig)
                rank = len(hits) - 1
            return [Unit(rank, 0, len(sig.text), sig.text, 1.0, 1.0)]
        return []

    def section_list(self, q: AnalyzedQuery, hits: list[Hit], outlines: Mapping[str, list[Hit]]) -> list[Unit]:
        """ "Nội dung làm việc gồm những gì?" names a heading: the items under it are the answer.
        Every section of the top documents is a candidate; its heading path must cover the
        question's focus (the words before "khi", "với"…: "Thành phần của Sở GDĐT khi làm việc
        với UBND huyện" asks about the Sở's delegation, not the district's)."""
        focus = self.focus_words(q, self.question_words(q))
        if not focus:
            return []
        seg = not q.no_diacritics
        qwords = question_word_set(q)
        best: tuple[tuple[float, float, int], list[Hit]] | None = None
        for doc_id in dict.fromkeys(h.doc_id for h in hits[:3]):
            chunks = outlines.get(doc_id, [])
            dt = doc_terms(chunks[0]) if chunks else set()
            weights = {k: (0.3 * w if names_document(k, dt) or k in META_WORDS else w) for k, w in focus.items()}
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
                cov = coverage(weights, " ".join(path), seg)
                if cov < 0.6 or coverage(weights, label, seg) == 0:
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
            a, z = split_units(c.text, c.kind)[0]
            out.append(Unit(rank, a, z, c.text[a:z], cov, cov))
        return out

    def focus_words(self, q: AnalyzedQuery, qw: dict[str, float]) -> dict[str, float]:
        """The question words (``qw``) before the first clause that only sets the scene ("khi …",
        "với …")."""
        text = _SCENE_FIRST.sub("", q.focus_text)  # "Khi Sở làm việc với huyện, sẽ làm việc về những gì?"
        head = _FOCUS_END.split(text, maxsplit=1)[0]
        spaced = spaced_words(head)
        return {k: w for k, w in qw.items() if f" {k} " in spaced}

    # -- writing -------------------------------------------------------------------------------
    def answer(
        self,
        q: AnalyzedQuery,
        hits: list[Hit],
        contexts: Sequence[Context],
        outlines: Mapping[str, list[Hit]] | None = None,
        preferred: frozenset[str] = frozenset(),
    ) -> Draft:
        """``outlines``: the chunks of the top documents, in order (for questions naming a section
        and for the article a statement is checked against)."""
        if q.fields and preferred and outlines:
            # "… có hiệu lực từ ngày nào?" about a named document: the chunk that states the field
            # (marked at ingest) is a candidate wherever it ranked
            for doc_id in sorted(preferred):
                for c in outlines[doc_id] if doc_id in outlines else []:
                    if q.fields & set(c.fields) and all(h.chunk_id != c.chunk_id for h in hits):
                        hits.insert(min(len(hits), self.max_hits - 1), c)
        units = self.candidates(q, hits, preferred) if q.kind != QuestionKind.SIGNER else None
        conf = self.confidence(q, hits, units, preferred)
        if q.kind == QuestionKind.SIGNER:
            # "Ai ký …?" is answered from the signature of the document it identifies, or not at all
            signed = self.signed_document(q, hits, outlines, preferred) if outlines else None
            if signed is None:
                return Draft(abstain_text(hits), [], True, conf)
            preferred = frozenset({signed})
        elif conf < self.threshold_for(q):
            return Draft(abstain_text(hits), [], True, conf)
        units = self.select(q, hits, contexts, outlines, preferred, units)
        if not units:
            return Draft(abstain_text(hits), [], True, conf)
        if self._no_value(q, units, hits):
            return Draft(abstain_text(hits), [], True, conf)
        if q.kind in CLAIM_KINDS:
            return self._verdict_answer(q, hits, units, outlines or {}, conf)
        # citation numbers in order of first use; statements in document order per document
        primary = hits[units[0].hit_rank].doc_id
        lead_texts = [unit_view(hits[u.hit_rank], u.start, u.end) for u in units]  # best first, for the lead line
        units.sort(
            key=lambda u: (
                hits[u.hit_rank].doc_id != primary,
                hits[u.hit_rank].doc_id,
                hits[u.hit_rank].position,
                u.start,
            )
        )
        book = CitationBook()
        by_doc: dict[str, list[tuple[Unit, int]]] = {}
        for u in units:
            h = hits[u.hit_rank]
            n = book.cite(h, (u.start, u.end))
            by_doc.setdefault(h.doc_id, []).append((u, n))
        parts: list[str] = []
        lead = self._lead(q, lead_texts)
        if lead:
            parts.append(lead)
        for items in by_doc.values():
            h = hits[items[0][0].hit_rank]
            where = common_locator([hits[u.hit_rank].locator for u, _ in items])
            source = source_phrase(h) + (f", {where}" if where else "")
            statements = [(unit_statement(u, hits[u.hit_rank]), n) for u, n in items]
            if q.kind == QuestionKind.LIST and len(statements) > 1:
                lines = "\n".join(f"- {s} [{n}]" for s, n in statements)
                parts.append(f"Theo {source}:\n{lines}")
            else:
                body = " ".join(f"{s} [{n}]" for s, n in statements)
                parts.append(f"Theo {source}: {body}")
        return Draft("\n\n".join(parts), book.citations, False, conf, units=units)

    @staticmethod
    def _no_value(q: AnalyzedQuery, units: list[Unit], hits: list[Hit]) -> bool:
        """A question after a value whose chosen statements hold none: a time but the question's
        own ("vào ngày cụ thể nào trong Quý II/2023?"), a count of what the question counts ("không
        được quá bao nhiêu tuổi?" answered by "bảo đảm độ tuổi để tham gia ít nhất một nhiệm kỳ").
        The confidence came from the words they share with the question (held-out batches 3, 4).
        Counts only when the question says what it counts: "bao lâu", "là bao nhiêu" are answered
        in words too ("bằng thời gian đào tạo")."""
        if q.kind not in (QuestionKind.WHEN, QuestionKind.NUMBER) or q.form and q.form.parts:
            return False
        if q.kind == QuestionKind.NUMBER and not q.reading.counted_noun:
            return False
        return not any(strategy(q.kind).answers(unit_view(hits[u.hit_rank], u.start, u.end), q.reading) for u in units)

    def _lead(self, q: AnalyzedQuery, texts: list[str]) -> str:
        """ "Khi nào" questions lead with the date, "bao nhiêu" with the number; a question of
        several parts leads with one line per part."""
        parts = q.form.parts if q.form and q.form.parts else [(q.kind, q.asked)]
        lines = []
        for kind, text in parts:
            line = strategy(kind).lead(texts, q.part_reading(text) if len(parts) > 1 else q.reading)
            if line and line not in lines:
                lines.append(line)
        return " ".join(lines)

    @staticmethod
    def _specific_to_level(levels: frozenset[str], provisions: list[Provision], at: int) -> int:
        """A statement about a school level is governed by the sentence of the same paragraph that
        names that level, over a general one ("Đối với giáo dục mầm non, không áp dụng hình thức
        dạy học trực tuyến" over "… có thể tổ chức dạy học trực tuyến"): the specific rule wins."""
        if at < 0 or not levels or school_levels(provisions[at].text):
            return at
        ref = provisions[at].ref
        return next(
            (
                i
                for i, p in enumerate(provisions)
                if p.ref is ref and i != at and (named := school_levels(p.text)) and not other_level(levels, named)
            ),
            at,
        )

    def _verdict_answer(
        self, q: AnalyzedQuery, hits: list[Hit], units: list[Unit], outlines: Mapping[str, list[Hit]], conf: float
    ) -> Draft:
        """Quote the governing provision, cite it, and say which statement or choice it supports."""
        form = q.form
        assert form is not None
        seg = not q.no_diacritics
        know_segmented(q.segmented)  # the statement's words as the question stage segmented them
        top = hits[units[0].hit_rank]
        # a statement is checked against the article its subject is about, among the top three
        # ("giáo dục trung học cơ sở … 03 năm học" is about Luật Giáo dục, not the college
        # clause that happens to say "03 năm học"); a choice against the top article
        provisions = governing_provisions(hits, outlines, articles=3 if q.kind == QuestionKind.VERIFY else 1)
        book = CitationBook()
        if q.kind == QuestionKind.CHOICE:
            stem_words = self.question_words(q, form.focus)
            verdict, where = choose(
                form.choices,
                form.negative,
                provisions,
                stem_words,
                lambda text: self.question_words(q, text),
                seg,
                title=q.reading.title,
                stem=form.focus,
            )
            picked = next((c for c in form.choices if c.letter == verdict.label), None)
            head = f"Đáp án: {verdict.label}" + (f" — {picked.text.rstrip('.')}." if picked else ".")
            at = where.get(verdict.label, -1)
            if form.negative or at < 0:
                at = governing(provisions, stem_words, {}, seg)
        else:
            claim = q.focus_text  # the statement without "Theo Luật …," (constraints.py)
            # words naming the document ("Chỉ thị 04 … An Giang") say which document, not what it says
            words_ = content_words(self.question_words(q, claim), top)
            subject = {k: w for k, w in words_.items() if f" {k} " in spaced_words(subject_of(claim))}
            # a statement about a document's own issue ("Quyết định 1456/QĐ-TTg được ban hành ngày …")
            # is checked against the unit that names it; one about its content is not, nor one about
            # when it takes effect: its own clause says that ("Chỉ thị này có hiệu lực sau 10 ngày"),
            # not the header that names it
            about_issue = _ABOUT_ISSUE.search(claim) and "effective_date" not in q.fields
            symbols = tuple(DOC_REF.findall(q.resolved)) if about_issue else ()
            at = governing(provisions, words_, subject, seg, symbols, claim)
            at = self._specific_to_level(q.reading.levels, provisions, at)
            named = [m.text for m in q.constraint.mentions if not m.source and (m.name or m.number)]
            law = top.doc_name if top.doc_name != top.doc_type else ""
            verdict = (
                check_statement(claim, provisions[at], provisions, words_, named, law, seg, q.resolved)
                if at >= 0
                else Verdict("Đúng")
            )
            for d in verdict.differences:
                if d.what == "nội dung":
                    d.question = as_written(claim, d.question)
            if verdict.label == "Đúng":
                head = "Nhận định: Đúng — phù hợp với quy định được trích dưới đây."
            else:
                shown = "; ".join(_difference_text(d) for d in verdict.differences)
                head = f"Nhận định: Sai — {shown}."
        p = provisions[at] if at >= 0 else None
        h = p.ref if p is not None else top
        n = book.cite(h, p.span if p is not None else (units[0].start, units[0].end))
        quote = h.text[p.span[0] : p.span[1]] if p is not None else units[0].text
        where_ = f", {h.locator}" if h.locator else ""
        marker = h.marker if (p is None and units[0].start == 0) or (p is not None and p.span[0] == 0) else ""
        body = f"Theo {source_phrase(h)}{where_}: {statement_text(quote, marker)} [{n}]"
        return Draft(f"{head}\n\n{body}", book.citations, False, conf, verdict, units[:1])


def common_locator(locators: list[str]) -> str:
    """Where in a law the statements stand, as far as they share it: "Điều 72, khoản 1"."""
    if not locators or not all(locators):
        return ""
    parts = [loc.split(", ") for loc in locators]
    shared = []
    for level in zip(*parts, strict=False):
        if len(set(level)) > 1:
            break
        shared.append(level[0])
    return ", ".join(shared)


def _difference_text(d) -> str:
    if d.what == "nội dung":
        return f"văn bản không quy định “{d.question}” cho trường hợp này mà ghi “{d.document}”"
    return f"câu hỏi nêu “{d.question}”, văn bản ghi “{d.document}”"


def governing_provisions(hits: list[Hit], outlines: Mapping[str, list[Hit]], articles: int = 1) -> list[Provision]:
    """The units of the article(s) the top paragraphs belong to (a law's khoản and điểm, each read
    with the headings and lead-in above it), or of the top paragraph's section elsewhere."""
    out: list[Provision] = []
    seen: set[tuple[str, str]] = set()
    for h in hits[:5]:
        key = (h.doc_id, h.article or " > ".join(h.headings))
        if key in seen:
            continue
        seen.add(key)
        outline = outlines.get(h.doc_id, [])
        if h.article:
            group = [c for c in outline if c.article == h.article]
        else:
            group = [c for c in outline if c.headings == h.headings]
            group = group if 1 < len(group) <= 12 else []
        for c in group or [h]:
            frame = " ".join(c.headings[-2:])
            for a, z in split_units(c.text, c.kind):
                out.append(Provision(c.text[a:z], frame + " " + c.text, c, (a, z)))
        if len(seen) >= articles:
            break
    return out


_ABOUT_ISSUE = re.compile(r"\b(?:ban hành|được ký|ký ngày|có hiệu lực|hiệu lực thi hành)\b", re.I)


def abstention_features(
    q: AnalyzedQuery,
    hits: list[Hit],
    units: list[Unit],
    parts: list[tuple[float, float, float, float]],
    preferred: frozenset[str],
    calibration,
) -> list[float]:
    """The question-level signals of answer_model.ABSTENTION_FEATURES, in that order: how well
    the best paragraphs and units cover the question, how similar they are, whether the question
    names its document, and the question's form and language."""
    best = max(range(len(parts)), key=lambda i: parts[i][0], default=None)
    dense = [calibrated_dense(h.score, calibration.lo, calibration.hi) for h in hits[:3]]
    top = units[0] if units else None
    mismatch = FEATURE_NAMES.index("kind_mismatch")
    english = 1.0 if q.english else 0.0
    named = 1.0 if preferred else 0.0
    dense_best = max(dense, default=0.0)
    return [
        parts[best][0] if best is not None else 0.0,
        max((p[1] for p in parts), default=0.0),
        parts[best][2] if best is not None else 0.0,
        dense[0] if dense else 0.0,
        dense_best,
        top.score if top else 0.0,
        (top.score - units[1].score) if top and len(units) > 1 else (top.score if top else 0.0),
        float(top.features[mismatch]) if top else 1.0,
        1.0 / (1 + top.hit_rank) if top else 0.0,
        named,
        english,
        1.0 if q.no_diacritics else 0.0,
        1.0 if q.kind in CLAIM_KINDS else 0.0,
        english * dense_best,
        english * named,
    ]


def confidence_of(parts: list[tuple[float, float, float, float]], c, calibration) -> float:
    """(c.coverage_mix · coverage + (1 − mix) · dense) · (1 − identity_mix + identity_mix · identity),
    the best over the top paragraphs; a unit that cannot answer the kind counts c.mismatch_factor."""
    best = 0.0
    for answering, other, identity, score in parts:
        cov = max(answering, c.mismatch_factor * other)
        dense = calibrated_dense(score, calibration.lo, calibration.hi)
        best = max(
            best,
            (c.coverage_mix * cov + (1 - c.coverage_mix) * dense) * (1 - c.identity_mix + c.identity_mix * identity),
        )
    return best


def _label_share(label: str, qwords: set[str]) -> float:
    """How much of a heading the question mentions: "Thành phần" all of it, "Thời gian, thành
    phần, địa điểm" a third."""
    body = [fold(w) for w in words(MARKER.sub("", label, count=1))]
    body = [w for w in body if w not in STOP_FOLDED]
    return sum(1 for w in body if w in qwords) / len(body) if body else 0.0


def signature_line(text: str) -> str:
    """ "KT. CHỦ TỊCH\n\nPHÓ CHỦ TỊCH\n\nLê Văn Phước" on one line of the answer."""
    return ", ".join(p.strip() for p in text.split("\n\n") if p.strip())


def unit_statement(u: Unit, h: Hit) -> str:
    """A chosen unit as a sentence of the answer: a signature on one line, a table row with its
    column names ("Tên đơn vị: Nhà trẻ; Mức học phí: 5.100.000", under the row of higher rank it
    belongs to), any other unit without its list marker."""
    if h.kind == SIGNATURE_KIND:
        return statement_text(signature_line(u.text))
    if h.cells and u.start == 0 and u.end >= len(h.text.rstrip()):
        group = h.headings[-1] if len(h.headings) > 1 else ""  # the first heading is the table's document part
        row = row_text(h.columns, h.cells)
        return statement_text(f"{group}: {row}" if group else row)
    return statement_text(u.text, h.marker if u.start == 0 else "")


def statement_text(text: str, marker: str = "") -> str:
    """A unit as a sentence of the answer: without its list marker (the one the structure parser
    found, carried in the chunk; a merged item inside a paragraph still shows its own)."""
    t = text.strip()
    s = t[len(marker) :].strip() if marker and t.startswith(marker) else MARKER.sub("", t).strip()
    s = s.rstrip(" ;,")
    if not s.endswith((".", "!", "?", ":", "”", "./.")):
        s += "."
    return s.replace("./.", ".")


def abstain_text(hits: list[Hit], missing: str = "") -> str:
    """The "not found" answer, naming the closest documents (and the source the question named,
    when the index does not hold it)."""
    titles = []
    for h in hits[:5]:
        label = source_phrase(h)
        if label not in titles:
            titles.append(label)
    head = f"Chưa có {missing} trong các văn bản đã nạp, nên không trả lời theo văn bản khác." if missing else NOT_FOUND
    if not titles:
        return head
    return head + " Các văn bản gần nhất với câu hỏi: " + "; ".join(titles[:2]) + "."
