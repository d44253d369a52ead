"""Every dashboard table as a spreadsheet: one function serves them all (CSV or XLSX, formula-safe)."""

from django.http import StreamingHttpResponse
from django.utils import translation
from django.utils.http import content_disposition_header

from people.spreadsheets import FORMATS, spreadsheet_export, spreadsheet_stream

from .tables import Table

__all__ = ["FORMATS", "table_export", "table_stream_response"]


def table_export(*, table: Table, file_format: str) -> tuple[bytes, str]:
    """The table's header and rows, through the product's one spreadsheet writer (people.spreadsheets)."""
    return spreadsheet_export(headers=[column.label for column in table.columns],
                              rows=(row.cells for row in table.rows), file_format=file_format, title=table.title)


def table_stream_response(*, table: Table, file_format: str, filename: str) -> StreamingHttpResponse:
    """A download of a table whose rows are read as the response is sent (``tables.flag_tables`` without a limit):
    memory holds one chunk of rows, whatever the length of the list."""
    language = translation.get_language()

    def cells():
        # The rows are read after the view has returned: keep the request's language for their labels.
        with translation.override(language):
            for row in table.rows:
                yield row.cells

    chunks, content_type = spreadsheet_stream(headers=[column.label for column in table.columns], rows=cells(),
                                              file_format=file_format, title=table.title)
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
