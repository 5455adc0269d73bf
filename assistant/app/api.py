"""HTTP API (FastAPI), versioned under /v1, with the chat UI mounted at /.

Routes are thin: they validate, call the ``Assistant`` service, and shape every error — ours,
FastAPI's validation errors, unknown routes — as JSON ``{"error": {"code": …, "message": …}}``
with the right status. ``httpguard.Guard`` sits in front of all of it (limits, keys, headers);
uploads go through ``upload_queue`` (a worker process), see SECURITY.md.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from typing import Any, Literal

from fastapi import Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.answer.drafting import DOCX_TYPE
from assistant.app.downloads import DownloadStore
from assistant.app.feedback import FeedbackError, feedback_store
from assistant.app.httpguard import STRICT_CSP, BodyTooLarge, Guard, given_key, key_matches
from assistant.app.pages import ASSET_PATH, VIEW_CSS, VIEW_JS, render_document, render_message
from assistant.app.service import Assistant, QuestionError
from assistant.app.uploads import UploadError, recover
from assistant.core.errors import EmbedderError, LLMError, LoadError, StoreError
from assistant.core.settings import Settings
from assistant.index.diskspace import DiskFullError
from assistant.index.store import IndexMismatchError, IndexMissingError, SearchFilter


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Message(BaseModel):
    role: Literal["user", "assistant", "system"]
    content: str


class Filters(BaseModel):
    doc_ids: list[str] = Field(default_factory=list, description="chỉ tìm trong các văn bản này")
    doc_types: list[str] = Field(default_factory=list, description='ví dụ ["Công văn", "Kế hoạch"]')
    issuer: str | None = Field(None, description="một phần tên cơ quan ban hành")
    province: str | None = None
    date_from: str | None = Field(None, description="ngày ban hành từ: YYYY, YYYY-MM hoặc YYYY-MM-DD")
    date_to: str | None = Field(None, description="ngày ban hành đến")
    in_force: str | None = Field(None, description="chỉ các văn bản còn hiệu lực vào ngày này (YYYY-MM-DD)")

    def to_filter(self) -> SearchFilter:
        return SearchFilter(
            self.doc_ids, self.doc_types, self.issuer, self.province, self.date_from, self.date_to, self.in_force
        )


class AskRequest(BaseModel):
    question: str
    history: list[Message] = Field(default_factory=list)
    filters: Filters | None = None
    k: int | None = Field(None, ge=1, le=50)
    stream: bool = False
    llm: bool | None = Field(None, description="dùng LLM đã cấu hình (mặc định: theo cấu hình máy chủ)")


class DraftRequest(BaseModel):
    question: str
    history: list[Message] = Field(default_factory=list, max_length=50)
    filters: Filters | None = None
    k: int | None = Field(None, ge=1, le=50)
    llm: bool | None = None
    recipient: str = Field("", max_length=300, description="Kính gửi")
    sender: str = Field("", max_length=300, description="cơ quan ban hành công văn trả lời")
    subject: str = Field("", max_length=300, description="trích yếu sau “V/v” (mặc định: đặt theo chủ đề câu hỏi)")
    parent: str = Field(
        "",
        max_length=300,
        description="cơ quan chủ quản, ghi trên tên cơ quan ban hành (mặc định: suy từ sender khi biết được)",
    )
    format: Literal["json", "docx"] | None = Field(
        None,
        description='"docx": tệp Word; mặc định: theo header Accept (docx nếu có '
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document), còn lại JSON",
    )


class SearchRequest(BaseModel):
    query: str
    k: int = Field(8, ge=1, le=50)
    filters: Filters | None = None


class FeedbackRequest(BaseModel):
    rating: Literal["đúng", "sai", "thiếu nguồn"]
    question: str
    answer: str = ""
    citations: list[dict[str, Any]] = Field(default_factory=list)
    comment: str = ""


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_type",
    422: "invalid_request",
    429: "too_many_requests",
}


HTTP_MESSAGES = {
    400: "Không đọc được nội dung yêu cầu: cần JSON (hoặc multipart/form-data khi tải tệp) mã hóa UTF-8 hợp lệ.",
    404: "Không có đường dẫn này. Xem danh sách API tại /docs.",
    405: "Đường dẫn này không nhận phương thức đó. Xem danh sách API tại /docs.",
}


def public_text(message: str, settings: Settings) -> str:
    """An error message without the server's folders (clients may be anonymous)."""
    for path, name in (
        (settings.index_dir, "chỉ mục"),
        (settings.corpus_dir, "thư mục văn bản"),
        (settings.feedback_file.parent, "thư mục phản hồi"),
    ):
        for form in sorted({str(path.resolve()), str(path.absolute()), str(path)}, key=len, reverse=True):
            if len(form) > 1:
                message = message.replace(form, f"<{name}>")
    return message


