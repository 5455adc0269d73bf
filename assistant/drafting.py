"""Turn an answer into a draft reply in the standard administrative form (for officers).

Every reference in the draft comes from the cited documents' metadata, never from free text.
"""
from __future__ import annotations

import re
from typing import Any

from .citations import reference_phrase


def document_reference(c: dict[str, Any]) -> str:
    return reference_phrase(c.get("doc_type", ""), c.get("doc_number", ""), c.get("doc_date", ""), c.get("issuer", ""),
                            c.get("doc_name", ""))


def draft_reply(answer: dict[str, Any], recipient: str = "", sender: str = "", subject: str = "") -> str:
    """A draft "công văn trả lời": Kính gửi, Căn cứ …, the content with references, Nơi nhận."""
    citations = answer.get("citations") or []
    if answer.get("abstained") or not citations:
        return ("Chưa thể soạn công văn: câu trả lời chưa có căn cứ từ văn bản nào đã nạp. "
                "Hãy đặt lại câu hỏi hoặc nạp thêm văn bản liên quan.")
    docs: list[dict[str, Any]] = []
    for c in citations:
        if c["doc_id"] not in [d["doc_id"] for d in docs]:
            docs.append(c)
    refs = {d["doc_id"]: document_reference(d) for d in docs}
    lines = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", ""]
    lines.append(f"V/v {subject.strip() or 'trả lời ' + (answer.get('question') or '').strip().rstrip('?')}")
    lines += ["", f"Kính gửi: {recipient.strip() or '…………………………'}", ""]
    for d in docs:
        lines.append(f"Căn cứ {refs[d['doc_id']]};")
    lines += ["", f"{sender.strip() or '[Tên đơn vị]'} trả lời như sau:", ""]
    for c in citations:
        quote = c.get("quote") or c.get("text") or ""
        quote = re.sub(r"^\s*(?:[-–+•]|\((?:\d+|i\d+)\)|[a-zđ]\)|\d+(?:\.\d+)*\.)\s*", "", quote).strip()
        sec = re.sub(r"(?: > (?:[-–+•]|\((?:\d+|i\d+)\)))+$", "", c.get("section") or "")
        section = f", mục {sec}" if sec and sec not in ("Kính gửi", "Nơi nhận") else ""
        lines.append(f"- {quote.rstrip('.;')} (theo {refs[c['doc_id']]}{section}).")
    lines += ["", f"{sender.strip() or '[Tên đơn vị]'} trân trọng thông báo để Quý cơ quan biết, thực hiện./.", "",
              "Nơi nhận:", "- Như trên;", "- Lưu: VT."]
    return "\n".join(lines)
