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

import shutil
import threading
import warnings
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any


from assistant.core.models import DocumentMeta, Hit

if TYPE_CHECKING:
    import numpy as np  # imported where vectors are handled: `assistant docs` opens the store without it
from assistant.index.sparse import SPARSE_FIELDS, SparseQuery, SparseVector
from assistant.core.errors import StoreError

_NS = uuid.UUID("6f1c7a52-4a0e-4d8e-9a55-7f2d3b1e9c01")
_META_ID = str(uuid.uuid5(_NS, "index-meta"))
DENSE = "dense"
SCHEMA = 2  # bump when the collection layout changes: an older index must be rebuilt
# RRF constant: score = Σ 1 / (rank + k). qdrant-client's local mode and a Qdrant server use
# k = 2; the embedded Edge engine takes it as a parameter and must use the same, or the same
# index answers differently (dev set hit@5 0.89 with k = 60 against 0.98 with k = 2).
RRF_K = 2



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
    coverage: float | None = None  # share of the file's text that reached the index (fidelity.py)
    dropped_lines: list[str] = field(default_factory=list)  # the file's lines that did not

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
            coverage=p.get("coverage"), dropped_lines=p.get("dropped_lines", []),
        )


@dataclass
class SearchFilter:
    """Restrict a search. Every field is optional; lists mean "any of"."""

    doc_ids: list[str] = field(default_factory=list)
    doc_types: list[str] = field(default_factory=list)
    issuer: str | None = None  # substring of the issuing body
    province: str | None = None
    date_from: str | None = None  # "2023", "2023-06" or "2023-06-30": the issue date, from
    date_to: str | None = None
    in_force: str | None = None  # documents in force on this date: taken effect, not repealed
    exclude_doc_ids: list[str] = field(default_factory=list)  # set by the service: repealed by then

    def is_empty(self) -> bool:
        return not (self.doc_ids or self.doc_types or self.issuer or self.province or self.date_from or self.date_to
                    or self.in_force or self.exclude_doc_ids)


@dataclass
class CollectionOptions:
    """How the chunks collection is laid out on a Qdrant server or cluster (settings
    ``qdrant_*``). Applied when the assistant creates the collection; embedded stores ignore it."""

    shards: int = 1
    replication_factor: int = 1
    write_consistency: int = 1
    on_disk_payload: bool = True
    on_disk_vectors: bool = False


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


Cond = tuple  # (key, op, value); op is "eq", "any", "except" (none of), "text", "gte" or "lte"


def filter_conditions(flt: SearchFilter | None) -> list[Cond]:
    """A SearchFilter as backend-neutral conditions (all must hold)."""
    if flt is None or flt.is_empty():
        return []
    conds: list[Cond] = []
    if flt.doc_ids:
        conds.append(("doc_id", "any", list(flt.doc_ids)))
    if flt.doc_types:
        conds.append(("doc_type", "any", list(flt.doc_types)))
    if flt.province:
        conds.append(("province", "eq", flt.province))
    if flt.issuer:
        conds.append(("issuer", "text", flt.issuer))
    if flt.date_from:
        conds.append(("date_max", "gte", date_bounds(flt.date_from)[0]))
    if flt.date_to:
        conds.append(("date_min", "lte", date_bounds(flt.date_to)[1]))
    if flt.in_force:
        conds.append(("effective_min", "lte", date_bounds(flt.in_force)[1]))
    if flt.exclude_doc_ids:
        conds.append(("doc_id", "except", list(flt.exclude_doc_ids)))
    return conds


