import datetime
from datetime import date

import pytest
from django.core.files.base import ContentFile

from certificates import services as certificate_services
from certificates.models import Certificate
from people.models import Notice
from tests import factories
from training import services
from training.exceptions import TrainingError
from training.models import AnnualReview, DutyReminder, ExternalTraining, ReviewRun

from .conftest import complete, duty

Outcome = AnnualReview.Outcome


@pytest.fixture
def cards(county, committee, program):
    """Two card holders in the county: ``done`` met 2025's duty, ``behind`` did not."""
    duty(region=county, name="年度", hours=4)
    done, behind = factories.mediator(committee=committee), factories.mediator(committee=committee)
    complete(done, factories.course_module(credit_hours=4), date(2025, 6, 1))
    return {who: certificate_services.certificate_issue(holder=holder, program=program,
                                                        issued_on=date(2025, 1, 2))[0]
            for who, holder in (("done", done), ("behind", behind))}


def _run(region, program, by, django_capture_on_commit_callbacks, year=2025):
    run = services.review_run_start(region=region, program=program, year=year, started_by=by)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_run_confirm(run=run, confirmed_by=by)
    return ReviewRun.objects.get(pk=run.pk)


def test_review_passes_or_suspends_with_the_reason_and_runs_once(
        county, program, cards, django_capture_on_commit_callbacks):
    staff = factories.bureau_staff(jurisdiction=county)
    run = services.review_run_start(region=county, program=program, year=2025, started_by=staff)
    assert AnnualReview.objects.filter(outcome=Outcome.PENDING).count() == 2  # the preview, nothing decided
    assert Certificate.objects.filter(status="issued").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.review_run_confirm(run=run, confirmed_by=staff)
    run.refresh_from_db()
    assert run.status == ReviewRun.Status.DONE and run.result["passed"] == 1 and run.result["suspended"] == 1
    passed = AnnualReview.objects.get(certificate=cards["done"])
    suspended = AnnualReview.objects.get(certificate=cards["behind"])
    assert passed.outcome == Outcome.PASSED and passed.decided_at
    assert suspended.outcome == Outcome.SUSPENDED and "年度" in suspended.reason and "2025" in suspended.reason
    cards["behind"].refresh_from_db()
    assert cards["behind"].status == Certificate.Status.SUSPENDED
    change = cards["behind"].status_changes.last()
    assert change.new_status == "suspended" and "2025" in change.reason
    # Again: a second run of the same year decides nothing twice.
    _run(county, program, staff, django_capture_on_commit_callbacks)
    assert AnnualReview.objects.count() == 2
    assert cards["behind"].status_changes.filter(new_status="suspended").count() == 1


def test_a_suspension_lifts_when_the_duties_are_met_and_the_review_runs_again(
        county, program, cards, django_capture_on_commit_callbacks):
    staff = factories.bureau_staff(jurisdiction=county)
    _run(county, program, staff, django_capture_on_commit_callbacks)
    complete(cards["behind"].holder, factories.course_module(credit_hours=4), date(2025, 12, 30))
    _run(county, program, staff, django_capture_on_commit_callbacks)
    review = AnnualReview.objects.get(certificate=cards["behind"])
    cards["behind"].refresh_from_db()
    assert review.outcome == Outcome.PASSED and cards["behind"].status == Certificate.Status.ISSUED
    assert list(review.status_changes.values_list("new_status", flat=True)) == ["pending", "suspended", "passed"]


def test_review_covers_only_the_region(county, townships, program, cards, django_capture_on_commit_callbacks):
    staff = factories.bureau_staff(jurisdiction=townships[1])  # the cards are in townships[0]
    run = _run(townships[1], program, staff, django_capture_on_commit_callbacks)
    assert run.result["suspended"] == 0 and not AnnualReview.objects.exists()


def test_revoke_by_staff_needs_a_reason(county, program, cards, django_capture_on_commit_callbacks):
    staff = factories.bureau_staff(jurisdiction=county)
    _run(county, program, staff, django_capture_on_commit_callbacks)
    review = AnnualReview.objects.get(certificate=cards["behind"])
    with pytest.raises(TrainingError):
        services.annual_review_revoke(review=review, revoked_by=staff, reason=" ")
    services.annual_review_revoke(review=review, revoked_by=staff, reason="长期不参加培训")
    cards["behind"].refresh_from_db()
    assert cards["behind"].status == Certificate.Status.REVOKED
    with pytest.raises(TrainingError):
        services.annual_review_revoke(review=review, revoked_by=staff, reason="再次")


def test_a_future_year_is_refused(county, program):
    with pytest.raises(TrainingError):
        services.review_run_start(region=county, program=program, year=date.today().year + 1,
                                  started_by=factories.bureau_staff(jurisdiction=county))


def test_reminders_go_out_once_per_duty_and_due_date(county, person):
    today = date.today()
    duty(region=county, name="新法", kind="triggered", modules=[factories.course_module(credit_hours=2)],
         triggered_on=today - datetime.timedelta(days=80), within_days=90)
    assert services.duty_reminders_send(today=today) == 1
    assert services.duty_reminders_send(today=today) == 0
    assert DutyReminder.objects.count() == 1
    assert "新法" in Notice.objects.get(person=person).title


def test_external_training_needs_approval_and_a_reason_to_reject(county, person, law):
    staff = factories.bureau_staff(jurisdiction=county)
    [record] = services.external_training_record(
        people=[person], title="市级调解员培训班", hours=3, completed_on=date(2026, 1, 5), category=law,
        document=ContentFile(b"%PDF-1.4", name="certificate.pdf"), recorded_by=staff)
    assert record.status == ExternalTraining.Status.PENDING and record.document.name.endswith(".pdf")
    with pytest.raises(TrainingError):
        services.external_training_decide(record=record, approve=False, decided_by=staff)
    record = services.external_training_decide(record=record, approve=True, decided_by=staff)
    assert record.status == ExternalTraining.Status.APPROVED
    assert list(record.status_changes.values_list("new_status", "changed_by")) == [
        ("pending", staff.pk), ("approved", staff.pk)]
    with pytest.raises(TrainingError):
        services.external_training_decide(record=record, approve=True, decided_by=staff)
