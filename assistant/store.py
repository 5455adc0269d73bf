"""The vector store behind a small interface: Qdrant, embedded (local mode) or a server by URL.

Two collections: ``<name>`` holds one point per chunk (named dense + sparse vectors, flat
payload) and ``<name>_documents`` holds one point per document (its committed version and
metadata) plus one record of which embedder built the index.

Consistency without transactions: a document's new chunks are written under its new version,
then the document record is switched to that version (one atomic point write: the commit),
then the old version's chunks are deleted. Searches drop any chunk whose version is not the
committed one, so an ingest interrupted at any moment leaves the index usable; the next
ingest removes the leftovers.
"""
from __future__ import annotations

import threading
import warnings
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .models import DocumentMeta, Hit
from .sparse import SparseVector

_NS = uuid.UUID("6f1c7a52-4a0e-4d8e-9a55-7f2d3b1e9c01")
_META_ID = str(uuid.uuid5(_NS, "index-meta"))
DENSE = "dense"
SPARSE = "sparse"


class StoreError(Exception):
    pass


class IndexBusyError(StoreError):
    pass


class IndexMismatchError(StoreError):
    pass


class IndexMissingError(StoreError):
    pass


@dataclass
class DocumentRecord:
    doc_id: str
    source: str
    version: str
    title: str
    meta: DocumentMeta
    chunk_count: int = 0
    chars: int = 0
    root: str = ""  # the folder it was ingested from: pruning only touches that folder's documents
    ingested_at: float = field(default_factory=time.time)

    def to_payload(self) -> dict[str, Any]:
        d = asdict(self)
        d["meta"] = self.meta.to_dict()
        d["kind"] = "document"
        return d

    @classmethod
    def from_payload(cls, p: dict[str, Any]) -> "DocumentRecord":
        return cls(
            doc_id=p["doc_id"], source=p["source"], version=p["version"], title=p.get("title", ""),
            meta=DocumentMeta.from_dict(p.get("meta", {})), chunk_count=p.get("chunk_count", 0),
            chars=p.get("chars", 0), root=p.get("root", ""), ingested_at=p.get("ingested_at", 0.0),
        )


@dataclass
class SearchFilter:
    """Restrict a search. Every field is optional; lists mean "any of"."""

    doc_ids: list[str] = field(default_factory=list)
    doc_types: list[str] = field(default_factory=list)
    issuer: str | None = None  # substring of the issuing body
    province: str | None = None
    date_from: str | None = None  # "2023", "2023-06" or "2023-06-30"
    date_to: str | None = None

    def is_empty(self) -> bool:
        return not (self.doc_ids or self.doc_types or self.issuer or self.province or self.date_from or self.date_to)


def date_bounds(date: str) -> tuple[int, int]:
    """"2025-02" -> (20250201, 20250231): a partial date covers a range."""
    if not date:
        return 0, 99999999
    parts = date.split("-")
    y = int(parts[0])
    if len(parts) == 1:
        return y * 10000 + 101, y * 10000 + 1231
    m = int(parts[1])
    if len(parts) == 2:
        return y * 10000 + m * 100 + 1, y * 10000 + m * 100 + 31
    d = int(parts[2])
    return y * 10000 + m * 100 + d, y * 10000 + m * 100 + d


def point_id(chunk_id: str, version: str) -> str:
    return str(uuid.uuid5(_NS, f"{chunk_id}@{version}"))


