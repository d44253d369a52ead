"""Questions from a CSV or XLSX spreadsheet: the downloadable template, and validation of every row.

Nothing is saved here: ``parse_questions`` returns drafts and errors (row, column, message); the view saves the
drafts with ``services.questions_import`` only when there is no error at all."""

import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import tablib
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .models import Question
from .services import QuestionDraft
from .validation import question_errors

CHOICE_LETTERS = "ABCDEF"
MAX_ROWS = 2000

# (key, English header). Headers are shown translated into the user's language; English headers are accepted too.
COLUMNS = [
    ("category", gettext_noop("Category")),
    ("kind", gettext_noop("Question type")),
    ("text", gettext_noop("Question")),
    ("A", gettext_noop("Choice A")), ("B", gettext_noop("Choice B")), ("C", gettext_noop("Choice C")),
    ("D", gettext_noop("Choice D")), ("E", gettext_noop("Choice E")), ("F", gettext_noop("Choice F")),
    ("answer", gettext_noop("Answer")),
    ("points", gettext_noop("Points")),
    ("difficulty", gettext_noop("Difficulty")),
    ("legal_reference", gettext_noop("Legal reference")),
    ("explanation", gettext_noop("Explanation")),
    ("tags", gettext_noop("Tags")),
    ("rubric", gettext_noop("Grading rubric")),
]
REQUIRED = ("category", "kind", "text")

KIND_WORDS = {
    Question.Kind.SINGLE: ("单选", "单选题", "single"),
    Question.Kind.MULTIPLE: ("多选", "多选题", "multiple"),
    Question.Kind.TRUE_FALSE: ("判断", "判断题", "true_false", "true/false"),
    Question.Kind.ESSAY: ("简答", "简答题", "essay"),
}
DIFFICULTY_WORDS = {
    Question.Difficulty.EASY: ("易", "容易", "1", "easy"),
    Question.Difficulty.MEDIUM: ("中", "中等", "2", "medium", ""),
    Question.Difficulty.HARD: ("难", "困难", "3", "hard"),
}
TRUE_WORDS = ("正确", "对", "是", "√", "t", "true", "yes")
FALSE_WORDS = ("错误", "错", "否", "×", "f", "false", "no")

EXAMPLES = [
    ["人民调解法/人民调解员", "单选", "人民调解委员会委员每届任期几年？", "一年", "两年", "三年", "五年", "", "",
     "C", "1", "易", "《人民调解法》第九条", "委员每届任期三年，可以连选连任。", "人民调解委员会", ""],
    ["人民调解法/纪律", "多选", "人民调解员在调解工作中有下列哪些行为的，应当批评教育、责令改正？",
     "偏袒一方当事人", "侮辱当事人", "泄露当事人的个人隐私", "耐心听取双方陈述", "", "",
     "ABC", "2", "中", "《人民调解法》第十五条", "第十五条列举了四类禁止行为。", "第十五条", ""],
    ["人民调解法/调解程序", "判断", "当事人一方明确拒绝调解的，人民调解委员会不得调解。", "", "", "", "", "", "",
     "正确", "1", "易", "《人民调解法》第十七条", "调解以自愿为前提。", "", ""],
    ["调解技巧", "简答", "简述“背靠背”调解方法的适用情形和注意事项。", "", "", "", "", "", "",
     "", "5", "中", "", "", "", "答出适用情形2分、保密与转述注意事项各1.5分。"],
]


@dataclass
class RowError:
    row: int
    column: str
    message: str


def template(file_format: str) -> bytes:
    data = tablib.Dataset(headers=[_(header) for _key, header in COLUMNS])
    data.title = str(_("Questions"))
    for example in EXAMPLES:
        data.append(example)
    content = data.export(file_format)
    return ("\ufeff" + content).encode("utf-8") if isinstance(content, str) else content


def _load(content: bytes, file_format: str) -> tablib.Dataset:
    if file_format == "xlsx":
        return tablib.Dataset().load(io.BytesIO(content), format="xlsx")
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError(_("The file is neither UTF-8 nor GBK text."))
    return tablib.Dataset().load(text, format="csv")