def create_app(settings: Settings, ui: bool = True, service: Assistant | None = None) -> FastAPI:
    svc = service or Assistant(settings)
    _ = svc.store  # open the index now: this process owns it (a second local-mode client is refused)
    cleaned = recover(svc.store, settings.corpus_dir)  # uploads and ingests a crash interrupted
    if any(cleaned.values()):
        logging.getLogger("assistant").warning("Dọn dẹp sau lần dừng đột ngột: %s", cleaned)
    app = FastAPI(
        title="Trợ lý văn bản giáo dục — API",
        version="1.0",
        description="Hỏi đáp có trích dẫn trên công văn, kế hoạch, chỉ thị, thông báo ngành giáo dục.",
    )
    app.state.assistant = svc
    app.state.recovered = cleaned
    from assistant.app.upload_queue import UploadQueue

    uploads = UploadQueue(svc)
    app.state.uploads = uploads
    app.router.on_shutdown.append(uploads.close)
    feedback = feedback_store(settings)

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, e: ApiError):
        return _error(e.status, e.code, e.message)

    @app.exception_handler(QuestionError)
    async def _question_error(_: Request, e: QuestionError):
        return _error(e.status, "invalid_question", str(e))

    @app.exception_handler(UploadError)
    async def _upload_error(_: Request, e: UploadError):
        return _error(
            e.status, e.code, public_text(e.message, settings), {"Retry-After": "60"} if e.status == 503 else None
        )

    @app.exception_handler(FeedbackError)
    async def _feedback_error(_: Request, e: FeedbackError):
        return _error(e.status, e.code, e.message, {"Retry-After": str(e.retry_after)} if e.retry_after else None)

    @app.exception_handler(UnicodeError)
    async def _unicode_error(_: Request, e: UnicodeError):
        # a lone surrogate ("\ud800") is valid JSON but not text: it fails wherever it is encoded
        return _error(
            400,
            "invalid_text",
            "Văn bản có ký tự không hợp lệ (nửa cặp UTF-16 “\\ud800”…): hãy gửi văn bản UTF-8 hợp lệ.",
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, e: RequestValidationError):
        return _error(422, "invalid_request", "Yêu cầu không hợp lệ: " + _describe(e.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, e: StarletteHTTPException):
        code = e.code if isinstance(e, BodyTooLarge) else HTTP_CODES.get(e.status_code, "error")
        if isinstance(e, BodyTooLarge) and isinstance(e.detail, str):
            message = e.detail
        else:  # Starlette's own (English) details: a body it could not parse, a method, a route
            message = HTTP_MESSAGES.get(e.status_code, f"Yêu cầu không thực hiện được (HTTP {e.status_code}).")
        return _error(e.status_code, code, message, getattr(e, "headers", None))

    # the service's own errors, each with its status and code; a subclass needs its own row
    # (IndexMissingError is a StoreError) because Starlette picks the closest class
    for error, status, code in (
        (IndexMissingError, 503, "index_missing"),
        (IndexMismatchError, 503, "index_mismatch"),
        (StoreError, 503, "index_unavailable"),
        (LLMError, 503, "llm_unavailable"),
        (EmbedderError, 503, "embedder_unavailable"),
    ):
        app.add_exception_handler(error, _handler(status, code, settings))
    app.add_exception_handler(DiskFullError, _handler(507, "insufficient_storage", settings))

    def require_write(request: Request) -> None:
        _check_key(request, settings.api_key)

    def require_read(request: Request) -> None:
        if settings.read_api_key:
            _check_key(request, settings.api_key)

    def key_level(route) -> str | None:
        """Which key a route needs, read from its own dependencies (one source of truth)."""
        calls = {d.call for d in getattr(getattr(route, "dependant", None), "dependencies", [])}
        return "write" if require_write in calls else "read" if require_read in calls else None

    @app.get("/healthz", tags=["system"])
    def healthz() -> dict[str, Any]:
        """Index loaded?, document and chunk counts, embedder."""
        return svc.health()

    @app.post("/v1/ask", tags=["answers"], dependencies=[Depends(require_read)])
    def ask(req: AskRequest):
        """Answer a question with verified citations. `stream=true` returns server-sent events:
        `meta`, then `delta` pieces whose texts concatenate to the answer (with an LLM: each verified
        sentence as soon as it is written), then `citations`, then `done` (the whole object)."""
        history = [m.model_dump() for m in req.history]
        flt = req.filters.to_filter() if req.filters else None
        if not req.stream:
            return svc.ask(req.question, history, flt, req.k, use_llm=req.llm).to_dict()
        events = svc.ask_stream(req.question, history, flt, req.k, use_llm=req.llm)
        first = next(events)  # a bad question or a missing index answers as JSON, before the stream starts
        return StreamingResponse(
            _sse(itertools.chain([first], events)),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @app.post(
        "/v1/draft",
        tags=["answers"],
        dependencies=[Depends(require_read)],
        responses={200: {"content": {"application/json": {}, DOCX_TYPE: {}}}},
    )
    def draft(req: DraftRequest, request: Request):
        """Answer the question, then draft a reply (công văn) from the answer and its citations:
        JSON `{answer, draft}` (text), or a Word file when `format` is "docx" or the Accept header
        asks for it. References come only from the cited documents' metadata."""
        from assistant.answer.drafting import DraftError, build_draft, draft_text, render_docx

        history = [m.model_dump() for m in req.history]
        answer = svc.ask(
            req.question, history, req.filters.to_filter() if req.filters else None, req.k, use_llm=req.llm
        ).to_dict()
        want_docx = req.format == "docx" or (req.format is None and DOCX_TYPE in request.headers.get("accept", ""))
        try:
            d = build_draft(
                answer,
                req.recipient,
                req.sender,
                req.subject,
                req.parent,
                {doc_id: r.meta for doc_id, r in svc.store.documents().items()},
            )
        except DraftError as e:
            raise ApiError(422, "nothing_to_cite", str(e)) from e
        if not want_docx:
            # notes: what the officer must fill ("[cần điền: …]" in the draft) or check, and why
            return {"answer": answer, "draft": draft_text(d), "subject": d.subject, "notes": d.notes}
        from urllib.parse import quote as url_quote

        return Response(
            render_docx(d),
            media_type=DOCX_TYPE,
            headers={
                "Content-Disposition": 'attachment; filename="cong-van-tra-loi.docx"',
                # the notes, percent-encoded UTF-8 JSON (headers are Latin-1)
                "X-Draft-Notes": url_quote(json.dumps(d.notes, ensure_ascii=False)),
            },
        )

    @app.post("/v1/search", tags=["answers"], dependencies=[Depends(require_read)])
    def search(req: SearchRequest) -> dict[str, Any]:
        """Hybrid (dense + sparse) search with filters."""
        from assistant.answer.citations import hit_to_evidence

        hits = svc.search(req.query, req.k, req.filters.to_filter() if req.filters else None)
        return {"query": req.query, "hits": [hit_to_evidence(h, i + 1) for i, h in enumerate(hits)]}

    @app.get("/v1/documents", tags=["documents"], dependencies=[Depends(require_read)])
    def documents() -> dict[str, Any]:
        return {"documents": [_doc_summary(r) for r in svc.documents()]}

    @app.get("/v1/documents/{doc_id}", tags=["documents"], dependencies=[Depends(require_read)])
    def document(doc_id: str) -> dict[str, Any]:
        """Metadata and paragraphs (with ids and offsets) of one document."""
        found = svc.document(doc_id)
        if found is None:
            raise ApiError(404, "document_not_found", f"Không có văn bản '{doc_id}'. Xem danh sách: GET /v1/documents.")
        rec, chunks = found
        return {
            **_doc_summary(rec),
            "paragraphs": [
                {
                    "chunk_id": c["chunk_id"],
                    "position": c["position"],
                    "section": c["section"],
                    "text": c["text"],
                    "start": c["start"],
                    "end": c["end"],
                    "kind": c.get("block_kind", "plain"),
                    **({"columns": c["columns"], "cells": c["cells"]} if c.get("cells") else {}),
                }
                for c in chunks
            ],
        }

    @app.post(
        "/v1/documents",
        tags=["documents"],
        status_code=201,
        dependencies=[Depends(require_write)],
        responses={202: {"description": "wait=false: queued"}, 409: {"description": "exists"}},
    )
    async def upload(
        file: UploadFile = File(...),
        replace: bool = Query(False),
        wait: bool = Query(True),
        replace_form: bool = Form(False, alias="replace"),
    ):
        """Upload a file (.txt .md .docx .pdf .html) into the corpus and the index. It is staged and
        ingested first and moved into the corpus only when indexed; a document with the same
        doc_id (same name, or same stem with another extension) is replaced only with
        `replace=true`, else 409. `wait=false` answers 202 at once with a job to poll."""
        if file.size is not None and file.size > settings.max_upload_bytes:
            raise ApiError(
                413, "file_too_large", f"Tệp vượt quá giới hạn {settings.max_upload_mb:g} MB (ASSISTANT_MAX_UPLOAD_MB)."
            )
        try:
            job = await asyncio.to_thread(uploads.submit, file.filename or "", file.file, replace or replace_form)
        except LoadError as e:
            raise ApiError(400, "invalid_name", str(e)) from e
        if not wait:
            return JSONResponse({"job": job.to_dict(), "status_url": f"/v1/uploads/{job.id}"}, status_code=202)
        await asyncio.wrap_future(job.future)
        return _upload_result(job, settings)

    @app.get("/v1/uploads/{job_id}", tags=["documents"], dependencies=[Depends(require_write)])
    def upload_status(job_id: str) -> dict[str, Any]:
        """State of an upload: queued, reading, indexing (chunks written so far), indexed,
        unchanged or failed (with its error)."""
        job = uploads.get(job_id)
        if job is None:
            raise ApiError(404, "upload_not_found", f"Không có lượt tải lên '{job_id}'.")
        return {"job": job.to_dict(), "document": _doc_summary(job.record) if job.record else None}

    @app.delete("/v1/documents/{doc_id}", tags=["documents"], dependencies=[Depends(require_write)])
    def delete(doc_id: str) -> dict[str, Any]:
        busy = uploads.busy(doc_id)
        if busy is not None:
            raise ApiError(
                409,
                "upload_in_progress",
                f"Văn bản '{doc_id}' đang được nạp (GET /v1/uploads/{busy.id}); xóa sau khi xong.",
            )
        rec = svc.delete_document(doc_id)
        if rec is None:
            raise ApiError(404, "document_not_found", f"Không có văn bản '{doc_id}'.")
        return {"deleted": doc_id}

    @app.post("/v1/feedback", tags=["feedback"], status_code=201)
    def feedback_post(req: FeedbackRequest, request: Request) -> dict[str, Any]:
        """Store a teacher's rating of an answer (đúng / sai / thiếu nguồn) for evaluators.
        Bounded: one record's size, records per client per minute, the whole file's size."""
        feedback.add(req.model_dump(), request.client.host if request.client else "?")
        return {"stored": True}

    @app.get("/v1/feedback", tags=["feedback"], dependencies=[Depends(require_write)])
    def export_feedback():
        """All stored feedback as JSON Lines (one rating per line)."""
        headers = {"Content-Disposition": "attachment; filename=feedback.jsonl"}
        if not settings.feedback_file.exists():
            return PlainTextResponse("", media_type="application/x-ndjson", headers=headers)
        return FileResponse(settings.feedback_file, media_type="application/x-ndjson", headers=headers)

    @app.get("/documents/{doc_id}/view", response_class=HTMLResponse, include_in_schema=False)
    def view(doc_id: str, chunk: str | None = None):
        found = svc.document(doc_id)
        headers = {"Content-Security-Policy": STRICT_CSP}
        if found is None:
            return HTMLResponse(
                render_message("Không tìm thấy", f"Không có văn bản {doc_id}."), status_code=404, headers=headers
            )
        return HTMLResponse(render_document(found[0], found[1], chunk), headers=headers)

    @app.get(ASSET_PATH + "/{name}", include_in_schema=False)
    def view_asset(name: Literal["view.js", "view.css"]):
        media = "text/javascript" if name.endswith(".js") else "text/css"
        return Response(
            VIEW_JS if name.endswith(".js") else VIEW_CSS,
            media_type=media,
            headers={"Cache-Control": "public, max-age=3600"},
        )

    queued = None
    if ui:
        import gradio as gr

        from assistant.app.ui import CSS, build_ui

        # no "Use via API" link: Gradio's own API routes are closed (httpguard); the API is /v1
        downloads = DownloadStore()

        @app.get("/downloads/{token}/{name}", include_in_schema=False)
        def download(token: str, name: str):
            """A file the chat UI made (the .docx draft reply), for a few minutes (downloads.py)."""
            item = downloads.get(token)
            if item is None or item.name != name:
                raise ApiError(404, "download_not_found", "Tệp đã hết hạn hoặc không tồn tại: hãy soạn lại công văn.")
            return Response(
                item.data,
                media_type=item.media_type,
                headers={"Content-Disposition": f'attachment; filename="{item.name}"', "Cache-Control": "no-store"},
            )

        demo = build_ui(svc, settings, feedback, downloads)
        # a bounded queue; each client's waiting questions count against its per-client limit (Guard)
        demo.queue(max_size=settings.chat_queue_size, default_concurrency_limit=1)
        queued = _queued_by(demo)
        app = gr.mount_gradio_app(app, demo, path="/", css=CSS, footer_links=[])
    routes = app.router.routes
    app.add_middleware(
        Guard,
        api_key=settings.api_key,
        read_api_key=settings.read_api_key,
        ui=ui,
        request_limit=settings.max_request_bytes,
        upload_limit=settings.max_upload_bytes,
        upload_route=("POST", "/v1/documents"),
        routes=lambda: routes,
        key_level=key_level,
        per_client=settings.max_requests_per_client,
        per_client_streams=settings.max_streams_per_client,
        allowed_hosts=settings.allowed_host_list,
        allowed_origins=settings.allowed_origin_list,
        trusted_proxies=settings.trusted_proxy_list,
        queued=queued,
    )
    return app


def _queued_by(demo):
    """How many chat events of a client address wait in Gradio's queue or run (read from the
    queue itself, so an event that ends or is cancelled is no longer counted)."""

    def host(event) -> str | None:
        client = getattr(getattr(event, "request", None), "client", None)
        return getattr(client, "host", None)

    def count(client: str) -> int:
        q = getattr(demo, "_queue", None)
        if q is None:
            return 0
        events = [e for eq in list(q.event_queue_per_concurrency_id.values()) for e in list(eq.queue)]
        events += [e for job in list(q.active_jobs) if job for e in job]
        return sum(1 for e in events if host(e) == client)

    return count


def _describe(errors) -> str:
    """FastAPI's validation errors in one line: where, and what was wrong."""
    parts = []
    for e in list(errors)[:5]:
        kind = e.get("type", "")
        where = (
            "nội dung"
            if kind == "json_invalid"
            else ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "nội dung"
        )
        what = {
            "missing": "thiếu trường bắt buộc",
            "json_invalid": "JSON không hợp lệ",
            "literal_error": "giá trị không được phép",
            "string_type": "cần một chuỗi",
            "int_parsing": "cần một số nguyên",
            "list_type": "cần một danh sách",
            "less_than_equal": "giá trị quá lớn",
            "greater_than_equal": "giá trị quá nhỏ",
            "model_attributes_type": "cần một đối tượng JSON",
            "bool_parsing": "cần true hoặc false",
            "dict_type": "cần một đối tượng JSON",
            "int_from_float": "cần một số nguyên",
            "int_type": "cần một số nguyên",
            "bool_type": "cần true hoặc false",
            "too_long": "quá nhiều phần tử",
            "string_too_long": "chuỗi quá dài",
            "float_parsing": "cần một số",
            "float_type": "cần một số",
            "string_unicode": "cần văn bản UTF-8 hợp lệ",
            "extra_forbidden": "trường không được phép",
        }.get(kind, "giá trị không hợp lệ")
        parts.append(f"{where}: {what}")
    return "; ".join(parts) + "."


def _upload_result(job, settings: Settings) -> JSONResponse:
    if job.error is not None:
        return _error(job.error.status, job.error.code, public_text(job.error.message, settings))
    return JSONResponse(
        {"status": job.status, "job": job.to_dict(), "document": _doc_summary(job.record) if job.record else None},
        status_code=201,
    )


def _handler(status: int, code: str, settings: Settings):
    async def handle(_: Request, e: Exception) -> JSONResponse:
        return _error(status, code, public_text(str(e), settings))

    return handle


def _check_key(request: Request, key: str | None) -> None:
    if not key:
        return
    given = given_key({k.lower(): v for k, v in request.headers.items()})
    if not key_matches(given, key):
        raise ApiError(401, "unauthorized", "Thiếu hoặc sai khóa API (header X-API-Key).")


def _doc_summary(rec) -> dict[str, Any]:
    return {
        "doc_id": rec.doc_id,
        "source": rec.source,
        "title": rec.title,
        "chunks": rec.chunk_count,
        "chars": rec.chars,
        "version": rec.version,
        "coverage": rec.coverage,
        **rec.meta.to_dict(),
    }


def _sse(events):
    """Server-sent events from the service's stream: `meta`, `delta`… (their texts concatenate
    to the answer), `citations`, `done`."""
    for e in events:
        yield f"event: {e.kind}\ndata: {json.dumps(e.data, ensure_ascii=False)}\n\n"
