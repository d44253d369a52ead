"""Every dashboard table as a spreadsheet: one function serves them all (tablib, CSV or XLSX)."""

from decimal import Decimal

import tablib

from .tables import Table

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def table_export(*, table: Table, file_format: str) -> tuple[bytes, str]:
    """The table's header and rows as CSV (UTF-8 with a byte-order mark, so Excel reads the Chinese) or XLSX."""
    data = tablib.Dataset(headers=[str(column.label) for column in table.columns], title=str(table.title)[:31])
    for row in table.rows:
        data.append([cell if isinstance(cell, int | float | Decimal) else str(cell) for cell in row.cells])
    content = data.export(file_format)
    if file_format == "csv":
        content = ("\ufeff" + content).encode("utf-8")
    return content, FORMATS[file_format]
