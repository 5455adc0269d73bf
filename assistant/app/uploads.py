"""Uploads that never destroy what exists: staged under a unique name, ingested from there,
committed, and only then moved into the corpus folder.

The protocol, for one upload of ``name`` (document ``doc_id``):

1. the bytes go to ``corpus/.uploads/<id>/<name>`` (hidden: ``assistant ingest corpus/`` skips it;
   same file system as the corpus, so the final move is an atomic rename);
2. the file is read and its chunks are written under its new version (searches skip them);
3. ``commit.json`` is written next to it, then the document record is switched to the new
   version (the store's commit point), then the old version's chunks are deleted;
4. the file is renamed into ``corpus/<name>``; a replaced file with another extension (same
   ``doc_id``) is removed; the staging folder is removed.

At start-up ``recover`` finishes step 4 for uploads whose record was committed and drops the
others (their staged file and their uncommitted chunks), so a crash at any moment leaves the
old document, or the new one, never neither and never a file the index does not know.

``python -m assistant.app.uploads`` is the ingest worker process the server runs uploads in (see
``upload_queue``): it reads, parses, chunks and embeds, and sends the points back in batches.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import struct
import sys
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from assistant.core.errors import LoadError
from assistant.index.store import DocumentRecord, VectorStore
from assistant.ingest.loading import SUPPORTED, doc_id_for

STAGING = ".uploads"
MAX_NAME_BYTES = 255  # one path component on ext4, xfs, btrfs, tmpfs


class UploadError(Exception):
    """An upload refused before or after ingest, with the HTTP status that says why."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def safe_filename(name: str) -> str:
    """Keep only the final path component and safe characters (uploads cannot escape the
    corpus), cut to 255 bytes of UTF-8 — the file system's limit — keeping the extension."""
    # NFKC first: a Mac sends "Công" as "C o \u0302 ng" (NFD), whose combining marks are not \w
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name or ""))[-1].strip().lstrip(".")
    base = re.sub(r"[^\w.\- ]+", "_", base, flags=re.UNICODE).strip()
    if not base or base in (".", ".."):
        raise LoadError("Tên tệp không hợp lệ.")
    if len(base.encode()) <= MAX_NAME_BYTES:
        return base
    stem, dot, ext = base.rpartition(".")
    ext = (dot + ext) if dot and len(ext.encode()) <= 16 else ""
    stem = base[: len(base) - len(ext)] if ext else base
    room = MAX_NAME_BYTES - len(ext.encode())
    cut = stem.encode()[:room].decode("utf-8", errors="ignore").rstrip(" .") or "tep"
    return cut + ext


def check_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise UploadError(
            415,
            "unsupported_type",
            f"Định dạng '{suffix or name}' không được hỗ trợ. Hỗ trợ: {', '.join(sorted(SUPPORTED))}.",
        )
    return suffix


@dataclass
class StagedUpload:
    id: str
    name: str  # the file name it will have in the corpus
    doc_id: str
    dir: Path  # corpus/.uploads/<id>/
    corpus: Path
    replace: bool

    @property
    def path(self) -> Path:
        return self.dir / self.name

    @property
    def target(self) -> Path:
        return self.corpus / self.name

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def plan(corpus: Path, filename: str, replace: bool) -> StagedUpload:
    """Name and staging folder of an upload; nothing is written yet."""
    name = safe_filename(filename)
    check_type(name)
    upload_id = uuid.uuid4().hex
    return StagedUpload(upload_id, name, doc_id_for(name), corpus / STAGING / upload_id, corpus, replace)


def write(staged: StagedUpload, src: BinaryIO | bytes) -> None:
    """Write the upload's bytes under its staging folder; nothing in the corpus changes."""
    staged.dir.mkdir(parents=True, exist_ok=False)
    try:
        with open(staged.path, "wb") as out:
            if isinstance(src, bytes):
                out.write(src)
            else:
                shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        staged.discard()
        raise


def disk_full_error(e: BaseException, where: Path) -> UploadError:
    """507 for an upload the disk had no room for; the message names no server path."""
    from assistant.index.diskspace import as_disk_full

    return UploadError(507, "insufficient_storage", as_disk_full(e, where, "lưu tệp tải lên").public_message())


def conflict(store: VectorStore, staged: StagedUpload) -> UploadError | None:
    """A document (or a corpus file) with the same doc_id exists and replace was not asked."""
    if staged.replace:
        return None
    rec = store.documents().get(staged.doc_id) if store.exists() else None
    if rec is not None:
        return UploadError(
            409,
            "document_exists",
            f"Đã có văn bản '{rec.doc_id}' (tệp {rec.source}: {rec.title}). Gửi lại với "
            f"replace=true để thay thế văn bản này, hoặc đổi tên tệp.",
        )
    for f in staged.corpus.iterdir() if staged.corpus.is_dir() else []:
        if f.is_file() and not f.name.startswith(".") and doc_id_for(f.name) == staged.doc_id:
            return UploadError(
                409,
                "document_exists",
                f"Thư mục văn bản đã có tệp '{f.name}' (mã '{staged.doc_id}'). Gửi lại với "
                f"replace=true để thay thế, hoặc đổi tên tệp.",
            )
    return None


