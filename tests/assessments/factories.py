"""Builders for the assessment engine's tests: questions with choices, quizzes, attempts."""

import itertools
from decimal import Decimal

from assessments import services
from assessments.models import Question, Quiz, QuizDrawRule, QuizQuestion
from assessments.services import QuestionDraft

_serial = itertools.count(1)


def question(*, kind: str = Question.Kind.SINGLE, category: tuple[str, ...] = ("人民调解法",), text: str | None = None,
             choices: list[tuple[str, bool]] | None = None, points=1, negative_marking=False, tags=(),
             **fields) -> Question:
    """A question; choice questions get choices (text, correct) with feedback "反馈:<text>"."""
    if choices is None:
        choices = {
            Question.Kind.SINGLE: [("三年", True), ("五年", False), ("一年", False), ("两年", False)],
            Question.Kind.MULTIPLE: [("偏袒一方", True), ("侮辱当事人", True), ("泄露隐私", True), ("耐心疏导", False)],
            Question.Kind.TRUE_FALSE: [("正确", True), ("错误", False)],
            Question.Kind.ESSAY: [],
        }[kind]
    draft = QuestionDraft(
        category=list(category), kind=kind, text=text or f"第{next(_serial)}题：人民调解委员会委员每届任期几年？",
        choices=[(t, correct, f"反馈:{t}") for t, correct in choices], points=Decimal(points),
        negative_marking=negative_marking, tags=tuple(tags), explanation="解析：依据人民调解法。",
        legal_reference="《人民调解法》第九条", rubric="要点齐全得满分" if kind == Question.Kind.ESSAY else "",
        **fields)
    return services.question_create(draft=draft)


def quiz(*, questions=(), draw: list[tuple] = (), **fields) -> Quiz:
    """A published quiz with fixed questions and draw rules (category or None, tag, count)."""
    defaults = {"title": f"测验{next(_serial)}", "is_published": True, "shuffle_questions": False,
                "shuffle_choices": False}
    q = Quiz.objects.create(**{**defaults, **fields})
    for i, item in enumerate(questions):
        QuizQuestion.objects.create(quiz=q, question=item, sort_order=i)
    for i, (category, tag, count) in enumerate(draw):
        QuizDrawRule.objects.create(quiz=q, category=category, tag=tag, count=count, sort_order=i)
    return q


def correct_ids(question: Question) -> list[int]:
    return [c.pk for c in question.choices.all() if c.is_correct]


def wrong_ids(question: Question) -> list[int]:
    return [c.pk for c in question.choices.all() if not c.is_correct]