class VectorStore:
    """What the pipeline needs from a vector store. Subclasses implement the primitives (the
    methods starting with ``_``); the commit protocol and the committed-version filter live here."""

    location: str = ""
    backend: str = ""  # for reports: "qdrant-local", "qdrant-server", "qdrant-edge"

    def __init__(self) -> None:
        self._lock = threading.RLock()  # embedded engines are not thread-safe
        self._registry: dict[str, DocumentRecord] | None = None
        self._registry_loaded = 0.0
        self._remote = False
        self._pending: set[str] = set()  # versions being written now: searches skip them in the query

    # -- primitives ----------------------------------------------------------------------
    def _exists(self) -> bool: raise NotImplementedError
    def _create(self, dim: int) -> None: raise NotImplementedError
    def _drop(self) -> None: raise NotImplementedError
    def _put_record(self, pid: str, payload: dict[str, Any]) -> None: raise NotImplementedError
    def _get_record(self, pid: str) -> dict[str, Any] | None: raise NotImplementedError
    def _delete_records(self, pids: list[str]) -> None: raise NotImplementedError
    def _scroll_records(self) -> list[dict[str, Any]]: raise NotImplementedError
    def _upsert(self, ids: list[str], dense: np.ndarray, sparse: list[dict[str, SparseVector]],
                payloads: list[dict[str, Any]]) -> None: raise NotImplementedError
    def _delete_chunks_where(self, must: list[Cond], must_not: list[Cond]) -> None: raise NotImplementedError
    def _scroll_chunks(self, must: list[Cond], fields: list[str] | None) -> list[dict[str, Any]]: raise NotImplementedError
    def _count_chunks(self) -> int: raise NotImplementedError
    def _scroll_points(self, records: bool, batch: int) -> Any: raise NotImplementedError
    def _hybrid(self, dense: np.ndarray, sparse: SparseQuery, limit: int, candidates: int,
                must: list[Cond]) -> list[tuple[dict[str, Any], list[float] | None, float]]: raise NotImplementedError
    def close(self) -> None: raise NotImplementedError

    # -- schema ------------------------------------------------------------------------
    def exists(self) -> bool:
        with self._lock:
            return self._exists()

    def ensure_collections(self, model_id: str, dim: int) -> None:
        with self._lock:
            self._create(dim)
            meta = self.index_meta()
            if meta is None:
                self._put_record(_META_ID, {"kind": "index_meta", "embedder": model_id, "dim": dim,
                                            "schema": SCHEMA})
            else:
                self.check_embedder(model_id, dim, meta)

    def index_meta(self) -> dict[str, Any] | None:
        with self._lock:
            return self._get_record(_META_ID) if self._exists() else None

    def check_embedder(self, model_id: str, dim: int, meta: dict[str, Any] | None = None) -> None:
        meta = meta if meta is not None else self.index_meta()
        if meta and meta.get("schema", 1) != SCHEMA:
            raise IndexMismatchError(
                f"Chỉ mục ở {self.location} được tạo bằng phiên bản cũ của trợ lý (cấu trúc {meta.get('schema', 1)}, "
                f"cần {SCHEMA}). Hãy tạo lại: `assistant ingest --rebuild` (các đoạn đã nhúng được lấy từ bộ nhớ "
                f"đệm, nên chỉ mất ít phút)."
            )
        if meta and (meta.get("embedder") != model_id or meta.get("dim") != dim):
            raise IndexMismatchError(
                f"Chỉ mục này được tạo bằng embedder '{meta.get('embedder')}' ({meta.get('dim')} chiều), "
                f"không dùng được với '{model_id}' ({dim} chiều). Dùng lại embedder cũ "
                f"(ASSISTANT_EMBEDDER) hoặc tạo chỉ mục mới: `assistant ingest --rebuild`."
            )

    def drop(self) -> None:
        with self._lock:
            self._drop()
            self._registry = None

    def optimize(self) -> bool:
        """Build the vector indexes for what was written (Qdrant Edge has no background
        optimizer; a server and local mode need nothing). True when something was done."""
        return False

    # -- documents -----------------------------------------------------------------------
    def documents(self, fresh: bool = False) -> dict[str, DocumentRecord]:
        with self._lock:
            stale = self._remote and time.time() - self._registry_loaded > 5.0  # other writers
            if self._registry is None or fresh or stale:
                reg: dict[str, DocumentRecord] = {}
                if self._exists():
                    for p in self._scroll_records():
                        if p.get("kind") == "document":
                            rec = DocumentRecord.from_payload(p)
                            reg[rec.doc_id] = rec
                self._registry = reg
                self._registry_loaded = time.time()
            return dict(self._registry)

    def put_document(self, rec: DocumentRecord) -> None:
        """Switch the document to its new version: one point write, the commit."""
        with self._lock:
            self._put_record(str(uuid.uuid5(_NS, "doc:" + rec.doc_id)), rec.to_payload())
            if self._registry is not None:
                self._registry[rec.doc_id] = rec
            self._pending.discard(rec.version)

    def delete_document(self, doc_id: str) -> None:
        """Remove the record first (chunks become invisible at once), then the chunks."""
        with self._lock:
            self._delete_records([str(uuid.uuid5(_NS, "doc:" + doc_id))])
            if self._registry is not None:
                self._registry.pop(doc_id, None)
            self.delete_chunks(doc_id)

    # -- chunks --------------------------------------------------------------------------
    def upsert_chunks(self, ids: list[str], dense: np.ndarray, sparse: list[dict[str, SparseVector]],
                      payloads: list[dict[str, Any]]) -> None:
        with self._lock:
            registry = self._registry or {}
            for pl in payloads:  # an uncommitted version: kept out of search candidates until its commit
                rec = registry.get(pl["doc_id"])
                if rec is None or rec.version != pl["version"]:
                    self._pending.add(pl["version"])
            self._upsert(ids, dense, sparse, payloads)

    def delete_chunks(self, doc_id: str, keep_version: str | None = None) -> None:
        with self._lock:
            self._delete_chunks_where([("doc_id", "eq", doc_id)],
                                      [("version", "eq", keep_version)] if keep_version else [])

    def delete_version(self, doc_id: str, version: str) -> None:
        with self._lock:
            self._delete_chunks_where([("doc_id", "eq", doc_id), ("version", "eq", version)], [])
            self._pending.discard(version)

    def discard_uncommitted(self, doc_id: str, version: str) -> None:
        """Delete a version's chunks unless it is the committed one (a failed upload of a file
        whose content is already indexed must not take the live chunks with it)."""
        with self._lock:
            rec = self.documents(fresh=True).get(doc_id)
            if rec is None or rec.version != version:
                self.delete_version(doc_id, version)
            self._pending.discard(version)

    def remove_uncommitted(self) -> int:
        """Delete the chunks of versions that were never committed (an ingest or upload that was
        interrupted); returns how many versions were removed."""
        with self._lock:
            strays = self.stray_doc_versions()
            for doc_id, version in strays:
                self.delete_version(doc_id, version)
            return len(strays)

    def stray_doc_versions(self) -> set[tuple[str, str]]:
        """(doc_id, version) pairs present in the chunks but not committed: leftovers of an
        interrupted ingest."""
        committed = {(r.doc_id, r.version) for r in self.documents(fresh=True).values()}
        with self._lock:
            seen = {(p["doc_id"], p["version"]) for p in self._scroll_chunks([], ["doc_id", "version"])}
        return seen - committed

    def count_chunks(self) -> int:
        with self._lock:
            return self._count_chunks() if self._exists() else 0

    def chunks_of(self, doc_id: str) -> list[dict[str, Any]]:
        """The committed chunks of a document, in document order."""
        rec = self.documents().get(doc_id)
        if rec is None:
            return []
        with self._lock:
            out = self._scroll_chunks([("doc_id", "eq", doc_id), ("version", "eq", rec.version)], None)
        return sorted(out, key=lambda p: p["position"])

    # -- search --------------------------------------------------------------------------
    def search(self, dense: np.ndarray, sparse: SparseQuery, limit: int,
               flt: SearchFilter | None = None, candidates: int = 50) -> list[Hit]:
        """Hybrid search: dense and sparse candidates fused by Qdrant's RRF in one query.
        Each hit's score is its dense cosine similarity (a calibrated signal; RRF is rank-only)."""
        import numpy as np

        registry = self.documents()
        with self._lock:
            must = filter_conditions(flt)
            if self._pending:  # an upload in progress must not crowd committed chunks out of the candidates
                must.append(("version", "except", sorted(self._pending)))
            res = self._hybrid(dense, sparse, limit + 10, candidates, must)
        ranked: list[tuple[float, float, str, Hit]] = []
        for pl, vec, score in res:
            rec = registry.get(pl.get("doc_id", ""))
            if rec is None or rec.version != pl.get("version"):
                continue  # uncommitted or superseded chunk
            cos = float(np.dot(np.asarray(vec, dtype=np.float32), dense)) if vec is not None else score
            ranked.append((score, cos, pl.get("chunk_id", ""), payload_to_hit(pl, cos)))
        # equal fused scores are common (1st + 2nd rank = 2nd + 1st): the denser match first, so
        # the same question always gets the same order
        ranked.sort(key=lambda r: (-round(r[0], 9), -r[1], r[2]))
        return [r[3] for r in ranked[:limit]]


