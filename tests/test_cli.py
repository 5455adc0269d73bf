"""The command line as a user meets it: Vietnamese help, clean output in pipes, a Word reply."""

import os
import re
import subprocess
import sys

import pytest
from conftest import CORPUS, ROOT

ENGLISH = [
    "Show this message",
    "Usage",
    "Options",
    "Arguments",
    "Commands",
    "[default",
    "[required]",
    "<bool>",
    "<str>",
    "<int>",
    "<path>",
    "Missing argument",
    "Error",
]


def cli(*args, env=None, timeout=180):
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "ASSISTANT_SERVER_URL": "off", "COLUMNS": "100", **(env or {})},
    )


COMMANDS = [
    [],
    ["ingest"],
    ["docs"],
    ["search"],
    ["ask"],
    ["draft"],
    ["eval"],
    ["serve"],
    ["bench"],
    ["bench", "ingest"],
    ["bench", "query"],
    ["bench", "load"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "assistant")
def test_help_is_vietnamese_throughout(command):
    r = cli(*command, "--help")
    assert r.returncode == 0, r.stderr
    assert "Cách dùng: assistant" in r.stdout and "Hiện hướng dẫn này rồi thoát." in r.stdout
    for word in ENGLISH:
        assert word not in r.stdout, f"{word!r} in `assistant {' '.join(command)} --help`"


def test_parse_errors_are_vietnamese():
    r = cli("search")
    assert r.returncode == 2 and "Thiếu tham số" in r.stderr and "Missing" not in r.stderr
    r = cli("ask", "hai", "từ")
    assert r.returncode == 2 and "ngoặc kép" in r.stderr


def test_ingest_into_a_file_is_clean_and_unwrapped(warm_cache):
    first = cli("ingest", str(CORPUS), "--index", str(warm_cache))
    again = cli("ingest", str(CORPUS), "--index", str(warm_cache))
    for r in (first, again):
        assert r.returncode == 0, r.stderr
        for stream in (r.stdout, r.stderr):
            assert "\x1b" not in stream and "\r" not in stream, stream  # no escape codes, no bar remnants
        summary = [line for line in r.stdout.splitlines() if line.startswith("Xong")]
        assert len(summary) == 1 and summary[0].endswith("đệm)."), r.stdout  # one line, never wrapped at 80
    assert "5 văn bản nạp mới" in first.stdout and "5 không đổi" in again.stdout
    assert first.stderr.count("Đã nạp ") == 5 and "Đã nạp 5/5:" in first.stderr  # plain progress lines
    assert again.stderr == ""  # nothing to do: nothing to report


def test_draft_writes_a_word_reply(seed_index, tmp_path):
    import docx

    out = tmp_path / "tra-loi.docx"
    r = cli(
        "draft",
        "Trường THCS phải báo cáo gì sau năm học 2024-2025?",
        "-o",
        str(out),
        "--index",
        str(seed_index),
        "--recipient",
        "Các trường THCS trên địa bàn huyện",
        "--sender",
        "Phòng Giáo dục và Đào tạo huyện Bình Sơn",
    )
    assert r.returncode == 0, r.stderr
    word = docx.Document(str(out))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Kính gửi: Các trường THCS trên địa bàn huyện" in text
    # the header has no number and only a month: the draft asks for them instead of writing "…/PGDDĐT"
    assert (
        "Căn cứ Công văn số [cần điền: số hiệu] ngày [cần điền: ngày ban hành] của Phòng Giáo dục và Đào tạo "
        "huyện Bình Sơn;"
    ) in text
    assert "chưa rõ số hiệu (văn bản ghi “/PGDDĐT”), ngày ban hành" in r.stderr  # and says so
    assert "Học bạ điện tử" in text and "(theo mục 4 Công văn của Phòng Giáo dục và Đào tạo huyện Bình Sơn)" in text
    head = word.tables[0].rows[0].cells
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in head[1].text and "Số:" in head[0].text
    assert head[0].paragraphs[0].text == "ỦY BAN NHÂN DÂN HUYỆN BÌNH SƠN"
    assert "V/v nội dung trường THCS phải báo cáo sau năm học 2024-2025" in head[0].text
    assert word.sections[0].left_margin.mm == pytest.approx(30, abs=0.5)
    bad = cli("draft", "Câu hỏi?", "-o", str(tmp_path / "x.txt"), "--index", str(seed_index))
    assert bad.returncode == 1 and ".docx" in bad.stderr


def test_search_says_what_its_number_is(seed_index):
    r = cli("search", "học bạ điện tử", "-k", "3", "--index", str(seed_index))
    assert r.returncode == 0, r.stderr
    assert len(re.findall(r"· tương đồng \d\.\d{3}", r.stdout)) == 3
    assert "không phải điểm xếp hạng" in r.stderr


def test_a_draft_reply_to_a_statement_gives_the_verdict(seed_index, tmp_path):
    import docx

    out = tmp_path / "ml.docx"
    r = cli(
        "draft",
        "Có phải Sở GDĐT Quảng Ngãi làm việc với huyện Minh Long vào Quý II/2023 không?",
        "-o",
        str(out),
        "--index",
        str(seed_index),
    )
    assert r.returncode == 0, r.stderr
    word = docx.Document(str(out))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Nhận định: Sai" in text and "huyện Minh Long" in text
    assert (
        "V/v làm rõ thông tin Sở GDĐT Quảng Ngãi làm việc với huyện Minh Long" in word.tables[0].rows[0].cells[0].text
    )


def test_ingest_indexes_the_rest_and_fails_when_a_file_failed(warm_cache, tmp_path):
    import json
    import shutil

    folder = tmp_path / "van-ban"
    folder.mkdir()
    for name in ("an-giang-2021-chi-thi-04-nhiem-vu-nam-hoc.txt", "quang-ngai-binh-son-2025-quy-hoach-tinh.txt"):
        shutil.copy(CORPUS / name, folder / name)
    (folder / "hong.docx").write_bytes(b"PK\x03\x04 not really a Word file")
    r = cli("ingest", str(folder), "--index", str(warm_cache))
    assert r.returncode == 1, r.stdout
    assert "2 văn bản nạp mới" in r.stdout and "1 lỗi" in r.stdout and "hong.docx" in r.stdout
    assert "1 tệp không nạp được" in r.stderr
    docs = json.loads(cli("docs", "--json", "--index", str(warm_cache)).stdout)
    assert len(docs) == 2  # the readable files are indexed all the same


def test_every_help_text_has_its_english():
    from typer.main import get_command

    from assistant.app.cli import app
    from assistant.core import lang

    assert lang.localize(get_command(app)) == []  # a help text added without English fails here


VIETNAMESE = ["Cách dùng", "Tùy chọn", "Tham số", "Hiện hướng dẫn", "mặc định", "Thư mục", "<chữ>", "<số>", "Lệnh"]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "assistant")
def test_help_in_english_with_lang_en(command):
    r = cli("--lang", "en", *command, "--help")
    assert r.returncode == 0, r.stderr
    assert "Usage: assistant" in r.stdout and "Show this message and exit." in r.stdout
    for word in VIETNAMESE + ["<bool>", "<list[str]>"]:
        assert word not in r.stdout, f"{word!r} in `assistant --lang en {' '.join(command)} --help`"


