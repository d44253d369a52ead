"""Item analysis as a spreadsheet (CSV or XLSX) with tablib."""

import tablib
from django.utils.translation import gettext as _

from .models import Quiz
from .selectors import ItemStats

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def item_analysis_export(*, quiz: Quiz, items: list[ItemStats], file_format: str) -> tuple[bytes, str]:
    """One row per question: category, text, type, times drawn, facility, discrimination, and each choice with
    how often it was picked (✓ marks the right ones)."""
    data = tablib.Dataset(headers=[
        _("Question ID"), _("Category"), _("Question"), _("Question type"), _("Times drawn"), _("Facility index (%)"),
        _("Discrimination index"), _("Choices picked")])
    data.title = _("Item analysis")[:31]
    for item in items:
        picks = "；".join(f"{'✓' if correct else ''}{text}: {count}" for text, correct, count in item.choice_counts)
        data.append([item.question.pk, item.question.category.name, item.question.text,
                     item.question.get_kind_display(), item.drawn,
                     "" if item.facility is None else item.facility,
                     "" if item.discrimination is None else item.discrimination, picks])
    content = data.export(file_format)
    if isinstance(content, str):
        # A byte-order mark lets Excel open a Chinese CSV as UTF-8.
        content = "\ufeff" + content
        content = content.encode("utf-8")
    return content, FORMATS[file_format]
