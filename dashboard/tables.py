"""The dashboard's tables as plain data: the page renders them and ``exports.table_export`` writes them, so what a
bureau downloads is exactly what it sees."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .selectors import Activity, DutyFigures, Level, RedFlags, Row, TrendPoint


@dataclass(frozen=True)
class Column:
    label: str
    numeric: bool = True
    suffix: str = ""  # shown after the value on the page (not in downloads)


@dataclass
class TableRow:
    cells: list
    link: str = ""  # where the first cell leads (drill-down)
    total: bool = False


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    # A list on a page; a generator in a streamed download (``flag_tables`` without a limit).
    rows: list[TableRow] | Iterator[TableRow] = field(default_factory=list)
    note: str = ""
    count: int | None = None  # all the rows there are, when ``rows`` holds only the first of them
    #: Columns (by index) a phone shows on each row's card; the others fold under "All figures". Empty: no cards.
    summary: list[int] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.rows) if self.count is None else self.count

    @property
    def cut(self) -> bool:
        return self.count is not None and self.count > len(self.rows)

    def lines(self):
        """Each row with its cells paired with whether their column is numeric (for the template)."""
        return [(row, [(cell, column.numeric) for cell, column in zip(row.cells, self.columns, strict=True)])
                for row in self.rows]

    def cards(self) -> list[dict]:
        """On a phone, each row as a card: its name, the ``summary`` figures, then the rest (tap to open)."""
        cards = []
        for row in self.rows:
            pairs = [(column, cell) for column, cell in zip(self.columns[1:], row.cells[1:], strict=True)]
            front = [pairs[i - 1] for i in self.summary]
            cards.append({"row": row, "name": row.cells[0], "front": front,
                          "more": [pair for i, pair in enumerate(pairs, 1) if i not in self.summary]})
        return cards


def figure_columns(level: Level) -> list[Column]:
    return [
        Column(_("Members")), Column(_("Mediators")), Column(_("Informants")), Column(_("Full-time")),
        Column(_("Part-time")), Column(_("Women")), Column(_("Certified")), Column(_("Certified %"), suffix="%"),
        Column(level.expiring_label), Column(_("Expired")), Column(_("Never trained")),
        Column(_("Hours this year (average)")), Column(_("Met the annual target")), Column(_("Pre-job training done")),
    ]


def _figure_cells(figures) -> list:
    return [figures.headcount, figures.mediators, figures.informants, figures.full_time, figures.part_time,
            figures.women, figures.certified, figures.certified_percent, figures.expiring, figures.expired,
            figures.never_trained, figures.hours_average, figures.hours_met, figures.prejob_done]


def row_link(row: Row) -> str:
    if row.region is not None:
        return reverse("coverage:region", args=[row.region.code])
    if row.committee is not None:
        return reverse("coverage:committee", args=[row.committee.pk])
    return reverse("coverage:person", args=[row.person.pk])


def _name_column(level: Level) -> Column:
    return Column({"region": _("Area or committee"), "committee": _("Committee"),
                   "people": _("Name")}[level.kind], numeric=False)


PERSON_COLUMNS = [
    Column(_("Role"), numeric=False), Column(_("Certificate held"), numeric=False),
    Column(_("Valid until"), numeric=False),
    Column(_("Hours this year")), Column(_("Met the annual target"), numeric=False),
    Column(_("Pre-job training done"), numeric=False),
]


def _yes_no(value) -> str:
    return _("Yes") if value else _("No")


def _person_cells(row: Row) -> list:
    """A person's own facts, not totals of one (人数 1, 调解员 0/1 said nothing)."""
    figures, certificate = row.figures, row.certificate
    role = _("Mediator") if figures.mediators else _("Informant")
    if certificate is not None:
        held, until = certificate.program.name, date_format(certificate.expires_on, "Y-m-d")
    else:
        held, until = (_("Expired") if figures.expired else _("None")), "—"
    return [row.label, role, held, until, figures.hours, _yes_no(figures.hours_met), _yes_no(figures.prejob_done)]


