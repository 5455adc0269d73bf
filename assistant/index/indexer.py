"""Files -> documents -> chunks -> index, incrementally.

Each file is committed on its own (see ``store`` for the protocol), so a failure or an
interruption costs at most the file in progress, and a re-run picks up where it stopped: the
committed files are "unchanged", and the chunks of the interrupted file that were already
embedded come from the embedding cache (written batch by batch).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from assistant.ingest.cleaning import clean_text
from assistant.index.embedding import CachedEmbedder
from assistant.ingest.fidelity import WARN_BELOW, Coverage, text_coverage
from assistant.ingest.loading import PageSpan, RawFile, discover, doc_id_for, read_file
from assistant.core.settings import ReadLimits
from assistant.core.errors import LoadError
from assistant.core.models import Chunk, Document, document_name
from assistant.core.progress import progress_bar, step_log
from assistant.core.settings import DEFAULT_EMBED_BATCH
from assistant.index.sparse import passage_vectors
from assistant.index.store import DocumentRecord, VectorStore, date_bounds, point_id
from assistant.ingest.structure import build_chunks, mark_fields, parse_document
from assistant.index.terms import DocTerms, TermIndex

PIPELINE_VERSION = "15"  # bump when cleaning/parsing/chunking changes: every file re-ingests
MAX_DROPPED_KEPT = 200  # dropped lines kept in the registry per document (the coverage says how much)
PARSE_BAR_FILES = 20  # reading and parsing takes ~40 ms a file: a bar only for bigger folders


@dataclass
class FileResult:
    source: str
    doc_id: str
    status: str  # "indexed", "unchanged", "failed", "removed", "parsed"
    chunks: int = 0
    chars: int = 0
    articles: int = 0  # "Điều" count, for laws
    doc_type: str = ""
    number: str = ""
    error: str = ""
    embed_chars: int = 0  # characters the embedder sees (chunk text with its headings)
    coverage: float | None = None  # share of the file's text that reached the index (fidelity.py)
    dropped_lines: list[str] = field(default_factory=list)  # the file's lines that did not

    @property
    def low_coverage(self) -> bool:
        return self.coverage is not None and self.coverage < WARN_BELOW


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0
    embed_seconds: float = 0.0
    embedded_chars: int = 0
    cache_hits: int = 0
    dry_run: bool = False
    optimize_seconds: float = 0.0  # building the vector index after the writes (Qdrant Edge)
    migrated: dict[str, Any] | None = None  # an old local-mode index copied into Qdrant Edge first

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def chunks(self) -> int:
        return sum(f.chunks for f in self.files if f.status in ("indexed", "parsed"))

    @property
    def chars(self) -> int:
        return sum(f.chars for f in self.files if f.status in ("indexed", "parsed"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "documents": self.count("parsed" if self.dry_run else "indexed"),
            "unchanged": self.count("unchanged"),
            "removed": self.count("removed"),
            "failed": self.count("failed"),
            "chunks": self.chunks,
            "chars": self.chars,
            "embed_chars": sum(f.embed_chars for f in self.files if f.status in ("indexed", "parsed")),
            "seconds": round(self.seconds, 2),
            "embed_seconds": round(self.embed_seconds, 2),
            "embedded_chars": self.embedded_chars,
            "cache_hits": self.cache_hits,
            "optimize_seconds": round(self.optimize_seconds, 2),
            "migrated": self.migrated,
            "files": [f.__dict__ for f in self.files],
        }


def make_document(raw: RawFile, pipeline_version: str = PIPELINE_VERSION) -> tuple[Document, list[Chunk], int]:
    """Clean, parse and chunk one file. Pure apart from the RawFile already read."""
    doc, chunks, articles, _ = parse_file(raw, pipeline_version)
    return doc, chunks, articles


def parse_file(raw: RawFile, pipeline_version: str = PIPELINE_VERSION
               ) -> tuple[Document, list[Chunk], int, Coverage]:
    """``make_document`` with the check of what reached the chunks (fidelity.py)."""
    cleaned = clean_text(raw.text).text
    if not cleaned.strip():
        raise LoadError(f"{raw.path.name}: không còn nội dung sau khi làm sạch")
    doc_id = doc_id_for(raw.source)
    parsed = parse_document(cleaned)
    doc = Document(doc_id, raw.source, cleaned, parsed.meta, f"{raw.sha256[:16]}-p{pipeline_version}")
    chunks = build_chunks(doc_id, cleaned, parsed.blocks)
    mark_fields(chunks, parsed.meta)
    if not chunks:
        raise LoadError(f"{raw.path.name}: không tách được đoạn nào từ nội dung")
    if raw.pages:
        assign_pages(chunks, raw.text, raw.pages)
    articles = sum(1 for b in parsed.blocks if b.kind == "dieu")
    cov = text_coverage(raw.text, (t for c in chunks for t in (c.text, c.section)))
    return doc, chunks, articles, cov


def assign_pages(chunks: list[Chunk], raw_text: str, pages: list[PageSpan]) -> None:
    """Set each chunk's page (the one it starts on) and OCR mark. Cleaning joins lines and drops
    marks, so offsets into the raw text are lost: each chunk's opening letters and digits are
    found, in order, among the raw text's letters and digits (case and punctuation ignored)."""
    import bisect
    import unicodedata

    skeleton: list[str] = []
    starts: list[int] = []  # where each page begins in the skeleton
    for span in pages:
        starts.append(sum(len(x) for x in skeleton))
        piece = unicodedata.normalize("NFC", raw_text[span.start:span.end]).lower()
        skeleton.append("".join(c for c in piece if c.isalnum()))
    flat = "".join(skeleton)
    pos, current = 0, 0
    for chunk in chunks:
        key = "".join(c for c in unicodedata.normalize("NFC", chunk.text).lower() if c.isalnum())
        found = -1
        for n in (40, 12):  # a long prefix first: short ones repeat ("1.", "Điều 2")
            if key[:n]:
                found = flat.find(key[:n], pos)
                if found >= 0:
                    break
        if found >= 0:
            current = bisect.bisect_right(starts, found) - 1
            pos = found
        chunk.page, chunk.ocr = pages[current].page, pages[current].ocr


