"""Spreadsheets the product writes (CSV, XLSX) and the one guard against formula injection.

A cell that begins with = + - @ (or their full-width forms, which Chinese input methods type), a tab or a carriage
return is read by Excel/WPS as a formula: a committee named ``=HYPERLINK(...)`` would become a live link in a
bureau's download. Every export goes through ``spreadsheet_export``, which writes such text with a leading
apostrophe (shown as plain text, the apostrophe hidden); admin forms refuse such names at the door
(``refuse_formula``), as the roster import does."""

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FORMULA_STARTS = ("=", "+", "-", "@", "＝", "＋", "－", "＠", "\t", "\r")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def looks_like_formula(text: str) -> bool:
    return str(text).startswith(FORMULA_STARTS)


def formula_safe(value):
    """Numbers stay numbers; any other value becomes text that no spreadsheet evaluates."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return value
    text = str(value)
    return "'" + text if looks_like_formula(text) else text


def spreadsheet_export(*, headers: list, rows, file_format: str, title: str = "") -> tuple[bytes, str]:
    """Headers and rows as CSV (UTF-8 with a byte-order mark, so Excel reads the Chinese) or XLSX, every cell made
    formula-safe. Returns the bytes and their content type."""
    data = tablib.Dataset(headers=[formula_safe(str(header)) for header in headers], title=str(title)[:31])
    for row in rows:
        data.append([formula_safe(cell) for cell in row])
    content = data.export(file_format)
    if isinstance(content, str):
        content = ("\ufeff" + content).encode("utf-8")
    return content, FORMATS[file_format]


def spreadsheet_stream(*, headers: list, rows) -> Iterator[bytes]:
    """The CSV of ``spreadsheet_export`` written row by row as ``rows`` yields them (for a
    ``StreamingHttpResponse``: a county's list of tens of thousands of rows, never held whole), every cell made
    formula-safe the same way."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells) -> bytes:
        writer.writerow([formula_safe(cell) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode("utf-8")

    yield "\ufeff".encode() + line(str(header) for header in headers)
    for row in rows:
        yield line(row)


def refuse_formula(value: str) -> None:
    """Model-field validator: a name may not begin like a spreadsheet formula."""
    if looks_like_formula(value):
        raise ValidationError(
            _("Values may not begin with =, +, - or @ (spreadsheet formulas are not accepted): "
              "“%(value)s”. Paste the plain value instead."), params={"value": str(value)[:40]}, code="formula")
