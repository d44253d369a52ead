from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    label = "assessments"
    verbose_name = _("Assessments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from people.roles import StaffRole, register_role_permissions

        # Lecturers and bureau staff keep the question bank and quizzes. Nothing is deleted: questions and
        # quizzes that attempts used are history.
        authoring = {f"assessments.{action}_{model}" for action in ("add", "change", "view")
                     for model in ("question", "questioncategory", "quiz")}
        for role in (StaffRole.LECTURER, StaffRole.BUREAU_STAFF, StaffRole.ADMINISTRATOR):
            register_role_permissions(role, authoring)
