from django.core.management.base import BaseCommand

from people.models import OutboxJob
from people.tasks import outbox_flush


class Command(BaseCommand):
    help = "Send the background jobs kept in the outbox while the broker was unreachable (also runs every minute)."

    def handle(self, *args, **options):
        sent = outbox_flush()
        left = OutboxJob.objects.filter(sent_at__isnull=True).count()
        self.stdout.write(f"sent {sent}, still waiting {left}")
        return None
