from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments import selectors, services
from assessments.exceptions import AssessmentError, AttemptClosed, InvalidResponse
from assessments.models import Attempt, AttemptStatusChange, Question, Quiz
from assessments.signals import attempt_passed
from people.models import Notice
from tests import factories
from tests.assessments import factories as af

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner():
    return factories.mediator(name="王秀兰")


@pytest.fixture
def passes():
    """Every attempt_passed sent during the test, as (user, attempt)."""
    sent = []

    def receiver(sender, user, attempt, **kwargs):
        sent.append((user, attempt))

    attempt_passed.connect(receiver)
    yield sent
    attempt_passed.disconnect(receiver)


def answer_all(attempt, learner, *, right: bool):
    for row in attempt.questions.select_related("question"):
        ids = af.correct_ids(row.question) if right else af.wrong_ids(row.question)[:1]
        if row.question.kind == Question.Kind.ESSAY:
            services.attempt_answer(attempt_id=attempt.pk, user=learner, position=row.position,
                                    text="先稳定情绪，再依法调解。")
        else:
            services.attempt_answer(attempt_id=attempt.pk, user=learner, position=row.position, choices=ids)


# --- Starting


def test_start_draws_fixed_and_random_questions_once_each_with_stored_order(learner):
    fixed = af.question()
    law = af.question(category=("人民调解法", "调解协议")).category.get_parent()
    pool = [af.question(category=("人民调解法", "调解协议")) for _ in range(5)]
    af.question(category=("民法典",))
    quiz = af.quiz(questions=[fixed], draw=[(law, "", 3)], shuffle_choices=True)
    attempt = services.attempt_start(user=learner, quiz=quiz)
    rows = list(attempt.questions.order_by("position"))
    assert [r.position for r in rows] == [1, 2, 3, 4]
    assert rows[0].question == fixed
    drawn = {r.question_id for r in rows[1:]}
    assert len(drawn) == 3 and fixed.pk not in drawn
    assert drawn <= {q.pk for q in pool} | {law.get_descendants().first().questions.first().pk}
    for row in rows:
        assert sorted(row.choice_order) == sorted(row.question.choices.values_list("pk", flat=True))
    assert attempt.max_score == 4 and attempt.number == 1


def test_draw_rule_by_tag(learner):
    tagged = [af.question(tags=["第十五条"]) for _ in range(2)]
    af.question()
    quiz = af.quiz(draw=[(None, "第十五条", 5)])
    attempt = services.attempt_start(user=learner, quiz=quiz)
    assert {r.question_id for r in attempt.questions.all()} == {q.pk for q in tagged}


def test_starting_again_resumes_the_open_attempt(learner):
    quiz = af.quiz(questions=[af.question()])
    first = services.attempt_start(user=learner, quiz=quiz)
    assert services.attempt_start(user=learner, quiz=quiz) == first
    assert Attempt.objects.count() == 1


