"""HTTP API (FastAPI), versioned under /v1, with the chat UI mounted at /.

Routes are thin: they validate, call the ``Assistant`` service, and shape errors as JSON
``{"error": {"code": …, "message": …}}`` with the right status.
"""
from __future__ import annotations

import asyncio
import html
import itertools
import json
from pathlib import Path
from typing import Any, Literal

from fastapi import Depends, FastAPI, File, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from .embedding import EmbedderError
from .feedback import append_feedback, read_feedback
from .errors import LLMError
from .loading import SUPPORTED, LoadError
from .service import Assistant, QuestionError
from .settings import Settings
from .store import IndexMismatchError, IndexMissingError, SearchFilter, StoreError


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
    date_from: str | None = Field(None, description="YYYY, YYYY-MM hoặc YYYY-MM-DD")
    date_to: str | None = None

    def to_filter(self) -> SearchFilter:
        return SearchFilter(self.doc_ids, self.doc_types, self.issuer, self.province, self.date_from, self.date_to)


class AskRequest(BaseModel):
    question: str
    history: list[Message] = Field(default_factory=list)
    filters: Filters | None = None
    k: int | None = Field(None, ge=1, le=50)
    stream: bool = False
    llm: bool | None = Field(None, description="dùng LLM đã cấu hình (mặc định: theo cấu hình máy chủ)")


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class DraftRequest(BaseModel):
    question: str
    history: list[Message] = Field(default_factory=list, max_length=50)
    filters: Filters | None = None
    k: int | None = Field(None, ge=1, le=50)
    llm: bool | None = None
    recipient: str = Field("", max_length=300, description="Kính gửi")
    sender: str = Field("", max_length=300, description="cơ quan ban hành công văn trả lời")
    subject: str = Field("", max_length=300, description="trích yếu sau “V/v” (mặc định: theo câu hỏi)")
    format: Literal["json", "docx"] | None = Field(
        None, description='"docx": tệp Word; mặc định: theo header Accept (docx nếu có '
                          'application/vnd.openxmlformats-officedocument.wordprocessingml.document), còn lại JSON')


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


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def create_app(settings: Settings, ui: bool = True, service: Assistant | None = None) -> FastAPI:
    svc = service or Assistant(settings)
    svc.store  # open the index now: this process owns it (a second local-mode client is refused)
    app = FastAPI(title="Trợ lý văn bản giáo dục — API", version="1.0",
                  description="Hỏi đáp có trích dẫn trên công văn, kế hoạch, chỉ thị, thông báo ngành giáo dục.")
    app.state.assistant = svc

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, e: ApiError):
        return _error(e.status, e.code, e.message)

    @app.exception_handler(QuestionError)
    async def _question_error(_: Request, e: QuestionError):
        return _error(e.status, "invalid_question", str(e))

    # the service's own errors, each with its status and code; a subclass needs its own row
    # (IndexMissingError is a StoreError) because Starlette picks the closest class
    for error, status, code in ((IndexMissingError, 503, "index_missing"),
                                (IndexMismatchError, 503, "index_mismatch"),
                                (StoreError, 503, "index_unavailable"),
                                (LLMError, 503, "llm_unavailable"),
                                (EmbedderError, 503, "embedder_unavailable")):
        app.add_exception_handler(error, _handler(status, code))

    def require_write(request: Request) -> None:
        _check_key(request, settings.api_key)

    def require_read(request: Request) -> None:
        if settings.read_api_key:
            _check_key(request, settings.api_key)

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
        return StreamingResponse(_sse(itertools.chain([first], events)), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.post("/v1/draft", tags=["answers"], dependencies=[Depends(require_read)],
              responses={200: {"content": {"application/json": {}, DOCX_TYPE: {}}}})
    def draft(req: DraftRequest, request: Request):
        """Answer the question, then draft a reply (công văn) from the answer and its citations:
        JSON `{answer, draft}` (text), or a Word file when `format` is "docx" or the Accept header
        asks for it. References come only from the cited documents' metadata."""
        from .drafting import DraftError, build_draft, draft_reply, render_docx

        history = [m.model_dump() for m in req.history]
        answer = svc.ask(req.question, history, req.filters.to_filter() if req.filters else None, req.k,
                         use_llm=req.llm).to_dict()
        want_docx = req.format == "docx" or (req.format is None and DOCX_TYPE in request.headers.get("accept", ""))
        try:
            d = build_draft(answer, req.recipient, req.sender, req.subject)
        except DraftError as e:
            raise ApiError(422, "nothing_to_cite", str(e)) from e
        if not want_docx:
            return {"answer": answer, "draft": draft_reply(answer, req.recipient, req.sender, req.subject)}
        return Response(render_docx(d), media_type=DOCX_TYPE,
                        headers={"Content-Disposition": 'attachment; filename="cong-van-tra-loi.docx"'})

    @app.post("/v1/search", tags=["answers"], dependencies=[Depends(require_read)])
    def search(req: SearchRequest) -> dict[str, Any]:
        """Hybrid (dense + sparse) search with filters."""
        from .citations import hit_to_evidence

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
        return {**_doc_summary(rec), "paragraphs": [
            {"chunk_id": c["chunk_id"], "position": c["position"], "section": c["section"], "text": c["text"],
             "start": c["start"], "end": c["end"]} for c in chunks]}

    @app.post("/v1/documents", tags=["documents"], status_code=201, dependencies=[Depends(require_write)])
    async def upload(file: UploadFile = File(...)):
        """Upload a file (.txt .md .docx .pdf .html): it is saved into the corpus and ingested."""
        name = file.filename or ""
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED:
            raise ApiError(415, "unsupported_type",
                           f"Định dạng '{suffix or name}' không được hỗ trợ. Hỗ trợ: {', '.join(sorted(SUPPORTED))}.")
        data = await file.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise ApiError(413, "file_too_large",
                           f"Tệp vượt quá giới hạn {settings.max_upload_mb:g} MB (ASSISTANT_MAX_UPLOAD_MB).")
        try:
            result = await asyncio.to_thread(svc.add_file, name, data)
        except LoadError as e:
            raise ApiError(422, "unreadable_file", str(e)) from e
        rec = svc.store.documents().get(result.doc_id)
        return {"status": result.status, "document": _doc_summary(rec) if rec else None}

    @app.delete("/v1/documents/{doc_id}", tags=["documents"], dependencies=[Depends(require_write)])
    def delete(doc_id: str) -> dict[str, Any]:
        rec = svc.delete_document(doc_id)
        if rec is None:
            raise ApiError(404, "document_not_found", f"Không có văn bản '{doc_id}'.")
        return {"deleted": doc_id}

    @app.post("/v1/feedback", tags=["feedback"], status_code=201)
    def feedback(req: FeedbackRequest) -> dict[str, Any]:
        """Store a teacher's rating of an answer (đúng / sai / thiếu nguồn) for evaluators."""
        append_feedback(settings.feedback_file, req.model_dump())
        return {"stored": True}

    @app.get("/v1/feedback", tags=["feedback"], dependencies=[Depends(require_write)])
    def export_feedback():
        """All stored feedback as JSON Lines (one rating per line)."""
        return PlainTextResponse(read_feedback(settings.feedback_file), media_type="application/x-ndjson",
                                 headers={"Content-Disposition": "attachment; filename=feedback.jsonl"})

    @app.get("/documents/{doc_id}/view", response_class=HTMLResponse, include_in_schema=False)
    def view(doc_id: str, chunk: str | None = None):
        found = svc.document(doc_id)
        if found is None:
            return HTMLResponse(f"<p>Không có văn bản {html.escape(doc_id)}.</p>", status_code=404)
        return HTMLResponse(render_document(found[0], found[1], chunk))

    if ui:
        import gradio as gr

        from .ui import CSS, build_ui

        app = gr.mount_gradio_app(app, build_ui(svc, settings), path="/", css=CSS,
                                  footer_links=["api"])
    return app


def _handler(status: int, code: str):
    async def handle(_: Request, e: Exception) -> JSONResponse:
        return _error(status, code, str(e))

    return handle


def _check_key(request: Request, key: str | None) -> None:
    if not key:
        return
    given = request.headers.get("x-api-key") or ""
    auth = request.headers.get("authorization") or ""
    if auth.lower().startswith("bearer "):
        given = given or auth[7:].strip()
    if given != key:
        raise ApiError(401, "unauthorized", "Thiếu hoặc sai khóa API (header X-API-Key).")


def _doc_summary(rec) -> dict[str, Any]:
    return {"doc_id": rec.doc_id, "source": rec.source, "title": rec.title, "chunks": rec.chunk_count,
            "chars": rec.chars, "version": rec.version, **rec.meta.to_dict()}


def _sse(events):
    """Server-sent events from the service's stream: `meta`, `delta`… (their texts concatenate
    to the answer), `citations`, `done`."""
    for e in events:
        yield f"event: {e.kind}\ndata: {json.dumps(e.data, ensure_ascii=False)}\n\n"


def render_document(rec, chunks: list[dict[str, Any]], focus: str | None) -> str:
    """The whole document as escaped HTML, each paragraph with an anchor; the focused one marked."""
    m = rec.meta
    rows = []
    for c in chunks:
        cls = ' class="focus"' if c["chunk_id"] == focus else ""
        section = f'<div class="sec">{html.escape(c["section"])}</div>' if c["section"] else ""
        body = html.escape(c["text"]).replace("\n\n", "<br><br>")
        rows.append(f'<div id="{html.escape(c["chunk_id"])}"{cls}>{section}<p>{body}</p></div>')
    meta = " · ".join(html.escape(x) for x in (m.doc_type, m.number, m.issuer, m.date) if x)
    script = (f'<script>document.getElementById({json.dumps(focus)})?.scrollIntoView({{block:"center"}});</script>'
              if focus else "")
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{html.escape(rec.title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:860px;margin:2em auto;line-height:1.5;padding:0 1em}}
.sec{{color:#555;font-size:.85em}}.focus{{background:#fff3bf;border-left:4px solid #f59f00;padding:.3em .6em}}
h1{{font-size:1.3em}}</style></head><body><h1>{html.escape(rec.title)}</h1><p>{meta}</p>{''.join(rows)}{script}
</body></html>"""
