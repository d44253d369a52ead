"""The work card's annual review with a yearly exam (``Program.review_exam``): the review passes only when the
holder passed that exam within the calendar year reviewed, besides the year's duties. The edges: a pass on 31 December
late in the evening counts, one on 1 January of the next year does not, a failed attempt does not, and a program
without a yearly exam reviews as before."""

import datetime
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Quiz
from certificates import services as certificate_services
from certificates.models import Certificate
from certificates.verification import public_record
from tests import factories
from training import selectors, services
from training.models import AnnualReview, ReviewRun

from .conftest import duty, sat

Outcome = AnnualReview.Outcome


@pytest.fixture
def exam(db):
    return Quiz.objects.create(title="年度业务考核", kind=Quiz.Kind.CERTIFICATION, pass_mark=60, is_published=True)


@pytest.fixture
def staff(county):
    return factories.bureau_staff(jurisdiction=county)


@pytest.fixture
def card(person, program, exam):
    program.review_exam = exam
    program.save()
    return certificate_services.certificate_issue(holder=person, program=program, issued_on=date(2024, 3, 1))[0]


def _moment(day: date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), timezone.get_current_timezone())


def _review(county, program, staff, capture, year=2025) -> ReviewRun:
    run = services.review_run_start(region=county, program=program, year=year, started_by=staff)
    with capture(execute=True):
        services.review_run_confirm(run=run, confirmed_by=staff)
    return ReviewRun.objects.get(pk=run.pk)


@pytest.mark.parametrize(("label", "day", "hour", "minute", "passed", "passes"), [
    ("passed on 31 December, 23:59", date(2025, 12, 31), 23, 59, True, True),
    ("passed on 1 January of the next year, 00:00", date(2026, 1, 1), 0, 0, True, False),
    ("passed the year before", date(2024, 12, 31), 23, 59, True, False),
    ("failed within the year", date(2025, 6, 1), 10, 0, False, False),
])
def test_the_yearly_exam_counts_when_passed_within_the_year_reviewed(
        county, person, program, exam, card, staff, django_capture_on_commit_callbacks, label, day, hour, minute,
        passed, passes):
    sat(person, exam, _moment(day, hour, minute), passed=passed)
    exams = selectors.review_exams(program=program, person_ids=[person.pk], year=2025)
    assert exams[person.pk].passed is passes, label
    _review(county, program, staff, django_capture_on_commit_callbacks)
    review = AnnualReview.objects.get(certificate=card)
    card.refresh_from_db()
    if passes:
        assert review.outcome == Outcome.PASSED and card.status == Certificate.Status.ISSUED
        assert public_record(card)["reviewed_for"] == 2025
    else:
        # The reason is in Chinese, in the review and in the certificate's history; the public check reads as
        # any suspended card's does (no "reviewed for").
        assert review.outcome == Outcome.SUSPENDED and card.status == Certificate.Status.SUSPENDED
        assert review.reason == "2025年度审核：2025年度未通过年审考试“年度业务考核”。"
        assert card.status_changes.last().reason == review.reason
        record = public_record(card)
        assert record["status"] == "suspended" and "reviewed_for" not in record


def test_the_exam_and_the_duties_are_both_needed_and_both_named(
        county, person, program, exam, card, staff, django_capture_on_commit_callbacks):
    duty(region=county, name="年度培训", hours=4)
    sat(person, exam, _moment(date(2025, 5, 1), 9))
    assert not selectors.review_passes(
        selectors.year_duties(person_ids=[person.pk], year=2025)[person.pk],
        selectors.review_exams(program=program, person_ids=[person.pk], year=2025)[person.pk])
    program.review_exam = None
    program.save()
    run = _review(county, program, staff, django_capture_on_commit_callbacks)
    assert run.result["suspended"] == 1
    assert AnnualReview.objects.get().reason == "2025年度审核：未完成培训义务（年度培训：0/4学时）。"


def test_the_reason_names_both_when_both_are_missing(county, person, program, exam, card, staff,
                                                    django_capture_on_commit_callbacks):
    duty(region=county, name="年度培训", hours=4)
    _review(county, program, staff, django_capture_on_commit_callbacks)
    reason = AnnualReview.objects.get().reason
    assert "未完成培训义务（年度培训" in reason and "未通过年审考试“年度业务考核”" in reason


def test_without_a_yearly_exam_the_duties_alone_decide(county, person, program, staff, exam,
                                                       django_capture_on_commit_callbacks):
    card = certificate_services.certificate_issue(holder=person, program=program, issued_on=date(2024, 3, 1))[0]
    sat(person, exam, _moment(date(2025, 6, 1), 10), passed=False)  # an exam, but not the program's
    assert selectors.review_exams(program=program, person_ids=[person.pk], year=2025) == {person.pk: None}
    _review(county, program, staff, django_capture_on_commit_callbacks)
    assert AnnualReview.objects.get(certificate=card).outcome == Outcome.PASSED


def test_a_suspension_for_the_exam_lifts_once_it_is_passed_in_the_year(
        county, person, program, exam, card, staff, django_capture_on_commit_callbacks):
    _review(county, program, staff, django_capture_on_commit_callbacks)
    sat(person, exam, _moment(date(2025, 12, 20), 9))
    _review(county, program, staff, django_capture_on_commit_callbacks)
    card.refresh_from_db()
    assert AnnualReview.objects.get().outcome == Outcome.PASSED and card.status == Certificate.Status.ISSUED


def test_the_preview_shows_the_missing_exam_in_chinese(client, county, person, program, exam, card, staff):
    client.force_login(staff)
    response = client.post(reverse("training:reviews"), {"region": county.pk, "program": program.pk,
                                                         "year": 2025})
    page = client.get(response.url).content.decode()
    failing = page[page.index('data-testid="review-failing"'):]
    assert "张晓明" in failing and "2025年度未通过年审考试“年度业务考核”" in failing