class QdrantStore(VectorStore):
    """qdrant-client: embedded local mode (a folder) or a Qdrant server/cluster (a URL)."""

    def __init__(self, path: Path | None, url: str | None, collection: str, api_key: str | None = None,
                 options: CollectionOptions | None = None) -> None:
        super().__init__()
        from qdrant_client import QdrantClient

        self.options = options or CollectionOptions()
        self.collection = collection
        self.documents_collection = f"{collection}_documents"
        self.location = url or str(path)
        self.backend = "qdrant-server" if url else "qdrant-local"
        self._remote = bool(url)
        if url:
            self.client = QdrantClient(url=url, api_key=api_key, timeout=30)
        else:
            assert path is not None
            path.mkdir(parents=True, exist_ok=True)
            try:
                self.client = QdrantClient(path=str(path))
            except RuntimeError as e:
                if "already accessed" in str(e):
                    raise _busy(path) from e
                raise

    def _exists(self) -> bool:
        return self.client.collection_exists(self.collection)

    def _create(self, dim: int) -> None:
        from qdrant_client import models as qm

        opts = self.options
        layout: dict[str, Any] = {}
        if self._remote:  # local mode has one shard in memory: these would only warn
            layout = {"shard_number": opts.shards, "replication_factor": opts.replication_factor,
                      "write_consistency_factor": opts.write_consistency, "on_disk_payload": opts.on_disk_payload}
        on_disk = opts.on_disk_vectors if self._remote else None
        if not self.client.collection_exists(self.collection):
            self.client.create_collection(
                self.collection,
                vectors_config={DENSE: qm.VectorParams(size=dim, distance=qm.Distance.COSINE, on_disk=on_disk)},
                sparse_vectors_config={f: qm.SparseVectorParams(modifier=qm.Modifier.IDF,
                                                                index=qm.SparseIndexParams(on_disk=on_disk))
                                       for f in SPARSE_FIELDS},
                **layout,
            )
            for key, schema in (  # used by a server; local mode ignores them (and warns)
                    ("doc_id", qm.PayloadSchemaType.KEYWORD), ("version", qm.PayloadSchemaType.KEYWORD),
                    ("doc_type", qm.PayloadSchemaType.KEYWORD), ("province", qm.PayloadSchemaType.KEYWORD),
                    ("issuer", qm.PayloadSchemaType.TEXT), ("date_min", qm.PayloadSchemaType.INTEGER),
                    ("date_max", qm.PayloadSchemaType.INTEGER), ("effective_min", qm.PayloadSchemaType.INTEGER)):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    self.client.create_payload_index(self.collection, key, schema)
        if not self.client.collection_exists(self.documents_collection):
            # a few thousand small records: one shard, but as many copies as the chunks have
            small = {"shard_number": 1, "replication_factor": opts.replication_factor,
                     "write_consistency_factor": opts.write_consistency} if self._remote else {}
            self.client.create_collection(self.documents_collection, vectors_config={}, **small)

    def _drop(self) -> None:
        for name in (self.collection, self.documents_collection):
            if self.client.collection_exists(name):
                self.client.delete_collection(name)

    def _put_record(self, pid: str, payload: dict[str, Any]) -> None:
        from qdrant_client import models as qm

        self.client.upsert(self.documents_collection, [qm.PointStruct(id=pid, vector={}, payload=payload)], wait=True)

    def _get_record(self, pid: str) -> dict[str, Any] | None:
        if not self.client.collection_exists(self.documents_collection):
            return None
        got = self.client.retrieve(self.documents_collection, [pid], with_payload=True)
        return got[0].payload if got else None

    def _delete_records(self, pids: list[str]) -> None:
        from qdrant_client import models as qm

        self.client.delete(self.documents_collection, points_selector=qm.PointIdsList(points=pids), wait=True)

    def _scroll_records(self) -> list[dict[str, Any]]:
        if not self.client.collection_exists(self.documents_collection):
            return []
        return self._scroll(self.documents_collection, None, True)

    def _scroll(self, collection: str, flt, fields) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        offset = None
        while True:
            pts, offset = self.client.scroll(collection, scroll_filter=flt, limit=2048, offset=offset,
                                             with_payload=fields if fields else True)
            out.extend(p.payload or {} for p in pts)
            if offset is None:
                return out

    def _upsert(self, ids, dense, sparse, payloads) -> None:
        from qdrant_client import models as qm

        points = [qm.PointStruct(id=pid, vector={DENSE: dense[i].tolist(), **{
            f: qm.SparseVector(indices=v.indices, values=v.values) for f, v in sparse[i].items()}},
            payload=payloads[i]) for i, pid in enumerate(ids)]
        self.client.upsert(self.collection, points, wait=True)

    def _qfilter(self, must: list[Cond], must_not: list[Cond] | None = None):
        from qdrant_client import models as qm

        def cond(c: Cond):
            key, op, value = c
            if op == "eq":
                return qm.FieldCondition(key=key, match=qm.MatchValue(value=value))
            if op == "any":
                return qm.FieldCondition(key=key, match=qm.MatchAny(any=value))
            if op == "except":
                return qm.FieldCondition(key=key, match=qm.MatchExcept(**{"except": value}))
            if op == "text":
                return qm.FieldCondition(key=key, match=qm.MatchText(text=value))
            if op == "gte":
                return qm.FieldCondition(key=key, range=qm.Range(gte=value))
            return qm.FieldCondition(key=key, range=qm.Range(lte=value))

        if not must and not must_not:
            return None
        return qm.Filter(must=[cond(c) for c in must], must_not=[cond(c) for c in (must_not or [])])

    def _delete_chunks_where(self, must, must_not) -> None:
        from qdrant_client import models as qm

        if self.client.collection_exists(self.collection):
            self.client.delete(self.collection, points_selector=qm.FilterSelector(filter=self._qfilter(must, must_not)),
                               wait=True)

    def _scroll_chunks(self, must, fields) -> list[dict[str, Any]]:
        if not self.client.collection_exists(self.collection):
            return []
        return self._scroll(self.collection, self._qfilter(must), fields)

    def _count_chunks(self) -> int:
        return self.client.count(self.collection, exact=True).count

    def _scroll_points(self, records: bool, batch: int):
        name = self.documents_collection if records else self.collection
        if not self.client.collection_exists(name):
            return
        offset = None
        while True:
            pts, offset = self.client.scroll(name, limit=batch, offset=offset, with_payload=True,
                                             with_vectors=not records)
            yield [(str(p.id), _named_vectors(p.vector), p.payload or {}) for p in pts]
            if offset is None:
                return

    def _hybrid(self, dense, sparse, limit, candidates, must):
        from qdrant_client import models as qm

        qfilter = self._qfilter(must)
        prefetch = [qm.Prefetch(query=dense.tolist(), using=DENSE, limit=candidates, filter=qfilter)]
        if sparse.vector.indices:
            prefetch.append(qm.Prefetch(query=qm.SparseVector(indices=sparse.vector.indices,
                                                              values=sparse.vector.values),
                                        using=sparse.field, limit=candidates, filter=qfilter))
        res = self.client.query_points(self.collection, prefetch=prefetch, query=qm.FusionQuery(fusion=qm.Fusion.RRF),
                                       limit=limit, with_payload=True, with_vectors=[DENSE])
        return [(p.payload or {}, p.vector.get(DENSE) if isinstance(p.vector, dict) else None, float(p.score))
                for p in res.points]

    def close(self) -> None:
        with self._lock:
            try:
                self.client.close()
            except Exception:
                pass


