"""Case figures import, the pure part: read a CSV/XLSX file exported from the bureau's mediation case system and
check every row. Nothing here touches the database; ``grading.services.case_figures_import`` looks people up and
writes.

The file format (shown on the import page): one row per person and year under a header of the Chinese column names
in ``COLUMNS``. A person is found by national ID number (matched against its salted hash) or by name + mobile phone,
among the people in the uploader's jurisdiction. Files are read with the roster import's reader (``people.roster``:
encodings, size and row limits, formula refusal)."""

import codecs
import csv
import io
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people import national_id
from people.models import PHONE_PATTERN
from people.roster import MAX_FILE_BYTES, Cell, FileRefused, RowError, cell_text, formula_cell_errors, read_table

__all__ = ["COLUMNS", "MAX_FILE_BYTES", "CaseRow", "FileRefused", "RowError", "read_case_rows", "template_csv"]

# key → (the Chinese header in files: part of the format, so not translated; label; required)
COLUMNS = {
    "year": ("年度", gettext_lazy("Year"), True),
    "name": ("姓名", gettext_lazy("Name"), True),
    "phone": ("手机号", gettext_lazy("Mobile phone"), False),
    "national_id": ("身份证号", gettext_lazy("National ID number"), False),
    "cases_mediated": ("调解案件数", gettext_lazy("Cases mediated"), True),
    "cases_successful": ("调解成功数", gettext_lazy("Cases settled"), True),
}
HEADERS = {header: key for key, (header, _label, _required) in COLUMNS.items()}


@dataclass(frozen=True)
class CaseRow:
    line: int
    year: int
    name: str
    phone: str
    id_hash: str
    cases_mediated: int
    cases_successful: int

    @property
    def person_key(self) -> tuple[str, ...]:
        return ("id", self.id_hash) if self.id_hash else ("phone", self.name, self.phone)


def _count(value: Cell) -> int:
    text = cell_text(value)
    if not re.fullmatch(r"\d{1,6}", text):
        raise ValueError(_("Write a whole number of cases, e.g. 36."))
    return int(text)


def _read_row(line: int, cells: dict[str, Cell], this_year: int) -> tuple[CaseRow | None, list[RowError]]:
    errors = []

    def error(key, message):
        errors.append(RowError(line, key, message))

    for key, (_header, _label, required) in COLUMNS.items():
        if required and not cell_text(cells.get(key)):
            error(key, _("This column is required."))
    year = cases = settled = None
    for key in ("year", "cases_mediated", "cases_successful"):
        if cell_text(cells.get(key)):
            try:
                value = _count(cells[key])
            except ValueError as exc:
                error(key, str(exc))
                continue
            if key == "year":
                year = value
            elif key == "cases_mediated":
                cases = value
            else:
                settled = value
    if year is not None and not 1990 <= year <= this_year:
        error("year", _("The year must be between 1990 and %(year)d.") % {"year": this_year})
    if cases is not None and settled is not None and settled > cases:
        error("cases_successful", _("More cases settled than mediated."))
    name = cell_text(cells.get("name"))
    if len(name) > 50:
        error("name", _("Too long: at most %(max)d characters.") % {"max": 50})
    phone = re.sub(r"[\s-]", "", cell_text(cells.get("phone")))
    if phone and not re.match(PHONE_PATTERN, phone):
        error("phone", _("A mobile phone number has 11 digits and starts with 13-19."))
    id_hash = ""
    if id_text := cell_text(cells.get("national_id")):
        try:
            id_hash = national_id.record(id_text).hash
        except ValidationError as exc:
            error("national_id", exc.messages[0])
    elif not phone:
        error("phone", _("Give a mobile phone number or a national ID number: one of them identifies the person."))
    if errors:
        return None, errors
    return CaseRow(line=line, year=year, name=name, phone=phone, id_hash=id_hash, cases_mediated=cases,
                   cases_successful=settled), []


def read_case_rows(file_name: str, data: bytes, *, this_year: int) -> tuple[list[CaseRow], list[RowError]]:
    """Check the header and every row; duplicates (same person and year twice) are errors. Raises FileRefused
    when the file cannot be read at all."""
    table = [(line, cells) for line, cells in read_table(file_name, data) if any(cell_text(cell) for cell in cells)]
    if not table:
        raise FileRefused(_("The file is empty."))
    header_line, header = table[0]
    keys, errors = [], []
    for value in header:
        text = re.sub(r"[\s*＊]", "", cell_text(value))
        key = HEADERS.get(text, text if text in COLUMNS else "")
        if text and not key:
            errors.append(RowError(header_line, text, _("Unknown column “%(column)s”. Use the column names of the "
                                                        "template.") % {"column": text}))
        keys.append(key)
    for key, (header_text, _label, required) in COLUMNS.items():
        if required and key not in keys:
            errors.append(RowError(header_line, key, _("The required column “%(column)s” is missing.") % {
                "column": header_text}))
    if errors:
        return [], errors
    if len(table) == 1:
        raise FileRefused(_("The file has a header row but no rows below it."))
    rows, seen = [], {}
    for line, values in table[1:]:
        cells = {key: value for key, value in zip(keys, values, strict=False) if key}
        if formula_errors := formula_cell_errors(line, cells):
            errors.extend(formula_errors)
            continue
        row, row_errors = _read_row(line, cells, this_year)
        errors.extend(row_errors)
        if row:
            if (first := seen.setdefault((row.person_key, row.year), row)) is not row:
                errors.append(RowError(line, "", _("Duplicate: row %(line)d already gives this person's figures for "
                                                   "this year.") % {"line": first.line}))
            rows.append(row)
    return rows, errors


def template_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header for header, _label, _required in COLUMNS.values())
    writer.writerow(["2025", "王秀兰", "13904771234", "", "48", "45"])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def column_label(key: str) -> str:
    """The column an error points at, as the page names it (the header as written for unknown columns)."""
    return COLUMNS[key][0] if key in COLUMNS else key
