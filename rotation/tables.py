"""The report's tables as plain data (``dashboard.tables.Table``): the page renders them and
``dashboard.exports.table_export`` writes them as CSV or XLSX, so a download holds exactly what the page shows."""

from django.utils.translation import gettext_lazy as _

from dashboard.tables import Column, Table, TableRow

from .selectors import ReportLine, RotationReport

GROUPINGS = {
    "township": (_("By township"), _("Township"), "by_township"),
    "module": (_("By module"), _("Module"), "by_module"),
    "lecturer": (_("Lecturer workload"), _("Lecturer"), "by_lecturer"),
    "month": (_("By month"), _("Month"), "by_month"),
}


def _cells(line: ReportLine) -> list:
    return [line.label, line.session_count, line.participants, line.attendances, line.person_hours,
            line.hours_taught, line.rating if line.rating is not None else ""]


def report_table(report: RotationReport, key: str) -> Table:
    title, first, attribute = GROUPINGS[key]
    columns = [Column(first, numeric=False), Column(_("Sessions held")), Column(_("Participants")),
               Column(_("Attendances")), Column(_("Person-hours")), Column(_("Hours taught")),
               Column(_("Average rating"))]
    return Table(key=key, title=title, columns=columns,
                 rows=[TableRow(cells=_cells(line)) for line in getattr(report, attribute)])


def report_tables(report: RotationReport) -> list[Table]:
    return [report_table(report, key) for key in GROUPINGS]
