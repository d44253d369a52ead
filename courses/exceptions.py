class CoursesError(Exception):
    """A rule of the courses domain refused an action; the message (translated) is shown to the user."""


class LessonNotEarned(CoursesError):
    """A lesson's completion was refused: the learner has not yet watched, listened or read enough. Their report
    is kept as progress (the refusal does not roll it back)."""
