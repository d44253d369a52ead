"""Thin background tasks: load by id, call a service. Acknowledged late (settings), so each is idempotent."""

import logging

from celery import shared_task

from people.models import User

from . import services
from .models import BulkIssue, Certificate

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def certificate_pdf_render(certificate_id: int) -> None:
    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is not None:
        services.certificate_pdf_render(certificate=certificate)


@shared_task(acks_late=True)
def bulk_issue_run(bulk_issue_id: int) -> None:
    bulk = BulkIssue.objects.filter(pk=bulk_issue_id).first()
    if bulk is None or bulk.status == BulkIssue.Status.DONE:
        return
    try:
        services.bulk_issue_run(bulk_issue=bulk)
    except Exception:
        services.bulk_issue_set_status(bulk_issue=bulk, status=BulkIssue.Status.FAILED, reason="error")
        raise


@shared_task(acks_late=True)
def bulk_issue_zip_run(bulk_zip_id: int) -> None:
    """Make a batch's ZIP. A failure is recorded on it, with the reason, for the page to offer a retry; it is
    logged rather than raised, since in-process (the demo) raising would fail the page that asked."""
    try:
        services.bulk_issue_zip_run(bulk_zip_id=bulk_zip_id)
    except Exception as error:
        log.exception("bulk issue ZIP %s failed", bulk_zip_id)
        services.bulk_issue_zip_fail(bulk_zip_id=bulk_zip_id, reason=str(error) or type(error).__name__)


@shared_task(acks_late=True)
def certificates_expire_due() -> int:
    return services.certificates_expire_due()


@shared_task(acks_late=True)
def expiry_reminders_send() -> int:
    return services.expiry_reminders_send()


@shared_task(acks_late=True)
def certificates_evaluate(holder_id: int) -> int:
    """Issue or renew whatever the person has earned (idempotent: evaluating again issues nothing more)."""
    holder = User.objects.filter(pk=holder_id).first()
    return len(services.certificates_evaluate(holder=holder)) if holder is not None else 0
