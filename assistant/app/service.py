"""The application service: one object that owns the index and offers ingest, search, ask and
document management. The CLI, the HTTP API and the UI are thin layers over it."""

from __future__ import annotations

import datetime
import functools
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answer.citations import Answer, Citation, hit_to_evidence
from assistant.app.uploads import UploadError, safe_filename
from assistant.core.errors import LLMError
from assistant.core.models import Hit
from assistant.core.settings import Settings
from assistant.index.store import (
    CollectionOptions,
    DocumentRecord,
    EdgeStore,
    IndexMissingError,
    SearchFilter,
    VectorStore,
    legacy_hint,
    legacy_local_index,
    migrate_local_to_edge,
    open_store,
)
from assistant.ingest.loading import doc_id_for

# The answer path (segmenter, answerer, embedder, ingest) is imported where it is used:
# `assistant docs` and the server's document routes need only the store (0.3 s less at start).
if TYPE_CHECKING:
    from assistant.answer.answer_model import AnswerModel
    from assistant.answer.extractive import Draft, ExtractiveAnswerer
    from assistant.app.uploads import StagedUpload
    from assistant.core.settings import ReadLimits
    from assistant.index.diacritics import Restorer
    from assistant.index.embedding import CachedEmbedder
    from assistant.index.indexer import FileResult, IngestReport
    from assistant.index.terms import LoadReport, TermIndex, TermWeights
    from assistant.question.constraints import Scope
    from assistant.question.query import AnalyzedQuery
    from assistant.retrieval.hybrid import Context, HybridRetriever


@dataclass
class Evidence:
    """A question prepared for the answer stage (see Assistant.prepare)."""

    question: str
    query: AnalyzedQuery
    scope: Scope
    hits: list[Hit]
    contexts: Sequence[Context]  # HitContexts / DocumentOutlines: read when the answer needs them
    outlines: Mapping[str, list[Hit]]
    timings: dict[str, float]