def test_english_by_environment_and_messages_in_english(tmp_path):
    r = cli("serve", "--help", env={"ASSISTANT_LANG": "en"})
    assert "Usage: assistant serve" in r.stdout and "default: 127.0.0.1" in r.stdout and "default: 8000" in r.stdout
    r = cli("draft", "Câu hỏi?", "-o", str(tmp_path / "x.txt"), "--lang", "en")
    assert r.returncode == 1 and "Error: The output file must end in .docx (got 'x.txt')." in r.stderr
    # a locale alone does not switch: Vietnamese is the default (servers often run en_US.UTF-8)
    r = cli("serve", "--help", env={"LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8"})
    assert "Cách dùng: assistant serve" in r.stdout
    assert "mặc định: 127.0.0.1" in r.stdout and "mặc định: 8000" in r.stdout
    r = cli("--lang", "fr", "docs")
    assert r.returncode == 2 and "--lang 'fr'" in r.stderr


def test_the_cli_checks_what_it_reads_in_process(seed_index, tmp_path):
    """Without a server (the index opened in-process): the API's limits, exit 2, no traceback."""
    history = tmp_path / "h.json"
    history.write_text('[{"role": "hacker", "content": 5}]', encoding="utf-8")
    cases = [
        (["ask", "h\udcffc"], "UTF-8"),
        (["ask", "Khi nào?", "--history", str(history)], "không đúng dạng"),
        (["ask", "Khi nào?", "--history", "/dev/zero"], "quá lớn"),
        (["ask", "Khi nào?", "--doc", "khong-co"], "assistant docs"),
        (["search", "a", "-k", "100000"], "1 đến 50"),
    ]
    for args, expected in cases:
        r = subprocess.run(
            [sys.executable, "-m", "assistant", *args, "--index", str(seed_index)],
            cwd=ROOT,
            capture_output=True,
            timeout=120,
            env={**os.environ, "ASSISTANT_SERVER_URL": "off"},
        )
        err = r.stderr.decode("utf-8", "replace")
        assert r.returncode == 2 and expected in err and "Traceback" not in err, (args, r.returncode, err[-400:])
