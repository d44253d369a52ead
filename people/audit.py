"""The audit log of security-relevant acts: logins, role and jurisdiction changes, and (from higher apps)
imports and certificate issue/revocation.

It rides on Wagtail's log registry (ModelLogEntry), so entries appear in the admin's "Site history" report with
Wagtail's filters and exports. Each app lists its actions and registers them through the
``register_log_actions`` hook (see ``people.wagtail_hooks``)."""

import uuid

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

ACTIONS = [
    ("academy.login", _("Log in"), _("Logged in")),
    ("academy.logout", _("Log out"), _("Logged out")),
    ("academy.login_failed", _("Failed login"), _("Failed login attempt")),
    ("academy.role_grant", _("Grant role"), _("Staff role granted")),
    ("academy.role_revoke", _("Revoke role"), _("Staff role revoked")),
    ("academy.roster_import_confirm", _("Confirm roster import"), _("Roster import confirmed")),
    ("academy.roster_import_run", _("Run roster import"), _("Roster import ran")),
    ("academy.activation_code_issue", _("Issue activation code"), _("Activation code issued")),
    ("academy.activate", _("Activate account"), _("Account activated with a code")),
    ("academy.reset_code_send", _("Send reset code"), _("Password reset code sent by SMS")),
    ("academy.password_reset_sms", _("Reset password by SMS"), _("Password reset with an SMS code")),
    ("academy.password_reset_staff", _("Reset password"), _("Password reset by bureau staff")),
    ("academy.unlock", _("Unlock account"), _("Sign-in lockout lifted")),
]


def register(actions, entries) -> None:
    """Register ``(action, label, message)`` entries with Wagtail's log registry (from a ``register_log_actions``
    hook; each app passes its own list)."""
    for action, label, message in entries:
        actions.register_action(action, label, message)


def audit(*, instance, action: str, actor=None, **data) -> None:
    """Record that ``actor`` did ``action`` to ``instance``; ``data`` is kept as JSON (no secrets, no raw IDs)."""
    log(instance=instance, action=action, user=actor, data=data)


def audit_many(*, instances, action: str, actor=None, data_of=lambda instance: {}) -> None:
    """``audit`` for many records of one model at once (a county's annual review suspends thousands of cards):
    the same entries, in one INSERT per thousand, sharing one action id."""
    instances = list(instances)
    if not instances:
        return
    content_type = ContentType.objects.get_for_model(instances[0], for_concrete_model=False)
    shared, now = uuid.uuid4(), timezone.now()
    ModelLogEntry.objects.bulk_create(
        [ModelLogEntry(content_type=content_type, label=str(instance)[:255], action=action, timestamp=now,
                       data=data_of(instance), user=actor, uuid=shared, object_id=str(instance.pk))
         for instance in instances], batch_size=1000)