def _counted(method):
    """Count the questions being answered (``Assistant.in_flight``): the upload worker waits
    for a quiet moment before each batch (see ``upload_queue``)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.answering():
            return method(self, *args, **kwargs)

    return wrapper


class QuestionError(ValueError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class StreamEvent:
    """One event of a streamed answer (see ``Assistant.ask_stream``)."""

    kind: str  # "meta", "delta", "citations" or "done"
    data: Any


@dataclass
class _Extractive:
    """A question answered extractively (before any LLM): what ``ask`` and ``ask_stream`` share."""

    evidence: Evidence
    retrieved: list[dict[str, Any]]
    text: str
    citations: list[Citation]
    abstained: bool
    confidence: float
    verdict: dict[str, Any] | None
    timings: dict[str, float]
    started: float

    @property
    def hits(self) -> list[Hit]:
        return self.evidence.hits

    @property
    def resolved(self) -> str:
        return self.evidence.query.resolved

    def answer(self, text: str, citations: list[Citation], mode: str) -> Answer:
        self.timings["total"] = (time.perf_counter() - self.started) * 1000 + sum(self.evidence.timings.values())
        scope = self.evidence.scope
        return Answer(
            self.evidence.question,
            text,
            self.abstained,
            citations,
            self.retrieved,
            self.timings,
            self.resolved,
            self.confidence,
            mode,
            self.verdict,
            {"named": scope.named, "missing": scope.missing, "doc_ids": scope.doc_ids, "cited": scope.cited},
            self.evidence.query.restored,
        )


# a document the index does not hold may be cited by the documents of the paragraphs retrieved
# this high (each read whole, from the document cache)
CITING_HITS = 5

# an already finished answer goes out in pieces of about this many characters, cut after spaces
PIECE_CHARS = 40


def text_pieces(text: str) -> list[str]:
    """Cut text after whitespace into pieces of ~PIECE_CHARS; "".join(pieces) == text."""
    pieces, buf = [], ""
    for word in re.findall(r"\S+\s*|\s+", text):
        buf += word
        if len(buf) >= PIECE_CHARS:
            pieces.append(buf)
            buf = ""
    if buf:
        pieces.append(buf)
    return pieces


class Assistant:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: VectorStore | None = None
        self._embedder: CachedEmbedder | None = None
        self._weights: TermWeights | None = None
        self._weights_for: dict[str, str] = {}  # the committed {doc_id: version} they were summed for
        self._terms: TermIndex | None = None
        self.terms_report: LoadReport | None = None  # what the last load of the term statistics cost
        self._restorer: Restorer | None = None  # diacritics restoration, learned from the index's text
        self._restorer_for: dict[str, str] = {}
        self.ngrams_report: LoadReport | None = None
        self._retriever: HybridRetriever | None = None
        self._llm = None
        self._model: AnswerModel | None = None
        self._lock = threading.RLock()
        self._flight_lock = threading.Lock()
        self.in_flight = 0

    # -- components (built lazily: `assistant docs` needs no embedder) -------------------------
    @property
    def store(self) -> VectorStore:
        if self._store is None:
            s = self.settings
            options = CollectionOptions(
                s.qdrant_shards,
                s.qdrant_replication_factor,
                s.qdrant_write_consistency,
                s.qdrant_on_disk_payload,
                s.qdrant_on_disk_vectors,
            )
            self._store = open_store(
                s.index_dir,
                s.qdrant_url,
                s.collection,
                s.qdrant_api_key,
                s.store,
                options,
                int(s.disk_reserve_mb * 1024 * 1024),
            )
        return self._store

    @property
    def embedder(self) -> CachedEmbedder:
        if self._embedder is None:
            from assistant.index.embedding import CachedEmbedder, EmbeddingCache, make_embedder

            s = self.settings
            inner = make_embedder(
                s.embedder,
                device=s.embed_device,
                batch_size=s.embed_batch_size,
                threads=s.embed_threads,
                crowded=lambda: self.in_flight > 1,
            )
            cache = EmbeddingCache(s.index_dir / "embeddings.sqlite") if getattr(inner, "cacheable", True) else None
            self._embedder = CachedEmbedder(inner, cache)
        return self._embedder

    @property
    def terms(self) -> TermIndex:
        """The term statistics stored beside the index (one file per store)."""
        if self._terms is None:
            from assistant.index.terms import TermIndex

            s = self.settings
            name = f"server-{s.collection}" if s.qdrant_url else s.store
            self._terms = TermIndex(s.index_dir / f"terms-{name}.sqlite")
        return self._terms

    def _legacy_index(self) -> bool:
        """An old qdrant-client local-mode index where the (now default) Edge store is empty."""
        s = self.settings
        return (
            isinstance(self.store, EdgeStore)
            and not self.store.exists()
            and legacy_local_index(s.index_dir, s.collection) is not None
        )

    def require_index(self) -> VectorStore:
        store = self.store
        if not store.exists() or not store.documents():
            if self._legacy_index():
                raise IndexMissingError(legacy_hint(self.settings.index_dir, self.settings.collection))
            raise IndexMissingError(
                f"Chỉ mục đang trống ({store.location}). Hãy chạy `assistant ingest` để nạp văn bản trước."
            )
        return store

    @property
    def retriever(self) -> HybridRetriever:
        if self._retriever is None:
            store = self.require_index()
            store.check_embedder(self.embedder.model_id, self.embedder.dim)
            from assistant.retrieval.hybrid import HybridRetriever

            self._retriever = HybridRetriever(store, self.embedder)
        return self._retriever

    def warm(self) -> None:
        """Load the embedder, the word segmenter, the term statistics and the store's caches now
        (one extractive question), so the first real question is answered as fast as the next."""
        if self.store.exists() and self.store.documents():
            self.ask("khởi động", use_llm=False)
            if self.settings.restore_diacritics:
                self.restorer()  # the diacritics model too (~1.5 s on 120 documents)
        else:
            self.embedder.embed_query("khởi động")  # nothing indexed yet: at least the model

    def weights(self) -> TermWeights:  # noqa: D401 - IDF over the indexed chunks
        """The term statistics of the committed documents, summed from the shares stored with the
        index (documents whose share is missing or stale are recounted from their chunks)."""
        with self._lock:
            # the committed set also changes under us when another host ingests into a shared server
            committed = {r.doc_id: r.version for r in self.store.documents().values()}
            if self._weights is None or committed != self._weights_for:
                self._weights, self.terms_report = self.terms.load(
                    committed, lambda doc_id: [p["text"] for p in self.store.chunks_of(doc_id)]
                )
                self._weights_for = committed
            return self._weights

    def restorer(self) -> Restorer:
        """The diacritics restorer of the committed documents: their syllable n-gram counts (stored
        per document with the term statistics) and the bundled prior; rebuilt when they change."""
        with self._lock:
            committed = {r.doc_id: r.version for r in self.store.documents().values()}
            if self._restorer is None or committed != self._restorer_for:
                from assistant.index.diacritics import Restorer, load_prior

                counts, self.ngrams_report = self.terms.load_ngrams(
                    committed, lambda doc_id: [p["text"] for p in self.store.chunks_of(doc_id)]
                )
                metas = [r.meta for r in self.store.documents().values()]
                names = [n for m in metas for n in (m.issuer, m.parent_issuer, m.province, m.place) if n]
                self._restorer = Restorer(counts, load_prior(), names=names)
                self._restorer_for = committed
            return self._restorer

    def answer_model(self) -> AnswerModel:
        if self._model is None:
            from assistant.answer.answer_model import load_model

            self._model = load_model(self.settings.answer_model)
        return self._model

    def answerer(self) -> ExtractiveAnswerer:
        from assistant.answer.extractive import ExtractiveAnswerer

        return ExtractiveAnswerer(
            self.weights(), self.answer_model(), self.embedder.model_id, threshold=self.settings.abstain_threshold
        )

    def scope(self, aq: AnalyzedQuery) -> Scope:
        """Which indexed documents the question's own words point to (constraints.py)."""
        from assistant.question.constraints import resolve

        return resolve(aq.constraint, {d: r.meta for d, r in self.store.documents().items()})

    def analyze(self, question: str, history: list[dict[str, str]] | None = None) -> AnalyzedQuery:
        from assistant.question.constraints import law_names
        from assistant.question.query import analyze, needs_restoration

        metas = {d: r.meta for d, r in self.store.documents().items()}
        restorer = (
            self.restorer() if metas and self.settings.restore_diacritics and needs_restoration(question) else None
        )
        return analyze(question, history, law_names(metas), restorer=restorer)

    def _invalidate(self) -> None:
        self._weights = None
        self._restorer = None
        self._model = None
        if self._retriever is not None:
            self._retriever.forget_documents()

    # -- ingest ----------------------------------------------------------------------------------
    def ingest(
        self,
        paths: list[Path],
        dry_run: bool = False,
        rebuild: bool = False,
        progress: bool = True,
        on_file: Callable[[FileResult], None] | None = None,
    ) -> IngestReport:
        from assistant.index.indexer import Ingestor

        if dry_run:
            return Ingestor(None, None, progress=progress, on_file=on_file, limits=self.read_limits()).run(
                paths, dry_run=True
            )
        with self._lock:
            migrated = None
            if rebuild:
                self.store.drop()
                self.terms.clear()
            elif self._legacy_index():
                migrated = self._migrate_legacy()
            report = Ingestor(
                self.store,
                self.embedder,
                progress=progress,
                on_file=on_file,
                limits=self.read_limits(),
                terms=self.terms,
                batch_size=self.settings.embed_batch_size,
            ).run(paths)
            report.migrated = migrated
            self._invalidate()
            return report

    def _migrate_legacy(self) -> dict[str, Any] | None:
        """Copy the old local-mode index into Qdrant Edge (vectors included: nothing is embedded),
        with its term statistics, before an ingest on the new default store."""
        s = self.settings
        self.store.close()
        self._store = None
        copied = migrate_local_to_edge(s.index_dir, s.collection)
        old_terms = s.index_dir / "terms-local.sqlite"
        new_terms = s.index_dir / "terms-edge.sqlite"
        if copied is not None and old_terms.exists() and not new_terms.exists() and self._terms is None:
            import shutil

            shutil.copy(old_terms, new_terms)  # reconciled on load like any other
        if copied is None:
            return None
        return {
            "from": str(s.index_dir / "qdrant"),
            "to": str(s.index_dir / "edge"),
            "documents": copied.documents,
            "chunks": copied.chunks,
            "seconds": round(copied.seconds, 2),
        }

    def read_limits(self) -> ReadLimits:
        return self.settings.read_limits()

    def add_file(self, filename: str, data: bytes, replace: bool = False) -> FileResult:
        """Add an uploaded file to the corpus folder and the index, in this process (the server
        runs the same steps in its worker, see ``upload_queue``). Nothing existing is lost: the
        file is staged and ingested first, and replaces a document with the same doc_id only
        when ``replace`` is true (else UploadError 409)."""
        from assistant.app.uploads import conflict, plan, write
        from assistant.index.indexer import FileResult, document_record, parse_file, point_batches
        from assistant.ingest.loading import read_file

        corpus = self.settings.corpus_dir
        corpus.mkdir(parents=True, exist_ok=True)
        staged = plan(corpus, filename, replace)
        error = conflict(self.store, staged)
        if error is not None:
            raise error
        write(staged, data)
        version = None
        try:
            raw = read_file(staged.path, staged.dir, self.read_limits())
            doc, chunks, articles, cov = parse_file(raw)
            result = FileResult(
                raw.source,
                doc.doc_id,
                "indexed",
                len(chunks),
                len(doc.text),
                articles,
                doc.meta.doc_type,
                doc.meta.number,
                coverage=round(cov.share, 4),
                dropped_lines=cov.dropped,
            )
            old = self.store.documents().get(doc.doc_id)
            if old is not None and old.version == doc.version and old.source == staged.name:
                staged.discard()
                result.status = "unchanged"
                return result
            self.store.ensure_collections(self.embedder.model_id, self.embedder.dim)
            version = doc.version
            for batch in point_batches(doc, chunks, self.embedder):
                self.store.upsert_chunks(*batch)
            self.commit_upload(staged, document_record(doc, len(chunks), corpus, cov))
            return result
        except BaseException:
            if version is not None:
                self.store.discard_uncommitted(staged.doc_id, version)  # the old version stays as it was
            staged.discard()
            raise

    def commit_upload(self, staged: StagedUpload, rec: DocumentRecord) -> None:
        """Switch a staged upload in (its chunks are written): a short critical section."""
        from assistant.app.uploads import commit, conflict

        with self._lock:
            error = conflict(self.store, staged)  # checked again: another upload may have won
            if error is not None:
                raise error
            commit(self.store, staged, rec)
            self._invalidate()

    def delete_document(self, doc_id: str) -> DocumentRecord | None:
        with self._lock:
            rec = self.store.documents().get(doc_id)
            if rec is None:
                return None
            self.store.delete_document(doc_id)
            self.terms.remove(doc_id)
            corpus = self.settings.corpus_dir.resolve()
            if rec.root and Path(rec.root).resolve() == corpus:
                f = (corpus / rec.source).resolve()
                if corpus in f.parents and f.exists():
                    f.unlink()  # otherwise the next ingest would bring it back
            self._invalidate()
            return rec

    # -- reading ---------------------------------------------------------------------------------
    def documents(self) -> list[DocumentRecord]:
        if not self.store.exists():
            if self._legacy_index():
                raise IndexMissingError(legacy_hint(self.settings.index_dir, self.settings.collection))
            return []
        return sorted(self.store.documents().values(), key=lambda r: r.source)

    def document(self, doc_id: str) -> tuple[DocumentRecord, list[dict[str, Any]]] | None:
        rec = self.store.documents().get(doc_id)
        if rec is None:
            return None
        return rec, self.store.chunks_of(doc_id)

    @contextmanager
    def answering(self):
        """While a question is answered (``in_flight`` > 0), uploads wait their turn."""
        with self._flight_lock:
            self.in_flight += 1
        try:
            yield
        finally:
            with self._flight_lock:
                self.in_flight -= 1

    @_counted
    def search(
        self, query: str, k: int = 8, flt: SearchFilter | None = None, history: list[dict[str, str]] | None = None
    ) -> list[Hit]:
        from assistant.question.query import analyze

        self.check_request(query, history, flt)
        aq = self.analyze(query, history) if self.store.exists() else analyze(query, history)
        return self.retriever.retrieve(aq, k, self.in_force(flt))

    def in_force(self, flt: SearchFilter | None) -> SearchFilter | None:
        """A filter for documents in force on a date also leaves out those an indexed document
        repealed or replaced, with effect, by then (their numbers in its ``replaces``)."""
        if flt is None or not flt.in_force:
            return flt
        from assistant.index.store import date_bounds

        day = date_bounds(flt.in_force)[1]
        records = list(self.store.documents().values())

        def key(number: str) -> str:
            return re.sub(r"\s+", "", number).upper()

        def effective(rec: DocumentRecord) -> int:
            return date_bounds(rec.meta.effective_date or rec.meta.date)[0]

        repealed = {
            rec.doc_id
            for rec in records
            if rec.meta.number
            and any(
                key(rec.meta.number) in {key(n) for n in other.meta.replaces} and effective(other) <= day
                for other in records
                if other is not rec
            )
        }
        return replace(flt, exclude_doc_ids=sorted(set(flt.exclude_doc_ids) | repealed))

    def conversation_scope(self, scope: Scope, history: list[dict[str, str]]) -> Scope:
        """A follow-up that names no document ("Còn Văn phòng UBND tỉnh thì được bao lâu?") is
        about the document of the conversation: the one the last user turn named, else the one
        the last answer cited ("Theo Quyết định số 01763/QĐ-UBND …")."""
        from dataclasses import replace as with_

        for m in reversed(history[-4:]):
            text = (m.get("content") or "")[:2000]
            if not text.strip():
                continue
            earlier = self.scope(self.analyze(text))
            found = earlier.doc_ids or earlier.preferred
            if found and len(found) <= 3:
                return with_(scope, doc_ids=list(found))
        return scope

    def identity_of(self, doc_ids: list[str] | None) -> str:
        """What names the documents a question is restricted to (one to three of them): type,
        number, issuing body, province and subject line (see HybridRetriever.retrieve)."""
        if not doc_ids or len(doc_ids) > 3:
            return ""
        records = self.store.documents()
        metas = [records[d].meta for d in doc_ids if d in records]
        return " ".join(
            " ".join([m.doc_type, m.number, m.issuer, m.parent_issuer, m.province, m.subject]) for m in metas
        )

    def check_request(self, question: str, history: list[dict[str, str]] | None, flt: SearchFilter | None) -> None:
        """Every limit on what one question may make the server do (400 / 413 otherwise)."""
        s = self.settings
        check_question(question, s.max_question_chars)
        check_history(history or [], s.max_history_messages, s.max_history_chars, s.max_question_chars)
        check_filter(flt, s.max_filter_values)

    def prepare(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        flt: SearchFilter | None = None,
        k: int | None = None,
    ) -> Evidence:
        """Everything the answer stage needs for one question: the analysed question, which
        documents it names, the retrieved paragraphs and their context."""
        self.check_request(question, history, flt)
        t0 = time.perf_counter()
        self.require_index()
        flt = self.in_force(flt)
        aq = self.analyze(question, history)
        scope = self.scope(aq)
        if history and not scope.doc_ids and not scope.missing and not scope.preferred:
            scope = self.conversation_scope(scope, history)
        t1 = time.perf_counter()
        hits = self.retriever.retrieve(
            aq,
            k or self.settings.top_k,
            flt if scope.missing else restrict(flt, scope.doc_ids),
            identity=self.identity_of(scope.doc_ids),
        )
        if scope.missing_mention is not None:
            # not indexed itself, but an indexed document may say what the question asks about it
            from assistant.question.constraints import Scope, cites

            top = {h.doc_id: h.version for h in hits[:CITING_HITS]}
            citing = [
                d
                for d, version in top.items()
                if any(cites(scope.missing_mention, c.text) for c in self.retriever.document_chunks(d, version))
            ]
            if citing:
                scope = Scope(citing, scope.named, "", cited=scope.missing)
                hits = self.retriever.retrieve(aq, k or self.settings.top_k, restrict(flt, citing))
        elif not scope.missing:
            aq = self._named_in_passing(aq, scope, hits)
        t2 = time.perf_counter()
        from assistant.retrieval.hybrid import DocumentOutlines, HitContexts

        # read from the index only if the answer needs them
        contexts = HitContexts(self.retriever, hits[:5] if not scope.missing else [])
        outlines = DocumentOutlines(self.retriever, hits[:3] if not scope.missing else [])
        timings = {
            "analyze": (t1 - t0) * 1000,
            "retrieve": (t2 - t1) * 1000,
            "context": (time.perf_counter() - t2) * 1000,
        }
        return Evidence(question, aq, scope, hits, contexts, outlines, timings)

    def _named_in_passing(self, aq: AnalyzedQuery, scope: Scope, hits: list[Hit]) -> AnalyzedQuery:
        """A document the question names in passing, not as its source, that the index does not
        hold but the top documents cite ("Hội nghị quán triệt Chỉ thị 38-CT/TU của Quảng Ninh có
        bao nhiêu đại biểu?"): its name says which conference or plan, as a source's name says
        which document, so the answer need not repeat it ("Tham dự hội nghị có 550 đại biểu …")."""
        from assistant.question.constraints import cites

        passing = [
            m
            for m in aq.constraint.mentions
            if not m.source and m.number and m.text not in scope.named and m.text in aq.focus_text
        ]
        if not passing:
            return aq
        top = {h.doc_id: h.version for h in hits[:CITING_HITS]}
        texts = [c.text for d, version in top.items() for c in self.retriever.document_chunks(d, version)]
        cited = [m for m in passing if any(cites(m, t) for t in texts)]
        if not cited:
            return aq
        focus = aq.focus_text
        for m in cited:
            focus = re.sub(r"\s{2,}", " ", focus.replace(m.text, " ")).strip()
        return replace(aq, focus_text=focus)

    def extract(self, ev: Evidence, answerer: ExtractiveAnswerer | None = None) -> _Extractive:
        """The extractive answer to prepared evidence (``answerer``: another answer model, for tuning)."""
        from assistant.answer.extractive import abstain_text

        t0 = time.perf_counter()
        retrieved = [hit_to_evidence(h, i + 1) for i, h in enumerate(ev.hits)]
        if ev.scope.missing:
            # the question names a source the index does not hold: say so, never answer from another
            return _Extractive(ev, retrieved, abstain_text(ev.hits, ev.scope.missing), [], True, 0.0, None, {}, t0)
        draft: Draft = (answerer or self.answerer()).answer(
            ev.query, list(ev.hits), ev.contexts, ev.outlines, frozenset(ev.scope.preferred)
        )
        # a named document the index does not hold, answered from the documents that cite it
        # (``scope.cited``): the answer's "Theo <the citing document>: …" says where it comes
        # from; no preamble about the document the question named
        timings = {**ev.timings, "answer": (time.perf_counter() - t0) * 1000}
        return _Extractive(
            ev,
            retrieved,
            draft.text,
            draft.citations,
            draft.abstained,
            draft.confidence,
            draft.verdict.to_dict() if draft.verdict else None,
            timings,
            t0,
        )

    def _wants_llm(self, x: _Extractive, use_llm: bool | None) -> bool:
        """An LLM writes the answer when configured (or asked), unless the extractive answer
        declined or is a verdict on a statement or choice (quoted, not paraphrased)."""
        wanted = use_llm if use_llm is not None else self.settings.llm != "none"
        return wanted and not x.abstained and x.verdict is None

    def compose(self, ev: Evidence, answerer: ExtractiveAnswerer | None = None, use_llm: bool | None = None) -> Answer:
        x = self.extract(ev, answerer)
        text, citations, mode = x.text, x.citations, "extractive"
        if self._wants_llm(x, use_llm):
            t3 = time.perf_counter()
            llm = self.llm()  # first: without the LLM extra this says what to install
            from assistant.answer.llm import generate_verified

            llm_text, llm_citations = generate_verified(llm, x.resolved, x.hits[:5], self.weights())
            if llm_citations:
                text, citations, mode = llm_text, llm_citations, "llm"
            else:
                mode = "extractive-fallback"
            x.timings["llm"] = (time.perf_counter() - t3) * 1000
        return x.answer(text, citations, mode)

    @_counted
    def ask(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        flt: SearchFilter | None = None,
        k: int | None = None,
        use_llm: bool | None = None,
    ) -> Answer:
        return self.compose(self.prepare(question, history, flt, k), use_llm=use_llm)

    def ask_stream(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        flt: SearchFilter | None = None,
        k: int | None = None,
        use_llm: bool | None = None,
    ) -> Iterator[StreamEvent]:
        """The answer as it is made: ``meta`` (mode "llm" while an LLM writes, else
        "extractive"), ``delta`` pieces whose texts concatenate to the answer, ``citations``,
        then ``done`` with the whole answer object (its final mode). With an LLM, each
        sentence is sent as soon as it is written and verified; if none survives, the
        extractive answer is sent instead. Errors in the question or the index are raised
        before the first event."""
        with self.answering():
            x = self.extract(self.prepare(question, history, flt, k))
        llm = self.llm() if self._wants_llm(x, use_llm) else None  # misconfigured: raise now
        yield StreamEvent(
            "meta",
            {
                "question": question,
                "resolved_question": x.resolved,
                "restored_question": x.evidence.query.restored,
                "abstained": x.abstained,
                "mode": "llm" if llm is not None else "extractive",
            },
        )
        text, citations, mode = x.text, x.citations, "extractive"
        if llm is not None:
            from assistant.answer.llm import AnswerWriter, stream_verified

            t3 = time.perf_counter()
            writer = AnswerWriter(x.hits[:5])
            for piece in stream_verified(llm, x.resolved, x.hits[:5], writer):
                yield StreamEvent("delta", {"text": piece})
            x.timings["llm"] = (time.perf_counter() - t3) * 1000
            if writer.citations:
                text, citations, mode = writer.text, writer.citations, "llm"
            else:
                mode = "extractive-fallback"
        if mode != "llm":
            for piece in text_pieces(text):
                yield StreamEvent("delta", {"text": piece})
        answer = x.answer(text, citations, mode).to_dict()
        yield StreamEvent("citations", answer["citations"])
        yield StreamEvent("done", answer)

    def llm(self):
        if self._llm is None:
            try:
                from assistant.answer.llm import make_llm
            except ImportError as e:  # llama-index is an extra: the core answers without an LLM
                raise LLMError(
                    "Chưa cài phần LLM: pip install -e '.[openai]' (máy chủ OpenAI-compatible) "
                    "hoặc -e '.[llm]' (mô hình GGUF cục bộ)."
                ) from e
            self._llm = make_llm(self.settings)
        return self._llm

    def health(self) -> dict[str, Any]:
        try:
            docs, hint = self.documents(), None
        except IndexMissingError as e:  # an old local-mode index waiting to be migrated
            docs, hint = [], str(e)
        meta = self.store.index_meta() if self.store.exists() else None
        return {
            **({"message": hint} if hint else {}),
            "status": "ok" if docs else "empty",
            "index_loaded": bool(docs),
            "documents": len(docs),
            "chunks": sum(d.chunk_count for d in docs),
            "stored_chunks": self.store.count_chunks(),  # = chunks unless an ingest is under way
            "embedder": (meta or {}).get("embedder", self.settings.embedder),
            "store": "qdrant-server" if self.settings.qdrant_url else f"qdrant-{self.settings.store}",
            "llm": self.settings.llm,
            "index_key": self.settings.index_key,  # lets the CLI find a server over its own index
            **(
                {
                    "term_statistics": {
                        "documents": self.terms_report.documents,
                        "recounted": self.terms_report.recounted,
                        "seconds": round(self.terms_report.seconds, 3),
                    }
                }
                if self.terms_report
                else {}
            ),
        }

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._terms is not None:
            self._terms.close()
            self._terms = None
            self._weights = None
        if self._terms is not None:
            self._terms.close()
            self._terms = None
            self._weights = None
        if self._embedder is not None:
            self._embedder.close()
            self._embedder = None
            self._retriever = None


