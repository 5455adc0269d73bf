"""The form of a question, read before its kind: a statement to verify ("…, đúng hay sai?"),
a multiple-choice question (choices A–D inside the text), or several questions in one ("diễn ra
ở đâu và có bao nhiêu đại biểu?"). Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.core.textutil import fold
from assistant.question.kinds import QuestionKind, detect_kind

# "…, đúng hay sai?", "… là đúng hay sai?", "… đúng không?", "Nhận định sau đúng hay sai: …"
_VERIFY_TAIL = re.compile(
    r"[\s,.;:–-]*(?:(?:điều này|nhận định (?:này|trên)|như vậy|vậy)\s+)?(?:là\s+)?(?:đúng hay sai|đúng hay không|"
    r"có đúng không|đúng không|phải không|true or false)\s*[?.!]*\s*$",
    re.I,
)
# "Nhận định sau đúng hay sai: …", or the bare "Đúng hay sai: …" / "True or false: …"
_VERIFY_HEAD = re.compile(
    r"^\s*(?:(?:nhận định|câu|khẳng định|mệnh đề)(?: sau(?: đây)?)?(?: là)?\s+)?(?:đúng hay sai|true or false)"
    r"\s*[:?]\s*",
    re.I,
)
_VERIFY_ASK = re.compile(
    r"^\s*(?:có phải|có đúng là|phải chăng|is it true that)\s+(.+?)(?:\s+(?:không|hay không))?\s*\?*\s*$", re.I
)
# a choice marker: "A." / "A)" / "A:" at the start or after whitespace, followed by text
_CHOICE = re.compile(r"(?:^|(?<=\s))([A-D])\s*[.):]\s+")
# "Cả A, B, C đều đúng", "Cả 3 phương án trên", "Tất cả các đáp án trên"
ALL_OF = re.compile(r"^(?:cả|tất cả)\b.*(?:đều đúng|phương án|đáp án|ý trên|trên)", re.I)
NONE_OF = re.compile(r"^(?:cả|tất cả)\b.*(?:đều sai|không)", re.I)
# "… không phải …", "… không thuộc …", "… KHÔNG …", "ngoại trừ": the choice the law does not support
_NEGATIVE_STEM = re.compile(
    r"\b(?:không phải|không thuộc|không bao gồm|không là|không nằm|ngoại trừ|"
    r"trừ trường hợp nào|KHÔNG)\b"
)


@dataclass
class Choice:
    letter: str
    text: str
    all_of: list[str] = field(default_factory=list)  # "Cả A, B, C đều đúng": the letters it stands for
    none_of: bool = False  # "Cả A, B, C đều sai"


@dataclass
class QuestionForm:
    """What the form of the question says, beside its words."""

    kind: QuestionKind
    focus: str  # the part that carries the content: the statement, the stem, or the question
    statement: str = ""  # VERIFY: the claim to check
    choices: list[Choice] = field(default_factory=list)  # CHOICE
    negative: bool = False  # CHOICE: "… không phải …": pick what the provision does not support
    parts: list[tuple[QuestionKind, str]] = field(default_factory=list)  # several questions in one


def parse_choices(text: str) -> tuple[str, list[Choice]]:
    """("stem", [Choice A, B, C, D]) when the text holds choices A–D in order, else (text, [])."""
    found: list[re.Match[str]] = []
    expect = "A"
    for m in _CHOICE.finditer(text):
        if m.group(1) == expect:
            found.append(m)
            expect = chr(ord(expect) + 1)
    if len(found) < 3:  # "A." alone can be an initial ("ông Nguyễn Văn A."): at least A, B, C
        return text, []
    stem = text[: found[0].start()].strip()
    choices = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        body = re.sub(r"\s+", " ", text[m.end() : end]).strip().rstrip(";")
        choices.append(Choice(m.group(1), body))
    letters = [c.letter for c in choices]
    for c in choices:
        if NONE_OF.match(c.text):
            c.none_of = True
        elif ALL_OF.match(c.text):
            named = re.findall(r"\b([A-D])\b", c.text)
            c.all_of = [x for x in named if x != c.letter] or [x for x in letters if x != c.letter]
    return stem, choices


# a plain statement, not a question: "Bộ GDĐT chịu trách nhiệm về … trong cơ sở giáo dục."
_QUESTION_WORD = re.compile(
    r"\b(?:gì|nào|ai|đâu|bao nhiêu|bao lâu|bao giờ|mấy|sao|thế nào|không\s*\?|chưa\s*\?|what|which|"
    r"who|when|where|how|why)\b|\?",
    re.I,
)
_PREDICATE = re.compile(r"\s(?:là|phải|được|có|không|chịu|thuộc|gồm|bao gồm|do|bị|cần|sẽ)\s", re.I)


def verification_statement(text: str) -> str:
    """The claim of a "…, đúng hay sai?" or "có phải … không?" question, or of a plain statement
    of eight words or more (no question word, a predicate); "" for other questions."""
    t = text.strip()
    if _VERIFY_HEAD.match(t):
        return _VERIFY_HEAD.sub("", t).strip()
    m = _VERIFY_TAIL.search(t)
    if m and m.start() > 15:
        return t[: m.start()].strip()
    m = _VERIFY_ASK.match(t)
    if m and len(m.group(1)) > 15:
        return m.group(1).strip()
    if len(t.split()) >= 8 and not _QUESTION_WORD.search(t) and _PREDICATE.search(t):
        return t.rstrip(" .")
    return ""


def split_parts(text: str) -> list[tuple[QuestionKind, str]]:
    """Several questions in one: each clause with its own kind, when at least two clauses each
    ask something different ("ở đâu" and "bao nhiêu")."""
    clauses = [c for c in re.split(r"\s+và\s+|,\s+(?=(?:do|có|được|vào|ở|tại|bao|ai|khi)\b)|;\s*", text) if c.strip()]
    if len(clauses) < 2:
        return []
    parts: list[tuple[QuestionKind, str]] = []
    lead_in = ""  # "Ở Ninh Thuận, ai chủ trì …": a clause before the first question sets its scene
    for c in clauses:
        k = detect_kind(c)
        if k is QuestionKind.FACT or k is QuestionKind.LIST and not re.search(r"\b(gi|nao|nhung)\b", fold(c)):
            if parts:
                parts[-1] = (parts[-1][0], parts[-1][1] + " và " + c)  # not a question of its own
            else:
                lead_in = f"{lead_in}{c}, "
            continue
        parts.append((k, lead_in + c if not parts else c))
    asking = [k for k, _ in parts if k is not QuestionKind.FACT]
    # two clauses that each ask something ("là bao lâu và … tối đa mấy nhiệm kỳ"), of one kind or two
    return parts if len(asking) >= 2 and len(parts) == len(asking) else []


# how a multiple-choice stem talks about its choices: no content
_CHOICE_TALK = re.compile(
    r"\s*(?:chọn (?:câu trả lời|đáp án|phương án|ý) (?:đúng nhất|đúng|sai)\.?|"
    r"(?:(?:điều|phương án|đáp án|ý|câu)\s+)?(?:nào )?(?:sau đây|dưới đây)|"
    r"trong các (?:phương án|đáp án|trường hợp) sau)",
    re.I,
)


def read_form(text: str) -> QuestionForm:
    stem, choices = parse_choices(text)
    if choices:
        focus = _CHOICE_TALK.sub(" ", stem).strip() or stem
        return QuestionForm(QuestionKind.CHOICE, focus, choices=choices, negative=bool(_NEGATIVE_STEM.search(stem)))
    statement = verification_statement(text)
    if statement:
        return QuestionForm(QuestionKind.VERIFY, statement, statement=statement)
    parts = split_parts(text)
    if parts:
        return QuestionForm(parts[0][0], text, parts=parts)
    return QuestionForm(detect_kind(text), text)
