"""The chat UI in a real headless Chromium (Debian's package), driven by Playwright."""

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, Server
from playwright.sync_api import expect

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM, reason="apt-get install chromium")]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory, seed_index):
    base = tmp_path_factory.mktemp("ui")
    shutil.copytree(seed_index, base / "index")
    srv = Server(base / "index", CORPUS, ui=True)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def _shot(name: str, tmp_path: Path) -> Path:
    """Where a screenshot goes: a temporary folder, or beside ASSISTANT_SCREENSHOT (`make screenshot`:
    docs/screenshot-chat.png, docs/screenshot-phone.png, docs/screenshot-document.png)."""
    chat = os.environ.get("ASSISTANT_SCREENSHOT")
    if not chat:
        return tmp_path / name
    folder = Path(chat).parent if Path(chat).is_absolute() else (ROOT / chat).parent
    return folder / (Path(chat).name if name == "screenshot-chat.png" else name)


def test_ask_see_citation_open_source(ui_server, browser, tmp_path):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.goto(ui_server.url + "/", wait_until="load")
    page.locator("#question textarea").wait_for(timeout=30000)
    page.get_by_text("Câu hỏi mẫu").wait_for(state="visible", timeout=30000)  # rendered after the textbox
    assert page.get_by_text("Câu hỏi mẫu").is_visible()
    page.locator("#question textarea").fill("Trường THCS phải báo cáo gì sau năm học 2024-2025?")
    page.locator("#send").click()
    sources = page.locator("#sources")
    sources.locator(".src").first.wait_for(timeout=30000)
    chat = page.locator("#chat")
    assert "học bạ điện tử" in chat.inner_text().lower()
    link = chat.locator("a", has_text="[1]").first
    assert "/documents/quang-ngai-binh-son-2025-quy-hoach-tinh/view?chunk=" in link.get_attribute("href")
    card = sources.locator(".src").first
    assert "Công văn" in card.inner_text() and "Bình Sơn" in card.inner_text()
    assert "Học bạ điện tử" in card.locator("mark").first.inner_text()

    # the officer's draft reply: the form's examples are hints under the labels, its boxes empty
    page.get_by_text("Soạn công văn trả lời").first.click()
    for box_id in ("#draft-to", "#draft-sender", "#draft-parent", "#draft-subject"):
        field = page.locator(f"{box_id} textarea, {box_id} input").first
        assert field.input_value() == "" and not (field.get_attribute("placeholder") or "")
    assert "ví dụ: Các trường THCS trên địa bàn huyện" in page.locator("#draft-box").inner_text()
    # nothing filled in: a draft with marked gaps, and the form asks for what is missing
    page.locator("#draft").click()
    # a locator assertion, not wait_for_function: the page's CSP forbids evaluating strings as script
    expect(page.locator("#draft-text textarea")).to_have_value(re.compile("Căn cứ"), timeout=15000)
    expect(page.locator("#draft-notes")).to_contain_text("Chưa có Kính gửi và cơ quan ban hành")
    assert "Kính gửi: [cần điền: nơi nhận (Kính gửi)]" in page.locator("#draft-text textarea").input_value()
    # filled in: the letter uses the values, no gap is left where a value was given
    page.locator("#draft-to textarea, #draft-to input").first.fill("Các trường THCS trên địa bàn huyện")
    page.locator("#draft-sender textarea, #draft-sender input").first.fill("Phòng Giáo dục và Đào tạo huyện Bình Sơn")
    page.locator("#draft").click()
    expect(page.locator("#draft-text textarea")).to_have_value(re.compile("Kính gửi: Các trường THCS"), timeout=15000)
    draft = page.locator("#draft-text textarea").input_value()
    assert draft.startswith("ỦY BAN NHÂN DÂN HUYỆN BÌNH SƠN\nPHÒNG GIÁO DỤC VÀ ĐÀO TẠO\n")
    assert (
        "Căn cứ Công văn số [cần điền: số hiệu] ngày [cần điền: ngày ban hành] của Phòng Giáo dục và Đào tạo "
        "huyện Bình Sơn;"
    ) in draft
    assert "Kính gửi: ……" not in draft and "[Tên đơn vị]" not in draft and "[cần điền: nơi nhận" not in draft
    assert "Phòng Giáo dục và Đào tạo huyện Bình Sơn trả lời như sau:" in draft and "Nơi nhận:" in draft
    expect(page.locator("#draft-notes")).not_to_contain_text("Chưa có Kính gửi")

    # the Word file: a real download in the browser, read back with python-docx
    link = page.locator("#draft-docx a")
    link.wait_for(timeout=15000)
    assert link.get_attribute("href").startswith("/downloads/")  # our route; Gradio's file routes are closed
    with ctx.expect_event("download", timeout=30000) as dl:  # the link may open in a new tab: any page of the context
        link.click()
    saved = tmp_path / dl.value.suggested_filename
    dl.value.save_as(saved)
    assert saved.suffix == ".docx"
    import docx

    word = docx.Document(str(saved))
    body = "\n".join(p.text for p in word.paragraphs)
    header = " ".join(c.text for c in word.tables[0].rows[0].cells)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header and "Độc lập - Tự do - Hạnh phúc" in header
    assert "Kính gửi: Các trường THCS trên địa bàn huyện" in body and "Căn cứ Công văn số [cần điền: số hiệu]" in body
    assert "Nơi nhận:" in word.tables[1].rows[0].cells[0].text

    # test artefacts stay in a temporary folder; `make screenshot` updates the pictures in docs/
    shot = _shot("screenshot-chat.png", tmp_path)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    with ctx.expect_page() as opened:
        card.locator("a").click()
    doc = opened.value
    doc.wait_for_load_state()
    focus = doc.locator(".focus")
    assert "Học bạ điện tử, số hóa hồ sơ chuyên môn" in focus.inner_text()
    doc.screenshot(path=str(tmp_path / "document.png"))
    ctx.close()