class EdgeStore(VectorStore):
    """Qdrant Edge (qdrant-edge-py): Qdrant's engine embedded in-process, with real indexes.
    One shard holds the chunks and, as points without vectors, the document records."""

    def __init__(self, path: Path, reserve_bytes: int = 16 * 1024 * 1024) -> None:
        super().__init__()
        import qdrant_edge as qe

        self._qe = qe
        self.location = str(path)
        self.backend = "qdrant-edge"
        self.path = path
        self.reserve = reserve_bytes
        self.shard: Any = None  # the open EdgeShard; None once closed
        if (path / "edge_config.json").exists() or (path / "wal").exists():
            self._room(0, "mở chỉ mục")  # opening touches every payload-index page (see diskspace.py)
            self.shard = self._open(lambda: qe.EdgeShard.load(str(path), None))

    def _room(self, extra: int, action: str) -> None:
        """Raise DiskFullError unless the disk holds what this step may claim: ``extra`` bytes,
        the pages not yet backed by disk that the next open touches (diskspace.TOUCHED_ON_OPEN), and
        the reserve. Checked before every write: a write that finds no space is a SIGBUS."""
        from assistant.index.diskspace import holes, require

        require(self.path, extra + holes(self.path) + self.reserve, action)

    def _open(self, fn):
        try:
            return fn()
        except Exception as e:
            if "WouldBlock" in str(e) or "lock" in str(e).lower():
                raise _busy(self.path) from e
            raise

    def _exists(self) -> bool:
        return self.shard is not None

    def _create(self, dim: int) -> None:
        if self.shard is not None:
            return
        from assistant.index.diskspace import NEW_INDEX_BYTES

        self._room(NEW_INDEX_BYTES, "tạo chỉ mục")
        qe = self._qe
        self.path.mkdir(parents=True, exist_ok=True)
        cfg = qe.EdgeConfig(vectors={DENSE: qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine)},
                            sparse_vectors={f: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)
                                            for f in SPARSE_FIELDS})
        self.shard = self._open(lambda: qe.EdgeShard.create(str(self.path), cfg))
        for key, schema in (("kind", qe.PayloadSchemaType.Keyword), ("doc_id", qe.PayloadSchemaType.Keyword),
                            ("version", qe.PayloadSchemaType.Keyword), ("doc_type", qe.PayloadSchemaType.Keyword),
                            ("province", qe.PayloadSchemaType.Keyword), ("issuer", qe.PayloadSchemaType.Text),
                            ("date_min", qe.PayloadSchemaType.Integer), ("date_max", qe.PayloadSchemaType.Integer),
                            ("effective_min", qe.PayloadSchemaType.Integer)):
            self.shard.update(qe.UpdateOperation.create_field_index(key, schema))

    def _drop(self) -> None:
        if self.shard is not None:
            self.shard.close()
            self.shard = None
        shutil.rmtree(self.path, ignore_errors=True)

    def _filter(self, must: list[Cond], must_not: list[Cond] | None = None):
        qe = self._qe

        def cond(c: Cond):
            key, op, value = c
            if op == "eq":
                return qe.FieldCondition(key=key, match=qe.MatchValue(value))
            if op == "any":
                return qe.FieldCondition(key=key, match=qe.MatchAny(value))
            if op == "except":
                return qe.FieldCondition(key=key, match=qe.MatchExcept(value))
            if op == "text":
                return qe.FieldCondition(key=key, match=qe.MatchText(value))
            if op == "gte":
                return qe.FieldCondition(key=key, range=qe.RangeFloat(gte=value))
            return qe.FieldCondition(key=key, range=qe.RangeFloat(lte=value))

        if not must and not must_not:
            return None
        return qe.Filter(must=[cond(c) for c in must] or None, must_not=[cond(c) for c in (must_not or [])] or None)

    def _put_record(self, pid, payload) -> None:
        self._room(0, "ghi chỉ mục")
        self.shard.update(self._qe.UpdateOperation.upsert_points([self._qe.Point(pid, {}, payload)]))

    def _get_record(self, pid):
        got = self.shard.retrieve([pid], True, False)
        return dict(got[0].payload) if got else None

    def _delete_records(self, pids) -> None:
        self._room(0, "ghi chỉ mục")
        self.shard.update(self._qe.UpdateOperation.delete_points(pids))

    def _scroll(self, must, must_not, fields) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        offset = None
        while True:
            pts, offset = self.shard.scroll(self._qe.ScrollRequest(offset=offset, limit=2048,
                                                                   filter=self._filter(must, must_not),
                                                                   with_payload=list(fields) if fields else True))
            out.extend(dict(p.payload or {}) for p in pts)
            if offset is None:
                return out

    def _scroll_records(self):
        return self._scroll([("kind", "any", ["document", "index_meta"])], None, None)

    def _upsert(self, ids, dense, sparse, payloads) -> None:
        import json

        from assistant.index.diskspace import WRITE_FACTOR

        raw = dense.nbytes + sum(len(json.dumps(p, ensure_ascii=False).encode()) for p in payloads) \
            + sum(8 * len(v.indices) for vs in sparse for v in vs.values())
        self._room(WRITE_FACTOR * raw, "ghi văn bản vào chỉ mục")
        qe = self._qe
        pts = [qe.Point(pid, {DENSE: dense[i].tolist(), **{
            f: qe.SparseVector(indices=v.indices, values=v.values) for f, v in sparse[i].items()}},
            {**payloads[i], "kind": "chunk"}) for i, pid in enumerate(ids)]
        self.shard.update(qe.UpdateOperation.upsert_points(pts))

    def _delete_chunks_where(self, must, must_not) -> None:
        if self.shard is not None:
            self._room(0, "ghi chỉ mục")
            self.shard.update(self._qe.UpdateOperation.delete_points_by_filter(
                self._filter([("kind", "eq", "chunk"), *must], must_not)))

    def _scroll_chunks(self, must, fields):
        if self.shard is None:
            return []
        return self._scroll([("kind", "eq", "chunk"), *must], None, fields)

    def _count_chunks(self) -> int:
        return self.shard.count(self._qe.CountRequest(exact=True, filter=self._filter([("kind", "eq", "chunk")])))

    def _scroll_points(self, records: bool, batch: int):
        if self.shard is None:
            return
        flt = self._filter([("kind", "any", ["document", "index_meta"])] if records else [("kind", "eq", "chunk")])
        offset = None
        while True:
            pts, offset = self.shard.scroll(self._qe.ScrollRequest(offset=offset, limit=batch, filter=flt,
                                                                   with_payload=True, with_vector=not records))
            yield [(str(p.id), _named_vectors(p.vector), dict(p.payload or {})) for p in pts]
            if offset is None:
                return

    def optimize(self) -> bool:
        """Skipped (False) when the disk could not hold a rewrite of the whole index: an index
        left unoptimized answers the same, a little slower; the next ingest tries again."""
        from assistant.index.diskspace import DiskFullError, allocated

        with self._lock:
            if self.shard is None:
                return False
            try:
                self._room(allocated(self.path), "tối ưu chỉ mục")
            except DiskFullError as e:
                import logging

                logging.getLogger("assistant").warning("Bỏ qua bước tối ưu chỉ mục (tìm kiếm vẫn đúng, chậm hơn "
                                                       "một chút): %s", e.cli_message())
                return False
            return bool(self.shard.optimize())

    def _hybrid(self, dense, sparse, limit, candidates, must):
        qe = self._qe
        flt = self._filter(must)
        prefetches = [qe.Prefetch(limit=candidates, query=qe.Query.Nearest(dense.tolist(), using=DENSE), filter=flt)]
        if sparse.vector.indices:
            prefetches.append(qe.Prefetch(limit=candidates, filter=flt, query=qe.Query.Nearest(
                qe.SparseVector(indices=sparse.vector.indices, values=sparse.vector.values), using=sparse.field)))
        res = self.shard.query(qe.QueryRequest(limit=limit, prefetches=prefetches, query=qe.Fusion.Rrf(k=RRF_K),
                                               with_payload=True, with_vector=[DENSE]))
        out = []
        for p in res:
            vec = p.vector.get(DENSE) if isinstance(p.vector, dict) else None
            out.append((dict(p.payload or {}), vec, float(p.score)))
        return out

    def close(self) -> None:
        with self._lock:
            if self.shard is not None:
                try:
                    self.shard.flush()
                    self.shard.close()
                finally:
                    self.shard = None


