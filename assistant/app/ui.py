"""The chat UI for teachers and officers (Gradio, mounted in the FastAPI app).

All conversation state lives in per-session ``gr.State``: two browsers never share it.
Document text is escaped before it is shown.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import quote

import gradio as gr

from assistant.answer.citations import OCR_NOTE, format_date, where_phrase
from assistant.answer.drafting import DOCX_TYPE, DraftError, build_draft, draft_text, render_docx
from assistant.app.downloads import DownloadStore
from assistant.app.feedback import FeedbackError, FeedbackStore
from assistant.app.service import Assistant, QuestionError, trim_history
from assistant.core.errors import LLMError, StoreError
from assistant.core.settings import Settings
from assistant.index.store import SearchFilter

EXAMPLES = [
    "Trường THCS phải báo cáo gì sau năm học 2024-2025?",
    "Sở GDĐT Quảng Ngãi làm việc với huyện Bình Sơn vào thời gian nào?",
    "Chỉ thị 04/CT-UBND của UBND tỉnh An Giang có hiệu lực khi nào?",
    "Quảng Ninh phấn đấu tỷ lệ trường đạt chuẩn quốc gia bao nhiêu phần trăm vào năm 2024?",
    "what must THCS schools report after 2024-2025?",
]

CSS = """
#sources .src {border:1px solid #ddd;border-radius:8px;padding:.6em .8em;margin:.5em 0;background:#fafafa}
#sources .src h4 {margin:0 0 .2em 0;font-size:.95em}
#sources .sec {color:#666;font-size:.85em;margin-bottom:.3em}
#sources mark {background:#ffe066;padding:0 .1em}
#sources .ocr {color:#a61e4d}
#sources p {white-space:pre-wrap;margin:.3em 0}
#draft-notes li {font-size:.9em}
/* a phone: the answer and its sources first, then the draft, the example questions, feedback and
   filters (the two columns dissolve into one ordered list of blocks) */
