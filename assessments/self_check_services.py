"""Writes of a lesson's self-check (课后自测). Keyword-only, atomic, named <entity>_<action>.

A self-check is not an exam: no attempt, no score, no pass. It asks two or three questions of the bank at the end
of a lesson and answers each at once (right or wrong, the key and the explanation). The lesson counts as studied
only when every question was answered (``courses.services.lesson_shortfall`` asks through the
``lesson_completion_shortfall`` hook)."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from people.services.idempotency import idempotency_key_apply

from .exceptions import AssessmentError, InvalidResponse
from .models import Question, SelfCheckAnswer, self_check_token
from .scoring import Key, score_response
from .self_check_selectors import self_check_questions


def self_check_answer(*, person, lesson, question_id: int, choice_tokens: list[str],
                      idempotency_key: str = "") -> SelfCheckAnswer:
    """Record a learner's answer to one question of a live lesson's self-check, given as the opaque tokens the
    page showed (``models.self_check_token``: a raw id, another person's token or another lesson's is refused).
    The first answer stands: answering again returns it unchanged. Right means full points under the exam's
    one scoring rule (``scoring.score_response``). With ``idempotency_key`` (an answer given offline and queued)
    the write happens once per key, and a replay gets the first answer back. Atomic."""
    if idempotency_key:
        result = idempotency_key_apply(
            person=person, key=idempotency_key, action="self_check_answer",
            write=lambda: {"answer": self_check_answer(person=person, lesson=lesson, question_id=question_id,
                                                       choice_tokens=choice_tokens).pk})
        return SelfCheckAnswer.objects.get(pk=result["answer"])
    if not lesson.live:
        raise AssessmentError(_("This lesson is not published."))
    question = next((q for q in self_check_questions(lesson) if q.pk == question_id), None)
    if question is None:
        raise InvalidResponse(_("This question is not part of the lesson's self-check."))
    choices = list(question.choices.all())
    known = {self_check_token(person.pk, lesson.pk, choice.pk): choice.pk for choice in choices}
    if not choice_tokens:
        raise InvalidResponse(_("Pick an answer first."))
    if not all(isinstance(token, str) and token in known for token in choice_tokens):
        raise InvalidResponse(_("That answer does not fit this question."))
    picked = sorted({known[token] for token in choice_tokens})
    if question.kind != Question.Kind.MULTIPLE and len(picked) > 1:
        raise InvalidResponse(_("Pick only one answer for this question."))
    correct = score_response(Key.of(question, [c.pk for c in choices if c.is_correct]),
                             {"choices": picked}) == question.points
    try:
        with transaction.atomic():
            answer, _created = SelfCheckAnswer.objects.get_or_create(
                person=person, lesson_id=lesson.pk, question=question,
                defaults={"choices": picked, "correct": correct})
    except IntegrityError:  # two tabs answered at once: the first one stands
        answer = SelfCheckAnswer.objects.get(person=person, lesson_id=lesson.pk, question=question)
    return answer


def self_check_answer_all(*, person, lesson) -> None:
    """Answer every question of a lesson's self-check rightly, as a learner who studied it would (demo learners,
    and tests setting a learner up on the demo data through ``courses.demo.study_lesson``)."""
    for question in self_check_questions(lesson):
        right = [self_check_token(person.pk, lesson.pk, c.pk) for c in question.choices.all() if c.is_correct]
        self_check_answer(person=person, lesson=lesson, question_id=question.pk, choice_tokens=right)
