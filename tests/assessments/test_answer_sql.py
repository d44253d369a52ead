"""Every answer saved runs the locked read of ``services.answer_row_locked`` and the update of
``people.fast_sql.update_row`` from SQL built once (issue #21). They must give and write exactly what the ORM
statements they replace give and write, on SQLite and on PostgreSQL alike, and lock only the attempt's row."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from assessments import services
from assessments.models import Attempt, AttemptQuestion, Question
from people import fast_sql
from people.fast_sql import update_row
from tests import factories
from tests.assessments import factories as af

pytestmark = pytest.mark.django_db


def _orm_row(attempt_id, user_id, position):
    """The ORM statement the built SQL stands for."""
    return (AttemptQuestion.objects.select_related("attempt", "question")
            .select_for_update(of=("attempt",), no_key=True)
            .filter(attempt_id=attempt_id, attempt__user_id=user_id, position=position))


@pytest.fixture
def attempt():
    learner = factories.mediator()
    questions = [af.question(), af.question(kind=Question.Kind.ESSAY), af.question()]
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=questions, time_limit_minutes=30))
    services.attempt_answer(attempt_id=attempt.pk, user=learner, position=1,
                            choices=af.correct_ids(questions[0]), flagged=True)
    return attempt


def test_the_locked_read_gives_the_orms_row_attempt_and_question_field_for_field(attempt):
    for position in (1, 2, 3):
        with transaction.atomic():
            built = services.answer_row_locked(attempt_id=attempt.pk, user_id=attempt.user_id, position=position)
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


def test_the_locked_read_finds_nothing_in_another_users_attempt_or_at_a_missing_position(attempt):
    other = factories.mediator()
    with transaction.atomic():
        assert services.answer_row_locked(attempt_id=attempt.pk, user_id=other.pk, position=1) is None
        assert services.answer_row_locked(attempt_id=attempt.pk, user_id=attempt.user_id, position=4) is None
        assert not _orm_row(attempt.pk, other.pk, 1).exists()


def test_the_built_sql_locks_what_the_orm_locks(attempt):
    """Only the attempt's row, and as the ORM would (FOR NO KEY UPDATE OF the attempt on PostgreSQL; SQLite has
    no row locks: neither statement carries a lock clause there)."""
    built = services._answer_row_sql("default")
    with transaction.atomic():
        orm_sql = str(_orm_row(attempt.pk, attempt.user_id, 1).query.get_compiler("default").as_sql()[0])
    quote = connection.ops.quote_name
    if connection.features.has_select_for_update_of:
        assert orm_sql.endswith(f" FOR NO KEY UPDATE OF {quote(Attempt._meta.db_table)}")
        assert built.endswith(f" FOR NO KEY UPDATE OF {quote('a')}")
        assert f"{quote(Attempt._meta.db_table)} {quote('a')}" in built  # "a" is the attempt's table
    else:
        assert "FOR " not in orm_sql and "FOR " not in built


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
