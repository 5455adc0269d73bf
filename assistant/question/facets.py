"""School levels a question or a statement is about ("giáo viên mầm non", "cấp tiểu học",
"trường THCS"). A statement about another level than the one asked about does not answer the
question, however many of its other words match: "Học bạ số cấp tiểu học … từ học kỳ nào?" is
not answered by "Triển khai thí điểm Học bạ số cấp trung học cơ sở từ học kỳ II", and "Trường
mẫu giáo nhận trẻ em từ mấy tuổi?" not by the nhà trẻ clause. Pure functions over folded text."""

from __future__ import annotations

import functools
import re

from assistant.core.textutil import fold

# level -> its folded spellings; longer spellings are tried first ("trung hoc co so" before "trung hoc")
_SPELLINGS: dict[str, tuple[str, ...]] = {
    "mam non": ("mam non",),  # the stage; its two kinds of school are below
    "nha tre": ("nha tre",),
    "mau giao": ("mau giao",),
    "pho thong": ("pho thong",),
    "tieu hoc": ("tieu hoc",),
    "trung hoc": ("trung hoc",),
    "thcs": ("trung hoc co so", "thcs"),
    "thpt": ("trung hoc pho thong", "thpt"),
    "dai hoc": ("dai hoc",),
    "cao dang": ("cao dang",),
    "trung cap": ("trung cap",),
    "gdtx": ("giao duc thuong xuyen", "gdtx"),
}
# a level and the more specific levels inside it: either answers a question about the other
_INSIDE: dict[str, frozenset[str]] = {
    "mam non": frozenset({"nha tre", "mau giao"}),
    "pho thong": frozenset({"tieu hoc", "thcs", "thpt", "trung hoc"}),
    "trung hoc": frozenset({"thcs", "thpt"}),
}
_PATTERN = re.compile(
    r"\b(" + "|".join(sorted({s for ss in _SPELLINGS.values() for s in ss}, key=len, reverse=True)) + r")\b"
)
_LEVEL_OF = {spelling: level for level, spellings in _SPELLINGS.items() for spelling in spellings}


# "bằng tốt nghiệp đại học", "trình độ cao đẳng", "cao đẳng sư phạm": a qualification, not a school level
_DEGREE_BEFORE = re.compile(r"\b(?:bang|tot nghiep|trinh do|van bang)(?:\s+\w+){0,2}\s+$")
_DEGREE_LEVELS = frozenset({"dai hoc", "cao dang", "trung cap"})


@functools.lru_cache(maxsize=4096)
def school_levels(text: str) -> frozenset[str]:
    """The school levels a text names ("Trường THCS và THPT" -> {"thcs", "thpt"})."""
    folded = fold(text)
    out = set()
    for m in _PATTERN.finditer(folded):
        level = _LEVEL_OF[m.group(1)]
        if level in _DEGREE_LEVELS and (
            _DEGREE_BEFORE.search(folded[max(0, m.start() - 30) : m.start()]) or folded.startswith(" su pham", m.end())
        ):
            continue
        out.add(level)
    return frozenset(out)


def _compatible(a: str, b: str) -> bool:
    return a == b or b in _INSIDE.get(a, ()) or a in _INSIDE.get(b, ())


def other_level(asked: frozenset[str], stated: frozenset[str]) -> bool:
    """True when a statement names school levels and none of them is (inside, or around) a level
    the question asks about. A statement naming no level says nothing either way."""
    if not asked or not stated:
        return False
    return not any(_compatible(a, s) for a in asked for s in stated)
