"""Faults under the production stack's parts: a worker killed mid-render, the broker down while work is queued,
the database connection dropped in the middle of a request."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from certificates import services
from certificates.models import Certificate, Program
from config.celery_app import app
from people.models import OutboxJob
from people.tasks import outbox_flush
from tests import factories
from tests.integration.conftest import ROOT, requires_services, wait_for

pytestmark = [pytest.mark.integration, requires_services]


def _holders(count: int):
    county = factories.region(name="故障旗")
    village = factories.region(parent=factories.region(parent=county, name="故障镇"), name="故障村")
    committee = factories.CommitteeFactory(region=village)
    program = Program.objects.create(name="人民调解员培训合格证书", slug="mediator", validity_months=36)
    return program, [factories.mediator(committee=committee, name=f"测试{i}") for i in range(count)]


def _restart(worker_info) -> subprocess.Popen:
    """Start a second worker on the same queue after the first was killed. Its short visibility timeout makes it
    take back at once the job the dead worker held (production waits CELERY_VISIBILITY_TIMEOUT, 15 minutes)."""
    log = open(worker_info["log"], "a")  # noqa: SIM115  (the worker writes to it until it stops)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", worker_info["queue"],
         "-n", f"again-{worker_info['queue']}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env={**worker_info["env"], "CELERY_VISIBILITY_TIMEOUT": "2"}, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def test_a_worker_killed_while_rendering_leaves_every_certificate_with_one_pdf(celery_worker_process):
    program, holders = _holders(12)
    for holder in holders:
        services.certificate_issue(holder=holder, program=program)
    # Kill the worker as soon as it has taken the first job (acks late: unacknowledged jobs go back to Redis).
    assert wait_for(lambda: "certificate_pdf_render" in celery_worker_process["log"].read_text(), timeout=30)
    os.kill(celery_worker_process["pid"], signal.SIGKILL)
    time.sleep(2.5)  # let the held job pass the restarted worker's visibility timeout
    second = _restart(celery_worker_process)
    try:
        def all_rendered():
            return not Certificate.objects.filter(program=program, pdf="").exists()

        assert wait_for(all_rendered, timeout=120), celery_worker_process["log"].read_text()[-3000:]
    finally:
        second.terminate()
        second.wait(15)
    certificates = list(Certificate.objects.filter(program=program))
    assert len(certificates) == 12 and len({c.holder_id for c in certificates}) == 12
    names = [c.pdf.name for c in certificates]
    assert len(set(names)) == 12
    media = [p.name for p in (celery_worker_process["media"] / "certificates" / "pdf").rglob("*.pdf")]
    assert sorted(media) == sorted(name.rsplit("/", 1)[1] for name in names)  # one file each, no stray copies


def test_work_queued_while_redis_is_down_is_sent_when_it_is_back(celery_worker_process):
    program, (holder,) = _holders(1)
    saved_pools = app._pool, app.amqp._producer_pool
    app.conf.broker_write_url = "redis://127.0.0.1:1/0"  # Redis "down": a closed port
    app._pool = app.amqp._producer_pool = None
    try:
        certificate, _created = services.certificate_issue(holder=holder, program=program)
    finally:
        app.conf.broker_write_url = None
        app._pool, app.amqp._producer_pool = saved_pools
    assert set(OutboxJob.objects.values_list("task", flat=True)) == {
        "certificates.tasks.certificate_pdf_render", "people.tasks.email_send"}  # the PDF and the notice's email
    certificate.refresh_from_db()
    assert not certificate.pdf

    assert outbox_flush() == OutboxJob.objects.count()  # Redis is back: the sweep sends the kept job

    def rendered():
        certificate.refresh_from_db()
        return bool(certificate.pdf)

    assert wait_for(rendered, timeout=60), celery_worker_process["log"].read_text()[-3000:]
    assert not OutboxJob.objects.filter(sent_at__isnull=True).exists()


def test_a_dropped_database_connection_gives_a_chinese_error_page_and_writes_nothing(client, transactional_db,
                                                                                       monkeypatch):
    """The backend serving the request is terminated from another connection just before the write."""
    import psycopg
    from django.urls import reverse

    from people import services as people_services

    person = factories.mediator(email="zhao@example.com")
    notice = people_services.notice_send(person=person, title="新课程上线", email=False)
    client.force_login(person)
    settings_dict = connection.settings_dict
    dsn = (f"host={settings_dict['HOST'] or '127.0.0.1'} port={settings_dict['PORT'] or 5432} "
           f"user={settings_dict['USER']} dbname={settings_dict['NAME']}")
    real = people_services.notices_mark_read

    def cut_then_write(**kwargs):
        pid = connection.cursor().connection.info.backend_pid
        with psycopg.connect(dsn, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        return real(**kwargs)

    monkeypatch.setattr(people_services, "notices_mark_read", cut_then_write)
    client.raise_request_exception = False
    response = client.post(reverse("people:notices_read"))
    assert response.status_code == 500 and "服务器出现问题" in response.content.decode()
    connection.close()
    notice.refresh_from_db()
    assert notice.read_at is None  # the write never happened
