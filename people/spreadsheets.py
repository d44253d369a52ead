"""Spreadsheets the product writes (CSV, XLSX) and the one guard against formula injection.

A cell that begins with = + - @ (or their full-width forms, which Chinese input methods type), a tab or a carriage
return is read by Excel/WPS as a formula: a committee named ``=HYPERLINK(...)`` would become a live link in a
bureau's download. Every export goes through ``spreadsheet_export``, which writes such text with a leading
apostrophe (shown as plain text, the apostrophe hidden); admin forms refuse such names at the door
(``refuse_formula``), as the roster import does."""

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal

import openpyxl
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


STREAM_BATCH = 500  # CSV rows written to the response at a time


def spreadsheet_stream(*, headers: list, rows: Iterable, file_format: str, title: str = ""
                       ) -> tuple[Iterator[bytes], str]:
    """``spreadsheet_export`` for lists of any length, in bounded memory: returns the file as an iterator of byte
    chunks (for a ``StreamingHttpResponse``) and its content type. CSV is written ``STREAM_BATCH`` rows at a time as
    ``rows`` is iterated; XLSX goes through openpyxl's write-only workbook (rows go to a temporary file as they are
    appended) and is read back in chunks. Cells are made formula-safe the same way."""
    safe_headers = [formula_safe(str(header)) for header in headers]
    if file_format == "csv":
        return _csv_chunks(safe_headers, rows), FORMATS[file_format]
    return _xlsx_chunks(safe_headers, rows, str(title)), FORMATS[file_format]


def _csv_chunks(headers: list, rows: Iterable) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # so that Excel reads the Chinese
    writer.writerow(headers)
    for number, row in enumerate(rows, start=1):
        writer.writerow([formula_safe(cell) for cell in row])
        if number % STREAM_BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _xlsx_chunks(headers: list, rows: Iterable, title: str) -> Iterator[bytes]:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\\/*?:\[\]]", " ", title)[:31] or "Sheet1")
    sheet.append(headers)
    for row in rows:
        sheet.append([formula_safe(cell) for cell in row])
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(64 * 1024):
            yield chunk


def refuse_formula(value: str) -> None:
    """Model-field validator: a name may not begin like a spreadsheet formula."""
    if looks_like_formula(value):
        raise ValidationError(
            _("Values may not begin with =, +, - or @ (spreadsheet formulas are not accepted): "
              "“%(value)s”. Paste the plain value instead."), params={"value": str(value)[:40]}, code="formula")
