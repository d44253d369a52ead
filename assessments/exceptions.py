class AssessmentError(Exception):
    """A rule of the assessment engine refused an action; the message (translated) is shown to the user."""


class AttemptClosed(AssessmentError):
    """The attempt no longer takes answers: it was submitted, or its deadline has passed."""


class InvalidResponse(AssessmentError):
    """The answer does not fit the question (a choice not offered, two choices for a single-choice question…)."""