def doc_label(doc: Document) -> str:
    """Words that identify the document. Added to every chunk's sparse terms, so a question
    naming the document ("Chỉ thị 04 của An Giang…") lifts all its paragraphs equally and the
    paragraph's own content decides between them."""
    m = doc.meta
    return " ".join(x for x in (m.doc_type, m.number.replace("/", " ").replace("-", " "), m.issuer, m.province,
                                m.place) if x)


def chunk_payload(doc: Document, chunk: Chunk) -> dict[str, Any]:
    lo, hi = date_bounds(doc.meta.date)
    # in force from its stated effective date, else from its issue date (the earliest it can be)
    effective = date_bounds(doc.meta.effective_date)[0] if doc.meta.effective_date else lo
    return {
        "chunk_id": chunk.chunk_id, "doc_id": doc.doc_id, "version": doc.version,
        "position": chunk.position, "text": chunk.text, "start": chunk.start, "end": chunk.end,
        "section": chunk.section, "headings": chunk.headings, "source": doc.source,
        "doc_title": doc.title, "doc_name": document_name(doc.meta), "doc_type": doc.meta.doc_type, "doc_number": doc.meta.number,
        "doc_date": doc.meta.date, "date_min": lo, "date_max": hi, "effective_min": effective,
        "effective_date": doc.meta.effective_date, "parent_issuer": doc.meta.parent_issuer,
        "issuer": doc.meta.issuer,
        "province": doc.meta.province, "block_kind": chunk.kind, "marker": chunk.marker,
        "outline": [list(x) for x in chunk.outline], "article": chunk.article, "locator": chunk.locator,
        "page": chunk.page, "ocr": chunk.ocr, "columns": chunk.columns, "cells": chunk.cells, "fields": chunk.fields,
    }


