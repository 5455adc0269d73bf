"""The server's upload pipeline: a bounded queue, one thread that owns it, and a worker process.

Reading, parsing, chunking and embedding (all the CPU an upload costs) run in a separate
process at the lowest CPU priority (nice 19) with one thread, so questions keep the cores;
the server only writes the finished batches into the store (a short lock each) and commits.
A file the worker cannot read within ``upload_timeout_s`` seconds of CPU is stopped (the
worker is killed and restarted); a full queue answers 503 at once instead of piling up.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from assistant.app.service import Assistant
from assistant.app.uploads import StagedUpload, UploadError, conflict, disk_full_error, plan, receive, send, write
from assistant.core.errors import LoadError
from assistant.index.diskspace import is_disk_full
from assistant.index.store import DocumentRecord

KEEP_FINISHED = 200  # finished jobs kept for GET /v1/uploads/{id}
# Chunks the worker embeds per turn. Small turns keep each one short (~0.1 s of one core), so the
# server can hand turns out only when no question is being answered (see _wait_turn).
UPLOAD_BATCH = 8


@dataclass
class UploadJob:
    staged: StagedUpload
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    status: str = "queued"  # queued → reading → indexing → indexed | unchanged | failed
    chunks: int = 0
    cpu_start: float = 0.0  # the worker's CPU seconds when this job began
    written: int = 0
    error: UploadError | None = None
    record: DocumentRecord | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None
    future: concurrent.futures.Future = field(default_factory=concurrent.futures.Future)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "name": self.staged.name,
            "doc_id": self.staged.doc_id,
            "status": self.status,
            "chunks": self.chunks,
            "written": self.written,
            "seconds": round((self.finished or time.time()) - self.created, 2),
        }
        if self.error is not None:
            d["error"] = {"code": self.error.code, "message": self.error.message, "status": self.error.status}
        return d


class UploadQueue:
    def __init__(self, svc: Assistant) -> None:
        self.svc = svc
        self.settings = svc.settings
        self._queue: queue.Queue[UploadJob | None] = queue.Queue()
        self._lock = threading.Lock()
        self._active: dict[str, UploadJob] = {}  # doc_id -> queued or running job
        self._jobs: dict[str, UploadJob] = {}
        self._proc: subprocess.Popen | None = None
        self._thread = threading.Thread(target=self._run, name="upload-queue", daemon=True)
        self._thread.start()

    # -- requests --------------------------------------------------------------------------------
    def submit(self, filename: str, src: BinaryIO | bytes, replace: bool) -> UploadJob:
        """Check, stage and queue an upload; refuses at once (409, 503) instead of waiting."""
        corpus = self.settings.corpus_dir
        corpus.mkdir(parents=True, exist_ok=True)
        staged = plan(corpus, filename, replace)
        job = UploadJob(staged)
        with self._lock:
            if staged.doc_id in self._active:
                other = self._active[staged.doc_id]
                raise UploadError(
                    409,
                    "upload_in_progress",
                    f"Văn bản '{staged.doc_id}' đang được nạp (tệp {other.staged.name}). "
                    f"Chờ xong rồi gửi lại (xem GET /v1/uploads/{other.id}).",
                )
            if len(self._active) >= self.settings.upload_queue_size:
                raise UploadError(
                    503,
                    "upload_queue_full",
                    f"Đang có {len(self._active)} tệp chờ nạp (tối đa "
                    f"{self.settings.upload_queue_size}: ASSISTANT_UPLOAD_QUEUE_SIZE). "
                    f"Hãy thử lại sau ít phút.",
                )
            error = conflict(self.svc.store, staged)
            if error is not None:
                raise error
            self._active[staged.doc_id] = job  # reserved: a second upload of this doc_id gets 409
        try:
            write(staged, src)
        except BaseException as e:
            with self._lock:
                self._active.pop(staged.doc_id, None)
            if isinstance(e, OSError) and is_disk_full(e):
                raise disk_full_error(e, corpus) from e
            raise
        with self._lock:
            self._remember(job)
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> UploadJob | None:
        return self._jobs.get(job_id)

    def busy(self, doc_id: str) -> UploadJob | None:
        return self._active.get(doc_id)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)
        self._stop_worker()

    # -- the queue's thread ----------------------------------------------------------------------
    def _remember(self, job: UploadJob) -> None:
        self._jobs[job.id] = job
        if len(self._jobs) > KEEP_FINISHED:
            for old in [j for j in self._jobs.values() if j.finished][: len(self._jobs) - KEEP_FINISHED]:
                self._jobs.pop(old.id, None)

    def _run(self) -> None:
        try:  # this thread only unpacks batches and writes them: questions go first (Linux: per thread)
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except (AttributeError, OSError):
            pass
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                self._process(job)
            except UploadError as e:
                self._fail(job, e)
            except LoadError as e:
                self._fail(job, UploadError(422, "unreadable_file", str(e)))
            except Exception as e:  # the store or the disk failed: report it, keep the queue alive
                if is_disk_full(e):
                    self._fail(job, disk_full_error(e, self.settings.index_dir))
                    continue
                self._fail(job, UploadError(503, "upload_failed", f"Không nạp được tệp ({type(e).__name__}: {e})."))

    def _fail(self, job: UploadJob, error: UploadError) -> None:
        job.staged.discard()
        job.error, job.status = error, "failed"
        self._done(job)

    def _process(self, job: UploadJob) -> None:
        store = self.svc.store
        error = conflict(store, job.staged)  # again: an earlier job may have created it meanwhile
        if error is not None:
            raise error
        s = self.settings
        embedder = self.svc.embedder  # the index's embedder must match before any work is done
        store.ensure_collections(embedder.model_id, embedder.dim)
        job.status = "reading"
        limits = dataclasses.asdict(s.read_limits())  # OCR included: its CPU counts against upload_timeout_s
        proc = self._worker()
        send(
            proc.stdin,
            (
                "ingest",
                str(job.staged.path),
                str(s.corpus_dir),
                job.staged.name,
                limits,
                s.embedder,
                str(s.index_dir / "embeddings.sqlite"),
                UPLOAD_BATCH,
            ),
        )
        version, worker_busy = None, True  # the worker is inside this job until "done" or "error"
        try:
            msg = self._next(proc, job, reading=True)
            if msg[0] == "error":
                worker_busy = False
                raise UploadError(msg[1], msg[2], msg[3])
            info = msg[1]
            version, job.chunks = info["version"], info["chunks"]
            old = store.documents().get(job.staged.doc_id)
            if old is not None and old.version == version and old.source == job.staged.name:
                self._skip_rest(proc, job)
                worker_busy = False
                job.record, job.status = old, "unchanged"
                job.staged.discard()
                return self._done(job)
            job.status = "indexing"
            while True:
                self._wait_turn()
                send(proc.stdin, ("go",))
                msg = self._next(proc, job, reading=False)
                if msg[0] == "batch":
                    store.upsert_chunks(*msg[1:])
                    job.written += len(msg[1])
                elif msg[0] == "done":
                    worker_busy = False
                    rec = DocumentRecord.from_payload(msg[1])
                    break
                else:
                    worker_busy = False
                    raise UploadError(msg[1], msg[2], msg[3])
            self.svc.commit_upload(job.staged, rec)
            job.record, job.status = rec, "indexed"
            return self._done(job)
        except BaseException:
            if worker_busy:
                self._stop_worker()  # stopped mid-job by a failure here: start the next job afresh
            if version is not None:
                store.discard_uncommitted(job.staged.doc_id, version)  # the failed upload's chunks; the old stay
            raise

    def _wait_turn(self) -> None:
        """Until no question is being answered, or ``upload_yield_s`` since the last turn: under
        a steady stream of questions the upload still advances, one small batch at a time."""
        deadline = time.monotonic() + self.settings.upload_yield_s
        while self.svc.in_flight > 0 and time.monotonic() < deadline:
            time.sleep(0.02)

    def _done(self, job: UploadJob) -> None:
        """Free the doc_id first: a client acting on the answer (a delete) must not find it busy."""
        job.finished = time.time()
        with self._lock:
            if self._active.get(job.staged.doc_id) is job:
                del self._active[job.staged.doc_id]
        if not job.future.done():
            job.future.set_result(job)

    def _skip_rest(self, proc: subprocess.Popen, job: UploadJob) -> None:
        """The same file again: nothing to embed or write."""
        send(proc.stdin, ("skip",))

    def _next(self, proc: subprocess.Popen, job: UploadJob, reading: bool) -> tuple:
        """The worker's next message. While it reads a file, its CPU time is bounded (a file that
        takes longer is refused); later only a dead worker stops the job."""
        budget = self.settings.upload_timeout_s
        start_cpu = _cpu_seconds(proc.pid)
        if reading:
            job.cpu_start = start_cpu
        result: list[tuple | None] = []
        reader = threading.Thread(target=lambda: result.append(receive(proc.stdout)), daemon=True)
        reader.start()
        started = time.monotonic()
        while reader.is_alive():
            reader.join(0.5)
            too_long = (
                _cpu_seconds(proc.pid) - start_cpu > budget  # CPU: a busy machine is no reason
                or time.monotonic() - started > 10 * budget
            )  # wall: where CPU time is unknown
            if reading and reader.is_alive() and too_long:
                self._stop_worker()
                raise UploadError(
                    422,
                    "unreadable_file",
                    f"{job.staged.name}: đọc tệp quá lâu (hơn {budget:g} giây CPU: "
                    f"ASSISTANT_UPLOAD_TIMEOUT_S). Tệp quá phức tạp hoặc hỏng.",
                )
            # the whole job (reading, parsing, embedding) is bounded in CPU too; waiting for a turn is not counted
            total = self.settings.upload_job_cpu_s
            if reader.is_alive() and _cpu_seconds(proc.pid) - job.cpu_start > total:
                self._stop_worker()
                raise UploadError(
                    413,
                    "document_too_costly",
                    f"{job.staged.name}: xử lý tệp cần quá nhiều thời gian (hơn {total:g} giây CPU: "
                    f"ASSISTANT_UPLOAD_JOB_CPU_S). Hãy tách thành các tệp nhỏ hơn.",
                )
        msg = result[0] if result else None
        if msg is None:
            self._stop_worker()
            raise UploadError(
                422,
                "unreadable_file",
                f"{job.staged.name}: tiến trình đọc tệp đã dừng bất thường (tệp cần quá nhiều bộ nhớ hoặc hỏng).",
            )
        return msg

    def _worker(self) -> subprocess.Popen:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        env = {
            **os.environ,
            "OMP_NUM_THREADS": "1",
            "ASSISTANT_WORKER_PARENT": str(os.getpid()),
            "ASSISTANT_WORKER_MEMORY_MB": str(self.settings.upload_worker_memory_mb),
        }
        root = str(Path(__file__).resolve().parent.parent.parent)
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")  # this copy of the package
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "assistant.app.uploads"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=os.getcwd(),
        )
        ready = receive(self._proc.stdout)
        if ready != ("ready",):
            self._stop_worker()
            raise UploadError(503, "upload_worker_unavailable", "Không khởi động được tiến trình nạp tệp.")
        return self._proc

    def _stop_worker(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(10)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and of its finished children (Tesseract reading a
    scanned page: each page's OCR counts once it ends) from Linux /proc; 0 where it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0
