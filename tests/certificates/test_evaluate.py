"""Requirements (modules, exams, scenarios, hours, role) and automatic issuance and renewal from learning events."""

from datetime import timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from assessments import services as exams
from assessments.models import Question
from certificates import services
from certificates.models import Certificate, Program, ProgramScenario
from certificates.requirements import requirements_report
from courses import services as courses
from courses.models import Enrolment, LessonPage
from tests import factories
from tests.assessments import factories as af

Status = Certificate.Status


@pytest.fixture
def module(db):
    module = factories.course_module(title="人民调解法及配套规定解读", credit_hours=4, slug="mediation-law")
    factories.lesson(module=module, title="人民调解的原则")
    return module


@pytest.fixture
def exam(db):
    return af.quiz(title="人民调解员培训合格考试", questions=[af.question()], pass_mark=60)


def _finish_module(person, module):
    for lesson in LessonPage.objects.live().child_of(module):
        courses.lesson_complete(person=person, lesson=lesson)


def _sit(person, quiz, *, right=True):
    attempt = exams.attempt_start(user=person, quiz=quiz)
    for row in attempt.questions.select_related("question"):
        if row.question.kind == Question.Kind.ESSAY:
            exams.attempt_answer(attempt_id=attempt.pk, user=person, position=row.position, text="依法调解，促成和解。")
        else:
            ids = af.correct_ids(row.question) if right else af.wrong_ids(row.question)[:1]
            exams.attempt_answer(attempt_id=attempt.pk, user=person, position=row.position, choices=ids)
    return exams.attempt_submit(attempt_id=attempt.pk, user=person)


def _unmet(holder, program):
    return [r.description for r in requirements_report(holder=holder, program=program).unmet]


def test_each_requirement_is_reported_until_it_is_met(holder, program, module, exam):
    scenario = factories.scenario(module=module, title="邻里通行纠纷")
    program.required_modules.set([module])
    program.required_quizzes.set([exam])
    ProgramScenario.objects.create(program=program, scenario=scenario, min_percent=80)
    program.min_training_hours = Decimal(4)
    program.save()
    unmet = _unmet(holder, program)
    assert len(unmet) == 4
    assert any("人民调解法及配套规定解读" in d for d in unmet) and any("人民调解员培训合格考试" in d for d in unmet)
    assert any("邻里通行纠纷" in d and "80%" in d for d in unmet), unmet
    assert any("已完成0，需4" in d for d in unmet), unmet

    _finish_module(holder, module)
    assert len(_unmet(holder, program)) == 2  # the module, and its 4 hours
    run = courses.scenario_run_start(person=holder, scenario=scenario)
    courses.scenario_run_choose(run=run, step_key="opening", choice_index=0)
    courses.scenario_run_choose(run=run, step_key="talk", choice_index=1)  # a poor ending
    assert len(_unmet(holder, program)) == 2
    run = courses.scenario_run_start(person=holder, scenario=scenario)
    courses.scenario_run_choose(run=run, step_key="opening", choice_index=0)
    courses.scenario_run_choose(run=run, step_key="talk", choice_index=0)
    _sit(holder, exam, right=False)
    unmet = _unmet(holder, program)
    assert len(unmet) == 1 and "人民调解员培训合格考试" in unmet[0]
    _sit(holder, exam)
    assert requirements_report(holder=holder, program=program).met


def test_hours_count_only_inside_the_programs_window(holder, program, module):
    program.min_training_hours, program.hours_window_months = Decimal(4), 12
    program.save()
    _finish_module(holder, module)
    assert requirements_report(holder=holder, program=program).met
    Enrolment.objects.filter(person=holder).update(completed_at=timezone.now() - relativedelta(months=13))
    assert not requirements_report(holder=holder, program=program).met


def test_an_exam_pass_issues_the_certificate_once(holder, program, module, exam,
                                                  django_capture_on_commit_callbacks):
    program.required_modules.set([module])
    program.required_quizzes.set([exam])
    with django_capture_on_commit_callbacks(execute=True):
        _finish_module(holder, module)  # queues an evaluation: not enough yet
    assert not Certificate.objects.exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _sit(holder, exam)
    certificate = Certificate.objects.get()
    assert certificate.holder == holder and certificate.issued_by is None and certificate.status == Status.ISSUED
    assert certificate.pdf  # rendered after commit by the (eager) task
    assert len(callbacks) >= 1
    assert services.certificates_evaluate(holder=holder) == []  # again: nothing more
    assert Certificate.objects.count() == 1


