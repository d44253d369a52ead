"""Roster import, the pure part: read a CSV/XLSX file, check every row, and plan what will change.

Nothing here touches the database. The selectors ``roster_reference`` and ``roster_snapshot`` load what the checks
and the plan need; the services ``roster_import_upload`` / ``roster_import_run`` call these functions and write.

The file format (documented to users on the import page and in the downloadable templates):

- One row per person per committee, under one header row of the Chinese column names in ``COLUMNS``. An XLSX file
  is read from its sheet named 名册 (else its first sheet); a CSV file may be UTF-8 (with or without BOM), GBK/GB18030
  (Excel on Chinese Windows) or UTF-16, separated by commas, tabs or semicolons.
- A committee is identified by region code + committee name; a new pair creates a committee.
- A person is identified by the salted hash of their national ID number when the row gives one; otherwise by name +
  mobile phone among the members of the committees the file names. Rows of one file that share that key are one person.
  The ID number itself is never stored, only its hash and a masked form. A person found by ID hash who is on none of
  the file's committees gets the new membership, but their name, gender and phone are not changed by this file.
- Empty optional cells never erase what is stored. A left date ends the membership (it is never deleted); with "full
  list" chosen, members of a named committee who are not in the file are marked as left today.
"""

import codecs
import csv
import io
import re
import zipfile
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import national_id
from .models import PHONE_PATTERN, Committee, Membership, User
from .spreadsheets import looks_like_formula

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_ERRORS = 300  # a file with more errors is wrong throughout; the first few hundred say how
SHEET_NAME = "名册"
INSTRUCTIONS_SHEET_NAME = "填写说明"


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese column name in files: part of the file format, so not translated
    label: Promise
    required: bool
    help: Promise


COLUMNS = (
    Column("region_code", "地区代码", gettext_lazy("Region code"), True,
           gettext_lazy("Statistical division code of the committee's village, township or county, e.g. 150621100.")),
    Column("committee_name", "调委会名称", gettext_lazy("Committee name"), True,
           gettext_lazy("Full name; a new name in a region creates a committee.")),
    Column("committee_kind", "调委会类型", gettext_lazy("Committee kind"), True,
           gettext_lazy("One of: 村（嘎查）, 社区, 乡镇（苏木、街道）, 行业性专业性, 派驻调解室.")),
    Column("specialty", "专业领域", gettext_lazy("Specialty"), False,
           gettext_lazy("Industry / professional committees only: 劳动争议, 医疗纠纷, 道路交通, 物业, 企业 or 其他.")),
    Column("name", "姓名", gettext_lazy("Name"), True, gettext_lazy("The member's full name.")),
    Column("gender", "性别", gettext_lazy("Gender"), False, gettext_lazy("男 or 女.")),
    Column("phone", "手机号", gettext_lazy("Mobile phone"), False,
           gettext_lazy("11 digits. Required when the national ID number is empty.")),
    Column("national_id", "身份证号", gettext_lazy("National ID number"), False,
           gettext_lazy("18 characters, optional. Only a salted hash and a masked form are kept.")),
    Column("role", "身份", gettext_lazy("Role"), True, gettext_lazy("调解员 or 信息员.")),
    Column("employment", "专兼职", gettext_lazy("Full- or part-time"), False,
           gettext_lazy("专职 or 兼职; empty means 兼职.")),
    Column("grade", "等级", gettext_lazy("Grade"), False,
           gettext_lazy("A grade configured by the bureau, e.g. 三级调解员.")),
    Column("joined_on", "加入日期", gettext_lazy("Joined on"), True,
           gettext_lazy("A date such as 2024-03-01 or 2024年3月1日.")),
    Column("left_on", "离开日期", gettext_lazy("Left on"), False,
           gettext_lazy("Empty while the person is a member; the date they left otherwise.")),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}

