"""Issue 13, item 4: a bulk issue's ZIP is made by the worker (the PDF queue), with its progress on the batch's page,
stored as a private file and served only inside the jurisdiction; asking twice makes one job; a failure is recorded
and can be retried."""

import io
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from certificates import services, tasks
from certificates.models import BulkIssue, BulkIssueZip
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(county):
    return factories.bureau_staff(jurisdiction=county)


@pytest.fixture
def queued(committee, program, holder, staff, monkeypatch):
    """A finished batch of two whose ZIP is queued but not made yet; ``queued.jobs`` lists what was enqueued."""
    factories.mediator(committee=committee, name="李四")
    jobs = []
    monkeypatch.setattr(services, "enqueue", lambda task, *args: jobs.append((task.name, args)))
    bulk = services.bulk_issue_request(program=program, committee=committee, requested_by=staff, reason="集中培训合格")
    bulk = services.bulk_issue_run(bulk_issue=bulk)
    bulk.jobs = jobs
    return bulk


def _zip_jobs(jobs):
    return [args for name, args in jobs if name == "certificates.tasks.bulk_issue_zip_run"]


def _names(response) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()


def test_the_zip_task_runs_on_the_pdf_queue():
    from config.celery_app import app

    app.loader.import_default_modules()
    assert "certificates.tasks.bulk_issue_zip_run" in app.tasks
    assert app.amqp.router.route({}, "certificates.tasks.bulk_issue_zip_run")["queue"].name == "pdf"


def test_the_finished_batch_queues_its_zip_and_the_page_shows_its_progress(client, queued, staff, monkeypatch,
                                                                           settings):
    bulk_zip = BulkIssueZip.objects.get(bulk_issue=queued)
    assert queued.status == BulkIssue.Status.DONE and bulk_zip.status == "queued"
    assert _zip_jobs(queued.jobs) == [(bulk_zip.pk,)]
    client.force_login(staff)
    page_url = reverse("certificates:bureau_bulk", args=[queued.pk])
    page = client.get(page_url).content.decode()
    assert 'data-testid="bulk-zip" data-status="queued"' in page and 'http-equiv="refresh"' in page
    # While the ZIP is made, a GET of its address goes back to the page (nothing is rendered in the request).
    assert client.get(page_url + "zip/")["Location"] == page_url

    seen = []
    render = services.certificate_pdf_render

    def watching(*, certificate):
        seen.append(client.get(page_url).content.decode())  # the page, as a second officer sees it meanwhile
        return render(certificate=certificate)

    monkeypatch.setattr(services, "certificate_pdf_render", watching)
    tasks.bulk_issue_zip_run(bulk_zip.pk)
    assert "已打包 0 / 2 份PDF" in seen[0] and "已打包 1 / 2 份PDF" in seen[1]
    assert all('http-equiv="refresh"' in page for page in seen)

    bulk_zip.refresh_from_db()
    assert (bulk_zip.status, bulk_zip.processed, bulk_zip.total, bulk_zip.percent) == ("done", 2, 2, 100)
    assert [(c.old_status, c.new_status) for c in bulk_zip.status_changes.all()] == [
        ("", "queued"), ("queued", "running"), ("running", "done")]
    # A private file under a name that says nothing, never under the public media tree.
    assert bulk_zip.file.name.startswith("bulk-zips/") and "李四" not in bulk_zip.file.name
    assert (Path(settings.PRIVATE_MEDIA_ROOT) / bulk_zip.file.name).exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.zip"))
    page = client.get(page_url).content.decode()
    assert 'http-equiv="refresh"' not in page and 'data-testid="zip"' in page
    download = client.get(page_url + "zip/")
    assert download["Content-Disposition"].startswith("attachment")
    names = _names(download)
    assert len(names) == 2 and any(name.endswith("-李四.pdf") for name in names)


