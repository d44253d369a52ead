"""Races on PostgreSQL with real concurrent connections: double submits, two tabs, answers racing a submit."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from assessments import services
from assessments.exceptions import AttemptClosed
from assessments.models import Attempt, AttemptStatusChange
from assessments.signals import attempt_passed
from tests import factories
from tests.assessments import factories as af
from tests.integration.conftest import requires_services

pytestmark = [pytest.mark.integration, requires_services, pytest.mark.django_db(transaction=True)]


def race(target, n: int) -> list:
    """Run ``target(i)`` in ``n`` threads released at the same instant; each uses its own connection."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:  # the test inspects what each thread met
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_runs_on_postgresql():
    assert connection.vendor == "postgresql"


def test_eight_simultaneous_submits_score_the_attempt_exactly_once():
    learner = factories.mediator()
    questions = [af.question() for _ in range(20)]
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=questions))
    for i, q in enumerate(questions[:15], start=1):
        services.attempt_answer(attempt_id=attempt.pk, user=learner, position=i, choices=af.correct_ids(q))
    passes = []
    attempt_passed.connect(lambda sender, attempt, **kw: passes.append(attempt.pk), weak=False,
                           dispatch_uid="race-test")
    try:
        results = race(lambda i: services.attempt_submit(attempt_id=attempt.pk, user=learner), 8)
    finally:
        attempt_passed.disconnect(dispatch_uid="race-test")
    assert all(isinstance(r, Attempt) for r in results), results
    assert {r.submitted_at for r in results} == {results[0].submitted_at}
    assert AttemptStatusChange.objects.filter(attempt=attempt).count() == 1
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.COMPLETED and attempt.percent == Decimal(75)
    assert passes == [attempt.pk]


def test_two_tabs_starting_at_once_open_one_attempt():
    learner = factories.mediator()
    quiz = af.quiz(questions=[af.question() for _ in range(5)])
    results = race(lambda i: services.attempt_start(user=learner, quiz=quiz), 6)
    assert all(isinstance(r, Attempt) for r in results), results
    assert {r.pk for r in results} == {results[0].pk}
    assert Attempt.objects.filter(quiz=quiz, user=learner).count() == 1
    assert Attempt.objects.get().questions.count() == 5


def test_answers_racing_a_submit_are_either_scored_or_refused():
    learner = factories.mediator()
    questions = [af.question() for _ in range(12)]
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=questions))

    def act(i):
        if i == 0:
            return services.attempt_submit(attempt_id=attempt.pk, user=learner)
        return services.attempt_answer(attempt_id=attempt.pk, user=learner, position=i,
                                       choices=af.correct_ids(questions[i - 1]))

    results = race(act, 12)
    accepted = {i for i, r in enumerate(results) if i and not isinstance(r, Exception)}
    refused = {i for i, r in enumerate(results) if isinstance(r, AttemptClosed)}
    assert accepted | refused == set(range(1, 12)), results
    attempt.refresh_from_db()
    # Every answer the server accepted was scored; none slipped in after the scoring.
    scores = dict(attempt.questions.values_list("position", "score"))
    assert {p for p, s in scores.items() if s == 1} == accepted
    assert attempt.score == len(accepted)


def test_closing_overdue_attempts_while_the_learner_submits_yields_one_result():
    from datetime import timedelta

    from django.utils import timezone

    learner = factories.mediator()
    q = af.question()
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=[q], time_limit_minutes=5),
                                     now=timezone.now() - timedelta(minutes=6))
    results = race(lambda i: services.attempt_submit(attempt_id=attempt.pk, user=learner) if i % 2
                   else services.attempts_close_overdue(), 6)
    assert not any(isinstance(r, Exception) for r in results), results
    assert AttemptStatusChange.objects.filter(attempt=attempt).count() == 1


def test_a_save_arriving_during_a_submit_waits_for_it_then_is_refused():
    """The save's UPDATE writes only while the attempt is open, locking the attempt's row for that statement: it
    waits for the submit holding that row and then finds the attempt closed (no answer after the scoring)."""
    import time

    from django.db import transaction

    learner = factories.mediator()
    questions = [af.question() for _ in range(3)]
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=questions))
    submitted, release = threading.Event(), threading.Event()

    def submit_and_hold():
        try:
            with transaction.atomic():
                services.attempt_submit(attempt_id=attempt.pk, user=learner)
                submitted.set()
                release.wait(10)  # the submit's transaction stays open, its lock held
        finally:
            connections.close_all()

    holder = threading.Thread(target=submit_and_hold)
    holder.start()
    assert submitted.wait(10)
    outcome: dict = {}

    def save():
        started = time.monotonic()
        try:
            services.attempt_answer(attempt_id=attempt.pk, user=learner, position=1,
                                    choices=af.correct_ids(questions[0]))
            outcome["result"] = "saved"
        except AttemptClosed:
            outcome["result"] = "refused"
        finally:
            outcome["waited"] = time.monotonic() - started
            connections.close_all()

    saver = threading.Thread(target=save)
    saver.start()
    saver.join(0.5)
    assert saver.is_alive(), outcome  # waiting for the submit's lock
    release.set()
    holder.join(10)
    saver.join(10)
    assert outcome["result"] == "refused" and outcome["waited"] >= 0.5, outcome
    assert attempt.questions.get(position=1).response is None
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.COMPLETED and attempt.score == 0