# The words a file may use for each choice. They are the file format, fixed whatever the site's language; the
# first word of each is the one the templates and the page show.
KIND_WORDS = {
    Committee.Kind.VILLAGE: ("村（嘎查）", "村", "嘎查", "村委会"),
    Committee.Kind.COMMUNITY: ("社区",),
    Committee.Kind.TOWNSHIP: ("乡镇（苏木、街道）", "乡镇", "苏木", "街道", "乡镇（街道）"),
    Committee.Kind.INDUSTRY: ("行业性专业性", "行业性", "专业性", "行业专业"),
    Committee.Kind.STATIONED: ("派驻调解室", "派驻", "派驻调解工作室"),
}
SPECIALTY_WORDS = {
    Committee.Specialty.LABOR: ("劳动争议", "劳动"),
    Committee.Specialty.MEDICAL: ("医疗纠纷", "医疗"),
    Committee.Specialty.TRAFFIC: ("道路交通", "交通", "道路交通事故"),
    Committee.Specialty.PROPERTY: ("物业", "物业纠纷"),
    Committee.Specialty.ENTERPRISE: ("企业",),
    Committee.Specialty.OTHER: ("其他",),
}
ROLE_WORDS = {
    Membership.Role.MEDIATOR: ("调解员", "人民调解员"),
    Membership.Role.INFORMANT: ("信息员", "矛盾纠纷信息员"),
}
EMPLOYMENT_WORDS = {Membership.Employment.FULL_TIME: ("专职",), Membership.Employment.PART_TIME: ("兼职",)}
GENDER_WORDS = {User.Gender.MALE: ("男",), User.Gender.FEMALE: ("女",)}


class FileRefused(Exception):
    """The file as a whole cannot be read; the message (in the user's language) says why and what to do."""


@dataclass(frozen=True)
class RowError:
    line: int  # the row number a spreadsheet shows (the header is row 1); 0 for the file as a whole
    column: str  # a column key, or the header text as found for an unknown column, or "" for the whole row
    message: str


@dataclass(frozen=True)
class RosterRow:
    """One checked row. National IDs are already reduced to hash and masked form."""

    line: int
    region_code: str
    committee_name: str
    committee_kind: str
    specialty: str
    name: str
    gender: str
    phone: str
    id_hash: str
    id_masked: str
    role: str
    employment: str
    grade: str
    joined_on: date
    left_on: date | None

    @property
    def committee_key(self) -> tuple[str, str]:
        return (self.region_code, self.committee_name)

    @property
    def person_key(self) -> tuple[str, ...]:
        return ("id", self.id_hash) if self.id_hash else ("phone", self.name, self.phone)

    def to_json(self) -> dict:
        data = asdict(self)
        data["joined_on"] = self.joined_on.isoformat()
        data["left_on"] = self.left_on.isoformat() if self.left_on else None
        return data

    @classmethod
    def from_json(cls, data: dict) -> "RosterRow":
        left_on = data["left_on"]
        return cls(**{**data, "joined_on": date.fromisoformat(data["joined_on"]),
                      "left_on": date.fromisoformat(left_on) if left_on else None})


# --- Reading a file into a table of cells -------------------------------------------------------------------------

Cell = str | int | float | date | datetime | None