def commit(store: VectorStore, staged: StagedUpload, rec: DocumentRecord) -> None:
    """Switch the document to the uploaded version (its chunks are already written), then move
    the file into place and remove the files it replaces (same doc_id: one file per document,
    else the next `assistant ingest corpus/` would see two). A crash after the journal is
    written is finished by ``recover``."""
    corpus = staged.corpus.resolve()
    remove = {
        f.name
        for f in corpus.iterdir()
        if f.is_file() and not f.name.startswith(".") and f.name != staged.name and doc_id_for(f.name) == rec.doc_id
    }
    old = store.documents(fresh=True).get(rec.doc_id)
    if old is not None and old.root and Path(old.root).resolve() == corpus and old.source != staged.name:
        remove.add(old.source)
    journal = {"doc_id": rec.doc_id, "version": rec.version, "name": staged.name, "remove": sorted(remove)}
    (staged.dir / "commit.json").write_text(json.dumps(journal, ensure_ascii=False), encoding="utf-8")
    store.put_document(rec)  # the commit point
    store.delete_chunks(rec.doc_id, keep_version=rec.version)
    _finish(staged.dir, corpus, journal)


def _finish(folder: Path, corpus: Path, journal: dict[str, Any]) -> None:
    staged_file = folder / journal["name"]
    if staged_file.exists():
        os.replace(staged_file, corpus / journal["name"])
    for name in journal.get("remove", []):
        path = (corpus / name).resolve()
        if corpus in path.parents and path.is_file():
            path.unlink()
    shutil.rmtree(folder, ignore_errors=True)


def recover(store: VectorStore, corpus: Path) -> dict[str, int]:
    """Finish or undo uploads a crash interrupted, and remove uncommitted chunks."""
    done = {"finished": 0, "discarded": 0, "uncommitted_versions": 0}
    staging = corpus / STAGING
    registry = store.documents(fresh=True) if store.exists() else {}
    for folder in sorted(staging.iterdir()) if staging.is_dir() else []:
        if not folder.is_dir():
            folder.unlink(missing_ok=True)  # nothing of ours: staging holds one folder per upload
            continue
        journal_file = folder / "commit.json"
        journal = None
        if journal_file.exists():
            try:
                journal = json.loads(journal_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                journal = None
        rec = registry.get(journal["doc_id"]) if journal else None
        if journal and rec is not None and rec.version == journal["version"]:
            _finish(folder, corpus.resolve(), journal)
            done["finished"] += 1
        else:
            shutil.rmtree(folder, ignore_errors=True)
            done["discarded"] += 1
    if store.exists():
        done["uncommitted_versions"] = store.remove_uncommitted()
    return done


# -- the worker process --------------------------------------------------------------------------
# Messages are pickled tuples with a length prefix over the worker's stdin/stdout; both ends are
# this package, nothing else writes to these pipes.


def send(stream: BinaryIO, message: tuple) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def receive(stream: BinaryIO) -> tuple | None:
    head = stream.read(8)
    if len(head) < 8:
        return None
    (n,) = struct.unpack("<Q", head)
    data = stream.read(n)
    return pickle.loads(data) if len(data) == n else None


def _lower_priority(memory_mb: int) -> None:
    """Yield the CPU to the server's questions, die with the server, bound memory."""
    try:
        os.nice(19)
    except OSError:
        pass
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.environ.get("ASSISTANT_WORKER_PARENT") and os.getppid() != int(os.environ["ASSISTANT_WORKER_PARENT"]):
        sys.exit(0)  # the server is already gone
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass


def worker_main() -> None:
    """Serve ingest jobs: ("ingest", path, root, source, limits, embedder spec, cache path, batch
    size). After "parsed", each batch and the final "done" wait for the server's ("go",); a
    ("skip",) ends the job early (the file is already indexed)."""
    from assistant.core.errors import TooLargeError
    from assistant.core.settings import ReadLimits
    from assistant.index.embedding import CachedEmbedder, EmbeddingCache, make_embedder
    from assistant.index.indexer import PIPELINE_VERSION, document_record, parse_file, point_batches
    from assistant.ingest.loading import read_file

    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write into the message stream
    _lower_priority(int(os.environ.get("ASSISTANT_WORKER_MEMORY_MB", "2048")))
    embedders: dict[tuple[str, str], CachedEmbedder] = {}

    def turn() -> bool:
        msg = receive(inp)
        if msg is None:
            sys.exit(0)  # the server is gone
        return msg == ("go",)

    send(out, ("ready",))
    while True:
        msg = receive(inp)
        if msg is None:
            return
        _, path, root, source, limits, spec, cache_path, batch_size = msg
        try:
            raw = read_file(Path(path), Path(path).parent, ReadLimits(**limits))
            raw.source = source
            doc, chunks, articles, cov = parse_file(raw)
            send(
                out,
                (
                    "parsed",
                    {
                        "chunks": len(chunks),
                        "chars": len(doc.text),
                        "articles": articles,
                        "version": doc.version,
                        "pipeline": PIPELINE_VERSION,
                        "coverage": round(cov.share, 4),
                    },
                ),
            )
            key = (spec, cache_path)
            if key not in embedders:
                embedders[key] = CachedEmbedder(make_embedder(spec), EmbeddingCache(Path(cache_path)))
            batches = point_batches(doc, chunks, embedders[key], batch_size)
            while turn():
                batch = next(batches, None)
                if batch is None:
                    send(out, ("done", document_record(doc, len(chunks), Path(root), cov).to_payload(), articles))
                    break
                send(out, ("batch", *batch))
        except TooLargeError as e:
            send(out, ("error", 413, "document_too_large", str(e)))
        except LoadError as e:
            send(out, ("error", 422, "unreadable_file", str(e)))
        except MemoryError:
            send(
                out,
                (
                    "error",
                    413,
                    "document_too_large",
                    f"{Path(path).name}: tệp cần quá nhiều bộ nhớ để đọc. Hãy tách thành các tệp nhỏ hơn.",
                ),
            )
        except Exception as e:  # a bug or a library failure on a strange file: report it, keep serving
            send(
                out, ("error", 422, "unreadable_file", f"{Path(path).name}: không xử lý được tệp ({type(e).__name__}).")
            )


if __name__ == "__main__":
    worker_main()
