"""Background tasks of people, and the one way every app queues background work: ``enqueue``."""

import logging

from celery import current_app, shared_task
from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError

from .services import notices, outbox, roster_import
from .sms import SmsError

log = logging.getLogger(__name__)


def enqueue(task, *args) -> None:
    """Queue ``task(*args)`` once the current transaction commits (at once outside one).

    If the broker cannot be reached the job is kept in the outbox table instead of being lost, and
    ``outbox_flush`` sends it when the broker is back. Arguments must be JSON values (ids, strings)."""
    transaction.on_commit(lambda: send(task.name, list(args)))


def send(task_name: str, args: list) -> bool:
    """Hand one job to the broker; on a broker failure keep it in the outbox. Returns whether it was sent."""
    try:
        current_app.tasks[task_name].apply_async(args=args)
    except OperationalError as error:
        log.warning("broker unreachable, %s kept in the outbox: %s", task_name, error)
        outbox.outbox_job_record(task=task_name, args=args, error=str(error))
        return False
    return True


def task_routes(prefix: str) -> dict:
    """``CELERY_TASK_ROUTES`` with every kind's queue named ``prefix + kind`` (settings.TASK_QUEUE_OF)."""
    return {task: {"queue": prefix + kind} for task, kind in settings.TASK_QUEUE_OF.items()}


def worker_queues(default_queue: str | None = None, prefix: str | None = None) -> str:
    """The ``-Q`` of a worker that takes every task: the default queue and each kind's queue (pdf, messages,
    dashboard, imports). Production splits them among workers (docs/deployment.md); the demo's eager mode and the
    tests' single worker take them all."""
    default_queue = default_queue or settings.CELERY_TASK_DEFAULT_QUEUE
    prefix = settings.TASK_QUEUE_PREFIX if prefix is None else prefix
    return ",".join([default_queue, *sorted({route["queue"] for route in task_routes(prefix).values()})])


@shared_task
def outbox_flush() -> int:
    """Send the jobs kept while the broker was down, oldest first; stop at the first failure (the broker is
    still down). Returns how many were sent."""
    sent = 0
    for job in outbox.outbox_pending():
        try:
            current_app.tasks[job.task].apply_async(args=job.args)
        except OperationalError as error:
            outbox.outbox_job_failed(job=job, error=str(error))
            break
        outbox.outbox_job_sent(job=job)
        sent += 1
    return sent


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_send(subject: str, body: str, recipients: list[str], html_body: str | None = None) -> None:
    notices.email_send(subject=subject, body=body, recipients=recipients, html_body=html_body)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notice_email_send(subject: str, body: str, recipients: list[str]) -> None:
    """A notice's email (certificate issued, expiry reminder…): its own task so that it has its own queue
    ("notices"), where a bulk issue's 10,000 of them do not stand in front of password-reset messages."""
    notices.email_send(subject=subject, body=body, recipients=recipients)


@shared_task
def roster_import_run(import_id: int) -> None:
    """Run a confirmed roster import (idempotent: see the service)."""
    roster_import.roster_import_run(import_id=import_id)


@shared_task(bind=True, max_retries=8)
def sms_send(self, phone: str, text: str) -> None:
    """Send one text message. While the gateway is down a worker retries with growing pauses (30 s … 10 min); when
    those run out, or when tasks run in-process (no broker: a retry would block the page), the message waits in
    the outbox and the sweep tries again every minute. Nothing is dropped."""
    try:
        notices.sms_send(phone=phone, text=text)
    except SmsError as error:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            log.warning("SMS gateway failed, message kept in the outbox: %s", error)
            outbox.outbox_job_record(task=self.name, args=[phone, text], error=str(error))
            return
        raise self.retry(exc=error, countdown=min(600, 30 * 2 ** self.request.retries)) from error
