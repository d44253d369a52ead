from celery import shared_task

from . import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_send(subject: str, body: str, recipients: list[str], html_body: str | None = None) -> None:
    services.email_send(subject=subject, body=body, recipients=recipients, html_body=html_body)


@shared_task
def roster_import_run(import_id: int) -> None:
    """Run a confirmed roster import (idempotent: see the service)."""
    services.roster_import_run(import_id=import_id)