def read_table(file_name: str, data: bytes) -> list[tuple[int, list[Cell]]]:
    """Rows of cells (with the spreadsheet's row number), from CSV or XLSX bytes. Raises FileRefused."""
    if not data.strip():
        raise FileRefused(_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(_("The file is larger than %(size)d MB; split it into smaller files.") % {
            "size": MAX_FILE_BYTES // (1024 * 1024)})
    suffix = PurePath(file_name).suffix.lower()
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if suffix == ".xls" or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(_("Old Excel .xls files cannot be read: save it as .xlsx or as CSV and upload it again."))
    if suffix == ".xlsx":
        raise FileRefused(_("This is not a valid .xlsx file: open it in Excel or WPS, save it again and upload it."))
    if suffix not in (".csv", ".txt"):
        raise FileRefused(_("Upload a CSV or XLSX file (download a template below)."))
    return _read_csv(data)


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    elif data.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    elif b"\x00" in data:
        raise FileRefused(_("This file is not a text CSV file. Upload a CSV or XLSX file (download a template below)."))
    else:
        # Excel on Chinese Windows saves "CSV" as GBK; GB18030 is its superset.
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused(_("The characters in this file cannot be read (it is neither UTF-8 nor GBK). In Excel choose "
                        "\"Save as\" → \"CSV UTF-8\", or save it as .xlsx, and upload it again."))


def _read_csv(data: bytes) -> list[tuple[int, list[Cell]]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)
    try:
        records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        table = []
        for number, record in enumerate(records, start=1):
            table.append((number, list(record)))
            if number > MAX_ROWS + 1:
                raise _too_many_rows()
    except csv.Error as exc:
        raise FileRefused(_("This CSV file is damaged (%(error)s); save it again from Excel or WPS.") % {
            "error": exc}) from exc
    return table


def _too_many_rows() -> FileRefused:
    return FileRefused(_("The file has more than %(max)d rows; split it into smaller files.") % {"max": MAX_ROWS})


def _read_xlsx(data: bytes) -> list[tuple[int, list[Cell]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, TypeError) as exc:
        raise FileRefused(
            _("This .xlsx file cannot be opened: open it in Excel or WPS, save it again and upload it.")) from exc
    try:
        sheet = workbook[SHEET_NAME] if SHEET_NAME in workbook.sheetnames else workbook.worksheets[0]
        table = []
        # A file may claim 16,384 columns; only the first few dozen can be ours.
        for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=len(COLUMNS) + 20), start=1):
            if number > MAX_ROWS + 1:
                raise _too_many_rows()
            # Array and data-table formulas come as objects with the formula text; they are refused as formulas.
            table.append((number, [getattr(value, "text", value) for value in values]))
    finally:
        workbook.close()
    return table


# --- Checking rows ------------------------------------------------------------------------------------------------

def _header_key(text: str) -> str:
    """Header text as written (perhaps with a * or （必填） marker) → a key for matching."""
    cleaned = re.sub(r"[\s*＊]|[（(]必填[)）]|[（(]选填[)）]", "", text)
    for column in COLUMNS:
        if cleaned in (column.header, column.key):
            return column.key
    return ""


def cell_text(value: Cell) -> str:
    """A spreadsheet cell as the text a person typed: stripped, whole numbers without ".0", dates as ISO dates
    (the roster and the case-figures import read cells this way)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return str(value).replace("\u3000", " ").replace("\xa0", " ").strip()


def _word(value: str, words: dict[str, tuple[str, ...]]) -> str | None:
    cleaned = value.replace(" ", "").replace("(", "（").replace(")", "）").replace(",", "、").replace("，", "、")
    for choice, accepted in words.items():
        if cleaned in accepted or cleaned == choice:
            return choice
    return None


def _one_of(words: dict[str, tuple[str, ...]]) -> str:
    return "、".join(accepted[0] for accepted in words.values())


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$|^(\d{4})(\d{2})(\d{2})$")


def _date(value: Cell, today: date) -> date:
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    else:
        match = _DATE.match(cell_text(value))
        if not match:
            raise ValueError(_("Write the date as 2024-03-01 or 2024年3月1日."))
        year, month, day = (int(part) for part in match.groups() if part is not None)
        try:
            parsed = date(year, month, day)
        except ValueError:
            raise ValueError(_("This is not a real date.")) from None
    if parsed > today:
        raise ValueError(_("The date is in the future."))
    if parsed.year < 1950:
        raise ValueError(_("The date is too long ago; please check it."))
    return parsed


class _RowReader:
    """Reads one data row's cells into checked values, collecting one error per bad cell."""

    def __init__(self, line: int, cells: dict[str, Cell], today: date):
        self.line, self.cells, self.today = line, cells, today
        self.errors: list[RowError] = []

    def error(self, key: str, message: str) -> None:
        self.errors.append(RowError(self.line, key, message))

    def text(self, key: str, max_length: int = 100) -> str:
        value = cell_text(self.cells.get(key))
        if not value:
            if COLUMNS_BY_KEY[key].required:
                self.error(key, _("This column is required."))
        elif len(value) > max_length:
            self.error(key, _("Too long: at most %(max)d characters.") % {"max": max_length})
        return value

    def choice(self, key: str, words: dict[str, tuple[str, ...]], default: str = "") -> str:
        value = self.text(key)
        if not value:
            return default
        choice = _word(value, words)
        if choice is None:
            self.error(key, _("“%(value)s” is not one of: %(choices)s.") % {"value": value, "choices": _one_of(words)})
            return default
        return choice

    def date(self, key: str) -> date | None:
        if not cell_text(self.cells.get(key)):
            self.text(key)  # reports a missing required date
            return None
        try:
            return _date(self.cells[key], self.today)
        except ValueError as exc:
            self.error(key, str(exc))
            return None

    def national_id(self) -> national_id.NationalIdRecord | None:
        value = self.cells.get("national_id")
        text = cell_text(value)
        if not text:
            return None
        if isinstance(value, int | float) or re.search(r"[eE][+]", text):
            self.error("national_id", _("The number was stored as a number and lost its last digits: format the "
                                        "column as text and type it again."))
            return None
        try:
            return national_id.record(text)
        except ValidationError as exc:
            self.error("national_id", exc.messages[0])
            return None

    def phone(self) -> str:
        phone = re.sub(r"[\s-]", "", cell_text(self.cells.get("phone")))
        if phone and not re.match(PHONE_PATTERN, phone):
            self.error("phone", _("A mobile phone number has 11 digits and starts with 13-19."))
        return phone


def formula_cell_errors(line: int, cells: dict[str, Cell]) -> list[RowError]:
    """One error per cell of a row that begins like a spreadsheet formula (CSV injection is refused, not
    cleaned)."""
    return [
        RowError(line, key, _("Values may not begin with =, +, - or @ (spreadsheet formulas are not accepted): "
                              "“%(value)s”. Paste the plain value instead.") % {"value": cell_text(value)[:40]})
        for key, value in cells.items() if looks_like_formula(cell_text(value))
    ]


def read_rows(table: list[tuple[int, list[Cell]]], *, today: date) -> tuple[list[RosterRow], list[RowError]]:
    """Check the header and every row. Returns the checked rows and the errors (rows are only usable if there
    are no errors). Cross-row checks: a committee keeps one kind; a person keeps one name, gender and phone; one
    row per person per committee."""
    table = [(line, cells) for line, cells in table if any(cell_text(cell) for cell in cells)]
    if not table:
        raise FileRefused(_("The file is empty."))
    header_line, header = table[0]
    keys, errors = _read_header(header_line, header)
    if errors:
        return [], errors
    if len(table) == 1:
        raise FileRefused(_("The file has a header row but no members below it."))

    rows: list[RosterRow] = []
    for line, values in table[1:]:
        cells = {key: value for key, value in zip(keys, values, strict=False) if key}
        if extra := [value for value in values[len(keys):] if cell_text(value)]:
            errors.append(RowError(line, "", _("This row has values beyond the last column: “%(value)s”.") % {
                "value": cell_text(extra[0])[:40]}))
        if formula_errors := formula_cell_errors(line, cells):
            errors.extend(formula_errors)
            continue
        row, row_errors = _read_row(line, cells, today)
        errors.extend(row_errors)
        if row:
            rows.append(row)
        if len(errors) >= MAX_ERRORS:
            break
    errors.extend(_cross_row_errors(rows))
    return rows, errors


def _read_header(line: int, header: list[Cell]) -> tuple[list[str], list[RowError]]:
    keys, errors = [], []
    for value in header:
        text = cell_text(value)
        key = _header_key(text) if text else ""
        if text and not key:
            errors.append(RowError(line, text, _("Unknown column “%(column)s”. Use the column names of the "
                                                 "template.") % {"column": text}))
        elif key and key in keys:
            errors.append(RowError(line, key, _("The column “%(column)s” appears twice.") % {"column": text}))
        keys.append(key)
    for column in COLUMNS:
        if column.required and column.key not in keys:
            errors.append(RowError(line, column.key, _("The required column “%(column)s” is missing.") % {
                "column": column.header}))
    return keys, errors


def _read_row(line: int, cells: dict[str, Cell], today: date) -> tuple[RosterRow | None, list[RowError]]:
    read = _RowReader(line, cells, today)
    region_code = read.text("region_code", 12)
    if region_code and not region_code.isdigit():
        read.error("region_code", _("A region code has digits only, e.g. 150621100."))
    kind = read.choice("committee_kind", KIND_WORDS)
    specialty = read.choice("specialty", SPECIALTY_WORDS)
    if kind == Committee.Kind.INDUSTRY and not specialty and not cell_text(cells.get("specialty")):
        read.error("specialty", _("An industry / professional committee needs a specialty."))
    elif kind and kind != Committee.Kind.INDUSTRY and specialty:
        read.error("specialty", _("Only industry / professional committees have a specialty; leave it empty."))
    record = read.national_id()
    phone = read.phone()
    if not phone and not cell_text(cells.get("national_id")):
        read.error("phone", _("Give a mobile phone number or a national ID number: one of them identifies the "
                              "person."))
    fields = {
        "committee_name": read.text("committee_name", 100),
        "name": read.text("name", 50),
        "gender": read.choice("gender", GENDER_WORDS, User.Gender.UNSPECIFIED),
        "role": read.choice("role", ROLE_WORDS),
        "employment": read.choice("employment", EMPLOYMENT_WORDS, Membership.Employment.PART_TIME),
        "grade": read.text("grade", 30),
    }
    joined_on, left_on = read.date("joined_on"), read.date("left_on")
    if joined_on and left_on and left_on < joined_on:
        read.error("left_on", _("The left date is before the joined date."))
    if read.errors:
        return None, read.errors
    return RosterRow(line=line, region_code=region_code, committee_kind=kind, specialty=specialty, phone=phone,
                     id_hash=record.hash if record else "", id_masked=record.masked if record else "",
                     joined_on=joined_on, left_on=left_on, **fields), []


def _cross_row_errors(rows: list[RosterRow]) -> list[RowError]:
    errors = []
    committees: dict[tuple, RosterRow] = {}
    people: dict[tuple, RosterRow] = {}
    pairs: dict[tuple, RosterRow] = {}
    for row in rows:
        first = committees.setdefault(row.committee_key, row)
        if (first.committee_kind, first.specialty) != (row.committee_kind, row.specialty):
            errors.append(RowError(row.line, "committee_kind", _(
                "Row %(line)d gives this committee another kind or specialty.") % {"line": first.line}))
        first = people.setdefault(row.person_key, row)
        for key in ("name", "gender", "phone"):
            if getattr(first, key) != getattr(row, key):
                errors.append(RowError(row.line, key, _(
                    "Row %(line)d lists the same person with another value here.") % {"line": first.line}))
        first = pairs.setdefault((row.person_key, row.committee_key), row)
        if first is not row:
            errors.append(RowError(row.line, "", _(
                "Duplicate: row %(line)d already lists this person in this committee.") % {"line": first.line}))
    return errors


@dataclass(frozen=True)
class Reference:
    """What the checks need to know about the database: the regions (by code) inside the uploader's
    jurisdiction, its name, and the configured grades."""

    region_ids: dict[str, int]
    jurisdiction_name: str
    grades: frozenset[str]


def check_references(rows: list[RosterRow], reference: Reference) -> list[RowError]:
    """Regions must lie inside the uploader's jurisdiction (a region outside it is reported exactly like an
    unknown code, so nothing is learnt about other regions); grades must be configured."""
    errors = []
    for row in rows:
        if row.region_code not in reference.region_ids:
            errors.append(RowError(row.line, "region_code", _(
                "No region with code %(code)s in your jurisdiction (%(jurisdiction)s).") % {
                "code": row.region_code, "jurisdiction": reference.jurisdiction_name}))
        if row.grade and row.grade not in reference.grades:
            errors.append(RowError(row.line, "grade", _("Unknown grade “%(grade)s”. Known grades: %(grades)s.") % {
                "grade": row.grade, "grades": "、".join(sorted(reference.grades)) or "—"}))
    return errors


# --- Planning what will change ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExistingCommittee:
    id: int
    region_code: str
    name: str
    kind: str
    specialty: str


@dataclass(frozen=True)
class ExistingPerson:
    id: int
    name: str
    gender: str
    phone: str
    id_hash: str


@dataclass(frozen=True)
class ExistingMembership:
    id: int
    person_id: int
    committee_id: int
    role: str
    employment: str
    grade: str
    joined_on: date
    left_on: date | None


@dataclass
class Snapshot:
    """The database rows a plan compares the file with: the committees the file names, all their memberships,
    and the people in them or matching a national ID hash in the file."""

    committees: dict[tuple[str, str], ExistingCommittee]
    people: dict[int, ExistingPerson]
    memberships: list[ExistingMembership]

    def __post_init__(self):
        self.by_hash = {person.id_hash: person for person in self.people.values() if person.id_hash}
        self.by_pair: dict[tuple[int, int], list[ExistingMembership]] = defaultdict(list)
        self.members: dict[int, list[ExistingPerson]] = defaultdict(list)
        self.member_ids = {membership.person_id for membership in self.memberships}
        for membership in self.memberships:
            self.by_pair[(membership.person_id, membership.committee_id)].append(membership)
            self.members[membership.committee_id].append(self.people[membership.person_id])


@dataclass
class Plan:
    """What an import will do. Committees and people are referred to as ``"id:<pk>"`` (existing) or
    ``"new:<index>"`` (an entry of ``committees_new`` / ``people_new``). JSON-serialisable."""

    committees_new: list[dict] = field(default_factory=list)
    committees_updated: list[dict] = field(default_factory=list)
    people_new: list[dict] = field(default_factory=list)
    people_updated: list[dict] = field(default_factory=list)
    memberships_opened: list[dict] = field(default_factory=list)
    memberships_updated: list[dict] = field(default_factory=list)
    memberships_ended: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    CHANGE_LISTS = ("committees_new", "committees_updated", "people_new", "people_updated", "memberships_opened",
                    "memberships_updated", "memberships_ended")

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in self.CHANGE_LISTS}

    @property
    def operation_count(self) -> int:
        return sum(self.counts().values())

    def summary(self, limit: int = 200) -> dict:
        """Counts and the first ``limit`` entries of each list, for the preview page."""
        return {"counts": self.counts(), **{name: getattr(self, name)[:limit] for name in self.CHANGE_LISTS}}


def _changes(old: dict, new: dict) -> dict:
    return {key: [old[key], value] for key, value in new.items() if value != old[key]}


def plan_changes(rows: list[RosterRow], snapshot: Snapshot, *, full_list: bool, today: date) -> Plan:
    """Compare checked rows with the database snapshot. Pure; running it on an already imported file gives an
    empty plan (that is what makes a re-import change nothing)."""
    plan = Plan()
    committee_refs = _plan_committees(plan, rows, snapshot)
    person_refs, names = _plan_people(plan, rows, snapshot, committee_refs)
    listed: dict[tuple[str, str], RosterRow] = {}
    for row in rows:
        person, committee = person_refs[row.person_key], committee_refs[row.committee_key]
        if (earlier := listed.setdefault((person, committee), row)) is not row:
            plan.errors.append(RowError(row.line, "", _(
                "Row %(line)d already lists the same person (same national ID, or same name and phone) in this "
                "committee.") % {"line": earlier.line}))
            continue
        _plan_membership(plan, row, person, committee, snapshot, names)
    if full_list:
        named = {ref for ref in committee_refs.values() if ref.startswith("id:")}
        for membership in snapshot.memberships:
            pair = (f"id:{membership.person_id}", f"id:{membership.committee_id}")
            if f"id:{membership.committee_id}" in named and membership.left_on is None and pair not in listed:
                plan.memberships_ended.append({
                    "id": membership.id, "left_on": max(today, membership.joined_on).isoformat(),
                    "person_name": snapshot.people[membership.person_id].name,
                    "committee_name": _committee_name(snapshot, membership.committee_id), "absent": True})
    return plan


def _committee_name(snapshot: Snapshot, committee_id: int) -> str:
    return next(c.name for c in snapshot.committees.values() if c.id == committee_id)


def _plan_committees(plan: Plan, rows: list[RosterRow], snapshot: Snapshot) -> dict[tuple, str]:
    refs: dict[tuple, str] = {}
    for row in rows:
        if row.committee_key in refs:
            continue
        existing = snapshot.committees.get(row.committee_key)
        wanted = {"kind": row.committee_kind, "specialty": row.specialty}
        if existing is None:
            refs[row.committee_key] = f"new:{len(plan.committees_new)}"
            plan.committees_new.append({"region_code": row.region_code, "name": row.committee_name, **wanted,
                                        "line": row.line})
            continue
        refs[row.committee_key] = f"id:{existing.id}"
        if changes := _changes({"kind": existing.kind, "specialty": existing.specialty}, wanted):
            plan.committees_updated.append({"id": existing.id, "name": existing.name, "changes": changes,
                                            "line": row.line})
    return refs


def _match_person(key_rows: list[RosterRow], snapshot: Snapshot) -> ExistingPerson | None:
    first = key_rows[0]
    if first.id_hash and first.id_hash in snapshot.by_hash:
        return snapshot.by_hash[first.id_hash]
    # Name + phone among the members of the committees these rows name (a person found by ID hash elsewhere is
    # a different person if their hash differs).
    candidates = [
        person for row in key_rows if row.phone and (committee := snapshot.committees.get(row.committee_key))
        for person in snapshot.members[committee.id]
        if person.name == row.name and person.phone == row.phone and not (first.id_hash and person.id_hash)
    ]
    return min(candidates, key=lambda person: person.id) if candidates else None


def _plan_people(plan, rows, snapshot, committee_refs) -> tuple[dict[tuple, str], dict[str, str]]:
    by_key: dict[tuple, list[RosterRow]] = defaultdict(list)
    for row in rows:
        by_key[row.person_key].append(row)
    refs, names = {}, {}
    matched: dict[int, RosterRow] = {}
    for key, key_rows in by_key.items():
        row = key_rows[0]
        existing = _match_person(key_rows, snapshot)
        if existing and (earlier := matched.setdefault(existing.id, row)) is not row:
            # e.g. one row gives the ID number, another only the name and phone of the same person
            plan.errors.append(RowError(row.line, "", _(
                "Row %(line)d describes the same person differently; give them the same details.") % {
                "line": earlier.line}))
        if existing is None:
            refs[key] = f"new:{len(plan.people_new)}"
            plan.people_new.append({"name": row.name, "gender": row.gender, "phone": row.phone,
                                    "id_hash": row.id_hash, "id_masked": row.id_masked, "line": row.line})
        else:
            refs[key] = f"id:{existing.id}"
            if existing.id not in snapshot.member_ids:
                # Found by ID hash but on none of the file's committees (perhaps outside the uploader's
                # jurisdiction): the person is linked, their details are left to those who look after them.
                names[refs[key]] = row.name
                continue
            # Empty optional cells keep what is stored.
            wanted = {"name": row.name}
            if row.gender != User.Gender.UNSPECIFIED:
                wanted["gender"] = row.gender
            if row.phone:
                wanted["phone"] = row.phone
            changes = _changes({"name": existing.name, "gender": existing.gender, "phone": existing.phone}, wanted)
            entry = {"id": existing.id, "name": row.name, "changes": changes, "line": row.line}
            if row.id_hash and not existing.id_hash:
                entry.update(id_hash=row.id_hash, id_masked=row.id_masked)
                changes["national_id"] = ["", row.id_masked]
            if changes:
                plan.people_updated.append(entry)
        names[refs[key]] = row.name
    return refs, names


def _plan_membership(plan, row: RosterRow, person: str, committee: str, snapshot: Snapshot, names) -> None:
    described = {"person_name": names[person], "committee_name": row.committee_name, "line": row.line}
    existing = []
    if person.startswith("id:") and committee.startswith("id:"):
        existing = snapshot.by_pair[(int(person[3:]), int(committee[3:]))]
    current = next((m for m in existing if m.left_on is None), None)
    if current and row.left_on:
        if row.left_on < current.joined_on:
            plan.errors.append(RowError(row.line, "left_on", _(
                "The left date is before the joined date on record (%(date)s).") % {"date": current.joined_on}))
        else:
            plan.memberships_ended.append({"id": current.id, "left_on": row.left_on.isoformat(), **described})
    elif current:
        wanted = {"role": row.role, "employment": row.employment, "joined_on": row.joined_on.isoformat()}
        if row.grade:
            wanted["grade"] = row.grade
        old = {"role": current.role, "employment": current.employment, "grade": current.grade,
               "joined_on": current.joined_on.isoformat()}
        if changes := _changes(old, wanted):
            plan.memberships_updated.append({"id": current.id, "changes": changes, **described})
    elif not any(m.joined_on == row.joined_on for m in existing):
        # A new stint (or, with a left date, a past stint recorded for history). A stint already on record with
        # the same joined date is not recorded twice.
        plan.memberships_opened.append({
            "person": person, "committee": committee, "role": row.role, "employment": row.employment,
            "grade": row.grade, "joined_on": row.joined_on.isoformat(),
            "left_on": row.left_on.isoformat() if row.left_on else None, **described})


# --- Templates ----------------------------------------------------------------------------------------------------

EXAMPLE_ROW = ["150621100201", "林原村人民调解委员会", "村（嘎查）", "", "王秀兰", "女", "13904771234", "",
               "调解员", "专职", "三级调解员", "2021-03-01", ""]


def template_csv() -> bytes:
    """The CSV template: the header row, UTF-8 with a BOM so Excel on Windows opens the Chinese correctly."""
    out = io.StringIO()
    csv.writer(out).writerow(column.header for column in COLUMNS)
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    """The XLSX template: an empty 名册 sheet (text-formatted phone, ID and date columns, so Excel keeps every
    digit; drop-down lists for the fixed words) and a 填写说明 sheet that documents each column."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    sheet.append([column.header for column in COLUMNS])
    choices = {"committee_kind": KIND_WORDS, "specialty": SPECIALTY_WORDS, "gender": GENDER_WORDS,
               "role": ROLE_WORDS, "employment": EMPLOYMENT_WORDS}
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index).font = Font(bold=True, color="C0392B" if column.required else "000000")
        sheet.column_dimensions[letter].width = 24 if column.key in ("committee_name", "national_id") else 14
        sheet.column_dimensions[letter].number_format = "@"
        if column.key in choices:
            words = ",".join(accepted[0] for accepted in choices[column.key].values())
            validation = DataValidation(type="list", formula1=f'"{words}"', allow_blank=not column.required)
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet(INSTRUCTIONS_SHEET_NAME)
    notes.append(["列名", "是否必填", "填写说明"])
    for column in COLUMNS:
        with _chinese():
            notes.append([column.header, "必填" if column.required else "选填", str(column.help)])
    notes.append([])
    notes.append(["示例（请勿粘贴到名册表中，仅供参考）"])
    notes.append([column.header for column in COLUMNS])
    notes.append(EXAMPLE_ROW)
    for letter, width in (("A", 14), ("B", 24), ("C", 70)):
        notes.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _chinese():
    from django.utils import translation

    return translation.override("zh-hans")
