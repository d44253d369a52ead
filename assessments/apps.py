from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    label = "assessments"
    verbose_name = _("Assessments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.admin.panels import InlinePanel

        from courses.models import LessonPage
        from people.roles import StaffRole, register_role_permissions

        # The lecturer picks a lesson's self-check questions in the lesson's own edit form. The panel is added
        # from here because courses sits below this app and knows nothing of the question bank.
        LessonPage.content_panels = [*LessonPage.content_panels, InlinePanel(
            "self_check_questions", label=_("Self-check question"), heading=_("Self-check at the end (2-3 questions)"),
            max_num=3)]

        # Lecturers and bureau staff keep the question bank and quizzes. Nothing is deleted: questions and
        # quizzes that attempts used are history.
        authoring = {f"assessments.{action}_{model}" for action in ("add", "change", "view")
                     for model in ("question", "questioncategory", "quiz")}
        for role in (StaffRole.LECTURER, StaffRole.BUREAU_STAFF, StaffRole.ADMINISTRATOR):
            register_role_permissions(role, authoring)
