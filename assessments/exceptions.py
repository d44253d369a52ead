from django.utils.translation import gettext_lazy

# Said when an answer arrives after the attempt's deadline: by the save endpoint and by the submit page.
LATE_ANSWERS = gettext_lazy("Time is up: answers given after the deadline are not accepted. "
                            "Everything you answered before it is saved.")


class AssessmentError(Exception):
    """A rule of the assessment engine refused an action; the message (translated) is shown to the user."""


class AttemptClosed(AssessmentError):
    """The attempt no longer takes answers: it was submitted, or its deadline has passed."""


class InvalidResponse(AssessmentError):
    """The answer does not fit the question (a choice not offered, two choices for a single-choice question…)."""
