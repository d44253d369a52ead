"""The annual review decides a region's cards in bulk: the same number of queries for few cards and for many, the
same outcomes, history, audit entries and notices as one card at a time, and a second run changes nothing."""

from datetime import date

from wagtail.models import ModelLogEntry

from certificates import services as certificate_services
from certificates.models import Certificate, CertificateStatusChange
from people.models import Notice
from tests import factories
from training import services
from training.models import AnnualReview, AnnualReviewStatusChange, ReviewRun

from .conftest import complete, duty

Outcome = AnnualReview.Outcome


def holders(committee, program, *, passing: int, failing: int, prefix: str):
    module = factories.course_module(credit_hours=4)
    made = []
    for i in range(passing + failing):
        person = factories.mediator(committee=committee, name=f"{prefix}{i}")
        if i < passing:
            complete(person, module, date(2025, 6, 1))
        made.append(certificate_services.certificate_issue(holder=person, program=program,
                                                           issued_on=date(2025, 1, 2))[0])
    return made


def confirmed(county, program, staff):
    run = services.review_run_start(region=county, program=program, year=2025, started_by=staff)
    ReviewRun.objects.filter(pk=run.pk).update(status=ReviewRun.Status.QUEUED)  # confirmed (the queue aside)
    run.refresh_from_db()
    return run


def decide(county, program, staff):
    return services.review_run_decide(run=confirmed(county, program, staff))


def written():
    return (CertificateStatusChange.objects.count(), AnnualReviewStatusChange.objects.count(),
            ModelLogEntry.objects.filter(action="certificates.suspend").count(), Notice.objects.count(),
            sorted(AnnualReview.objects.values_list("outcome", flat=True)),
            sorted(Certificate.objects.values_list("status", flat=True)))


def test_the_review_costs_the_same_queries_at_two_sizes(county, committee, program, count_queries):
    staff = factories.administrator()
    other = factories.region(name="另一旗")
    other_committee = factories.CommitteeFactory(region=factories.region(parent=other, name="另一镇"))
    counts = []
    for region, where, size in ((county, committee, 2), (other, other_committee, 7)):
        duty(region=region, name="年度", hours=4)
        holders(where, program, passing=size, failing=size, prefix=f"{region.name}审")
        run = confirmed(region, program, staff)
        counts.append(count_queries(lambda run=run: services.review_run_decide(run=run)))
    # Whatever the number of cards (up to a batch of REVIEW_BATCH), the same statements: no query per card.
    assert counts[0] == counts[1], counts
    assert AnnualReview.objects.filter(outcome=Outcome.SUSPENDED).count() == 9


def test_the_bulk_review_writes_what_one_card_at_a_time_did_and_a_second_run_nothing(
        county, committee, program):
    duty(region=county, name="年度", hours=4)
    staff = factories.bureau_staff(jurisdiction=county)
    cards = holders(committee, program, passing=2, failing=3, prefix="审")
    run = decide(county, program, staff)
    assert run.status == ReviewRun.Status.DONE and run.result == {"pending": 0, "passed": 2, "suspended": 3,
                                                                  "revoked": 0}
    for card in cards[2:]:
        card.refresh_from_db()
        change = card.status_changes.last()
        assert card.status == Certificate.Status.SUSPENDED and "2025" in change.reason and change.changed_by == staff
        review = AnnualReview.objects.get(certificate=card)
        assert review.outcome == Outcome.SUSPENDED and "年度" in review.reason and review.decided_by == staff
        assert list(review.status_changes.values_list("new_status", flat=True)) == ["pending", "suspended"]
        assert Notice.objects.filter(person=card.holder, body=review.reason).count() == 1  # told why
    assert ModelLogEntry.objects.filter(action="certificates.suspend").count() == 3
    assert all(review.decided_at for review in AnnualReview.objects.all())
    before = written()
    ReviewRun.objects.filter(pk=run.pk).update(status=ReviewRun.Status.QUEUED)
    run.refresh_from_db()
    services.review_run_decide(run=run)
    assert written() == before
