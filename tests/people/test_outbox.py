"""Background work queued while the broker is down is kept in the outbox and sent by the sweep afterwards."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from config.celery_app import app
from people.models import OutboxJob
from people.services import notices
from people.services.notices import notice_send
from people.tasks import email_send, enqueue, outbox_flush
from tests import factories

pytestmark = pytest.mark.django_db
CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens there: every publish fails at once


@pytest.fixture
def broker_down():
    """Point this process's Celery app at a closed port (not eager); ``restore()`` brings the old broker back."""
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_write_url")}
    # Celery keeps its connection pools once made: start from none, so the URL below is used (private names).
    saved_pools = app._pool, app.amqp._producer_pool

    def restore():
        app.conf.update(saved)
        app._pool, app.amqp._producer_pool = saved_pools

    # broker_write_url: the CELERY_BROKER_URL environment variable would win over broker_url.
    app.conf.update(task_always_eager=False, broker_write_url=CLOSED_PORT)
    app._pool = app.amqp._producer_pool = None
    yield restore
    restore()


def test_a_job_queued_while_the_broker_is_down_is_kept_then_sent(broker_down, django_capture_on_commit_callbacks):
    person = factories.mediator(email="wang@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notice_send(person=person, title="证书已颁发", body="请在我的证书中下载。")
    job = OutboxJob.objects.get()
    assert job.task == "people.tasks.notice_email_send" and job.args[0] == "证书已颁发" and job.sent_at is None
    assert "127.0.0.1:1" in job.last_error, job.last_error  # the reason it was kept: the broker refused

    assert outbox_flush() == 0  # still down: kept, attempt counted
    job.refresh_from_db()
    assert job.sent_at is None and job.attempts == 2

    broker_down()  # the broker is back (in-process here; tests/integration use Redis and a worker)
    out = StringIO()
    call_command("outbox_flush", stdout=out)
    assert "sent 1, still waiting 0" in out.getvalue()
    job.refresh_from_db()
    assert job.sent_at is not None
    assert [m.subject for m in mail.outbox] == ["证书已颁发"] and mail.outbox[0].to == ["wang@example.com"]
    assert outbox_flush() == 0  # sent once


def test_with_the_broker_up_nothing_goes_to_the_outbox(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(email_send, "通知", "正文", ["li@example.com"])
    assert not OutboxJob.objects.exists() and len(mail.outbox) == 1


def test_a_task_failure_is_not_mistaken_for_a_broker_failure(django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(notices, "email_send", lambda **kw: (_ for _ in ()).throw(ValueError("bad address")))
    with pytest.raises(ValueError), django_capture_on_commit_callbacks(execute=True):
        enqueue(email_send, "通知", "正文", ["li@example.com"])
    assert not OutboxJob.objects.exists()
