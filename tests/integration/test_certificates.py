"""Certificates under real concurrency (PostgreSQL, one connection per thread) and through a real worker."""

import os
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from certificates import services
from certificates.models import BulkIssueZip, Certificate, Program
from tests import factories
from tests.integration.conftest import requires_services, wait_for

pytestmark = pytest.mark.integration
requires_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")),
    reason="needs DATABASE_URL=postgres://… (row locks are what is tested)")


def _setup(people: int):
    county = factories.region(name="并发旗")
    township = factories.region(parent=county, name="并发镇")
    committee = factories.CommitteeFactory(region=factories.region(parent=township, name="并发村"))
    program = Program.objects.create(name="人民调解员培训合格证书", slug="mediator", validity_months=36)
    holders = [factories.mediator(committee=committee, name=f"测试{i}") for i in range(people)]
    return county, program, holders


def _race(calls):
    """Run the calls in threads released together; each thread uses (and closes) its own connection."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


@requires_postgres
def test_twenty_concurrent_triggers_for_one_learner_issue_one_certificate(transactional_db):
    _county, program, (holder,) = _setup(1)
    results = _race([lambda: services.certificate_issue(holder=holder, program=program, announce=False)] * 20)
    assert Certificate.objects.filter(holder=holder, program=program).count() == 1
    assert sum(created for _c, created in results) == 1
    assert len({certificate.pk for certificate, _created in results}) == 1


@requires_postgres
def test_serial_numbers_stay_gap_free_under_concurrent_issuance(transactional_db):
    county, program, holders = _setup(24)
    _race([lambda h=h: services.certificate_issue(holder=h, program=program, announce=False) for h in holders])
    numbers = sorted(int(s.rsplit("-", 1)[1]) for s in Certificate.objects.values_list("serial_number", flat=True))
    assert numbers == list(range(1, 25))
    assert all(s.startswith(f"{county.code}-") for s in Certificate.objects.values_list("serial_number", flat=True))


@requires_services
def test_a_real_worker_renders_the_pdf_of_an_issued_certificate(celery_worker_process):
    _county, program, (holder,) = _setup(1)
    certificate, created = services.certificate_issue(holder=holder, program=program)
    assert created

    def rendered():
        certificate.refresh_from_db()
        return bool(certificate.pdf)

    assert wait_for(rendered, timeout=60), celery_worker_process["log"].read_text()
    with certificate.pdf.open("rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    log = celery_worker_process["log"].read_text()
    assert "Task certificates.tasks.certificate_pdf_render" in log and "succeeded" in log


@requires_services
def test_a_real_worker_issues_a_batch_then_zips_its_pdfs_into_a_private_file(celery_worker_process):
    _county, program, holders = _setup(3)
    committee = holders[0].memberships.get().committee
    bulk = services.bulk_issue_request(program=program, committee=committee, requested_by=factories.administrator(),
                                       reason="集中培训合格")

    def zipped():
        return BulkIssueZip.objects.filter(bulk_issue=bulk, status=BulkIssueZip.Status.DONE).first()

    bulk_zip = wait_for(zipped, timeout=120)
    log = celery_worker_process["log"].read_text()
    assert bulk_zip, log
    assert (bulk_zip.processed, bulk_zip.total) == (3, 3)
    assert len(zipfile.ZipFile(celery_worker_process["private"] / bulk_zip.file.name).namelist()) == 3
    assert "Task certificates.tasks.bulk_issue_zip_run" in log and "succeeded" in log
