"""Automatic issuance: every learning event that could complete a program's requirements queues one evaluation
of the person (``certificates.tasks.certificates_evaluate``), after the event's transaction commits.

Events: an exam passed (``assessments.signals.attempt_passed``, also sent when grading the last essay turns an
attempt into a pass), a module completed, a scenario finished, a rotation session attended (``courses.signals``).
The task decides what, if anything, to issue or renew, and is idempotent, so a burst of events is harmless."""

from django.dispatch import receiver

from assessments.signals import attempt_passed
from courses.signals import module_completed, scenario_run_finished, session_attended
from people.tasks import enqueue


def certificates_evaluate_after_commit(user) -> None:
    from .tasks import certificates_evaluate

    enqueue(certificates_evaluate, user.pk)


@receiver(attempt_passed, dispatch_uid="certificates-evaluate-on-attempt-passed")
@receiver(module_completed, dispatch_uid="certificates-evaluate-on-module-completed")
@receiver(scenario_run_finished, dispatch_uid="certificates-evaluate-on-scenario-finished")
@receiver(session_attended, dispatch_uid="certificates-evaluate-on-session-attended")
def evaluate_on_learning_event(sender, user, **kwargs):
    certificates_evaluate_after_commit(user)

