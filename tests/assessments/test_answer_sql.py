"""Every answer saved runs the read of ``services.answer_row`` and the update of ``people.fast_sql.update_row``
from SQL built once (issue #21). They must give and write exactly what the ORM statements they replace give and
write, on SQLite and on PostgreSQL alike; the update's condition (``services._attempt_open``) must be the rule
``ensure_accepting_answers`` states in Python, and hold at the moment of writing."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from assessments import services
from assessments.exceptions import AttemptClosed
from assessments.models import Attempt, AttemptQuestion, Question
from people import fast_sql
from people.fast_sql import update_row
from tests import factories
from tests.assessments import factories as af

pytestmark = pytest.mark.django_db


def _orm_row(attempt_id, user_id, position):
    """The ORM statement the built SQL stands for."""
    return (AttemptQuestion.objects.select_related("attempt", "question")
            .filter(attempt_id=attempt_id, attempt__user_id=user_id, position=position))


@pytest.fixture
def attempt():
    learner = factories.mediator()
    questions = [af.question(), af.question(kind=Question.Kind.ESSAY), af.question()]
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=questions, time_limit_minutes=30))
    services.attempt_answer(attempt_id=attempt.pk, user=learner, position=1,
                            choices=af.correct_ids(questions[0]), flagged=True)
    return attempt


def test_the_read_gives_the_orms_row_attempt_and_question_field_for_field(attempt):
    for position in (1, 2, 3):
        built = services.answer_row(attempt_id=attempt.pk, user_id=attempt.user_id, position=position)
        orm = _orm_row(attempt.pk, attempt.user_id, position).get()
        for mine, theirs in ((built, orm), (built.attempt, orm.attempt), (built.question, orm.question)):
            for model, _alias, names in services.ANSWER_ROW_FIELDS:
                if isinstance(mine, model):
                    for name in names:
                        attname = model._meta.get_field(name).attname
                        assert getattr(mine, attname) == getattr(theirs, attname), (model, name)
                        assert type(getattr(mine, attname)) is type(getattr(theirs, attname)), (model, name)
            assert mine._state.adding is False and mine._state.db == "default"
        assert built.choice_tokens() == orm.choice_tokens()
    assert built.attempt.deadline is not None and built.attempt.status == Attempt.Status.IN_PROGRESS


def test_the_read_finds_nothing_in_another_users_attempt_or_at_a_missing_position(attempt):
    other = factories.mediator()
    assert services.answer_row(attempt_id=attempt.pk, user_id=other.pk, position=1) is None
    assert services.answer_row(attempt_id=attempt.pk, user_id=attempt.user_id, position=4) is None
    assert not _orm_row(attempt.pk, other.pk, 1).exists()


@pytest.mark.parametrize(("status", "deadline_in", "open_"), [
    (Attempt.Status.IN_PROGRESS, timedelta(minutes=5), True),
    (Attempt.Status.IN_PROGRESS, timedelta(microseconds=1), True),
    (Attempt.Status.IN_PROGRESS, timedelta(0), False),  # at the deadline: late (``now >= deadline``)
    (Attempt.Status.IN_PROGRESS, -timedelta(seconds=1), False),
    (Attempt.Status.IN_PROGRESS, None, True),  # no time limit
    (Attempt.Status.COMPLETED, timedelta(minutes=5), False),
    (Attempt.Status.AWAITING_GRADING, None, False),
])
def test_the_updates_condition_is_the_rule_of_ensure_accepting_answers(attempt, status, deadline_in, open_):
    now = timezone.now().replace(microsecond=500000)
    closed = status != Attempt.Status.IN_PROGRESS
    Attempt.objects.filter(pk=attempt.pk).update(
        status=status, deadline=None if deadline_in is None else now + deadline_in,
        submitted_at=now if closed else None, percent=50 if closed else None, passed=False if closed else None)
    attempt.refresh_from_db()
    try:
        services.ensure_accepting_answers(attempt, now)
        in_python = True
    except AttemptClosed:
        in_python = False
    row = attempt.questions.get(position=1)
    written = update_row(AttemptQuestion, row.pk, {"flagged": False}, only_if=services._attempt_open(attempt.pk, now))
    assert in_python is open_ and bool(written) is open_
    row.refresh_from_db()
    assert row.flagged is not open_  # it was flagged by the fixture; cleared only where the attempt is open


def test_the_update_locks_the_attempts_row_as_the_submit_does(attempt):
    """For that one statement, the attempt's row as ``select_for_update`` locks it (FOR NO KEY UPDATE on
    PostgreSQL); SQLite has no row locks and none is written there."""
    condition = services._attempt_open_sql("default")
    if connection.features.has_select_for_update:
        assert condition.endswith(" FOR NO KEY UPDATE)")
    else:
        assert "FOR " not in condition


def test_an_attempt_closed_between_the_read_and_the_write_takes_no_answer(attempt, monkeypatch):
    """A submit landing after the save has read the attempt as open (and before its update): the update writes
    nothing and the save is refused, so the answer cannot slip in after the scoring."""
    read = services.answer_row
    questions = list(attempt.questions.order_by("position"))

    def read_then_submit(**kwargs):
        row = read(**kwargs)
        services.attempt_submit(attempt_id=attempt.pk, user=attempt.user)
        return row

    monkeypatch.setattr(services, "answer_row", read_then_submit)
    with pytest.raises(AttemptClosed):
        services.attempt_answer(attempt_id=attempt.pk, user=attempt.user, position=3,
                                choices=af.correct_ids(questions[2].question))
    assert AttemptQuestion.objects.get(pk=questions[2].pk).response in (None, {})


def test_an_update_writes_what_the_orms_update_writes(attempt):
    now = timezone.now().replace(microsecond=123456) + timedelta(days=1)
    fields = {"response": {"choices": [3, 1], "text": "先稳定情绪"}, "answered_at": now, "flagged": False}
    first, second = attempt.questions.order_by("position")[:2]
    assert update_row(AttemptQuestion, first.pk, fields) == 1
    AttemptQuestion.objects.filter(pk=second.pk).update(**fields)
    mine, theirs = AttemptQuestion.objects.get(pk=first.pk), AttemptQuestion.objects.get(pk=second.pk)
    for name in fields:
        assert getattr(mine, name) == getattr(theirs, name) == fields[name], name
    assert update_row(AttemptQuestion, second.pk + 1000, {"flagged": True}) == 0


def test_update_each_writes_what_bulk_update_writes(attempt):
    """The scores of a submit: one UPDATE, each row its own value (None too), read back as the ORM wrote them."""
    from decimal import Decimal

    rows = list(attempt.questions.order_by("position"))  # one point each
    for row, score in zip(rows, (Decimal("0.25"), Decimal("1"), None), strict=True):
        row.score = score
    AttemptQuestion.objects.bulk_update(rows, ["score"])
    by_orm = {row.pk: row.score for row in attempt.questions.all()}
    scores = {rows[0].pk: Decimal("0.50"), rows[1].pk: Decimal("0"), rows[2].pk: None}
    assert fast_sql.update_each(AttemptQuestion, "score", scores) == 3
    assert {row.pk: row.score for row in attempt.questions.all()} == scores
    assert fast_sql.update_each(AttemptQuestion, "score", by_orm) == 3
    assert {row.pk: row.score for row in attempt.questions.all()} == by_orm
    assert fast_sql.update_each(AttemptQuestion, "score", {}) == 0
