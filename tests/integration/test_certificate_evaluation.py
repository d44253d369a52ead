"""Automatic issuance on PostgreSQL + Redis: a burst of learning events for one person, and an exam pass taken by a
real worker through evaluation to an issued certificate with its PDF."""

import pytest
from django.db import transaction

from assessments import services as exams
from assessments.models import Attempt
from assessments.signals import attempt_passed
from certificates.models import Certificate
from courses.signals import module_completed
from tests.assessments import factories as af
from tests.integration.conftest import requires_services, wait_for
from tests.integration.test_certificates import _race, _setup, requires_postgres

pytestmark = pytest.mark.integration


@requires_postgres
def test_twenty_concurrent_learning_events_issue_one_certificate(transactional_db):
    """Each thread commits an event whose receiver runs the (eager) evaluation after commit, all at once."""
    _county, program, (holder,) = _setup(1)

    def event(signal):
        with transaction.atomic():
            signal.send(sender=None, user=holder, attempt=None, module=None)

    _race([lambda s=signal: event(s) for signal in [attempt_passed, module_completed] * 10])
    assert Certificate.objects.filter(holder=holder, program=program).count() == 1
    assert Certificate.objects.get().status_changes.count() == 1


@requires_services
def test_a_real_worker_issues_and_renders_the_certificate_after_an_exam_pass(celery_worker_process):
    _county, program, (holder,) = _setup(1)
    question = af.question()
    exam = af.quiz(title="人民调解员培训合格考试", questions=[question], pass_mark=60)
    program.required_quizzes.set([exam])

    attempt = exams.attempt_start(user=holder, quiz=exam)
    exams.attempt_answer(attempt_id=attempt.pk, user=holder, position=1, choices=af.correct_ids(question))
    attempt = exams.attempt_submit(attempt_id=attempt.pk, user=holder)  # commits; the worker takes it from here
    assert attempt.status == Attempt.Status.COMPLETED and attempt.passed

    def rendered():
        certificate = Certificate.objects.filter(holder=holder, program=program).first()
        return certificate if certificate and certificate.pdf else None

    certificate = wait_for(rendered, timeout=60)
    assert certificate, celery_worker_process["log"].read_text()
    with certificate.pdf.open("rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    log = celery_worker_process["log"].read_text()
    assert "Task certificates.tasks.certificates_evaluate" in log
    assert "Task certificates.tasks.certificate_pdf_render" in log