def _busy(path: Path) -> IndexBusyError:
    return IndexBusyError(
        f"Chỉ mục {path} đang được một tiến trình khác sử dụng (ví dụ `assistant serve`). "
        "Hãy dừng tiến trình đó, hoặc tải tệp lên qua máy chủ: "
        "`curl -F file=@tep.txt http://HOST:PORT/v1/documents`."
    )


def open_store(index_dir: Path, url: str | None, collection: str, api_key: str | None, backend: str,
               options: CollectionOptions | None = None, reserve_bytes: int = 16 * 1024 * 1024) -> VectorStore:
    """The store the settings ask for: a Qdrant server by URL, else an embedded one."""
    if url:
        return QdrantStore(None, url, collection, api_key, options)
    if backend == "edge":
        return EdgeStore(index_dir / "edge", reserve_bytes)
    if backend != "local":
        raise StoreError(f"ASSISTANT_STORE không hợp lệ: '{backend}' (dùng edge hoặc local).")
    return QdrantStore(index_dir / "qdrant", None, collection)


def legacy_local_index(index_dir: Path, collection: str) -> Path | None:
    """A qdrant-client local-mode index (the embedded default before Qdrant Edge), if one is there."""
    path = index_dir / "qdrant"
    return path if (path / "collection" / collection).is_dir() else None