class Ingestor:
    def __init__(self, store: VectorStore | None, embedder: CachedEmbedder | None,
                 progress: bool = True, on_file: Callable[[FileResult], None] | None = None,
                 limits: ReadLimits | None = None, terms: TermIndex | None = None,
                 batch_size: int = DEFAULT_EMBED_BATCH) -> None:
        self.store = store
        self.embedder = embedder
        self.progress = progress
        self.on_file = on_file
        self.limits = limits
        self.terms = terms
        self.batch_size = batch_size

    def run(self, paths: list[Path], dry_run: bool = False, prune: bool = True) -> IngestReport:
        """Two passes: read and parse every file (fast), so the run knows how many characters
        it has to embed; then embed and commit each changed file, with one ETA for the run."""
        t0 = time.perf_counter()
        report = IngestReport(dry_run=dry_run)
        files, problems = discover(paths)
        for path, reason in problems:
            report.files.append(FileResult(str(path), "", "failed", error=reason))

        registry: dict[str, DocumentRecord] = {}
        if not dry_run:
            assert self.store is not None and self.embedder is not None
            self.store.ensure_collections(self.embedder.model_id, self.embedder.dim)
            self.store.remove_uncommitted()  # leftovers of an interrupted run
            registry = self.store.documents(fresh=True)

        results: list[FileResult] = []
        todo: list[tuple[int, Document, list[Chunk], Path, Coverage]] = []
        with progress_bar("Đọc tệp", len(files), "tệp", self.progress and (dry_run or len(files) > PARSE_BAR_FILES)) \
                as advance:
            owner: dict[str, str] = {}  # doc_id -> the file that has it in this run
            for path, root in files:
                result, parsed = self._prepare(path, root, registry, dry_run)
                if result.doc_id and result.doc_id in owner and result.status != "failed":
                    # "中文.txt" and "日本語.txt" both fold to "document": index the first, say so
                    result = FileResult(result.source, "", "failed", error=(
                        f"trùng mã văn bản '{result.doc_id}' với {owner[result.doc_id]}: hãy đổi tên một trong hai tệp"))
                    parsed = None
                elif result.doc_id and result.status != "failed":
                    owner.setdefault(result.doc_id, result.source)
                results.append(result)
                if parsed is not None:
                    todo.append((len(results) - 1, parsed[0], parsed[1], root, parsed[2]))
                elif self.on_file:
                    self.on_file(result)
                advance(1)

        total_chars = sum(len(c.embed_text()) for _, _, chunks, _, _ in todo for c in chunks)
        log = step_log(self.progress)
        with progress_bar("Nhúng", total_chars, "ký tự", self.progress) as advance:
            for k, (i, doc, chunks, root, cov) in enumerate(todo, 1):
                self.index_document(doc, chunks, root, advance, cov)
                log(f"Đã nạp {k}/{len(todo)}: {doc.source} ({len(chunks)} đoạn)")
                if self.on_file:
                    self.on_file(results[i])
        report.files.extend(results)
        seen_ids = {r.doc_id for r in results if r.doc_id}

        if prune and not dry_run and self.store is not None:
            roots = {str(p.resolve()) for p in paths if p.is_dir()}
            for doc_id, rec in self.store.documents(fresh=True).items():
                if doc_id not in seen_ids and rec.root in roots:
                    self.store.delete_document(doc_id)
                    if self.terms is not None:
                        self.terms.remove(doc_id)
                    report.files.append(FileResult(rec.source, doc_id, "removed"))

        if not dry_run and self.store is not None and (report.count("indexed") or report.count("removed")):
            t_opt = time.perf_counter()
            self.store.optimize()
            report.optimize_seconds = time.perf_counter() - t_opt

        if self.embedder is not None:
            report.embed_seconds = self.embedder.embed_seconds
            report.embedded_chars = self.embedder.embedded_chars
            report.cache_hits = self.embedder.hits
        report.seconds = time.perf_counter() - t0
        return report

    def ingest_file(self, path: Path, root: Path) -> FileResult:
        """Ingest one file (an upload) without touching the rest of the index."""
        assert self.store is not None and self.embedder is not None
        self.store.ensure_collections(self.embedder.model_id, self.embedder.dim)
        result, parsed = self._prepare(path, root, self.store.documents(fresh=True), False)
        if parsed is not None:
            self.index_document(parsed[0], parsed[1], root, coverage=parsed[2])
        return result

    def _prepare(self, path: Path, root: Path, registry: dict[str, DocumentRecord], dry_run: bool
                 ) -> tuple[FileResult, tuple[Document, list[Chunk], Coverage] | None]:
        """Read and parse one file: its result, and the document to index if it changed."""
        try:
            raw = read_file(path, root, self.limits)
        except LoadError as e:
            return FileResult(str(path), doc_id_for(path.name), "failed", error=str(e)), None
        doc_id = doc_id_for(raw.source)
        version = f"{raw.sha256[:16]}-p{PIPELINE_VERSION}"
        old = registry.get(doc_id)
        if not dry_run and old is not None and old.version == version:
            return FileResult(raw.source, doc_id, "unchanged", old.chunk_count, old.chars,
                              doc_type=old.meta.doc_type, number=old.meta.number, coverage=old.coverage,
                              dropped_lines=old.dropped_lines), None
        try:
            doc, chunks, articles, cov = parse_file(raw)
        except LoadError as e:
            return FileResult(raw.source, doc_id, "failed", error=str(e)), None
        result = FileResult(raw.source, doc_id, "parsed" if dry_run else "indexed", len(chunks),
                            len(doc.text), articles, doc.meta.doc_type, doc.meta.number,
                            embed_chars=sum(len(c.embed_text()) for c in chunks), coverage=round(cov.share, 4),
                            dropped_lines=cov.dropped)
        return result, (None if dry_run else (doc, chunks, cov))

    def index_document(self, doc: Document, chunks: list[Chunk], root: Path | None,
                       advance: Callable[[int], None] | None = None, coverage: Coverage | None = None) -> None:
        """Write a parsed document: chunks under its new version, then the commit, then cleanup."""
        assert self.store is not None and self.embedder is not None
        size = self.batch_size
        try:
            for i, batch in enumerate(point_batches(doc, chunks, self.embedder, size)):
                self.store.upsert_chunks(*batch)
                if advance is not None:  # characters embedded: the progress bar's unit
                    advance(sum(len(c.embed_text()) for c in chunks[i * size:(i + 1) * size]))
            self.store.put_document(document_record(doc, len(chunks), root, coverage))  # the commit point
        except BaseException:
            try:  # a full disk, an interrupt: the version stays uncommitted (unsearchable); drop its chunks now
                self.store.discard_uncommitted(doc.doc_id, doc.version)
            except Exception:
                pass  # the next ingest or server start removes them (remove_uncommitted)
            raise
        if self.terms is not None:  # its share of the term statistics, keyed by the version just committed
            self.terms.put(doc.doc_id, doc.version, DocTerms.from_texts(c.text for c in chunks))
        self.store.delete_chunks(doc.doc_id, keep_version=doc.version)


