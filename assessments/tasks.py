from celery import shared_task

from . import services


@shared_task
def attempts_close_overdue() -> int:
    """Close and score attempts whose learner never came back before the deadline (runs every minute)."""
    return services.attempts_close_overdue()