def _pick(words: dict, value: str):
    value = value.strip().lower()
    return next((key for key, options in words.items() if value in options), None)


def parse_questions(content: bytes, file_format: str) -> tuple[list[QuestionDraft], list[RowError]]:
    """Read and validate every row. Returns (drafts, errors); the import must not save anything when
    ``errors`` is not empty."""
    try:
        data = _load(content, file_format)
    except Exception as exc:  # tablib and openpyxl raise many kinds of error for a broken file
        return [], [RowError(1, "", _("The file could not be read: %(error)s") % {"error": exc})]
    headers = [str(h or "").strip() for h in (data.headers or [])]
    known = {name.lower(): key for key, header in COLUMNS for name in (_(header), header, key)}
    index = {known[h.lower()]: i for i, h in enumerate(headers) if h.lower() in known}
    label = {key: _(header) for key, header in COLUMNS}
    missing = [label[key] for key in REQUIRED if key not in index]
    if missing:
        return [], [RowError(1, m, _("This column is missing; download the template.")) for m in missing]
    if len(data) > MAX_ROWS:
        return [], [RowError(1, "", _("At most %(n)d questions per file.") % {"n": MAX_ROWS})]
    drafts, errors = [], []
    for number, raw in enumerate(data, start=2):
        cell = {key: str(raw[i] if raw[i] is not None else "").strip() for key, i in index.items()}
        if not any(cell.values()):
            continue
        draft, row_errors = _parse_row(cell, number, label)
        errors += row_errors
        if draft:
            drafts.append(draft)
    if not drafts and not errors:
        errors.append(RowError(2, "", _("The file holds no questions.")))
    return drafts, errors


def _parse_row(cell: dict, number: int, label: dict) -> tuple[QuestionDraft | None, list[RowError]]:
    errors = []

    def error(key, message):
        errors.append(RowError(number, label.get(key, ""), str(message)))

    for key in REQUIRED:
        if not cell.get(key):
            error(key, _("Required."))
    kind = _pick(KIND_WORDS, cell.get("kind", ""))
    if cell.get("kind") and kind is None:
        error("kind", _("Use one of: single, multiple, true/false, essay (单选、多选、判断、简答)."))
    difficulty = _pick(DIFFICULTY_WORDS, cell.get("difficulty", ""))
    if difficulty is None:
        error("difficulty", _("Use 易, 中 or 难 (or 1, 2, 3)."))
    try:
        points = Decimal(cell.get("points") or ("5" if kind == Question.Kind.ESSAY else "1"))
        if points <= 0 or points > 100:
            raise InvalidOperation
    except InvalidOperation:
        error("points", _("Give a number of points between 0.5 and 100."))
        points = Decimal(1)
    answer = cell.get("answer", "").replace(",", "").replace("，", "").replace(" ", "").upper()
    choices: list[tuple[str, bool, str]] = []
    if kind == Question.Kind.TRUE_FALSE:
        truth = _pick({True: TRUE_WORDS, False: FALSE_WORDS}, answer)
        if truth is None:
            error("answer", _("Answer a true/false question with 正确 or 错误."))
        choices = [(_("True"), truth is True, ""), (_("False"), truth is False, "")]
    elif kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        offered = [letter for letter in CHOICE_LETTERS if cell.get(letter)]
        if not answer:
            error("answer", _("Give the letter(s) of the correct choice(s)."))
        for letter in answer:
            if letter not in offered:
                error("answer", _("%(letter)s is not one of the choices given.") % {"letter": letter})
        choices = [(cell[letter], letter in answer, "") for letter in offered]
        for message in question_errors(kind=kind, choices=[(t, c) for t, c, _f in choices]):
            error("answer", message)
    if errors or kind is None:
        return None, errors
    tags = tuple(t.strip() for t in cell.get("tags", "").replace("，", ",").split(",") if t.strip())
    category = [part.strip() for part in cell["category"].replace("／", "/").split("/") if part.strip()]
    return QuestionDraft(
        category=category, kind=kind, text=cell["text"], choices=choices, points=points, difficulty=difficulty,
        legal_reference=cell.get("legal_reference", "")[:200], explanation=cell.get("explanation", ""),
        rubric=cell.get("rubric", ""), tags=tags), errors