def test_the_zip_is_served_only_inside_the_jurisdiction(client, queued, townships, holder):
    tasks.bulk_issue_zip_run(BulkIssueZip.objects.get(bulk_issue=queued).pk)
    zip_url = reverse("certificates:bureau_bulk_zip", args=[queued.pk])
    client.force_login(factories.bureau_staff(jurisdiction=townships[1]))  # the other township
    assert client.get(zip_url).status_code == 404
    assert client.post(zip_url).status_code == 404
    assert client.get(reverse("certificates:bureau_bulk", args=[queued.pk])).status_code == 404
    client.force_login(holder)  # a learner, even one in the batch
    assert client.get(zip_url).status_code == 403
    client.force_login(factories.bureau_staff(jurisdiction=townships[0]))  # the batch's township
    assert len(_names(client.get(zip_url))) == 2


def test_a_double_click_starts_one_zip_job(client, queued, staff):
    zip_url = reverse("certificates:bureau_bulk_zip", args=[queued.pk])
    client.force_login(staff)
    for _click in range(2):
        assert client.post(zip_url).status_code == 302
    assert BulkIssueZip.objects.filter(bulk_issue=queued).count() == 1
    assert len(_zip_jobs(queued.jobs)) == 1  # the batch's own request; both clicks found it queued
    tasks.bulk_issue_zip_run(BulkIssueZip.objects.get().pk)
    client.post(zip_url)  # done: asking again changes nothing either
    assert len(_zip_jobs(queued.jobs)) == 1 and BulkIssueZip.objects.get().status == "done"


def test_no_zip_before_the_batch_is_done(client, committee, program, staff, monkeypatch):
    monkeypatch.setattr(services, "enqueue", lambda task, *args: None)
    bulk = services.bulk_issue_request(program=program, committee=committee, requested_by=staff, reason="x")
    client.force_login(staff)
    response = client.post(reverse("certificates:bureau_bulk_zip", args=[bulk.pk]), follow=True)
    assert "批量发证完成后才能生成压缩包" in response.content.decode()
    assert not BulkIssueZip.objects.exists()


def test_a_failure_mid_zip_is_recorded_and_can_be_retried(client, queued, staff, monkeypatch):
    bulk_zip = BulkIssueZip.objects.get(bulk_issue=queued)
    render = services.certificate_pdf_render
    calls = []

    def failing_on_the_second(*, certificate):
        calls.append(certificate.pk)
        if len(calls) == 2:
            raise OSError("disk full")
        return render(certificate=certificate)

    monkeypatch.setattr(services, "certificate_pdf_render", failing_on_the_second)
    tasks.bulk_issue_zip_run(bulk_zip.pk)  # recorded, not raised: in-process it would fail the page that asked
    bulk_zip.refresh_from_db()
    assert (bulk_zip.status, bulk_zip.processed, bool(bulk_zip.file)) == ("failed", 1, False)
    failure = bulk_zip.status_changes.last()
    assert (failure.old_status, failure.new_status, failure.reason) == ("running", "failed", "disk full")

    client.force_login(staff)
    page_url = reverse("certificates:bureau_bulk", args=[queued.pk])
    page = client.get(page_url).content.decode()
    assert "压缩包生成失败" in page and 'data-testid="zip-start"' in page and 'http-equiv="refresh"' not in page
    assert client.get(page_url + "zip/")["Location"] == page_url

    monkeypatch.setattr(services, "certificate_pdf_render", render)
    client.post(page_url + "zip/")  # try again
    bulk_zip.refresh_from_db()
    assert bulk_zip.status == "queued" and _zip_jobs(queued.jobs) == [(bulk_zip.pk,), (bulk_zip.pk,)]
    assert bulk_zip.status_changes.last().changed_by == staff
    tasks.bulk_issue_zip_run(bulk_zip.pk)
    assert len(_names(client.get(page_url + "zip/"))) == 2
    assert [c.new_status for c in BulkIssueZip.objects.get().status_changes.all()] == [
        "queued", "running", "failed", "queued", "running", "done"]
