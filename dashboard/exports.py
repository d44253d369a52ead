"""Every dashboard table as a spreadsheet: one function serves them all (CSV or XLSX, formula-safe)."""

from people.spreadsheets import FORMATS, spreadsheet_export

from .tables import Table

__all__ = ["FORMATS", "table_export"]


def table_export(*, table: Table, file_format: str) -> tuple[bytes, str]:
    """The table's header and rows, through the product's one spreadsheet writer (people.spreadsheets)."""
    return spreadsheet_export(headers=[column.label for column in table.columns],
                              rows=(row.cells for row in table.rows), file_format=file_format, title=table.title)
