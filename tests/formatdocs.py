"""Small documents written for the format tests, with their true text.

One công văn in the layouts real files have: a two-column header (issuing body | quốc hiệu),
body paragraphs, a data table with merged cells that runs across a page break, and a two-column
signature block ("Nơi nhận" | signer). The same content is written as .docx, .html and PDF
(text layer or scanned), so each reader is checked against the same truth:

- ``LEFT`` / ``RIGHT``: the header's columns, read left column first;
- ``TABLE``: the data table as the readers must give it, one list of cells per row, merged cells
  repeated into each row they span, a row spanning the whole width as a single cell;
- ``expected_lines()``: every line of the document in reading order.

``eval/formats.py`` uses the same builders to compare PDF libraries and to measure OCR.
"""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

LEFT = [
    "ỦY BAN NHÂN DÂN TỈNH CAO BẰNG",
    "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
    "Số: 1234/SGDĐT-KTKĐ",
    "V/v đánh giá cơ sở vật chất trường học năm 2025",
]
RIGHT = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Cao Bằng, ngày 12 tháng 3 năm 2025"]
BODY = [
    "Kính gửi: Hiệu trưởng các trường trung học phổ thông.",
    "Thực hiện kế hoạch kiểm định chất lượng giáo dục năm học 2024-2025, Sở Giáo dục và Đào tạo đề nghị các "
    "trường tự đánh giá cơ sở vật chất theo bảng tiêu chí dưới đây và gửi kết quả về Sở trước ngày 15 tháng 4 năm 2025.",
    "Mỗi tiêu chí được chấm theo thang điểm ghi trong bảng; minh chứng phải là bản chụp hồ sơ gốc, có xác nhận "
    "của hiệu trưởng nhà trường.",
]
TABLE_HEADER = ["STT", "Tiêu chí", "Mức điểm", "Minh chứng"]
_GROUPS = [
    (
        "1. Tổ chức và quản lý",
        [
            ("1.1", "Có quyết định thành lập hội đồng tự đánh giá", "5", "Quyết định thành lập"),
            ("1.2", "Phân công nhiệm vụ cho từng thành viên", "5", "Quyết định thành lập"),
            ("1.3", "Lưu trữ hồ sơ tự đánh giá đầy đủ", "3", "Sổ lưu trữ hồ sơ"),
        ],
    ),
    (
        "2. Cơ sở vật chất",
        [
            ("2.1", "Trụ sở làm việc kiên cố, đủ phòng học", "10", "Biên bản kiểm tra"),
            ("2.2", "Phòng học bộ môn đạt chuẩn", "8", "Biên bản kiểm tra"),
            ("2.3", "Thư viện có đủ sách giáo khoa cho học sinh", "6", "Sổ đăng ký thư viện"),
            ("2.4", "Sân chơi, bãi tập an toàn", "4", "Ảnh chụp hiện trạng"),
            ("2.5", "Nhà vệ sinh đủ và sạch sẽ", "4", "Ảnh chụp hiện trạng"),
            ("2.6", "Hệ thống nước sạch được kiểm định", "4", "Phiếu kiểm định nước"),
        ],
    ),
    (
        "3. Thiết bị dạy học",
        [
            ("3.1", "Thiết bị dạy học tối thiểu theo danh mục", "8", "Sổ theo dõi thiết bị"),
            ("3.2", "Máy tính cho học sinh thực hành tin học", "6", "Sổ theo dõi thiết bị"),
            ("3.3", "Màn hình tương tác trong phòng học", "5", "Hóa đơn mua sắm"),
            ("3.4", "Phòng thí nghiệm vật lý, hóa học, sinh học", "6", "Biên bản nghiệm thu"),
            ("3.5", "Kế hoạch bảo dưỡng thiết bị hằng năm", "3", "Kế hoạch bảo dưỡng"),
        ],
    ),
    (
        "4. Kết quả tự đánh giá",
        [
            ("4.1", "Báo cáo tự đánh giá gửi đúng hạn", "5", "Công văn gửi báo cáo"),
            ("4.2", "Kế hoạch cải tiến chất lượng sau đánh giá", "5", "Kế hoạch cải tiến"),
            ("4.3", "Công khai kết quả trên cổng thông tin của trường", "3", "Đường dẫn trang công khai"),
        ],
    ),
]
# Rows whose "Minh chứng" cell is merged with the row below (the same evidence serves both).
MERGED_EVIDENCE = {"1.1", "2.1", "2.4", "3.1"}
TABLE = [TABLE_HEADER] + [row for title, items in _GROUPS for row in ([[title]] + [list(r) for r in items])]
AFTER_TABLE = (
    "Trong quá trình thực hiện, nếu có vướng mắc, các trường liên hệ Phòng Khảo thí và Kiểm định chất lượng giáo dục."
)
SIGN_LEFT = ["Nơi nhận:", "- Như trên;", "- Lưu: VT, KTKĐ."]
SIGN_RIGHT = ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nông Thị Hạnh"]