def test_an_attempt_and_its_questions_are_written_together_or_not_at_all(learner, monkeypatch):
    """A failure while writing the drawn questions leaves no attempt without questions behind."""
    from assessments.models import AttemptQuestion

    quiz = af.quiz(questions=[af.question(), af.question()])

    def broken(*args, **kwargs):
        raise RuntimeError("the connection dropped")

    monkeypatch.setattr(AttemptQuestion.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        services.attempt_start(user=learner, quiz=quiz)
    assert not Attempt.objects.filter(user=learner).exists()
    monkeypatch.undo()
    attempt = services.attempt_start(user=learner, quiz=quiz)
    assert attempt.number == 1 and attempt.questions.count() == 2


def test_start_refusals_are_explained(learner):
    informant = factories.informant()
    q = af.question()
    cases = [
        (learner, af.quiz(questions=[q], is_published=False), "不对学员开放"),
        (informant, af.quiz(questions=[q], audience=Quiz.Audience.MEDIATORS), "仅限"),
        (learner, af.quiz(questions=[q], opens_at=timezone.now() + timedelta(days=1)), "开放"),
        (learner, af.quiz(questions=[q], closes_at=timezone.now() - timedelta(days=1),
                          opens_at=timezone.now() - timedelta(days=2)), "已于"),
        (factories.lecturer(), af.quiz(questions=[q]), "仅限"),
    ]
    for user, quiz, words in cases:
        with pytest.raises(AssessmentError, match=words):
            services.attempt_start(user=user, quiz=quiz)


def test_max_attempts_is_enforced(learner):
    quiz = af.quiz(questions=[af.question()], max_attempts=1)
    services.attempt_submit(attempt_id=services.attempt_start(user=learner, quiz=quiz).pk, user=learner)
    with pytest.raises(AssessmentError, match="1 次"):
        services.attempt_start(user=learner, quiz=quiz)


def test_deadline_is_the_earlier_of_time_limit_and_closing(learner):
    now = timezone.now()
    quiz = af.quiz(questions=[af.question()], time_limit_minutes=30, closes_at=now + timedelta(minutes=10))
    attempt = services.attempt_start(user=learner, quiz=quiz, now=now)
    assert attempt.deadline == now + timedelta(minutes=10)


# --- Answering


def test_answers_are_saved_as_given_and_can_change(learner):
    q = af.question(kind=Question.Kind.MULTIPLE)
    essay = af.question(kind=Question.Kind.ESSAY, points=5)
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=[q, essay]))
    ids = af.correct_ids(q)
    services.attempt_answer(attempt_id=attempt.pk, user=learner, position=1, choices=[str(i) for i in ids[:2]])
    services.attempt_answer(attempt_id=attempt.pk, user=learner, position=1, choices=ids, flagged=True)
    services.attempt_answer(attempt_id=attempt.pk, user=learner, position=2, text="  先倾听，再疏导。 ")
    rows = {r.position: r for r in attempt.questions.all()}
    assert rows[1].response == {"choices": sorted(ids)} and rows[1].flagged and rows[1].answered_at
    assert rows[2].response == {"text": "先倾听，再疏导。"}
    assert rows[1].score is None  # nothing is scored before submission


def test_answers_that_do_not_fit_are_refused(learner):
    single, other = af.question(), af.question()
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=[single]))
    cases = [af.correct_ids(other), [c.pk for c in single.choices.all()][:2], ["x"]]
    for choices in cases:
        with pytest.raises(InvalidResponse):
            services.attempt_answer(attempt_id=attempt.pk, user=learner, position=1, choices=choices)
    with pytest.raises(AssessmentError):
        services.attempt_answer(attempt_id=attempt.pk, user=learner, position=9, choices=[])


def test_nobody_else_can_answer_my_attempt(learner):
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=[af.question()]))
    with pytest.raises(AssessmentError):
        services.attempt_answer(attempt_id=attempt.pk, user=factories.mediator(), position=1, choices=[])


def test_late_answers_are_refused_and_earlier_ones_kept(learner):
    q = af.question()
    now = timezone.now()
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=[q], time_limit_minutes=5), now=now)
    services.attempt_answer(attempt_id=attempt.pk, user=learner, position=1, choices=af.correct_ids(q),
                            now=now + timedelta(minutes=4))
    with pytest.raises(AttemptClosed, match="时间已到"):
        services.attempt_answer(attempt_id=attempt.pk, user=learner, position=1, choices=af.wrong_ids(q)[:1],
                                now=now + timedelta(minutes=5, seconds=1))
    assert attempt.questions.get().response == {"choices": af.correct_ids(q)}


def test_saving_an_answer_takes_two_statements_and_no_transaction(learner, django_assert_num_queries):
    questions = [af.question() for _ in range(20)]
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=questions))
    right = af.correct_ids(questions[6])
    # The read and the update, with no savepoint or transaction around them: moving on to another question writes
    # nothing more, the answer's time is where the attempt resumes.
    with django_assert_num_queries(2):
        services.attempt_answer(attempt_id=attempt.pk, user=learner, position=7, choices=right, flagged=True)
    with django_assert_num_queries(2):
        services.attempt_answer(attempt_id=attempt.pk, user=learner, position=7, choices=right)
    assert attempt.questions.get(position=7).response == {"choices": right}
    assert selectors.resume_position(selectors.attempt_sheet(attempt=attempt)) == 7


