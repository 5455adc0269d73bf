from pathlib import Path

import pytest

from assistant.core.errors import LoadError
from assistant.ingest.loading import discover, doc_id_for, read_file

TEXT = "Số: 12/KH-SGDĐT\n\nHà Nội, ngày 05 tháng 3 năm 2024\n\nKẾ HOẠCH\n\nTổ chức ngày hội đọc sách\n\n1. Mục đích\n\nKhuyến khích học sinh đọc sách."


def test_txt_md_html(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b.md").write_text("# KẾ HOẠCH\n\n**Đọc sách** là *quan trọng*.", encoding="utf-8")
    (tmp_path / "c.html").write_text(
        "<html><head><script>alert(1)</script></head><body><nav>Menu</nav><article><h1>THÔNG BÁO</h1>"
        "<p>Học sinh nghỉ học ngày 02/9.</p><ul><li>Trường THCS</li></ul></article></body></html>",
        encoding="utf-8",
    )
    assert "ngày hội đọc sách" in read_file(tmp_path / "a.txt", tmp_path).text
    assert "Đọc sách" in read_file(tmp_path / "b.md", tmp_path).text
    html = read_file(tmp_path / "c.html", tmp_path).text
    assert "Học sinh nghỉ học ngày 02/9." in html and "- Trường THCS" in html
    assert "alert" not in html and "Menu" not in html


def test_docx(tmp_path):
    import docx

    d = docx.Document()
    for para in TEXT.split("\n\n"):
        d.add_paragraph(para)
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text = "Nơi nhận"
    t.cell(0, 1).text = "GIÁM ĐỐC"
    d.save(tmp_path / "d.docx")
    text = read_file(tmp_path / "d.docx", tmp_path).text
    assert "Khuyến khích học sinh đọc sách." in text and "GIÁM ĐỐC" in text


def test_pdf_text_layer(tmp_path):
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    c = canvas.Canvas(str(tmp_path / "e.pdf"))
    if font.exists():
        pdfmetrics.registerFont(TTFont("DejaVu", str(font)))
        c.setFont("DejaVu", 11)
        line = "Khuyến khích học sinh đọc sách."
    else:
        line = "Khuyen khich hoc sinh doc sach."
    c.drawString(72, 720, line)
    c.save()
    assert line in read_file(tmp_path / "e.pdf", tmp_path).text


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("empty.txt", b"   \n", "tệp rỗng"),
        ("binary.txt", b"\x00\x01\x02PK\x00\x00" * 50, "tệp nhị phân"),
        ("latin.txt", "Prüfung Größe für".encode("latin-1"), "không phải UTF-8"),
        ("broken.pdf", b"%PDF-1.4\n garbage without objects", "PDF"),
        ("broken.docx", b"PK\x03\x04 not really a zip", ".docx hỏng"),
    ],
)
def test_unreadable_files_raise_clear_errors(tmp_path, name, data, message):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(LoadError) as e:
        read_file(tmp_path / name, tmp_path)
    assert message in str(e.value) and name in str(e.value)


def test_discover_walks_recursively_and_reports_unsupported(tmp_path):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "deeper" / "x.txt").write_text(TEXT)
    (tmp_path / "y.xlsx").write_bytes(b"zz")
    (tmp_path / ".hidden.txt").write_text(TEXT)
    files, problems = discover([tmp_path])
    assert [f.name for f, _ in files] == ["x.txt"]
    assert problems and "không được hỗ trợ" in problems[0][1]


def test_doc_ids_are_readable_slugs():
    assert doc_id_for("Quy Hoạch Tỉnh.txt") == "quy-hoach-tinh"
    assert doc_id_for("sub/Công văn 381.docx") == "sub--cong-van-381"