def figures_table(level: Level) -> Table:
    """One row per area, committee or person, then the level's total. People get their own facts."""
    if level.kind == "people":
        rows = [TableRow(cells=_person_cells(row), link=row_link(row)) for row in level.rows]
        return Table(key="coverage", title=_("Committee members"), columns=[_name_column(level), *PERSON_COLUMNS],
                     rows=rows, summary=[1, 2, 3, 4])
    rows = [TableRow(cells=[row.label, *_figure_cells(row.figures)], link=row_link(row)) for row in level.rows]
    rows.append(TableRow(cells=[_("Total"), *_figure_cells(level.total)], total=True))
    # A phone's card: certified %, expiring, hours target met, of how many members.
    return Table(key="coverage", title=_("Coverage"), columns=[_name_column(level), *figure_columns(level)], rows=rows,
                 summary=[8, 9, 13, 1])


def overview_table(level: Level) -> Table:
    """The bureau home's short table: each area's headcount and the three figures a bureau acts on."""
    columns = figure_columns(level)
    figures = [(columns[0], "headcount"), (columns[7], "certified_percent"),
               (columns[8], "expiring"), (columns[12], "hours_met")]
    rows = [TableRow(cells=[row.label, *(getattr(row.figures, name) for _column, name in figures)],
                     link=row_link(row)) for row in level.rows]
    return Table(key="overview", title=_("Certification by area"), rows=rows, summary=[2, 3, 4, 1],
                 columns=[_name_column(level), *(column for column, _name in figures)])


def grades_table(level: Level) -> Table:
    """How many people hold each grade, per row."""
    columns = [_name_column(level), *(Column(name) for name in level.grades), Column(_("No grade"))]

    def cells(figures):
        graded = [figures.grades.get(name, 0) for name in level.grades]
        return [*graded, figures.headcount - sum(graded)]

    rows = [TableRow(cells=[row.label, *cells(row.figures)], link=row_link(row)) for row in level.rows]
    rows.append(TableRow(cells=[_("Total"), *cells(level.total)], total=True))
    return Table(key="grades", title=_("Grade mix"), columns=columns, rows=rows)


def trend_table(points: list[TrendPoint]) -> Table:
    return Table(key="trend", title=_("Certified coverage by month"), columns=[
        Column(_("Month"), numeric=False), Column(_("Members")), Column(_("Certified")), Column(_("Certified %"))],
        rows=[TableRow(cells=[date_format(p.month, "Y-m"), p.members, p.certified, p.percent]) for p in points])


def activity_table(figures: Activity) -> Table:
    def rate(value):
        return "" if value is None else value

    rows = [
        (_("Rotation sessions held"), figures.sessions),
        (_("Participants"), figures.participants),
        (_("Attendances"), figures.attendances),
        (_("Quiz and exam attempts finished"), figures.attempts),
        (_("Pass rate %"), rate(figures.pass_rate)),
        (_("Certification exam attempts"), figures.exam_attempts),
        (_("Certification exam pass rate %"), rate(figures.exam_pass_rate)),
        (_("Simulated mediation runs"), figures.runs),
        (_("People who ran a simulation"), figures.runners),
        (_("Average simulation score %"), rate(figures.run_average)),
    ]
    period = f"{date_format(figures.start, 'Y-m-d')} – {date_format(figures.end, 'Y-m-d')}"
    return Table(key="activity", title=_("Training activity"), note=period,
                 columns=[Column(_("Figure"), numeric=False), Column(_("Value"))],
                 rows=[TableRow(cells=[label, value]) for label, value in rows])


STREAM_CHUNK = 2000  # rows fetched at a time when a download streams a whole list


