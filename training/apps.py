from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    """A mediator's training year: the bureau's training duties (pre-job, annual, triggered by a new law or
    policy), external training staff record, and the work card's annual review (年审).

    It sits between certificates and the dashboard (people ← courses ← assessments ← certificates ← training ←
    grading ← dashboard ← rotation): it counts hours through ``courses.selectors`` and changes certificates'
    statuses through ``certificates.services``; the dashboard and grading read it."""

    name = "training"
    label = "training"
    verbose_name = _("Training duties")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from people.roles import StaffRole, register_role_permissions

        # Duties are the bureau's rules: its staff set them for their own jurisdiction (the admin is scoped).
        register_role_permissions(StaffRole.BUREAU_STAFF, {
            "training.add_trainingduty", "training.change_trainingduty", "training.delete_trainingduty",
            "training.view_trainingduty"})