def expected_lines() -> list[str]:
    return LEFT + RIGHT + BODY + [" | ".join(r) for r in TABLE] + [AFTER_TABLE] + SIGN_LEFT + SIGN_RIGHT


# -- .docx -----------------------------------------------------------------------------------------


def build_docx(path: Path, signature_table: bool = True) -> Path:
    """A Word công văn: the header as a borderless 2x1 table, the data table with merged cells."""
    import docx

    d = docx.Document()
    head = d.add_table(rows=1, cols=2)
    for cell, lines in zip(head.rows[0].cells, (LEFT, RIGHT), strict=False):
        cell.text = lines[0]
        for line in lines[1:]:
            cell.add_paragraph(line)
    for p in BODY:
        d.add_paragraph(p)
    rows = TABLE
    t = d.add_table(rows=len(rows), cols=4)
    t.style = "Table Grid"
    for i, row in enumerate(rows):
        if len(row) == 1:
            t.cell(i, 0).merge(t.cell(i, 3)).text = row[0]
        else:
            for j, text in enumerate(row):
                t.cell(i, j).text = text
    for i, row in enumerate(rows):  # vertical merges: the evidence cell spans this row and the next
        if row[0] in MERGED_EVIDENCE:
            t.cell(i, 3).merge(t.cell(i + 1, 3)).text = row[3]
    d.add_paragraph(AFTER_TABLE)
    if signature_table:
        sig = d.add_table(rows=1, cols=2)
        for cell, lines in zip(sig.rows[0].cells, (SIGN_LEFT, SIGN_RIGHT), strict=False):
            cell.text = lines[0]
            for line in lines[1:]:
                cell.add_paragraph(line)
    d.save(path)
    return path


# -- HTML ------------------------------------------------------------------------------------------


def build_html(path: Path) -> Path:
    import html

    def cell(lines, tag="td", attrs=""):
        return f"<{tag}{attrs}>" + "".join(f"<p>{html.escape(x)}</p>" for x in lines) + f"</{tag}>"

    rows = [f"<tr>{''.join(cell([c], 'th') for c in TABLE_HEADER)}</tr>"]
    pending: dict[int, int] = {}
    for i, row in enumerate(TABLE[1:], 1):
        if len(row) == 1:
            rows.append(f'<tr><td colspan="4">{html.escape(row[0])}</td></tr>')
            continue
        cells = [cell([c]) for c in row[:3]]
        if row[0] in MERGED_EVIDENCE:
            cells.append(cell([row[3]], attrs=' rowspan="2"'))
            pending[i + 1] = 1
        elif i not in pending:
            cells.append(cell([row[3]]))
        rows.append(f"<tr>{''.join(cells)}</tr>")
    doc = (
        f"<html><body><table><tr>{cell(LEFT)}{cell(RIGHT)}</tr></table>"
        + "".join(f"<p>{html.escape(p)}</p>" for p in BODY)
        + f"<table border='1'>{''.join(rows)}</table><p>{html.escape(AFTER_TABLE)}</p>"
        + f"<table><tr>{cell(SIGN_LEFT)}{cell(SIGN_RIGHT)}</tr></table></body></html>"
    )
    path.write_text(doc, encoding="utf-8")
    return path


# -- PDF -------------------------------------------------------------------------------------------


def _fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "VnSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("VnSerif", str(FONT_DIR / "DejaVuSerif.ttf")))
        pdfmetrics.registerFont(TTFont("VnSerif-Bold", str(FONT_DIR / "DejaVuSerif-Bold.ttf")))
    return "VnSerif", "VnSerif-Bold"


def have_fonts() -> bool:
    return (FONT_DIR / "DejaVuSerif.ttf").exists() and (FONT_DIR / "DejaVuSerif-Bold.ttf").exists()