def flag_tables(flags: RedFlags, *, limit: int | None = None, using: str | None = None) -> list[Table]:
    """The four red-flag lists; with ``limit``, each holds its first ``limit`` rows and counts them all. Without
    it (a download: a province's lists run to 100,000 members) each table's ``rows`` is a generator that reads
    ``STREAM_CHUNK`` rows at a time from the ``using`` database when iterated, so a streamed response holds one
    chunk in memory, never the list."""
    committee_columns = [Column(_("Committee"), numeric=False), Column(_("Area"), numeric=False),
                         Column(_("Kind"), numeric=False)]

    def committee_row(c):
        return TableRow(cells=[c.name, c.region.name, c.get_kind_display()],
                        link=reverse("coverage:committee", args=[c.pk]))

    def member_row(m, extra=()):
        return TableRow(cells=[m.person.name, m.committee.name, m.committee.region.name, m.get_role_display(),
                               *(getter(m) for getter in extra)], link=reverse("coverage:person", args=[m.person_id]))

    def rows_of(queryset, row, *extra):
        if limit is None:  # the database alias is fixed now: the generator runs after the view has returned
            return (row(item, *extra) for item in queryset.using(using).iterator(chunk_size=STREAM_CHUNK))
        return [row(item, *extra) for item in queryset[:limit]]

    def committee_rows(committees):
        return rows_of(committees, committee_row)

    def member_rows(memberships, extra=()):
        return rows_of(memberships, member_row, extra)

    def count(rows):
        return None if limit is None else rows.count()

    member_columns = [Column(_("Name"), numeric=False), Column(_("Committee"), numeric=False),
                      Column(_("Area"), numeric=False), Column(_("Role"), numeric=False)]
    return [
        Table(key="no_certified_mediator", title=_("Committees with no certified mediator"),
              columns=committee_columns, rows=committee_rows(flags.no_certified_mediator),
              count=count(flags.no_certified_mediator)),
        Table(key="no_woman", title=_("Committees with no woman member"), columns=committee_columns,
              rows=committee_rows(flags.no_woman), count=count(flags.no_woman),
              note=_("People's Mediation Law art. 8: a committee has at least one woman member.")),
        Table(key="uncertified", title=_("Members serving without a valid certificate"), columns=member_columns,
              rows=member_rows(flags.uncertified_members), count=count(flags.uncertified_members)),
        Table(key="renewals_overdue", title=_("Renewals overdue"),
              columns=[*member_columns, Column(_("Expired on"), numeric=False)],
              rows=member_rows(flags.renewals_overdue, extra=(lambda m: date_format(m.lapsed_on, "Y-m-d"),)),
              count=count(flags.renewals_overdue)),
    ]


def duty_figures_table(found: DutyFigures, *, by_committee: bool) -> Table:
    """Per area (or committee) and duty: people who met it, are behind, are overdue; then the total."""
    columns = [Column(_("Committee") if by_committee else _("Area or committee"), numeric=False),
               Column(_("People"))]
    for _pk, name, _kind in found.duties:
        columns += [Column(_("%(duty)s: met") % {"duty": name}), Column(_("%(duty)s: behind") % {"duty": name}),
                    Column(_("%(duty)s: overdue") % {"duty": name})]

    def cells(people, duty_cells) -> list:
        return [people, *(value for _owed, met, behind, overdue in duty_cells for value in (met, behind, overdue))]

    def link(row) -> str:
        if row["link"] == "region":
            return reverse("coverage:duties", args=[row["key"]])
        return reverse("coverage:committee", args=[int(row["key"])]) if row["link"] == "committee" else ""

    rows = [TableRow(cells=[row["name"], *cells(row["people"], row["cells"])], link=link(row))
            for row in found.rows]
    rows.append(TableRow(cells=[_("Total"), *cells(found.total["people"], found.total["cells"])], total=True))
    # A phone's card: people, then the first duty's figures.
    return Table(key="duties", title=_("Training duties"), columns=columns, rows=rows,
                 summary=[1, 2, 3, 4][:len(columns) - 1])


DUTY_LIST_TITLES = {
    "behind": _("Behind on a training duty"),
    "red_flags": _("Red flags: overdue pre-job training and missed deadlines for new laws"),
}
DUTY_LIST_COLUMNS = [
    Column(_("Name"), numeric=False), Column(_("Committee"), numeric=False), Column(_("Area"), numeric=False),
    Column(_("Duty"), numeric=False), Column(_("Hours done")), Column(_("Hours required")),
    Column(_("Due"), numeric=False), Column(_("Overdue"), numeric=False),
]


def duty_list_cells(line: dict) -> list:
    """A person-list line as the cells of its table and its download (hours as numbers)."""
    return [line["name"], line["committee"], line["area"], line["duty"], Decimal(line["done"]),
            Decimal(line["required"]), line["due"], _yes_no(line["overdue"])]


def duty_list_tables(found: DutyFigures) -> list[Table]:
    """The two person lists as the snapshot keeps them: the first rows and the count of all (the download reads
    every row: ``views.duties``)."""
    return [Table(key=name, title=DUTY_LIST_TITLES[name], columns=DUTY_LIST_COLUMNS, count=found.lists[name]["count"],
                  rows=[TableRow(cells=duty_list_cells(line), link=reverse("coverage:person", args=[line["person"]]))
                        for line in found.lists[name]["rows"]], summary=[1, 4, 7])
            for name in ("red_flags", "behind")]
