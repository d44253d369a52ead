"""Reads of a lesson's self-check (课后自测). What the browser may receive is decided here: before a question is
answered its choices are opaque tokens (``models.self_check_token``) sorted by their value, with no key, no
feedback and no explanation; after it is answered, the feedback of that question only."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .models import LessonSelfCheckQuestion, Question, SelfCheckAnswer, self_check_token
from .selectors import LETTERS, exam_only_questions


def _check_rows(lesson):
    """The rows of a lesson's self-check that are shown: choice questions only, and never one of an exam-only
    pool (the feedback shows its answer, which the exam must not have)."""
    return (LessonSelfCheckQuestion.objects.filter(lesson_id=lesson.pk)
            .exclude(question__kind=Question.Kind.ESSAY)
            .exclude(question__in=exam_only_questions().values("pk")))


def self_check_questions(lesson) -> list[Question]:
    """The questions of a lesson's self-check, in the lecturer's order, with their choices."""
    rows = _check_rows(lesson).select_related("question").prefetch_related("question__choices")
    return [row.question for row in rows.order_by("sort_order", "pk")]


@dataclass
class CheckChoice:
    token: str  # opaque (self_check_token): never the database id
    text: str
    picked: bool = False
    correct: bool | None = None  # None until the question is answered


@dataclass
class CheckItem:
    number: int
    question_id: int
    text: str
    kind: str
    choices: list[CheckChoice]
    answered: bool = False
    correct: bool | None = None
    explanation: str = ""
    legal_reference: str = ""
    feedback: list[str] = field(default_factory=list)  # what the learner's picked choices say

    @property
    def input_type(self) -> str:
        return "checkbox" if self.kind == Question.Kind.MULTIPLE else "radio"


@dataclass
class SelfCheck:
    items: list[CheckItem]

    @property
    def answered(self) -> int:
        return sum(item.answered for item in self.items)

    @property
    def done(self) -> bool:
        return self.answered == len(self.items)


def _ordered(question: Question, person_id: int, lesson_id: int) -> list[tuple[str, object]]:
    tokens = [(self_check_token(person_id, lesson_id, choice.pk), choice) for choice in question.choices.all()]
    if question.kind == Question.Kind.TRUE_FALSE:
        return tokens  # 正确 before 错误, as the exam shows them: the order of two fixed words says nothing
    return sorted(tokens, key=lambda pair: pair[0])


def self_check_sheet(*, user, lesson) -> SelfCheck | None:
    """The lesson's self-check as ``user`` sees it now, or None when the lesson has none (or nobody is signed
    in: the check is for learners). Answered questions carry their feedback; the others only text and tokens."""
    questions = self_check_questions(lesson)
    if not questions or not user.is_authenticated:
        return None
    answers = {a.question_id: a for a in SelfCheckAnswer.objects.filter(person=user, lesson_id=lesson.pk)}
    items = []
    for number, question in enumerate(questions, start=1):
        answer = answers.get(question.pk)
        item = CheckItem(number=number, question_id=question.pk, text=question.text, kind=question.kind, choices=[])
        for letter, (token, choice) in zip(LETTERS, _ordered(question, user.pk, lesson.pk), strict=False):
            shown = CheckChoice(token=token, text=f"{letter}. {choice.text}")
            if answer:
                shown.picked, shown.correct = choice.pk in answer.choices, choice.is_correct
                if shown.picked and choice.feedback:
                    item.feedback.append(choice.feedback)
            item.choices.append(shown)
        if answer:
            item.answered, item.correct = True, answer.correct
            item.explanation, item.legal_reference = question.explanation, question.legal_reference
        items.append(item)
    return SelfCheck(items=items)


def self_check_shortfall(*, person, lesson) -> str:
    """What the self-check still lacks before the lesson can count as studied, for the learner; "" when it is
    answered (every question, right or wrong: the check is for learning, and the wrong ones were explained)."""
    wanted = set(_check_rows(lesson).values_list("question_id", flat=True))
    if not wanted:
        return ""
    answered = set(SelfCheckAnswer.objects.filter(person=person, lesson_id=lesson.pk, question_id__in=wanted)
                   .values_list("question_id", flat=True))
    missing = len(wanted - answered)
    if not missing:
        return ""
    return _("Answer the self-check at the end of the lesson first: %(missing)d of %(total)d questions left.") % {
        "missing": missing, "total": len(wanted)}
