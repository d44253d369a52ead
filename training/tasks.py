"""Thin background tasks: load by id, call a service. Acknowledged late (settings), so each is idempotent."""

from celery import shared_task

from . import services
from .models import ReviewRun


@shared_task(acks_late=True)
def review_run_decide(run_id: int) -> None:
    run = ReviewRun.objects.select_related("region", "program", "created_by").filter(pk=run_id).first()
    if run is not None:
        services.review_run_decide(run=run)


@shared_task(acks_late=True)
def duty_reminders_send() -> int:
    return services.duty_reminders_send()