def test_submitting_with_the_forms_answers_is_one_atomic_step(learner):
    """The form's answers are saved with the submit: all of them and the score, or nothing when one does not fit."""
    from assessments.models import answer_tokens

    questions = [af.question() for _ in range(3)]
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=questions, pass_mark=60))
    rows = {row.position: row for row in attempt.questions.all()}

    def answer(position, ids):
        return {"choice_tokens": answer_tokens(attempt.pk, position, ids)}

    right = {p: af.correct_ids(questions[p - 1]) for p in (1, 2, 3)}
    with pytest.raises(InvalidResponse):
        services.attempt_submit(attempt_id=attempt.pk, user=learner, answers={
            1: answer(1, right[1]), 2: {"choice_tokens": ["not-a-token"]}})
    attempt.refresh_from_db()
    assert attempt.is_open and rows[1].response is None
    assert attempt.questions.get(position=1).response is None  # the valid answer was not kept either
    submitted = services.attempt_submit(attempt_id=attempt.pk, user=learner, answers={
        1: answer(1, right[1]), 2: answer(2, right[2]), 3: {"flagged": True}})
    assert submitted.status == Attempt.Status.COMPLETED and submitted.late_answers_dropped == 0
    assert submitted.score == 2 and attempt.questions.get(position=3).flagged


# --- Submitting and scoring


def test_submit_scores_once_and_a_second_submit_changes_nothing(learner, passes):
    questions = [af.question(), af.question(kind=Question.Kind.MULTIPLE, points=3),
                 af.question(kind=Question.Kind.TRUE_FALSE)]
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=questions, pass_mark=60))
    services.attempt_answer(attempt_id=attempt.pk, user=learner, position=1, choices=af.correct_ids(questions[0]))
    services.attempt_answer(attempt_id=attempt.pk, user=learner, position=2, choices=af.correct_ids(questions[1])[:2])
    services.attempt_answer(attempt_id=attempt.pk, user=learner, position=3, choices=af.wrong_ids(questions[2]))
    attempt = services.attempt_submit(attempt_id=attempt.pk, user=learner)
    assert attempt.status == Attempt.Status.COMPLETED
    assert attempt.score == Decimal(3) and attempt.max_score == Decimal(5) and attempt.percent == Decimal(60)
    assert attempt.passed is True
    assert [r.score for r in attempt.questions.order_by("position")] == [1, 2, 0]
    again = services.attempt_submit(attempt_id=attempt.pk, user=learner)
    assert again.submitted_at == attempt.submitted_at
    assert AttemptStatusChange.objects.filter(attempt=attempt).count() == 1
    assert passes == [(learner, attempt)]
    with pytest.raises(AttemptClosed, match="已提交"):
        services.attempt_answer(attempt_id=attempt.pk, user=learner, position=1, choices=[])


def test_a_failed_attempt_does_not_announce_a_pass(learner, passes):
    q = af.question()
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=[q]))
    attempt = services.attempt_submit(attempt_id=attempt.pk, user=learner)
    assert attempt.passed is False and attempt.percent == 0 and passes == []


