"""The application service: one object that owns the index and offers ingest, search, ask and
document management. The CLI, the HTTP API and the UI are thin layers over it."""
from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any, Callable

from .answer import ExtractiveAnswerer
from .citations import Answer, hit_to_evidence
from .terms import LoadReport, TermIndex, TermWeights
from .embedding import CachedEmbedder, EmbeddingCache, make_embedder
from .ingest import FileResult, Ingestor, IngestReport
from .loading import SUPPORTED, LoadError, doc_id_for
from .models import Hit
from .query import analyze
from .retrieval import HybridRetriever
from .settings import Settings
from .store import (CollectionOptions, DocumentRecord, EdgeStore, IndexMissingError, SearchFilter, VectorStore,
                    legacy_hint, legacy_local_index, migrate_local_to_edge, open_store)


class QuestionError(ValueError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class Assistant:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: VectorStore | None = None
        self._embedder: CachedEmbedder | None = None
        self._weights: TermWeights | None = None
        self._weights_for: dict[str, str] = {}  # the committed {doc_id: version} they were summed for
        self._terms: TermIndex | None = None
        self.terms_report: LoadReport | None = None  # what the last load of the term statistics cost
        self._retriever: HybridRetriever | None = None
        self._llm = None
        self._lock = threading.RLock()

    # -- components (built lazily: `assistant docs` needs no embedder) -------------------------
    @property
    def store(self) -> VectorStore:
        if self._store is None:
            s = self.settings
            options = CollectionOptions(s.qdrant_shards, s.qdrant_replication_factor, s.qdrant_write_consistency,
                                        s.qdrant_on_disk_payload, s.qdrant_on_disk_vectors)
            self._store = open_store(s.index_dir, s.qdrant_url, s.collection, s.qdrant_api_key, s.store, options)
        return self._store

    @property
    def embedder(self) -> CachedEmbedder:
        if self._embedder is None:
            s = self.settings
            inner = make_embedder(s.embedder, device=s.embed_device, batch_size=s.embed_batch_size,
                                  threads=s.embed_threads)
            cache = EmbeddingCache(s.index_dir / "embeddings.sqlite") if getattr(inner, "cacheable", True) else None
            self._embedder = CachedEmbedder(inner, cache)
        return self._embedder

    @property
    def terms(self) -> TermIndex:
        """The term statistics stored beside the index (one file per store)."""
        if self._terms is None:
            s = self.settings
            name = f"server-{s.collection}" if s.qdrant_url else s.store
            self._terms = TermIndex(s.index_dir / f"terms-{name}.sqlite")
        return self._terms

    def _legacy_index(self) -> bool:
        """An old qdrant-client local-mode index where the (now default) Edge store is empty."""
        s = self.settings
        return (isinstance(self.store, EdgeStore) and not self.store.exists()
                and legacy_local_index(s.index_dir, s.collection) is not None)

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
            self._retriever = HybridRetriever(store, self.embedder)
        return self._retriever

    def warm(self) -> None:
        """Load the embedder, the word segmenter, the term statistics and the store's caches now
        (one extractive question), so the first real question is answered as fast as the next."""
        if self.store.exists() and self.store.documents():
            self.ask("khởi động", use_llm=False)
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
                    committed, lambda doc_id: [p["text"] for p in self.store.chunks_of(doc_id)])
                self._weights_for = committed
            return self._weights

    def _invalidate(self) -> None:
        self._weights = None
        if self._retriever is not None:
            self._retriever.forget_documents()

    # -- ingest ----------------------------------------------------------------------------------
    def ingest(self, paths: list[Path], dry_run: bool = False, rebuild: bool = False, progress: bool = True,
               on_file: Callable[[FileResult], None] | None = None) -> IngestReport:
        if dry_run:
            return Ingestor(None, None, progress=progress, on_file=on_file).run(paths, dry_run=True)
        with self._lock:
            migrated = None
            if rebuild:
                self.store.drop()
                self.terms.clear()
            elif self._legacy_index():
                migrated = self._migrate_legacy()
            report = Ingestor(self.store, self.embedder, progress=progress, on_file=on_file, terms=self.terms,
                              batch_size=self.settings.embed_batch_size).run(paths)
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
        return {"from": str(s.index_dir / "qdrant"), "to": str(s.index_dir / "edge"), "documents": copied.documents,
                "chunks": copied.chunks, "seconds": round(copied.seconds, 2)}

    def add_file(self, filename: str, data: bytes) -> FileResult:
        """Save an uploaded file into the corpus folder and ingest it."""
        name = safe_filename(filename)
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED:
            raise LoadError(f"Định dạng {suffix or '(không có đuôi)'} không được hỗ trợ. "
                            f"Hỗ trợ: {', '.join(sorted(SUPPORTED))}.")
        corpus = self.settings.corpus_dir
        corpus.mkdir(parents=True, exist_ok=True)
        target = (corpus / name).resolve()
        if corpus.resolve() not in target.parents:
            raise LoadError("Tên tệp không hợp lệ.")
        tmp = target.with_name(f".{target.name}.upload")
        tmp.write_bytes(data)
        tmp.replace(target)
        with self._lock:
            result = Ingestor(self.store, self.embedder, progress=False, terms=self.terms,
                              batch_size=self.settings.embed_batch_size).ingest_file(target, corpus)
            self._invalidate()
        if result.status == "failed":
            target.unlink(missing_ok=True)
            raise LoadError(result.error)
        return result

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

    def search(self, query: str, k: int = 8, flt: SearchFilter | None = None,
               history: list[dict[str, str]] | None = None) -> list[Hit]:
        check_question(query, self.settings.max_question_chars)
        aq = analyze(query, history)
        return self.retriever.retrieve(aq, k, flt)

    def ask(self, question: str, history: list[dict[str, str]] | None = None, flt: SearchFilter | None = None,
            k: int | None = None, use_llm: bool | None = None) -> Answer:
        check_question(question, self.settings.max_question_chars)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        aq = analyze(question, history)
        timings["analyze"] = (time.perf_counter() - t0) * 1000
        t1 = time.perf_counter()
        hits = self.retriever.retrieve(aq, k or self.settings.top_k, flt)
        timings["retrieve"] = (time.perf_counter() - t1) * 1000
        t2 = time.perf_counter()
        contexts = [self.retriever.context(h) for h in hits[:5]]
        retrieved = [hit_to_evidence(h, i + 1) for i, h in enumerate(hits)]
        answerer = ExtractiveAnswerer(self.weights(), self.settings.abstain_threshold)
        outlines = {h.doc_id: self.retriever.document_chunks(h.doc_id, h.version) for h in hits[:3]}
        text, citations, abstained, conf = answerer.answer(aq, list(hits), contexts, outlines)
        mode = "extractive"
        timings["answer"] = (time.perf_counter() - t2) * 1000
        want_llm = use_llm if use_llm is not None else self.settings.llm != "none"
        if want_llm and not abstained:
            t3 = time.perf_counter()
            from .llm import generate_verified

            llm_text, llm_citations = generate_verified(self.llm(), aq.resolved, hits[:5], self.weights())
            if llm_citations:
                text, citations, mode = llm_text, llm_citations, "llm"
            else:
                mode = "extractive-fallback"
            timings["llm"] = (time.perf_counter() - t3) * 1000
        timings["total"] = (time.perf_counter() - t0) * 1000
        return Answer(question, text, abstained, citations, retrieved, timings, aq.resolved, conf, mode)

    def llm(self):
        if self._llm is None:
            from .llm import make_llm

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
            "embedder": (meta or {}).get("embedder", self.settings.embedder),
            "store": "qdrant-server" if self.settings.qdrant_url else f"qdrant-{self.settings.store}",
            "llm": self.settings.llm,
            **({"term_statistics": {"documents": self.terms_report.documents,
                                    "recounted": self.terms_report.recounted,
                                    "seconds": round(self.terms_report.seconds, 3)}} if self.terms_report else {}),
        }

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._terms is not None:
            self._terms.close()
            self._terms = None
            self._weights = None
        if self._embedder is not None:
            self._embedder.close()
            self._embedder = None
            self._retriever = None


def check_question(q: str, max_chars: int) -> None:
    if not q or not q.strip():
        raise QuestionError("Câu hỏi đang trống. Hãy nhập nội dung cần hỏi.")
    if len(q) > max_chars:
        raise QuestionError(f"Câu hỏi quá dài ({len(q)} ký tự, tối đa {max_chars}). Hãy rút gọn câu hỏi.", 413)


def safe_filename(name: str) -> str:
    """Keep only the final path component and safe characters: uploads cannot escape the corpus."""
    base = re.split(r"[\\/]", name or "")[-1].strip().lstrip(".")
    base = re.sub(r"[^\w.\- ]+", "_", base, flags=re.UNICODE).strip()
    if not base or base in (".", ".."):
        raise LoadError("Tên tệp không hợp lệ.")
    return base[:150]


__all__ = ["Assistant", "QuestionError", "safe_filename", "doc_id_for"]