def restrict(flt: SearchFilter | None, doc_ids: list[str] | None) -> SearchFilter | None:
    """The user's filter narrowed to the documents the question names (the user's own choice of
    documents wins when the two do not meet)."""
    if not doc_ids:
        return flt
    base = flt or SearchFilter()
    ids = [d for d in base.doc_ids if d in set(doc_ids)] if base.doc_ids else list(doc_ids)
    return replace(base, doc_ids=ids or base.doc_ids)


def check_question(q: str, max_chars: int) -> None:
    if not q or not q.strip():
        raise QuestionError("Câu hỏi đang trống. Hãy nhập nội dung cần hỏi.")
    if len(q) > max_chars:
        raise QuestionError(f"Câu hỏi quá dài ({len(q)} ký tự, tối đa {max_chars}). Hãy rút gọn câu hỏi.", 413)


def check_history(history: list[dict[str, str]], max_messages: int, max_chars: int, max_question: int) -> None:
    if len(history) > max_messages:
        raise QuestionError(
            f"Lịch sử hội thoại quá dài ({len(history)} tin nhắn, tối đa {max_messages}). "
            f"Hãy gửi bớt các lượt cũ hoặc bắt đầu cuộc hội thoại mới.",
            413,
        )
    total = sum(len(m.get("content") or "") for m in history)
    if total > max_chars:
        raise QuestionError(
            f"Lịch sử hội thoại quá dài ({total:,} ký tự, tối đa {max_chars:,}). "
            f"Hãy gửi bớt các lượt cũ hoặc bắt đầu cuộc hội thoại mới.",
            413,
        )
    for m in history:
        if m.get("role") == "user" and len(m.get("content") or "") > max_question:
            raise QuestionError(
                f"Một câu hỏi trong lịch sử quá dài ({len(m['content'])} ký tự, tối đa {max_question}).", 413
            )