PointBatch = tuple[list[str], Any, list[dict[str, Any]], list[dict[str, Any]]]  # ids, dense, sparse, payloads


def point_batches(doc: Document, chunks: list[Chunk], embedder: CachedEmbedder, size: int = DEFAULT_EMBED_BATCH):
    """The index points of a document, embedded a batch at a time (the upload worker sends
    each batch to the server as it is ready)."""
    label = doc_label(doc)
    for i in range(0, len(chunks), size):
        batch = chunks[i : i + size]
        texts = [c.embed_text() for c in batch]
        dense = embedder.embed_passages(texts)
        sparse = [passage_vectors(t + "\n" + label) for t in texts]
        yield ([point_id(c.chunk_id, doc.version) for c in batch], dense, sparse,
               [chunk_payload(doc, c) for c in batch])


def document_record(doc: Document, chunk_count: int, root: Path | None, coverage: Coverage | None = None
                    ) -> DocumentRecord:
    return DocumentRecord(doc.doc_id, doc.source, doc.version, doc.title, doc.meta, chunk_count,
                          len(doc.text), root=str(root.resolve()) if root is not None else "",
                          coverage=round(coverage.share, 4) if coverage else None,
                          dropped_lines=coverage.dropped[:MAX_DROPPED_KEPT] if coverage else [])