def legacy_hint(index_dir: Path, collection: str) -> str:
    return (f"Chỉ mục ở {index_dir / 'qdrant'} được tạo bằng qdrant-client local mode; kho nhúng mặc định nay là "
            f"Qdrant Edge ({index_dir / 'edge'}). Chạy `assistant ingest` một lần để chuyển sang (chép nguyên các "
            "vectơ, không nhúng lại), hoặc đặt ASSISTANT_STORE=local để tiếp tục dùng chỉ mục cũ.")


@dataclass
class CopyReport:
    documents: int
    chunks: int
    seconds: float


def copy_index(src: VectorStore, dst: VectorStore, batch: int = 512) -> CopyReport:
    """Copy an index into an empty store of another kind, vectors included (nothing is embedded):
    the committed chunks first, then the document records (the commits), as an ingest would."""
    import numpy as np

    t0 = time.perf_counter()
    meta = src.index_meta()
    if meta is None:
        raise StoreError(f"Không có chỉ mục để chép ở {src.location}.")
    dst.ensure_collections(meta["embedder"], int(meta["dim"]))
    committed = {(r.doc_id, r.version) for r in src.documents(fresh=True).values()}
    chunks = 0
    for page in src._scroll_points(False, batch):
        keep = [(pid, vec, pl) for pid, vec, pl in page if (pl.get("doc_id"), pl.get("version")) in committed]
        if not keep:
            continue
        dense = np.asarray([vec[DENSE] for _, vec, _ in keep], dtype=np.float32)
        sparse = [{f: vec[f] for f in SPARSE_FIELDS if f in vec} for _, vec, _ in keep]
        payloads = [{k: v for k, v in pl.items() if k != "kind"} for _, _, pl in keep]
        dst.upsert_chunks([pid for pid, _, _ in keep], dense, sparse, payloads)
        chunks += len(keep)
    documents = 0
    for page in src._scroll_points(True, batch):
        for pid, _, pl in page:
            with dst._lock:
                dst._put_record(pid, {k: v for k, v in pl.items() if k != "kind" or v != "chunk"})
            documents += pl.get("kind") == "document"
    dst._registry = None
    dst.optimize()
    return CopyReport(documents, chunks, time.perf_counter() - t0)


