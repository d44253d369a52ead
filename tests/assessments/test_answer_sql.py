"""Every answer saved runs SQL built once (issue #21): usually one UPDATE that reads nothing first
(``services._answer_unread``), else the read of ``services.answer_row`` and the update of
``people.fast_sql.update_row``. They must give and write exactly what the ORM statements they replace give and
write, on SQLite and on PostgreSQL alike; the one-statement save must write exactly what reading and checking
would, or nothing; the updates' condition (``services._attempt_open``) must be the rule ``ensure_accepting_answers``
states in Python, and hold at the moment of writing."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from assessments import services
from assessments.exceptions import AssessmentError, AttemptClosed
from assessments.models import (
    Attempt,
    AttemptQuestion,
    Question,
    answer_token,
    answer_token_choices,
    answer_tokens,
    choice_token,
)
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
@pytest.mark.parametrize("owned", [False, True])
def test_the_updates_condition_is_the_rule_of_ensure_accepting_answers(attempt, status, deadline_in, open_, owned):
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
    owner = {"user_id": attempt.user_id} if owned else {}
    written = update_row(AttemptQuestion, row.pk, {"flagged": False},
                         only_if=services._attempt_open(attempt.pk, now, **owner))
    assert in_python is open_ and bool(written) is open_
    if owned:  # and never another user's
        other = factories.mediator()
        assert not update_row(AttemptQuestion, row.pk, {"flagged": True},
                              only_if=services._attempt_open(attempt.pk, now, user_id=other.pk))
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


# --- The one-statement save (``services._answer_unread``) against reading and checking


def _sent(attempt, position, choice_ids):
    return answer_tokens(attempt.pk, position, choice_ids)


@pytest.fixture
def every_kind():
    """One attempt holding a question of every kind, unanswered, with what each kind's choices are."""
    learner = factories.mediator()
    questions = [af.question(kind=kind) for kind in Question.Kind.values]
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=questions, time_limit_minutes=30))
    return attempt, {row.position: row for row in attempt.questions.select_related("question")}


def _answers(attempt, row):
    """What a page (or a hand-made request) can send for one question: its own choices' tokens in every number,
    text, both, a flag alone, nothing."""
    order = row.choice_order
    ones = [{"choice_tokens": _sent(attempt, row.position, order[:n])} for n in range(len(order) + 1)]
    return [*ones, {"choice_tokens": _sent(attempt, row.position, order[:1]), "flagged": True},
            {"text": "  先稳定双方情绪，再分别听取陈述。 "}, {"text": ""},
            {"text": "调" * (services.ESSAY_MAX_LENGTH + 1)},
            {"text": "答", "choice_tokens": _sent(attempt, row.position, order[:1])},
            {"flagged": True}, {"flagged": False}, {}]


def _state(row_id):
    row = AttemptQuestion.objects.get(pk=row_id)
    return row.response, row.flagged, row.answered_at


def _reset(row_id):
    AttemptQuestion.objects.filter(pk=row_id).update(response=None, flagged=False, answered_at=None)


def test_the_one_statement_save_writes_what_reading_and_checking_writes_or_nothing(every_kind, monkeypatch):
    attempt, rows = every_kind
    now = timezone.now()
    took = set()
    for position, row in rows.items():
        for answer in _answers(attempt, row):
            _reset(row.pk)
            saved = services._answer_unread(attempt_id=attempt.pk, user_id=attempt.user_id, position=position,
                                             choice_tokens=answer.get("choice_tokens"), text=answer.get("text"),
                                             flagged=answer.get("flagged"), now=now)
            unread = _state(row.pk)
            _reset(row.pk)
            with monkeypatch.context() as patched:  # the read-and-check way alone
                patched.setattr(services, "_answer_unread", lambda **kwargs: None)
                try:
                    checked = services.attempt_answer(attempt_id=attempt.pk, user=attempt.user, position=position,
                                                      now=now, **answer)
                except AssessmentError:
                    checked = None
            read = _state(row.pk)
            if saved is None:
                assert unread == (None, False, None), (row.question.kind, answer)  # wrote nothing
            else:
                took.add((row.question.kind, tuple(answer)))
                assert checked is not None and unread == read, (row.question.kind, answer, unread, read)
                assert (saved.pk, saved.response, saved.flagged, saved.answered_at) == (row.pk, *read)
    # It is the usual way, not a corner: every kind takes its own kind of answer in one statement.
    for kind in Question.Kind.values:
        assert (kind, ("text",) if kind == Question.Kind.ESSAY else ("choice_tokens",)) in took, kind
    assert (Question.Kind.MULTIPLE, ("choice_tokens", "flagged")) in took
    assert (Question.Kind.SINGLE, ("flagged",)) in took


