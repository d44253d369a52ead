"""What the courses app announces. Higher apps (assessments, certificates) receive these; courses never imports them.

Every signal is sent by a service in ``courses.services`` right after its write, inside the write's transaction.
Receivers must defer their work with ``transaction.on_commit`` so they never act on a write that is rolled back.

- ``lesson_completed(sender=LessonPage, user, lesson)``: the user completed ``lesson`` for the first time.
- ``module_completed(sender=CourseModulePage, user, module)``: ``module`` became complete for the user, either
  online (every live lesson completed) or by attending a rotation session that taught it. Sent once per path:
  a module already complete is not announced again.
- ``scenario_run_finished(sender=ScenarioRun, user, run)``: a run reached an ending; ``run.scenario`` and
  ``run.score_percent`` (an int 0-100) are set.
- ``session_attended(sender=SessionAttendance, user, attendance)``: the user's attendance at
  ``attendance.session`` was recorded (by QR code or on the roster). Sent once per person and session.
"""

from django.dispatch import Signal

lesson_completed = Signal()
module_completed = Signal()
scenario_run_finished = Signal()
session_attended = Signal()
