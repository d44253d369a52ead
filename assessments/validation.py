"""The rules a question must satisfy, shared by the admin form and the spreadsheet import."""

from django.utils.translation import gettext as _

from .models import Question


def question_errors(*, kind: str, choices: list[tuple[str, bool]], negative_marking: bool = False) -> list[str]:
    """What is wrong with a question of ``kind`` having ``choices`` (text, correct); empty when it is sound."""
    errors = []
    correct = sum(1 for _text, is_correct in choices if is_correct)
    if kind == Question.Kind.ESSAY:
        if choices:
            errors.append(_("An essay question has no choices."))
    elif kind == Question.Kind.TRUE_FALSE:
        if len(choices) != 2 or correct != 1:
            errors.append(_("A true/false question has two choices, exactly one of them correct."))
    elif len(choices) < 2:
        errors.append(_("Give at least two choices."))
    elif kind == Question.Kind.SINGLE and correct != 1:
        errors.append(_("A single-choice question has exactly one correct choice."))
    elif kind == Question.Kind.MULTIPLE and correct < 1:
        errors.append(_("Mark at least one choice as correct."))
    if any(not text.strip() for text, _correct in choices):
        errors.append(_("A choice cannot be empty."))
    if negative_marking and kind != Question.Kind.MULTIPLE:
        errors.append(_("Negative marking applies to multiple-choice questions only."))
    return errors
