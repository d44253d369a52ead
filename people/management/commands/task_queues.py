"""Print the queues a worker must take to run every task: ``celery -A config worker -Q "$(manage.py task_queues)"``
(one worker for everything, as in a small installation). Production splits them: docs/deployment.md."""

from django.core.management.base import BaseCommand

from people.tasks import worker_queues


class Command(BaseCommand):
    help = "Print the comma-separated Celery queues that a worker taking every task must listen on."

    def handle(self, *args, **options):
        self.stdout.write(worker_queues())
