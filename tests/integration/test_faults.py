"""Faults under the production stack's parts: a worker killed mid-render, the broker down while work is queued,
the database connection dropped in the middle of a request, the app server restarted in the middle of attempts."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from certificates import services
from certificates.models import Certificate, Program
from config.celery_app import app
from people.models import OutboxJob
from people.tasks import outbox_flush
from tests import factories
from tests.integration.conftest import ROOT, _database_url, requires_services, wait_for

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
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", worker_info["queues"],
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
    media = [p.name for p in (celery_worker_process["private"] / "certificates").rglob("*.pdf")]
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
        "certificates.tasks.certificate_pdf_render", "people.tasks.notice_email_send"}  # the PDF and the notice's email
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
    """Renewing writes twice (the old certificate becomes superseded, then the new one is made): the backend
    serving the request is terminated from another connection between the two. Neither write may remain."""
    import psycopg
    from django.urls import reverse

    from certificates.models import CertificateStatusChange

    program, (holder,) = _holders(1)
    certificate, _created = services.certificate_issue(holder=holder, program=program, announce=False)
    client.force_login(factories.bureau_staff(jurisdiction=holder.memberships.get().committee.region))
    settings_dict = connection.settings_dict
    dsn = (f"host={settings_dict['HOST'] or '127.0.0.1'} port={settings_dict['PORT'] or 5432} "
           f"user={settings_dict['USER']} dbname={settings_dict['NAME']}")
    real = services._certificate_create
    seen = {}

    def cut_then_create(**kwargs):
        # The first write has run inside the request's transaction; the connection dies before the second.
        seen["superseded"] = Certificate.objects.get(pk=certificate.pk).status
        pid = connection.cursor().connection.info.backend_pid
        with psycopg.connect(dsn, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        return real(**kwargs)

    monkeypatch.setattr(services, "_certificate_create", cut_then_create)
    client.raise_request_exception = False
    response = client.post(reverse("certificates:bureau_certificate", args=[certificate.pk]),
                           {"action": "renew", "renew-reason": "继续教育学时已满"})
    assert seen == {"superseded": Certificate.Status.SUPERSEDED}  # the cut came between the two writes
    assert response.status_code == 500 and "服务器出现问题" in response.content.decode()
    connection.close()
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ISSUED  # the first write was rolled back with the second
    assert list(Certificate.objects.values_list("pk", flat=True)) == [certificate.pk]
    assert list(CertificateStatusChange.objects.filter(certificate=certificate).values_list(
        "new_status", flat=True)) == [Certificate.Status.ISSUED]


# --- The app server restarted while learners save answers


def _gunicorn(port: int, log) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": _database_url()}
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--threads", "2", "--graceful-timeout", "5"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def _up(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _workers_of(master: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                children.append(int(entry))
    return children


class Saver(threading.Thread):
    """A learner's browser (attempt.js): posts answers one after another, position 1, 2, … again and again, each
    time the other of two choices; a save the server did not acknowledge (connection refused or cut, a 5xx) is
    sent again until it is."""

    def __init__(self, port, attempt_id, cookies, choices):
        super().__init__(daemon=True)
        self.port, self.url, self.choices = port, f"/exams/attempt/{attempt_id}/answer/", choices
        self.headers = {"Content-Type": "application/json", "X-CSRFToken": cookies["csrftoken"],
                        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        self.acknowledged: dict[int, list[int]] = {}  # position -> the last answer the server confirmed
        self.saves = self.unacknowledged = 0
        self.retry_statuses: list[int] = []
        self.stopping = threading.Event()

    def post(self, body: dict) -> int | None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("POST", self.url, json.dumps(body), self.headers)
            response = connection.getresponse()
            payload = response.read()
            return response.status if response.status != 200 or json.loads(payload)["saved"] else None
        except (OSError, http.client.HTTPException):
            return None
        finally:
            connection.close()

    def run(self):
        n = 0
        while not self.stopping.is_set():
            position = n % len(self.choices) + 1
            answer = [self.choices[position - 1][(n // len(self.choices)) % 2]]
            status, retried = self.post({"position": position, "choices": answer}), False
            while status is None or status >= 500:
                self.unacknowledged += 1
                retried = True
                time.sleep(0.1)
                status = self.post({"position": position, "choices": answer})
            assert status == 200, status
            if retried:
                self.retry_statuses.append(status)
            self.acknowledged[position] = answer
            self.saves += 1
            n += 1


def test_answers_survive_a_restarted_app_server(transactional_db, tmp_path):
    """gunicorn on PostgreSQL: one worker killed (SIGKILL), then the whole server stopped gracefully (SIGTERM)
    and started again, while answers stream in. Every acknowledged answer is in the database; the retry of an
    unacknowledged save succeeds once and leaves one row per question."""
    from django.test import Client

    from assessments import services as assessment_services
    from assessments.models import AttemptQuestion
    from tests.assessments import factories as af

    learner = factories.mediator()
    questions = [af.question() for _ in range(6)]
    attempt = assessment_services.attempt_start(user=learner, quiz=af.quiz(questions=questions))
    # The page answers with the attempt's opaque choice tokens (in its shuffled order); the server stores ids.
    rows = list(attempt.questions.order_by("position"))
    tokens = [list(row.choice_tokens())[:2] for row in rows]
    choice_id = {token: pk for row in rows for token, pk in row.choice_tokens().items()}
    browser = Client()
    browser.force_login(learner)  # a session row the server reads from the same database
    cookies = {"sessionid": browser.cookies["sessionid"].value, "csrftoken": "k" * 32}
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115  (closed below)
    server = _gunicorn(port, log)
    saver = Saver(port, attempt.pk, cookies, tokens)
    try:
        assert wait_for(lambda: _up(port), timeout=20), (tmp_path / "gunicorn.log").read_text()
        saver.start()
        assert wait_for(lambda: saver.saves >= 20, timeout=10), (saver.saves, saver.unacknowledged, saver.is_alive(),
                                                                (tmp_path / "gunicorn.log").read_text()[-3000:])
        os.kill(_workers_of(server.pid)[0], signal.SIGKILL)  # the master starts another worker
        assert wait_for(lambda: saver.saves >= 60, timeout=10)
        server.send_signal(signal.SIGTERM)  # graceful: requests in progress finish, then the server is down
        server.wait(15)
        time.sleep(0.5)  # saves sent now are refused: the browser keeps them and sends them again
        server = _gunicorn(port, log)
        assert wait_for(lambda: saver.unacknowledged and saver.retry_statuses, timeout=20), saver.unacknowledged
        saved_before = saver.saves
        assert wait_for(lambda: saver.saves >= saved_before + 20, timeout=10)
    finally:
        saver.stopping.set()
        saver.join(20)
        server.terminate()
        server.wait(15)
        log.close()
    assert saver.unacknowledged and set(saver.retry_statuses) == {200}
    stored = dict(AttemptQuestion.objects.filter(attempt=attempt).values_list("position", "response"))
    assert len(stored) == len(questions)  # one row per question: no retry made a second one
    assert {position: response["choices"] for position, response in stored.items() if response} == \
        {position: [choice_id[token] for token in answer] for position, answer in saver.acknowledged.items()}