def build_pdf(path: Path) -> Path:
    """The công văn as a PDF with a text layer, laid out as Word prints it: borderless header
    and signature tables, a ruled data table that breaks across pages with its header repeated."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = _fonts()
    center = ParagraphStyle("c", fontName=bold, fontSize=10, leading=14, alignment=1)
    center_plain = ParagraphStyle("cp", fontName=regular, fontSize=10, leading=14, alignment=1)
    body = ParagraphStyle(
        "b", fontName=regular, fontSize=12, leading=17, alignment=4, firstLineIndent=1 * cm, spaceAfter=6
    )
    cell = ParagraphStyle("t", fontName=regular, fontSize=10, leading=13)
    left = ParagraphStyle("l", fontName=regular, fontSize=10.5, leading=14)

    def column(lines, styles):
        return [Paragraph(x, s) for x, s in zip(lines, styles, strict=False)]

    head = Table(
        [
            [
                column(LEFT, [center_plain, center, center_plain, center_plain]),
                column(RIGHT, [center, center, center_plain]),
            ]
        ],
        colWidths=[7.9 * cm, 9.1 * cm],
    )
    story = [head, Spacer(1, 12)]
    story += [Paragraph(p, body) for p in BODY]
    # the table starts low on page 1 so it must break: spacer pushes it down
    story.append(Spacer(1, 9.5 * cm))
    data, style = (
        [],
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONTNAME", (0, 0), (-1, -1), regular),
        ],
    )
    for i, row in enumerate(TABLE):
        if len(row) == 1:
            data.append([Paragraph(row[0], cell), "", "", ""])
            style.append(("SPAN", (0, i), (3, i)))
        else:
            data.append([Paragraph(c, cell) for c in row])
    for i, row in enumerate(TABLE):
        if row[0] in MERGED_EVIDENCE:
            data[i + 1][3] = ""
            style.append(("SPAN", (3, i), (3, i + 1)))
    t = Table(data, colWidths=[1.3 * cm, 8.2 * cm, 2.2 * cm, 5.3 * cm], repeatRows=1)
    t.setStyle(TableStyle(style))
    story += [t, Spacer(1, 8), Paragraph(AFTER_TABLE, body), Spacer(1, 8)]
    sign = Table(
        [
            [
                column(SIGN_LEFT, [ParagraphStyle("n", parent=left, fontName=bold)] + [left] * 2),
                column(SIGN_RIGHT[:2], [center, center]) + [Spacer(1, 40), Paragraph(SIGN_RIGHT[2], center)],
            ]
        ],
        colWidths=[8 * cm, 9 * cm],
    )
    story.append(sign)
    SimpleDocTemplate(
        str(path), pagesize=A4, leftMargin=2.5 * cm, rightMargin=1.5 * cm, topMargin=2 * cm, bottomMargin=2 * cm
    ).build(story)
    return path


# Two pages of plain text for OCR: the answer to the test question sits on page 2 only.
SCAN_PAGES = [
    [
        "ỦY BAN NHÂN DÂN TỈNH HÀ GIANG",
        "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
        "THÔNG BÁO",
        "Về lịch tập huấn giáo viên năm 2025",
        "Sở Giáo dục và Đào tạo thông báo lịch tập huấn chuyên môn cho giáo viên các trường trung học cơ sở trên "
        "địa bàn tỉnh như sau.",
        "1. Đối tượng: giáo viên dạy môn Ngữ văn và môn Lịch sử của các trường trung học cơ sở.",
    ],
    [
        "2. Thời gian: các lớp tập huấn diễn ra từ ngày 14 tháng 7 đến ngày 18 tháng 7 năm 2025.",
        "3. Địa điểm: hội trường Trường Cao đẳng Sư phạm tỉnh, số 8 đường Nguyễn Trãi.",
        "4. Kinh phí: học viên được hỗ trợ tiền ăn theo quy định hiện hành của tỉnh.",
        "Các phòng giáo dục cử giáo viên tham dự đầy đủ và đúng thành phần.",
    ],
]


def build_text_pdf(path: Path, pages: list[list[str]] = SCAN_PAGES) -> Path:
    """Pages of plain paragraphs, one page per list: the page a sentence is on is known."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    regular, _ = _fonts()
    style = ParagraphStyle("b", fontName=regular, fontSize=13, leading=19, spaceAfter=10)
    story = []
    for i, page in enumerate(pages):
        if i:
            story.append(PageBreak())
        story += [Paragraph(p, style) for p in page]
    SimpleDocTemplate(
        str(path), pagesize=A4, leftMargin=2.5 * cm, rightMargin=2 * cm, topMargin=2 * cm, bottomMargin=2 * cm
    ).build(story)
    return path


def build_scanned_pdf(path: Path, pages: list[list[str]] = SCAN_PAGES, dpi: int = 200) -> Path:
    """An image-only PDF, as a scanner makes: the text PDF rasterized page by page, no text layer."""
    import pypdfium2

    text_pdf = build_text_pdf(path.with_suffix(".text.pdf"), pages)
    pdf = pypdfium2.PdfDocument(str(text_pdf))
    try:
        images = [pdf[i].render(scale=dpi / 72, grayscale=True).to_pil() for i in range(len(pdf))]
    finally:
        pdf.close()
    text_pdf.unlink()
    images[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return path


def char_accuracy(got: str, truth: str) -> float:
    """1 - CER: one minus the edit distance over the true length, whitespace collapsed."""
    a, b = " ".join(got.split()), " ".join(truth.split())
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        prev = cur
    return max(0.0, 1 - prev[-1] / max(1, len(b)))