def test_grading_the_last_essay_issues_the_certificate(holder, program, django_capture_on_commit_callbacks):
    lecturer = factories.lecturer()
    essay = af.question(kind=Question.Kind.ESSAY, points=4)
    quiz = af.quiz(questions=[af.question(), essay], owner=lecturer, pass_mark=60)
    program.required_quizzes.set([quiz])
    with django_capture_on_commit_callbacks(execute=True):
        attempt = _sit(holder, quiz)
    assert attempt.status == "awaiting_grading" and not Certificate.objects.exists()
    row = attempt.questions.get(question=essay)
    with django_capture_on_commit_callbacks(execute=True):
        exams.essay_grade(attempt_question_id=row.pk, grader=lecturer, points=Decimal(4))
    assert Certificate.objects.get().holder == holder


def test_learners_of_the_wrong_role_and_revoked_holders_are_not_issued_automatically(
        committee, holder, program, informant_program):
    informant = factories.informant(committee=committee)
    assert [c.program for c in services.certificates_evaluate(holder=informant)] == [informant_program]
    certificate, = services.certificates_evaluate(holder=holder)
    assert certificate.program == program
    services.certificate_revoke(certificate=certificate, revoked_by=factories.administrator(), reason="代考")
    assert services.certificates_evaluate(holder=holder) == []
    assert Certificate.objects.filter(holder=holder).count() == 1
    assert services.certificates_evaluate(holder=factories.UserFactory()) == []  # on no committee


def test_evaluation_reads_a_constant_number_of_queries(committee, holder, program, module, exam,
                                                       django_assert_max_num_queries):
    program.required_modules.set([module])
    program.required_quizzes.set([exam])
    program.min_training_hours = Decimal(2)
    program.save()
    # Training hours read one query per source (modules two: online and attended; scenarios; exams), once per
    # period however many programs count the same months (the worker evaluates every program after each pass).
    for slug in ("mediator-advanced", "mediator-expert"):
        Program.objects.create(name=slug, slug=slug, for_mediators=True, validity_months=36,
                               min_training_hours=Decimal(40), hours_window_months=program.hours_window_months)
    with django_assert_max_num_queries(18):
        assert services.certificates_evaluate(holder=holder) == []


@pytest.fixture
def renewable_program(program, module):
    program.renewal_hours = Decimal(4)
    program.save()
    return program


def test_renewal_before_expiry_once_the_hours_are_done(holder, renewable_program, module):
    today = timezone.localdate()
    old, _ = services.certificate_issue(holder=holder, program=renewable_program,
                                        issued_on=today - relativedelta(months=36) + timedelta(days=30))
    assert services.certificates_evaluate(holder=holder) == []  # inside the window, no hours yet
    _finish_module(holder, module)
    new, = services.certificates_evaluate(holder=holder)
    old.refresh_from_db()
    assert old.status == Status.SUPERSEDED and new.supersedes == old and new.issued_on == today
    assert services.certificates_evaluate(holder=holder) == []  # the new one is far from its window


def test_no_renewal_before_the_window_opens(holder, renewable_program, module):
    services.certificate_issue(holder=holder, program=renewable_program,
                               issued_on=timezone.localdate() - relativedelta(months=12))
    _finish_module(holder, module)
    assert services.certificates_evaluate(holder=holder) == []


def test_renewal_after_expiry_counts_hours_earned_while_valid(holder, renewable_program, module):
    today = timezone.localdate()
    issued_on = today - relativedelta(months=38)
    old, _ = services.certificate_issue(holder=holder, program=renewable_program, issued_on=issued_on)
    services.certificates_expire_due()
    _finish_module(holder, module)  # today: after the certificate ended, so it does not count
    assert services.certificates_evaluate(holder=holder) == []
    Enrolment.objects.filter(person=holder).update(completed_at=timezone.now() - relativedelta(months=6))
    new, = services.certificates_evaluate(holder=holder)
    old.refresh_from_db()
    assert old.status == Status.SUPERSEDED and new.supersedes == old and new.status == Status.ISSUED
    assert list(old.status_changes.values_list("new_status", flat=True)) == [
        Status.ISSUED, Status.EXPIRED, Status.SUPERSEDED]


def test_past_the_grace_period_the_program_is_earned_afresh(holder, renewable_program, module):
    old, _ = services.certificate_issue(holder=holder, program=renewable_program,
                                        issued_on=timezone.localdate() - relativedelta(months=60))
    services.certificates_expire_due()
    new, = services.certificates_evaluate(holder=holder)  # no requirements but the role: a fresh certificate
    old.refresh_from_db()
    assert old.status == Status.EXPIRED and new.supersedes is None
