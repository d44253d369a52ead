"""Receivers of the people app. The people app announces nothing yet."""

from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def sync_staff_roles(sender, **kwargs):
    from .services import roles_sync

    roles_sync()