def migrate_local_to_edge(index_dir: Path, collection: str) -> CopyReport | None:
    """Turn a qdrant-client local-mode index into a Qdrant Edge one next to it. The copy is built
    in a scratch folder and renamed into place, so a kill leaves either no Edge index or a whole
    one. The old folder is kept (ASSISTANT_STORE=local still opens it). None when there is
    nothing to migrate or the old index has an older layout (a normal ingest rebuilds it then)."""
    legacy = legacy_local_index(index_dir, collection)
    target = index_dir / "edge"
    if legacy is None or target.exists():
        return None
    src = QdrantStore(legacy, None, collection)
    try:
        meta = src.index_meta()
        if meta is None or meta.get("schema", 1) != SCHEMA:
            return None
        scratch = index_dir / "edge.migrating"
        shutil.rmtree(scratch, ignore_errors=True)
        dst = EdgeStore(scratch)
        try:
            report = copy_index(src, dst)
        finally:
            dst.close()
        scratch.rename(target)
        return report
    finally:
        src.close()


def _named_vectors(vector: Any) -> dict[str, Any]:
    """A point's vectors from either client as {name: list (dense) | SparseVector}."""
    out: dict[str, Any] = {}
    for name, v in (vector or {}).items():
        if hasattr(v, "indices"):
            out[name] = SparseVector(list(v.indices), list(v.values))
        else:
            out[name] = v
    return out


def payload_to_hit(pl: dict[str, Any], score: float) -> Hit:
    return Hit(
        chunk_id=pl["chunk_id"], doc_id=pl["doc_id"], score=round(score, 4), text=pl["text"],
        section=pl.get("section", ""), position=pl.get("position", 0), start=pl.get("start", 0),
        end=pl.get("end", 0), source=pl.get("source", ""), doc_title=pl.get("doc_title", ""),
        doc_type=pl.get("doc_type", ""), doc_number=pl.get("doc_number", ""), doc_date=pl.get("doc_date", ""),
        issuer=pl.get("issuer", ""), province=pl.get("province", ""), headings=pl.get("headings", []),
        version=pl.get("version", ""), kind=pl.get("block_kind", "plain"), marker=pl.get("marker", ""),
        article=pl.get("article", ""), locator=pl.get("locator", ""), doc_name=pl.get("doc_name", ""),
        page=pl.get("page", 0), ocr=pl.get("ocr", False), columns=pl.get("columns", []), cells=pl.get("cells", []),
        effective_date=pl.get("effective_date", ""), parent_issuer=pl.get("parent_issuer", ""),
        fields=pl.get("fields", []),
    )
