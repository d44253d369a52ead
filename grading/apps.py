from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradingConfig(AppConfig):
    name = "grading"
    label = "grading"
    verbose_name = _("Grades and training archives")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from people.roles import StaffRole, register_role_permissions

        rules = {"grading.add_graderule", "grading.change_graderule", "grading.view_graderule",
                 "grading.delete_graderule"}
        register_role_permissions(StaffRole.BUREAU_STAFF, rules)
        register_role_permissions(StaffRole.ADMINISTRATOR, rules)
