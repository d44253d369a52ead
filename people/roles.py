"""Staff roles are Django groups; learner roles come from committee memberships.

The group names are stable identifiers (also shown in the Wagtail admin, translated there by the group list)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    LECTURER = "Lecturers", _("Lecturer")
    BUREAU_STAFF = "Bureau staff", _("Bureau staff")
    ADMINISTRATOR = "Administrators", _("Administrator")


# Wagtail's own default groups, made by its migrations, named in English in the database.
WAGTAIL_GROUP_LABELS = {"Editors": _("Editors"), "Moderators": _("Moderators")}


def group_label(name: str) -> str:
    """How the admin shows a group: the role's label in the user's language (the stored name is an identifier)."""
    if name in StaffRole.values:
        return StaffRole(name).label
    return WAGTAIL_GROUP_LABELS.get(name, name)


# Django/Wagtail permissions each staff group holds, as "app_label.codename". Higher apps add theirs through
# ``register_role_permissions`` in their AppConfig.ready(), so this module never imports them.
ROLE_PERMISSIONS: dict[str, set[str]] = {
    StaffRole.LECTURER: {"wagtailadmin.access_admin"},
    StaffRole.BUREAU_STAFF: {
        "wagtailadmin.access_admin",
        "people.add_committee", "people.change_committee", "people.view_committee",
        "people.add_membership", "people.change_membership", "people.view_membership",
    },
    StaffRole.ADMINISTRATOR: {
        "wagtailadmin.access_admin",
        "people.add_region", "people.change_region", "people.view_region", "people.delete_region",
        "people.add_committee", "people.change_committee", "people.view_committee", "people.delete_committee",
        "people.add_membership", "people.change_membership", "people.view_membership",
        "people.add_grade", "people.change_grade", "people.view_grade", "people.delete_grade",
        "people.add_disputecategory", "people.change_disputecategory", "people.view_disputecategory",
        "people.delete_disputecategory",
        "people.add_user", "people.change_user", "people.view_user",
        "wagtailcore.change_site", "auth.add_group", "auth.change_group", "auth.view_group",
    },
}


def register_role_permissions(role: StaffRole, permissions: set[str]) -> None:
    """Give a staff role more permissions; applied to its group after every migrate."""
    ROLE_PERMISSIONS.setdefault(role, set()).update(permissions)
