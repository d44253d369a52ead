class GradingError(Exception):
    """A rule of grading refused an action; the message (translated) is shown to the user."""


class NotAllowed(GradingError):
    """The user may not take this decision (wrong level or outside the jurisdiction)."""
