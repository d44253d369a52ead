"""Staff roles (Django groups): granting and revoking them (audited), and syncing their permissions after migrate."""


from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ..audit import audit
from ..exceptions import PeopleError
from ..models import Region, User
from ..roles import ROLE_PERMISSIONS, StaffRole


@transaction.atomic
def staff_role_grant(
    *, user: User, role: StaffRole, jurisdiction: Region | None = None, actor: User | None = None
) -> User:
    """Give a user a staff role (audited). Bureau staff must have a jurisdiction."""
    if role == StaffRole.BUREAU_STAFF:
        if jurisdiction is None and user.jurisdiction_id is None:
            raise PeopleError(_("Bureau staff need a jurisdiction."))
        if jurisdiction is not None:
            user.jurisdiction = jurisdiction
            user.save(update_fields=["jurisdiction"])
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    user.__dict__.pop("_staff_group_names", None)
    audit(instance=user, action="academy.role_grant", actor=actor, role=str(role),
          jurisdiction=user.jurisdiction.code if user.jurisdiction_id else None)
    return user


@transaction.atomic
def staff_role_revoke(*, user: User, role: StaffRole, actor: User | None = None) -> User:
    """Take a staff role away (audited); bureau staff lose their jurisdiction with it. All or nothing."""
    user.groups.remove(*Group.objects.filter(name=role))
    if role == StaffRole.BUREAU_STAFF and user.jurisdiction_id:
        user.jurisdiction = None
        user.save(update_fields=["jurisdiction"])
    user.__dict__.pop("_staff_group_names", None)
    audit(instance=user, action="academy.role_revoke", actor=actor, role=str(role))
    return user


def roles_sync() -> None:
    """Create the staff groups and give each exactly the permissions listed in ``people.roles``.
    Idempotent; runs after every migrate. Permissions whose app is not migrated yet are skipped."""
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        query = Q(pk__in=[])
        for dotted in wanted:
            app_label, codename = dotted.split(".", 1)
            query |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*Permission.objects.filter(query))
