"""Builders of roster files for tests: rows as dicts keyed by column key, written as CSV or XLSX bytes."""

import csv
import io

import openpyxl

from people import national_id, roster

HEADER = [column.header for column in roster.COLUMNS]


def person_id(serial: int, region: str = "150621") -> str:
    """A valid national ID number (the check digit computed)."""
    return national_id.with_check_digit(f"{region}1980{serial % 12 + 1:02d}15{serial % 1000:03d}")


def row(region, committee="林原村人民调解委员会", **fields) -> dict:
    values = {
        "region_code": region.code, "committee_name": committee, "committee_kind": "村（嘎查）", "specialty": "",
        "name": "王秀兰", "gender": "女", "phone": "13904771234", "national_id": "", "role": "调解员",
        "employment": "专职", "grade": "", "joined_on": "2021-03-01", "left_on": "",
    }
    values.update(fields)
    return values


def csv_bytes(rows: list[dict], *, encoding: str = "utf-8-sig", header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(column.key, "") for column in roster.COLUMNS])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], *, header: list[str] = HEADER, sheet_name: str = roster.SHEET_NAME) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = sheet_name
    sheet.append(header)
    for values in rows:
        sheet.append([values.get(column.key, "") for column in roster.COLUMNS] if isinstance(values, dict)
                     else values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