def _hundred_question_attempt(learner, n):
    questions = [af.question(kind=Question.Kind.MULTIPLE if i % 3 else Question.Kind.SINGLE) for i in range(n)]
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=questions))
    for i, q in enumerate(questions[: n // 2], start=1):
        services.attempt_answer(attempt_id=attempt.pk, user=learner, position=i, choices=af.correct_ids(q))
    return attempt


def test_submitting_takes_the_same_number_of_queries_for_ten_or_a_hundred_questions(
        learner, passes, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (10, 100):
        attempt = _hundred_question_attempt(factories.mediator(), n)
        with CaptureQueriesContext(connection) as ctx:
            services.attempt_submit(attempt_id=attempt.pk)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    attempt = _hundred_question_attempt(learner, 100)
    with django_assert_num_queries(counts[1]):
        done = services.attempt_submit(attempt_id=attempt.pk)
    assert done.percent == Decimal(50) and counts[1] <= 10


def test_essays_wait_for_a_person_then_the_learner_is_told(learner, passes):
    lecturer = factories.lecturer()
    essay = af.question(kind=Question.Kind.ESSAY, points=4)
    single = af.question()
    quiz = af.quiz(questions=[single, essay], owner=lecturer, pass_mark=60)
    attempt = services.attempt_start(user=learner, quiz=quiz)
    answer_all(attempt, learner, right=True)
    attempt = services.attempt_submit(attempt_id=attempt.pk, user=learner)
    assert attempt.status == Attempt.Status.AWAITING_GRADING and attempt.passed is None and passes == []
    row = attempt.questions.get(position=2)
    assert list(selectors.grading_queue(user=lecturer)) == [row]
    assert list(selectors.grading_queue(user=factories.lecturer())) == []
    with pytest.raises(AssessmentError):
        services.essay_grade(attempt_question_id=row.pk, grader=factories.lecturer(), points=Decimal(4))
    with pytest.raises(AssessmentError, match="0"):
        services.essay_grade(attempt_question_id=row.pk, grader=lecturer, points=Decimal(5))
    services.essay_grade(attempt_question_id=row.pk, grader=lecturer, points=Decimal(3), comment="要点基本齐全。")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.COMPLETED and attempt.percent == Decimal(80) and attempt.passed
    notice = Notice.objects.get(person=learner)
    assert "已评分" in notice.title and "80" in notice.body
    assert passes == [(learner, attempt)]
    with pytest.raises(AssessmentError):
        services.essay_grade(attempt_question_id=row.pk, grader=lecturer, points=Decimal(4))


def test_an_unanswered_essay_scores_zero_without_grading(learner):
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=[af.question(kind=Question.Kind.ESSAY)]))
    assert services.attempt_submit(attempt_id=attempt.pk).status == Attempt.Status.COMPLETED


def test_the_background_task_closes_only_overdue_attempts(learner):
    from assessments.tasks import attempts_close_overdue

    q = af.question()
    now = timezone.now()
    timed = services.attempt_start(user=learner, quiz=af.quiz(questions=[q], time_limit_minutes=10),
                                   now=now - timedelta(minutes=11))
    services.attempt_answer(attempt_id=timed.pk, user=learner, position=1, choices=af.correct_ids(q),
                            now=now - timedelta(minutes=2))
    running = services.attempt_start(user=learner, quiz=af.quiz(questions=[q], time_limit_minutes=10))
    untimed = services.attempt_start(user=learner, quiz=af.quiz(questions=[q]))
    attempts_close_overdue.delay()
    timed.refresh_from_db()
    assert timed.status == Attempt.Status.COMPLETED and timed.closed_by_timeout and timed.percent == 100
    assert timed.status_changes.get().changed_by is None
    assert Attempt.objects.get(pk=running.pk).is_open and Attempt.objects.get(pk=untimed.pk).is_open
    assert services.attempts_close_overdue() == 0


# --- Correcting a key


def test_correcting_a_key_rescores_the_attempts_and_says_how_many_changed(passes):
    q, other = af.question(), af.question()
    quiz = af.quiz(questions=[q, other], pass_mark=100)
    right, wrong = af.correct_ids(q)[0], af.wrong_ids(q)[0]
    picked_wrong = []
    for pick in (wrong, wrong, right):
        person = factories.mediator()
        attempt = services.attempt_start(user=person, quiz=quiz)
        services.attempt_answer(attempt_id=attempt.pk, user=person, position=1, choices=[pick])
        services.attempt_answer(attempt_id=attempt.pk, user=person, position=2, choices=af.correct_ids(other))
        picked_wrong.append(services.attempt_submit(attempt_id=attempt.pk))
    services.attempt_start(user=factories.mediator(), quiz=quiz)  # open attempts are not scored yet
    assert len(passes) == 1
    q.choices.filter(pk=right).update(is_correct=False)
    q.choices.filter(pk=wrong).update(is_correct=True)
    report = services.question_rescore(question=q)
    assert (report.attempts_checked, report.attempts_changed) == (3, 3)
    results = [Attempt.objects.get(pk=a.pk) for a in picked_wrong]
    assert [a.passed for a in results] == [True, True, False]
    assert [a.percent for a in results] == [100, 100, 50]
    assert len(passes) == 3  # the two new passes were announced, the old one not again
    assert services.question_rescore(question=q).attempts_changed == 0


# --- Results by grading method


@pytest.mark.parametrize(("method", "expected"), [
    (Quiz.GradingMethod.HIGHEST, True), (Quiz.GradingMethod.LAST, False),
    (Quiz.GradingMethod.FIRST, True), (Quiz.GradingMethod.AVERAGE, False),
])
def test_passed_quiz_ids_follows_the_grading_method(learner, method, expected):
    q, q2 = af.question(), af.question()
    quiz = af.quiz(questions=[q, q2], grading_method=method, pass_mark=60)
    for picks in ([af.correct_ids(q), af.correct_ids(q2)], [af.wrong_ids(q)[:1], af.wrong_ids(q2)[:1]]):
        attempt = services.attempt_start(user=learner, quiz=quiz)
        for position, choice_ids in enumerate(picks, start=1):
            services.attempt_answer(attempt_id=attempt.pk, user=learner, position=position, choices=choice_ids)
        services.attempt_submit(attempt_id=attempt.pk, user=learner)
    assert (quiz.pk in selectors.passed_quiz_ids(user=learner)) is expected
