"""The annual review is idempotent under concurrency, on PostgreSQL with real concurrent connections: runs of one
region and year deciding at once review each card once and suspend it once."""

from datetime import date

import pytest
from django.db import connection

from certificates import services as certificate_services
from certificates.models import Certificate, CertificateStatusChange, Program
from tests import factories
from tests.integration.conftest import requires_services
from tests.integration.test_attempt_races import race
from tests.integration.test_dispatch_races import home_page  # noqa: F401  (the fixture)
from tests.training.conftest import complete, duty
from training import services
from training.models import AnnualReview, ReviewRun

pytestmark = [pytest.mark.integration, requires_services, pytest.mark.django_db(transaction=True)]


def test_runs_on_postgresql():
    assert connection.vendor == "postgresql"


def test_four_runs_of_one_review_deciding_at_once_decide_each_card_once():
    county = factories.region(name="年审并发旗")
    township = factories.region(parent=county)
    committee = factories.CommitteeFactory(region=township)
    program = Program.objects.create(name="人民调解员工作证", slug="work-card-race", validity_months=36)
    staff = factories.bureau_staff(jurisdiction=county)
    duty(region=county, name="年度", hours=2)
    holders = [factories.mediator(committee=committee) for _ in range(12)]
    module = factories.course_module(credit_hours=2)
    for holder in holders[:5]:
        complete(holder, module, date(2025, 6, 1))
    for holder in holders:
        certificate_services.certificate_issue(holder=holder, program=program, issued_on=date(2025, 1, 2))
    runs = [services.review_run_start(region=county, program=program, year=2025, started_by=staff)
            for _ in range(4)]
    # Confirmed: queued for the worker (set directly: this test races the deciding itself).
    ReviewRun.objects.update(status=ReviewRun.Status.QUEUED)

    results = race(lambda i: services.review_run_decide(run=ReviewRun.objects.select_related(
        "region", "program", "created_by").get(pk=runs[i].pk)), 4)
    assert all(isinstance(r, ReviewRun) for r in results), results
    assert AnnualReview.objects.count() == 12
    assert AnnualReview.objects.filter(outcome="passed").count() == 5
    assert AnnualReview.objects.filter(outcome="suspended").count() == 7
    assert Certificate.objects.filter(status="suspended").count() == 7
    assert CertificateStatusChange.objects.filter(new_status="suspended").count() == 7  # once each
    assert set(ReviewRun.objects.values_list("status", flat=True)) == {ReviewRun.Status.DONE}