def trim_history(history: list[dict[str, str]], max_messages: int, max_chars: int) -> list[dict[str, str]]:
    """The most recent messages that fit the limits (the chat UI keeps long conversations going)."""
    kept: list[dict[str, str]] = []
    total = 0
    for m in reversed(history[-max_messages:]):
        total += len(m.get("content") or "")
        if total > max_chars:
            break
        kept.append(m)
    return kept[::-1]


_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def check_date(value: str, label: str) -> None:
    """YYYY, YYYY-MM or YYYY-MM-DD, and a real calendar date."""
    m = _DATE.fullmatch(value.strip())
    ok = bool(m)
    if m:
        year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
        try:
            datetime.date(year, month, day)
        except ValueError:
            ok = False
    if not ok:
        raise QuestionError(
            f"Ngày lọc '{value}' ({label}) không hợp lệ. Dùng dạng YYYY, YYYY-MM hoặc YYYY-MM-DD, "
            f"ví dụ 2023, 2023-06 hoặc 2023-06-30."
        )


def check_filter(flt: SearchFilter | None, max_values: int) -> None:
    if flt is None:
        return
    for label, values in (("doc_ids", flt.doc_ids), ("doc_types", flt.doc_types)):
        if len(values) > max_values or any(len(v) > 300 for v in values):
            raise QuestionError(f"Bộ lọc {label} quá dài (tối đa {max_values} giá trị, mỗi giá trị 300 ký tự).")
    for label, value in (("issuer", flt.issuer), ("province", flt.province)):
        if value and len(value) > 300:
            raise QuestionError(f"Bộ lọc {label} quá dài (tối đa 300 ký tự).")
    if flt.in_force:
        check_date(flt.in_force, "còn hiệu lực vào ngày")
    if flt.date_from:
        check_date(flt.date_from, "từ ngày")
    if flt.date_to:
        check_date(flt.date_to, "đến ngày")
    if flt.date_from and flt.date_to:
        from assistant.index.store import date_bounds

        if date_bounds(flt.date_from.strip())[0] > date_bounds(flt.date_to.strip())[1]:
            raise QuestionError(
                f"Khoảng ngày lọc không hợp lệ: từ {flt.date_from} đến {flt.date_to} (ngày bắt đầu sau ngày kết thúc)."
            )


__all__ = ["Assistant", "QuestionError", "UploadError", "safe_filename", "doc_id_for", "trim_history"]
