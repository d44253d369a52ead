"""The outbox of background jobs: what ``people.tasks.enqueue`` keeps while the broker is down, and the sweep's
bookkeeping (``people.tasks.outbox_flush``)."""


from django.db.models import F
from django.utils import timezone

from ..models import OutboxJob


def outbox_job_record(*, task: str, args: list, error: str) -> OutboxJob:
    """Keep a job the broker did not take, to be sent later by the sweep."""
    return OutboxJob.objects.create(task=task, args=args, last_error=error[:2000])


def outbox_pending() -> list[OutboxJob]:
    return list(OutboxJob.objects.filter(sent_at__isnull=True).order_by("pk")[:1000])


def outbox_job_sent(*, job: OutboxJob) -> None:
    """Mark a kept job sent (only once: a concurrent sweep that sent it too changes nothing more)."""
    OutboxJob.objects.filter(pk=job.pk, sent_at__isnull=True).update(sent_at=timezone.now())


def outbox_job_failed(*, job: OutboxJob, error: str) -> None:
    OutboxJob.objects.filter(pk=job.pk).update(attempts=F("attempts") + 1, last_error=error[:2000])