def test_sessions_are_separate(ui_server, browser):
    a = browser.new_context().new_page()
    b = browser.new_context().new_page()
    for p in (a, b):
        p.goto(ui_server.url + "/", wait_until="load")
        p.locator("#question textarea").wait_for(timeout=30000)
    a.locator("#question textarea").fill("Chỉ thị 04/CT-UBND của UBND tỉnh An Giang có hiệu lực khi nào?")
    a.locator("#send").click()
    a.locator("#sources .src").first.wait_for(timeout=30000)
    assert "10 ngày" in a.locator("#chat").inner_text()
    b.wait_for_timeout(500)
    assert "10 ngày" not in b.locator("#chat").inner_text()
    assert b.locator("#sources .src").count() == 0


def test_on_a_phone_the_answer_and_its_sources_come_first(ui_server, browser, tmp_path):
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = ctx.new_page()
    page.goto(ui_server.url + "/", wait_until="load")
    page.locator("#question textarea").wait_for(timeout=30000)
    page.locator("#question textarea").fill(
        "Hội nghị quán triệt Chỉ thị 38-CT/TU của Quảng Ninh có bao nhiêu đại biểu?"
    )
    page.locator("#send").click()
    page.locator("#sources .src").first.wait_for(timeout=30000)
    assert "550 đại biểu" in page.locator("#chat").inner_text()

    def top(selector: str) -> float:
        return page.locator(selector).first.bounding_box()["y"]

    order = ["#ask-box", "#sources-box", "#draft-box", "#examples-box", "#feedback-box", "#filters"]
    tops = [top(s) for s in order]
    assert tops == sorted(tops), dict(zip(order, tops, strict=False))  # the answer, its sources, then the rest
    box = page.locator("#sources-box").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1  # one column, no sideways scrolling
    page.screenshot(path=str(_shot("screenshot-phone.png", tmp_path)), full_page=True)
    # a wide screen keeps its two columns: the sources beside the chat
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.wait_for_timeout(300)
    assert (
        abs(top("#sources-box") - top("#ask-box")) < 200
        and page.locator("#sources-box").bounding_box()["x"] > page.locator("#ask-box").bounding_box()["x"]
    )
    ctx.close()


def test_the_document_view_reads_as_a_document(ui_server, browser, tmp_path):
    import httpx

    doc_id = "quang-ngai-2023-ke-hoach-lam-viec-ubnd-huyen"
    paragraphs = httpx.get(f"{ui_server.url}/v1/documents/{doc_id}", timeout=30).json()["paragraphs"]
    cited = next(p for p in paragraphs if p["text"].startswith("1. Công tác lãnh đạo"))
    ctx = browser.new_context(viewport={"width": 1100, "height": 900})
    page = ctx.new_page()
    page.goto(f"{ui_server.url}/documents/{doc_id}/view?chunk={cited['chunk_id']}", wait_until="load")
    body = page.locator("body").inner_text()
    assert " > " not in body  # no breadcrumbs of the index
    for heading in ("I. Mục đích, yêu cầu", "II. Nội dung làm việc", "III. Thời gian, thành phần, địa điểm"):
        assert page.locator("h2", has_text=heading).count() == 1 and body.count(heading) == 1, heading
    assert page.locator("h3", has_text="2. Thành phần").count() == 1
    assert page.locator("h4", has_text="a) Sở Giáo dục và Đào tạo").count() == 1
    focus = page.locator(".focus")
    assert focus.count() == 1 and focus.inner_text().startswith("1. Công tác lãnh đạo")
    # the cited paragraph is under its heading, and is what the page scrolled to
    heading_y = page.locator("h2", has_text="II. Nội dung làm việc").bounding_box()["y"]
    assert focus.bounding_box()["y"] > heading_y
    expect(focus).to_be_in_viewport()
    page.screenshot(path=str(_shot("screenshot-document.png", tmp_path)), full_page=False)
    ctx.close()
