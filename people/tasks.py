from celery import shared_task

from . import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_send(subject: str, body: str, recipients: list[str], html_body: str | None = None) -> None:
    services.email_send(subject=subject, body=body, recipients=recipients, html_body=html_body)
