"""The chat UI in a real headless Chromium (Debian's package), driven by Playwright."""
import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import CORPUS, ROOT, Server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM, reason="apt-get install chromium")]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


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

    # the officer's draft reply
    page.get_by_text("Soạn công văn trả lời").first.click()
    page.locator("#draft").click()
    # a locator assertion, not wait_for_function: the page's CSP forbids evaluating strings as script
    expect(page.locator("#draft-text textarea")).to_have_value(re.compile("Căn cứ"), timeout=15000)
    draft = page.locator("#draft-text textarea").input_value()
    assert "Căn cứ Công văn số …/PGDDĐT tháng 02/2025 của Phòng Giáo dục và Đào tạo huyện Bình Sơn;" in draft
    assert "Nơi nhận:" in draft

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
    assert "Căn cứ Công văn số …/PGDDĐT tháng 02/2025 của Phòng Giáo dục và Đào tạo huyện Bình Sơn;" in body
    assert "Nơi nhận:" in word.tables[1].rows[0].cells[0].text

    # test artefacts stay in a temporary folder; `make screenshot` updates the README's picture
    shot = Path(os.environ.get("ASSISTANT_SCREENSHOT") or tmp_path / "screenshot-chat.png")
    if not shot.is_absolute():
        shot = ROOT / shot
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