def test_the_one_statement_save_writes_nothing_for_another_user_a_closed_attempt_or_another_questions_token(
        every_kind):
    attempt, rows = every_kind
    row = next(row for row in rows.values() if row.question.kind == Question.Kind.SINGLE)
    mine = {"attempt_id": attempt.pk, "position": row.position, "text": None, "flagged": None, "now": timezone.now()}
    token = _sent(attempt, row.position, row.choice_order[:1])
    other = factories.mediator()
    assert services._answer_unread(**mine, user_id=other.pk, choice_tokens=token) is None
    elsewhere = next(r for r in rows.values() if r.pk != row.pk and r.choice_order)
    foreign = _sent(attempt, elsewhere.position, elsewhere.choice_order[:1])
    assert services._answer_unread(**mine, user_id=attempt.user_id, choice_tokens=foreign) is None
    assert _state(row.pk) == (None, False, None)
    with pytest.raises(AssessmentError):  # and the save says why
        services.attempt_answer(attempt_id=attempt.pk, user=attempt.user, position=row.position,
                                choice_tokens=foreign)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    assert services._answer_unread(**mine | {"now": timezone.now()}, user_id=attempt.user_id,
                                   choice_tokens=token) is None
    with pytest.raises(AttemptClosed):
        services.attempt_answer(attempt_id=attempt.pk, user=attempt.user, position=row.position, choice_tokens=token)
    assert _state(row.pk) == (None, False, None)


def test_a_token_opens_only_for_the_question_it_was_sealed_for():
    sealed = answer_tokens(41, 3, [7, 12, 2**40])
    assert answer_token_choices(41, 3, sealed) == [7, 12, 2**40]
    assert answer_token_choices(41, 3, sealed[1:2]) == [12] and answer_token_choices(41, 3, []) == []
    assert answer_token(41, 3, 12) == sealed[1] and len(set(sealed)) == 3
    assert all(len(token) == 32 and int(token, 16) >= 0 for token in sealed)
    for position, attempt_id in ((4, 41), (3, 42), (3, 14)):
        assert answer_token_choices(attempt_id, position, sealed) is None
    tampered = sealed[0][:-1] + ("0" if sealed[0][-1] != "0" else "1")
    for bad in ([tampered], [sealed[0], tampered], [sealed[0][:30]], ["z" * 32], [12], "".join(sealed), None,
                [choice_token(41, 12)]):
        assert answer_token_choices(41, 3, bad) is None, bad


def test_a_page_shown_before_the_tokens_were_sealed_still_saves(attempt):
    """A sitting under way across the upgrade: its page carries the earlier hashes, read the longer way."""
    row = attempt.questions.get(position=3)
    earlier = [choice_token(attempt.pk, row.choice_order[0])]
    saved = services.attempt_answer(attempt_id=attempt.pk, user=attempt.user, position=3, choice_tokens=earlier)
    assert saved.response == {"choices": [row.choice_order[0]]} == AttemptQuestion.objects.get(pk=row.pk).response
    assert row.choices_from_tokens(earlier + ["0" * 20]) is None
