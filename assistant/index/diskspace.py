"""Free space before every write to an embedded index: a full disk is an error message, not a crash.

Qdrant Edge memory-maps pre-sized, sparse files (payload index pages, storage pages, WAL
segments). A page of such a file takes real disk space only when it is first touched, and when
the disk has none left the process gets SIGBUS — no exception, no message, and a half-written
file that may break the next open. On tmpfs even *reading* a hole through a shared mapping
allocates it, and opening an index touches every payload-index page and its dense vectors: a 5-document index of
~22 MB grows to ~130 MB the first time it is opened. So the store checks, before it opens,
creates or writes, that the disk holds what that step can claim (measured in
tests/test_diskfull.py) plus a reserve; otherwise it raises ``DiskFullError``, which the CLI
prints (exit 1) and the API answers with 507.
"""
from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from pathlib import Path

from assistant.core.errors import StoreError

MB = 1024 * 1024
# what a new Edge index claims: ~20 MB of files at creation, ~110 MB more of payload-index
# pages when it is first opened (measured on tmpfs, any vector size)
NEW_INDEX_BYTES = 130 * MB
# one written point costs its WAL record, its payload and vector pages, and index entries:
# ~2.5x its raw size was measured (208 chunks of the seeds: 0.8 MB raw, ~2 MB allocated); 4x is the margin
WRITE_FACTOR = 4


class DiskFullError(StoreError):
    """Not enough free space on the disk that holds the index (or the corpus, or feedback)."""

    def __init__(self, free: int, need: int, action: str, where: Path | None = None) -> None:
        self.free, self.need, self.action, self.where = free, need, action, where
        super().__init__(self.public_message())

    def _sizes(self) -> str:
        need = f", cần khoảng {self.need / MB:.0f} MB" if self.need else ""
        return f"còn {self.free / MB:.0f} MB{need}"

    def public_message(self) -> str:
        """For anonymous clients: no server path."""
        return (f"Ổ đĩa của máy chủ không đủ chỗ trống để {self.action} ({self._sizes()}). Những văn bản đã nạp trước đó vẫn được giữ nguyên và vẫn tra cứu được. "
                "Quản trị viên cần giải phóng dung lượng ổ đĩa rồi thử lại.")

    def cli_message(self) -> str:
        where = f" ({self.where})" if self.where else ""
        return (f"Ổ đĩa chứa chỉ mục{where} không đủ chỗ trống để {self.action} ({self._sizes()}). Những văn bản đã nạp trước đó vẫn được giữ nguyên. Hãy giải phóng "
                "dung lượng (hoặc đặt ASSISTANT_INDEX_DIR sang ổ đĩa khác) rồi chạy lại lệnh.")


def free_bytes(path: Path) -> int:
    """Free space (for an unprivileged writer) on the file system that holds ``path``."""
    p = Path(path)
    while not p.exists() and p != p.parent:
        p = p.parent
    return shutil.disk_usage(p).free


# the files an open touches whole (measured on tmpfs: every payload-index page and the dense
# vectors' chunk; storage pages and WAL segments stay sparse)
TOUCHED_ON_OPEN = ("payload_index", "vector_storage-dense")


def holes(folder: Path, parts: tuple[str, ...] = TOUCHED_ON_OPEN) -> int:
    """Bytes of the files under ``folder`` (in a folder named by one of ``parts``; () for all)
    that are not yet backed by disk space (apparent size minus allocated blocks): what touching
    them all can claim."""
    total = 0
    if not folder.is_dir():
        return 0
    for root, _, files in os.walk(folder):
        if parts and not any(p in root for p in parts):
            continue
        for name in files:
            try:
                st = os.stat(os.path.join(root, name))
            except OSError:
                continue
            total += max(0, st.st_size - st.st_blocks * 512)
    return total


def allocated(folder: Path) -> int:
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                pass
    return total


def require(path: Path, need: int, action: str) -> None:
    free = free_bytes(path)
    if free < need:
        raise DiskFullError(free, need, action, path)


def is_disk_full(e: BaseException) -> bool:
    """An error that means the disk is full, from the OS or from SQLite."""
    if isinstance(e, DiskFullError):
        return True
    if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(e, sqlite3.OperationalError) and "full" in str(e).lower()


def as_disk_full(e: BaseException, path: Path, action: str) -> DiskFullError:
    if isinstance(e, DiskFullError):
        return e
    return DiskFullError(free_bytes(path), 0, action, path)
