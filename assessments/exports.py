"""Item analysis as a spreadsheet (CSV or XLSX), written by the product's one formula-safe spreadsheet writer."""

from django.utils.translation import gettext as _

from people.spreadsheets import FORMATS, spreadsheet_export

from .models import Quiz
from .selectors import ItemStats

__all__ = ["FORMATS", "item_analysis_export"]


def item_analysis_export(*, quiz: Quiz, items: list[ItemStats], file_format: str) -> tuple[bytes, str]:
    """One row per question: category, text, type, times drawn, facility, discrimination, and each choice with
    how often it was picked (✓ marks the right ones)."""
    headers = [_("Question ID"), _("Category"), _("Question"), _("Question type"), _("Times drawn"),
               _("Facility index (%)"), _("Discrimination index"), _("Choices picked")]
    rows = []
    for item in items:
        picks = "；".join(f"{'✓' if correct else ''}{text}: {count}" for text, correct, count in item.choice_counts)
        rows.append([item.question.pk, item.question.category.name, item.question.text,
                     item.question.get_kind_display(), item.drawn,
                     "" if item.facility is None else item.facility,
                     "" if item.discrimination is None else item.discrimination, picks])
    return spreadsheet_export(headers=headers, rows=rows, file_format=file_format, title=_("Item analysis"))
