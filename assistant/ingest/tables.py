"""Tables read from files (.docx, PDF, HTML), written in the text convention the pipeline parses.

A *layout* table — the two-column header (issuing body | quốc hiệu, "Số:", place-date), the
"Nơi nhận" | signature block, a framed box — only places text side by side: it is dissolved
into its cells' lines in reading order, the left column's lines first, then the right column's,
never two columns merged into one line. A *data* table becomes one line per row with its cells
joined by " | ", header row first; a merged cell is repeated into each row and column it covers
(so every cell stays under its column header), and a row that spans the whole width (a group
title inside the table) is one cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SEP = " | "


@dataclass
class Cell:
    lines: list[str]  # the cell's paragraphs, one per line
    col: int = -1  # first grid column it covers; -1: right after the previous cell
    span: int = 1  # grid columns it covers
    merged_up: bool = False  # continues the cell above it (a vertical merge): its text is the above one's

    @property
    def text(self) -> str:
        return " ".join(x for x in self.lines if x)


@dataclass
class Table:
    rows: list[list[Cell]] = field(default_factory=list)

    @property
    def width(self) -> int:
        return max((c.col + c.span for row in _placed(self.rows) for c in row), default=0)


def _placed(rows: list[list[Cell]]) -> list[list[Cell]]:
    """Rows with every cell's grid column known (cells given in order get the next free column)."""
    out = []
    for row in rows:
        col, placed = 0, []
        for c in row:
            if c.col < 0:
                c = Cell(c.lines, col, c.span, c.merged_up)
            placed.append(c)
            col = c.col + c.span
        out.append(placed)
    return out


def _grid(rows: list[list[Cell]]) -> list[list[Cell | None]]:
    """A rectangular grid: grid[i][j] is the cell covering row i, column j (the vertical merges
    resolved: a continuation takes the text of the cell it continues)."""
    placed = _placed(rows)
    width = max((c.col + c.span for row in placed for c in row), default=0)
    grid: list[list[Cell | None]] = []
    for row in placed:
        line: list[Cell | None] = [None] * width
        for c in row:
            if c.merged_up and grid:
                above = grid[-1][c.col]
                if above is not None:
                    c = Cell(above.lines, c.col, c.span, True)
            for j in range(c.col, min(width, c.col + c.span)):
                line[j] = c
        grid.append(line)
    return grid


_QUOC_HIEU = re.compile(r"CỘNG\s+HÒA\s+XÃ\s+HỘI|Độc\s+lập\s*[-–]\s*Tự\s+do", re.I)
_LAYOUT_CELL = re.compile(
    r"^(?:Số\s*:|Kính\s+gửi|Nơi\s+nhận|V/v\b|(?:TM|KT|TL|TUQ|Q|PP)\.\s|"
    r"(?:GIÁM\s+ĐỐC|CHỦ\s+TỊCH|BỘ\s+TRƯỞNG|THỦ\s+TRƯỞNG|HIỆU\s+TRƯỞNG|TRƯỞNG\s+PHÒNG|CHÁNH\s+VĂN\s+PHÒNG)\b)"
)


def is_layout(rows: list[list[Cell]]) -> bool:
    """A table that only lays text out: one column (a box), or a small table (≤ 3 columns, ≤ 6
    rows) holding the quốc hiệu, "Số:", "Kính gửi", "Nơi nhận" or a signature's role line, or a
    single row of side-by-side blocks."""
    grid = _grid(rows)
    if not grid:
        return True
    width = len(grid[0])
    if width <= 1:
        return True
    if width > 3 or len(grid) > 6:
        return False
    lines = [ln.strip() for row in rows for c in row for ln in c.lines]
    if any(_QUOC_HIEU.search(ln) or _LAYOUT_CELL.match(ln) for ln in lines):
        return True
    return len(grid) == 1 and any(len([x for x in c.lines if x.strip()]) > 1 for c in rows[0])


def dissolve(rows: list[list[Cell]]) -> list[str]:
    """A layout table's lines: column by column, each column top to bottom."""
    placed = _placed(rows)
    width = max((c.col + c.span for row in placed for c in row), default=0)
    out: list[str] = []
    for j in range(width):
        for row in placed:
            for c in row:
                if c.col == j and not c.merged_up:
                    out.extend(x.strip() for x in c.lines if x.strip())
    return out


def data_rows(rows: list[list[Cell]]) -> list[str]:
    """A data table's lines: one per row, cells joined by " | "."""
    out: list[str] = []
    for line in _grid(rows):
        cells = [c for c in line if c is not None]
        if not cells or not any(c.text.strip() for c in cells):
            continue
        if all(c is cells[0] for c in cells) and len(cells) == len(line):  # spans the whole width
            out.append(_cell_text(cells[0]))
            continue
        out.append(SEP.join(_cell_text(c) if c is not None else "" for c in line))
    return out


def _cell_text(c: Cell) -> str:
    # a " | " inside a cell would read as a column break
    return " ".join(c.text.replace(" | ", " / ").split())


def table_lines(rows: list[list[Cell]]) -> list[str]:
    """The lines a table contributes to the document's text."""
    rows = [r for r in rows if r]
    if not rows:
        return []
    return dissolve(rows) if is_layout(rows) else data_rows(rows)


def join_continued(prev: list[list[Cell]], nxt: list[list[Cell]]) -> list[list[Cell]] | None:
    """A table that a page break split: ``nxt`` continues ``prev`` when both have the same
    number of columns; a repeated header row is dropped. None when it is another table."""
    if not prev or not nxt:
        return None
    gp, gn = _grid(prev), _grid(nxt)
    if len(gp[0]) != len(gn[0]) or is_layout(prev) or is_layout(nxt):
        return None
    header = [_cell_text(c) if c else "" for c in gp[0]]
    first = [_cell_text(c) if c else "" for c in gn[0]]
    rest = nxt[1:] if first == header else nxt
    return prev + rest


@dataclass
class Word:
    x0: float
    x1: float
    top: float
    bottom: float
    text: str

    @property
    def size(self) -> float:
        return max(1.0, self.bottom - self.top)
