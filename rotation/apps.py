from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RotationConfig(AppConfig):
    """Menu-style rotation training as a bureau runs it: order (点单) → dispatch (派单) → rate (评单).

    It sits at the top of the import order (people ← courses ← assessments ← certificates ← dashboard ← rotation):
    it builds on courses' sessions and attendance, prints its sign-in sheet with certificates' PDF renderer (the
    embedded Chinese font) and exports its report with dashboard's table export, and nothing below needs it."""

    name = "rotation"
    label = "rotation"
    verbose_name = _("Rotation training")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from people.roles import StaffRole, register_role_permissions

        # Who may order and the travel gap are the bureau's policy: its administrators set them.
        register_role_permissions(StaffRole.ADMINISTRATOR, {"rotation.change_rotationsettings"})
