"""Receivers of the people app: staff-role sync after migrate, and audit entries for logins.
The people app announces nothing of its own."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

from .audit import audit
from .models import Notice
from .network import client_ip


@receiver(post_migrate)
def sync_staff_roles(sender, **kwargs):
    from .services.staff import roles_sync

    roles_sync()


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit(instance=user, action="academy.login", actor=user, ip=client_ip(request))


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit(instance=user, action="academy.logout", actor=user, ip=client_ip(request))


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    # Only failures against a real account are recorded; unknown usernames would let anyone fill the log.
    from .auth import person_for_identifier

    user = person_for_identifier(credentials.get("username", ""))
    if user is not None:
        audit(instance=user, action="academy.login_failed", ip=client_ip(request))


@receiver(post_save, sender=Notice, dispatch_uid="people-notice-count-save")
@receiver(post_delete, sender=Notice, dispatch_uid="people-notice-count-delete")
def forget_notice_count(sender, instance, **kwargs):
    from .services.notices import notice_count_forget

    notice_count_forget(instance.person_id)