@media (max-width: 768px) {
  #layout {flex-direction:column;flex-wrap:nowrap}
  #layout > .column {display:contents}
  #ask-box {order:1} #sources-box {order:2} #draft-box {order:3} #examples-box {order:4}
  #feedback-box {order:5} #filters {order:6}
}
"""


# Characters that make Markdown (Gradio's, GFM) build a link or an image from plain text:
# [text](url), ![img](url), <scheme:…>, bare "https://…", "www.…", "name@host". As numeric
# entities they look the same and link nothing, whatever the scheme or its case.
_MD_LINKY = str.maketrans(
    {
        "[": "&#91;",
        "]": "&#93;",
        "(": "&#40;",
        ")": "&#41;",
        "!": "&#33;",
        ":": "&#58;",
        "@": "&#64;",
        "\\": "&#92;",
        "`": "&#96;",
    }
)
_WWW = re.compile(r"(www)\.", re.I)


def md_text(text: str) -> str:
    """Document text (or anything quoted from it) for a Markdown or HTML rendering: escaped, and
    no link, image or citation marker can come out of it."""
    return _WWW.sub(r"\1&#46;", html.escape(text, quote=False).translate(_MD_LINKY))


_MARKER = re.compile(r"\[(\d+)\]")
_CONTEXT = 16  # characters on either side that tell a document's own "[1]" from a citation marker


def _is_marker(raw: str, m: re.Match, paragraphs: list[str]) -> bool:
    """A "[n]" the answerer wrote, not one quoted from a cited paragraph ("xem phụ lục [1]")."""
    before, after = raw[max(0, m.start() - _CONTEXT) : m.start()], raw[m.end() : m.end() + _CONTEXT]
    quoted = any(
        (len(before) >= 4 and before + m.group(0) in p) or (len(after) >= 4 and m.group(0) + after in p)
        for p in paragraphs
    )
    return not quoted


def cite_links(answer: dict[str, Any]) -> str:
    """Turn each citation marker [n] into a link to the cited paragraph, with the source as its
    hover title. Everything else is text (md_text): a document's own links, images and "[1]"
    stay plain text."""
    raw = answer["answer"]
    cited = {str(c["n"]): c for c in answer.get("citations", [])}
    paragraphs = [c.get("text", "") for c in cited.values()]
    out, pos = [], 0
    for m in _MARKER.finditer(raw):
        c = cited.get(m.group(1))
        if c is None or not _is_marker(raw, m, paragraphs):
            continue
        url = f"/documents/{quote(c['doc_id'], safe='')}/view?chunk={quote(c['chunk_id'], safe='')}"
        title = md_text(f"{c['doc_type']} {c['doc_number']} — {c['section'] or 'mở đầu'}".replace('"', "'"))
        out += [md_text(raw[pos : m.start()]), f'[[{c["n"]}]]({url} "{title}")']
        pos = m.end()
    out.append(md_text(raw[pos:]))
    return "".join(out)


def highlight(text: str, spans: list[list[int]]) -> str:
    out, pos = [], 0
    for a, b in sorted(spans):
        if a < pos:
            continue
        out.append(md_text(text[pos:a]))
        out.append(f"<mark>{md_text(text[a:b])}</mark>")
        pos = b
    out.append(md_text(text[pos:]))
    return "".join(out)


def sources_html(answer: dict[str, Any] | None) -> str:
    if not answer:
        return "<p>Nguồn trích dẫn sẽ hiện ở đây.</p>"
    if answer.get("abstained") or not answer.get("citations"):
        near = "".join(f"<li>{md_text(r['doc_title'])}</li>" for r in answer.get("retrieved", [])[:3])
        return f"<p>Không có trích dẫn.</p><p>Văn bản gần nhất:</p><ul>{near}</ul>"
    cards = []
    for c in answer["citations"]:
        head = " · ".join(
            md_text(x)
            for x in (f"{c['doc_type']} {c['doc_number']}".strip(), c["issuer"], format_date(c["doc_date"]))
            if x
        )
        url = html.escape(f"/documents/{quote(c['doc_id'], safe='')}/view?chunk={quote(c['chunk_id'], safe='')}")
        where = " · " + md_text(where_phrase(c["page"], False)) if c.get("page") else ""
        if c.get("ocr"):  # its wording may differ from the paper: say so where it is quoted
            where += f' · <span class="ocr">{html.escape(OCR_NOTE)}</span>'
        cards.append(
            f'<div class="src" id="src-{c["n"]}"><h4>[{c["n"]}] {head}</h4>'
            f'<div class="sec">Mục: {md_text(c["section"] or "(mở đầu)")}{where}</div>'
            # one line: a blank line would end the HTML block and let Markdown read the document text
            f"<p>{highlight(c['text'], c.get('quote_spans') or []).replace(chr(10), '<br>')}</p>"
            f'<a href="{url}" target="_blank">Mở toàn văn tại đoạn này ↗</a></div>'
        )
    return "".join(cards)


DRAFT_FIELD_CHARS = 300  # as the API's /v1/draft fields


def notes_markdown(notes: list[str]) -> str:
    """What the officer must fill or check before sending, above the draft (escaped: the notes
    quote document metadata)."""
    if not notes:
        return ""
    items = "".join(f"<li>{md_text(n)}</li>" for n in notes)
    return f"<p><b>Cần điền hoặc kiểm tra trước khi gửi</b> (chỗ đánh dấu “[cần điền: …]”):</p><ul>{items}</ul>"


def build_ui(svc: Assistant, settings: Settings, feedback: FeedbackStore, downloads: DownloadStore) -> gr.Blocks:
    try:
        docs = svc.documents()
    except StoreError:
        docs = []
    doc_choices = [(f"{d.meta.doc_type} {d.meta.number} — {d.meta.issuer}".strip(), d.doc_id) for d in docs]
    types = sorted({d.meta.doc_type for d in docs if d.meta.doc_type})
    provinces = sorted({d.meta.province for d in docs if d.meta.province})

    with gr.Blocks(title="Trợ lý văn bản giáo dục", analytics_enabled=False) as demo:
        state = gr.State({"history": [], "last": None})
        gr.Markdown(
            "## Trợ lý hỏi đáp văn bản chỉ đạo ngành giáo dục\n"
            "Hỏi bằng tiếng Việt (hoặc tiếng Anh). Mỗi ý trả lời đều dẫn nguồn tới đúng đoạn văn bản."
        )
        # on a wide screen two columns; on a phone one, ordered by the CSS above (answer first)
        with gr.Row(elem_id="layout"):
            with gr.Column(scale=3):
                with gr.Column(elem_id="ask-box"):
                    chat = gr.Chatbot(
                        label="Hội thoại", height=460, elem_id="chat", buttons=["copy"], feedback_options=None
                    )
                    with gr.Row():
                        box = gr.Textbox(
                            placeholder="Nhập câu hỏi, ví dụ: Trường THCS phải báo cáo gì sau năm học 2024-2025?",
                            show_label=False,
                            scale=5,
                            elem_id="question",
                        )
                        send = gr.Button("Gửi", variant="primary", scale=1, elem_id="send")
                with gr.Column(elem_id="examples-box"):
                    gr.Examples(EXAMPLES, inputs=[box], label="Câu hỏi mẫu")
                with gr.Column(elem_id="feedback-box"):
                    with gr.Row():
                        good = gr.Button("Đúng", size="sm")
                        bad = gr.Button("Sai", size="sm")
                        nosrc = gr.Button("Thiếu nguồn", size="sm")
                        clear = gr.Button("Cuộc hội thoại mới", size="sm")
                    status = gr.Markdown("")
            with gr.Column(scale=2):
                with gr.Accordion("Bộ lọc", open=False, elem_id="filters"):
                    f_docs = gr.Dropdown(doc_choices, multiselect=True, label="Văn bản")
                    f_types = gr.Dropdown(types, multiselect=True, label="Loại văn bản")
                    f_prov = gr.Dropdown([""] + provinces, value="", label="Tỉnh/thành")
                    with gr.Row():
                        f_from = gr.Textbox(label="Từ ngày", placeholder="2023 hoặc 2023-06")
                        f_to = gr.Textbox(label="Đến ngày", placeholder="2025-12-31")
                with gr.Column(elem_id="sources-box"):
                    gr.Markdown("### Nguồn trích dẫn")
                    # Markdown, not gr.HTML: Gradio 6 renders gr.HTML through `new Function` (templates),
                    # which the page's Content-Security-Policy forbids; this HTML is ours and escaped
                    sources = gr.Markdown(sources_html(None), elem_id="sources", latex_delimiters=[])
                with gr.Accordion("Soạn công văn trả lời", open=False, elem_id="draft-box"):
                    # hints under the labels, empty boxes: a grey example in the box reads as filled in
                    to = gr.Textbox(
                        label="Kính gửi (bắt buộc)",
                        info="Nơi nhận chính, ví dụ: Các trường THCS trên địa bàn huyện",
                        max_length=DRAFT_FIELD_CHARS,
                        elem_id="draft-to",
                    )
                    sender = gr.Textbox(
                        label="Cơ quan ban hành công văn (bắt buộc)",
                        info="Tên đầy đủ, ví dụ: Phòng Giáo dục và Đào tạo huyện Bình Sơn",
                        max_length=DRAFT_FIELD_CHARS,
                        elem_id="draft-sender",
                    )
                    parent = gr.Textbox(
                        label="Cơ quan chủ quản (nếu có)",
                        info="Dòng trên tên cơ quan; để trống: suy từ tên cơ quan khi biết được "
                        "(Phòng, Sở → Ủy ban nhân dân cùng cấp)",
                        max_length=DRAFT_FIELD_CHARS,
                        elem_id="draft-parent",
                    )
                    subject = gr.Textbox(
                        label="Trích yếu sau “V/v” (nếu muốn tự đặt)",
                        info="Để trống: đặt theo chủ đề câu hỏi và văn bản trích dẫn",
                        max_length=DRAFT_FIELD_CHARS,
                        elem_id="draft-subject",
                    )
                    draft_btn = gr.Button("Soạn công văn trả lời", elem_id="draft")
                    draft_notes = gr.Markdown("", elem_id="draft-notes")
                    draft = gr.Textbox(
                        label="Bản thảo (sao chép để dùng)", lines=14, buttons=["copy"], elem_id="draft-text"
                    )
                    # a link to our own /downloads route (Gradio's file routes are closed, see downloads.py)
                    draft_file = gr.Markdown("", elem_id="draft-docx")

        def respond(message, st, docs_sel, types_sel, prov, dfrom, dto):
            message = (message or "").strip()
            history = list(st["history"])
            shown = [{"role": m["role"], "content": m["shown"]} for m in history]
            if not message:
                yield shown, st, gr.update(), "Hãy nhập câu hỏi."
                return
            flt = SearchFilter(
                list(docs_sel or []),
                list(types_sel or []),
                None,
                prov or None,
                (dfrom or "").strip() or None,
                (dto or "").strip() or None,
            )
            # a long conversation keeps going: only its most recent turns are sent along
            turns = trim_history(
                [{"role": m["role"], "content": m["content"]} for m in history],
                settings.max_history_messages,
                settings.max_history_chars,
            )
            asked = shown + [{"role": "user", "content": message}]
            answer, partial = None, ""
            try:
                # the same stream as the API's SSE: with an LLM, each verified sentence as it is written;
                # the pieces quote documents, so they are escaped before Markdown shows them
                for event in svc.ask_stream(message, turns, flt):
                    if event.kind == "delta":
                        partial += event.data["text"]
                        yield asked + [{"role": "assistant", "content": md_text(partial)}], st, gr.update(), ""
                    elif event.kind == "done":
                        answer = event.data
            except (QuestionError, StoreError, LLMError) as e:
                # the message may quote what was typed ("Ngày không hợp lệ: '<img …>'"): escaped like answers
                yield asked + [{"role": "assistant", "content": md_text(str(e))}], st, gr.update(), ""
                return
            if answer is None:
                return
            full = cite_links(answer)
            shown.append({"role": "user", "content": message})
            history += [
                {"role": "user", "content": message, "shown": message},
                {"role": "assistant", "content": answer["answer"], "shown": full},
            ]
            history = history[-2 * settings.max_history_messages :]  # the session's memory is bounded too
            new_state = {"history": history, "last": answer}
            yield shown + [{"role": "assistant", "content": full}], new_state, sources_html(answer), ""

        inputs = [box, state, f_docs, f_types, f_prov, f_from, f_to]
        outputs = [chat, state, sources, status]
        send.click(respond, inputs, outputs).then(lambda: "", None, box)
        box.submit(respond, inputs, outputs).then(lambda: "", None, box)

        def new_conversation():
            return [], {"history": [], "last": None}, sources_html(None), "", "", "", ""

        clear.click(new_conversation, None, [chat, state, sources, status, draft, draft_notes, draft_file])

        def make_draft(st, recipient, who, above, subj):
            if not st.get("last"):
                return "", "Hãy đặt câu hỏi trước, rồi soạn công văn từ câu trả lời.", ""
            fields = [recipient or "", who or "", above or "", subj or ""]
            if any(len(f) > DRAFT_FIELD_CHARS for f in fields):
                return "", f"Mỗi ô của mẫu soạn tối đa {DRAFT_FIELD_CHARS} ký tự.", ""
            metas = {doc_id: r.meta for doc_id, r in svc.store.documents().items()}
            try:
                d = build_draft(
                    st["last"],
                    recipient=fields[0],
                    sender=fields[1],
                    parent=fields[2],
                    subject=fields[3],
                    documents=metas,
                )
            except DraftError as e:
                return "", md_text(str(e)), ""
            url = downloads.put("cong-van-tra-loi.docx", render_docx(d), DOCX_TYPE)
            return draft_text(d), notes_markdown(d.notes), f"[⬇ Tải bản Word (.docx)]({url})"

        draft_btn.click(make_draft, [state, to, sender, parent, subject], [draft, draft_notes, draft_file])

        def rate(label):
            def _rate(st, request: gr.Request):
                last = st.get("last")
                if not last:
                    return "Chưa có câu trả lời để đánh giá."
                client = getattr(getattr(request, "client", None), "host", None) or "ui"
                try:
                    feedback.add(
                        {
                            "rating": label,
                            "question": last["question"],
                            "answer": last["answer"],
                            "citations": [
                                {k: c[k] for k in ("n", "chunk_id", "doc_id", "section", "quote")}
                                for c in last["citations"]
                            ],
                            "comment": "",
                        },
                        client,
                    )
                except FeedbackError as e:
                    return e.message
                return f"Đã ghi nhận đánh giá: **{label}**. Cảm ơn thầy/cô!"

            return _rate

        good.click(rate("đúng"), state, status)
        bad.click(rate("sai"), state, status)
        nosrc.click(rate("thiếu nguồn"), state, status)
    return demo