class QdrantStore:
    def __init__(self, path: Path | None, url: str | None, collection: str, api_key: str | None = None,
                 must_exist: bool = False) -> None:
        from qdrant_client import QdrantClient

        self.collection = collection
        self.documents_collection = f"{collection}_documents"
        self.location = url or str(path)
        self._lock = threading.RLock()  # local mode is not thread-safe
        if url:
            self.client = QdrantClient(url=url, api_key=api_key, timeout=30)
        else:
            assert path is not None
            if must_exist and not (path / "collection" / collection).exists():
                raise IndexMissingError(
                    f"Chưa có chỉ mục tại {path}. Hãy chạy `assistant ingest` trước."
                )
            path.mkdir(parents=True, exist_ok=True)
            try:
                self.client = QdrantClient(path=str(path))
            except RuntimeError as e:
                if "already accessed" in str(e):
                    raise IndexBusyError(
                        f"Chỉ mục {path} đang được một tiến trình khác sử dụng (ví dụ `assistant serve`). "
                        "Hãy dừng tiến trình đó, hoặc tải tệp lên qua máy chủ: "
                        "`curl -F file=@tep.txt http://HOST:PORT/v1/documents`."
                    ) from e
                raise
        self._registry: dict[str, DocumentRecord] | None = None
        self._registry_loaded = 0.0

    # -- schema ------------------------------------------------------------------------
    def exists(self) -> bool:
        with self._lock:
            return self.client.collection_exists(self.collection)

    def ensure_collections(self, model_id: str, dim: int) -> None:
        from qdrant_client import models as qm

        with self._lock:
            if not self.client.collection_exists(self.collection):
                self.client.create_collection(
                    self.collection,
                    vectors_config={DENSE: qm.VectorParams(size=dim, distance=qm.Distance.COSINE)},
                    sparse_vectors_config={SPARSE: qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
                )
                for key, schema in (  # used by a server; local mode ignores them (warns once)("doc_id", qm.PayloadSchemaType.KEYWORD),
                                    ("doc_type", qm.PayloadSchemaType.KEYWORD),
                                    ("province", qm.PayloadSchemaType.KEYWORD),
                                    ("date_min", qm.PayloadSchemaType.INTEGER),
                                    ("date_max", qm.PayloadSchemaType.INTEGER)):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        self.client.create_payload_index(self.collection, key, schema)
            if not self.client.collection_exists(self.documents_collection):
                self.client.create_collection(self.documents_collection, vectors_config={})
            meta = self.index_meta()
            if meta is None:
                self.client.upsert(self.documents_collection, [qm.PointStruct(
                    id=_META_ID, vector={}, payload={"kind": "index_meta", "embedder": model_id, "dim": dim})])
            else:
                self.check_embedder(model_id, dim, meta)

    def index_meta(self) -> dict[str, Any] | None:
        with self._lock:
            if not self.client.collection_exists(self.documents_collection):
                return None
            got = self.client.retrieve(self.documents_collection, [_META_ID], with_payload=True)
        return got[0].payload if got else None

    def check_embedder(self, model_id: str, dim: int, meta: dict[str, Any] | None = None) -> None:
        meta = meta if meta is not None else self.index_meta()
        if meta and (meta.get("embedder") != model_id or meta.get("dim") != dim):
            raise IndexMismatchError(
                f"Chỉ mục này được tạo bằng embedder '{meta.get('embedder')}' ({meta.get('dim')} chiều), "
                f"không dùng được với '{model_id}' ({dim} chiều). Dùng lại embedder cũ "
                f"(ASSISTANT_EMBEDDER) hoặc tạo chỉ mục mới: `assistant ingest --rebuild`."
            )

    def drop(self) -> None:
        with self._lock:
            for name in (self.collection, self.documents_collection):
                if self.client.collection_exists(name):
                    self.client.delete_collection(name)
            self._registry = None

    # -- documents -----------------------------------------------------------------------
    def documents(self, fresh: bool = False) -> dict[str, DocumentRecord]:
        with self._lock:
            stale = time.time() - self._registry_loaded > 5.0 and self.location.startswith("http")
            if self._registry is None or fresh or stale:
                reg: dict[str, DocumentRecord] = {}
                if self.client.collection_exists(self.documents_collection):
                    offset = None
                    while True:
                        pts, offset = self.client.scroll(self.documents_collection, limit=512, offset=offset,
                                                         with_payload=True)
                        for p in pts:
                            if p.payload and p.payload.get("kind") == "document":
                                rec = DocumentRecord.from_payload(p.payload)
                                reg[rec.doc_id] = rec
                        if offset is None:
                            break
                self._registry = reg
                self._registry_loaded = time.time()
            return dict(self._registry)

    def put_document(self, rec: DocumentRecord) -> None:
        from qdrant_client import models as qm

        with self._lock:
            self.client.upsert(self.documents_collection, [qm.PointStruct(
                id=str(uuid.uuid5(_NS, "doc:" + rec.doc_id)), vector={}, payload=rec.to_payload())], wait=True)
            if self._registry is not None:
                self._registry[rec.doc_id] = rec

    def delete_document(self, doc_id: str) -> None:
        """Remove the record first (chunks become invisible at once), then the chunks."""
        from qdrant_client import models as qm

        with self._lock:
            self.client.delete(self.documents_collection,
                               points_selector=qm.PointIdsList(points=[str(uuid.uuid5(_NS, "doc:" + doc_id))]),
                               wait=True)
            if self._registry is not None:
                self._registry.pop(doc_id, None)
            self.delete_chunks(doc_id)

    # -- chunks --------------------------------------------------------------------------
    def upsert_chunks(self, ids: list[str], dense: np.ndarray, sparse: list[SparseVector],
                      payloads: list[dict[str, Any]]) -> None:
        from qdrant_client import models as qm

        points = [
            qm.PointStruct(id=pid, vector={DENSE: dense[i].tolist(),
                                           SPARSE: qm.SparseVector(indices=sparse[i].indices, values=sparse[i].values)},
                           payload=payloads[i])
            for i, pid in enumerate(ids)
        ]
        with self._lock:
            self.client.upsert(self.collection, points, wait=True)

    def delete_chunks(self, doc_id: str, keep_version: str | None = None) -> None:
        from qdrant_client import models as qm

        must = [qm.FieldCondition(key="doc_id", match=qm.MatchValue(value=doc_id))]
        must_not = [qm.FieldCondition(key="version", match=qm.MatchValue(value=keep_version))] if keep_version else []
        with self._lock:
            self.client.delete(self.collection, points_selector=qm.FilterSelector(
                filter=qm.Filter(must=must, must_not=must_not)), wait=True)

    def stray_doc_versions(self) -> set[tuple[str, str]]:
        """(doc_id, version) pairs present in the chunks but not committed: leftovers of an
        interrupted ingest."""
        committed = {(r.doc_id, r.version) for r in self.documents(fresh=True).values()}
        seen: set[tuple[str, str]] = set()
        offset = None
        with self._lock:
            while True:
                pts, offset = self.client.scroll(self.collection, limit=2048, offset=offset,
                                                 with_payload=["doc_id", "version"])
                for p in pts:
                    seen.add((p.payload["doc_id"], p.payload["version"]))
                if offset is None:
                    break
        return seen - committed

    def delete_version(self, doc_id: str, version: str) -> None:
        from qdrant_client import models as qm

        with self._lock:
            self.client.delete(self.collection, points_selector=qm.FilterSelector(filter=qm.Filter(must=[
                qm.FieldCondition(key="doc_id", match=qm.MatchValue(value=doc_id)),
                qm.FieldCondition(key="version", match=qm.MatchValue(value=version))])), wait=True)

    def count_chunks(self) -> int:
        with self._lock:
            if not self.client.collection_exists(self.collection):
                return 0
            return self.client.count(self.collection, exact=True).count

    def chunks_of(self, doc_id: str) -> list[dict[str, Any]]:
        """The committed chunks of a document, in document order."""
        from qdrant_client import models as qm

        rec = self.documents().get(doc_id)
        if rec is None:
            return []
        out: list[dict[str, Any]] = []
        offset = None
        flt = qm.Filter(must=[qm.FieldCondition(key="doc_id", match=qm.MatchValue(value=doc_id)),
                              qm.FieldCondition(key="version", match=qm.MatchValue(value=rec.version))])
        with self._lock:
            while True:
                pts, offset = self.client.scroll(self.collection, scroll_filter=flt, limit=1024, offset=offset,
                                                 with_payload=True)
                out.extend(p.payload for p in pts)
                if offset is None:
                    break
        return sorted(out, key=lambda p: p["position"])

    # -- search --------------------------------------------------------------------------
    def search(self, dense: np.ndarray, sparse: SparseVector, limit: int,
               flt: SearchFilter | None = None, candidates: int = 50) -> list[Hit]:
        """Hybrid search: dense and sparse candidates fused by Qdrant's RRF in one query.
        Each hit's score is its dense cosine similarity (a calibrated signal; RRF is rank-only)."""
        from qdrant_client import models as qm

        qfilter = self._filter(flt)
        prefetch = [qm.Prefetch(query=dense.tolist(), using=DENSE, limit=candidates, filter=qfilter)]
        if sparse.indices:
            prefetch.append(qm.Prefetch(query=qm.SparseVector(indices=sparse.indices, values=sparse.values),
                                        using=SPARSE, limit=candidates, filter=qfilter))
        registry = self.documents()
        with self._lock:
            res = self.client.query_points(self.collection, prefetch=prefetch,
                                           query=qm.FusionQuery(fusion=qm.Fusion.RRF),
                                           limit=limit + 10, with_payload=True, with_vectors=[DENSE])
        hits: list[Hit] = []
        for p in res.points:
            pl = p.payload or {}
            rec = registry.get(pl.get("doc_id", ""))
            if rec is None or rec.version != pl.get("version"):
                continue  # uncommitted or superseded chunk
            vec = p.vector.get(DENSE) if isinstance(p.vector, dict) else None
            cos = float(np.dot(np.asarray(vec, dtype=np.float32), dense)) if vec is not None else float(p.score)
            hits.append(payload_to_hit(pl, cos))
            if len(hits) >= limit:
                break
        return hits

    def _filter(self, flt: SearchFilter | None):
        from qdrant_client import models as qm

        if flt is None or flt.is_empty():
            return None
        must = []
        if flt.doc_ids:
            must.append(qm.FieldCondition(key="doc_id", match=qm.MatchAny(any=flt.doc_ids)))
        if flt.doc_types:
            must.append(qm.FieldCondition(key="doc_type", match=qm.MatchAny(any=flt.doc_types)))
        if flt.province:
            must.append(qm.FieldCondition(key="province", match=qm.MatchValue(value=flt.province)))
        if flt.issuer:
            must.append(qm.FieldCondition(key="issuer", match=qm.MatchText(text=flt.issuer)))
        if flt.date_from:
            must.append(qm.FieldCondition(key="date_max", range=qm.Range(gte=date_bounds(flt.date_from)[0])))
        if flt.date_to:
            must.append(qm.FieldCondition(key="date_min", range=qm.Range(lte=date_bounds(flt.date_to)[1])))
        return qm.Filter(must=must)

    def close(self) -> None:
        with self._lock:
            try:
                self.client.close()
            except Exception:
                pass


def payload_to_hit(pl: dict[str, Any], score: float) -> Hit:
    return Hit(
        chunk_id=pl["chunk_id"], doc_id=pl["doc_id"], score=round(score, 4), text=pl["text"],
        section=pl.get("section", ""), position=pl.get("position", 0), start=pl.get("start", 0),
        end=pl.get("end", 0), source=pl.get("source", ""), doc_title=pl.get("doc_title", ""),
        doc_type=pl.get("doc_type", ""), doc_number=pl.get("doc_number", ""), doc_date=pl.get("doc_date", ""),
        issuer=pl.get("issuer", ""), province=pl.get("province", ""), headings=pl.get("headings", []),
        version=pl.get("version", ""),
    )
