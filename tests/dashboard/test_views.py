import csv
import io
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser

import openpyxl
import pytest
from django.urls import reverse

from dashboard.models import RegionSnapshot
from tests import factories

from .conftest import populate

pytestmark = pytest.mark.django_db


@pytest.fixture
def county_staff(world, client):
    staff = factories.bureau_staff(jurisdiction=world["county"])
    client.force_login(staff)
    return staff


def test_county_page_drills_to_townships_and_county_committees(world, county_staff, client):
    response = client.get(reverse("coverage:region", args=[world["county"].code]))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("coverage:region", args=[world["jia"].code]) in body
    assert reverse("coverage:committee", args=[world["labor"].pk]) in body
    assert "<svg" in body and "培训和持证覆盖" in body


def test_committee_and_person_pages(world, county_staff, client):
    committee = world["committees"][0]
    response = client.get(reverse("coverage:committee", args=[committee.pk]))
    assert response.status_code == 200
    person = committee.memberships.first().person
    assert person.name in response.content.decode()
    response = client.get(reverse("coverage:person", args=[person.pk]))
    assert response.status_code == 200 and person.name in response.content.decode()


def test_flags_page_lists_the_labor_committee(world, county_staff, client):
    body = client.get(reverse("coverage:flags", args=[world["county"].code])).content.decode()
    assert "测试旗劳动争议人民调解委员会" in body


class _TableReader(HTMLParser):
    """The text of every cell of the page's table ``key`` (inside ``<section data-table="key">``), row by row."""

    def __init__(self, key: str):
        super().__init__()
        self.key, self.inside, self.rows, self.cell = key, False, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "section" and dict(attrs).get("data-table") == self.key:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "section":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def page_table(html: str, key: str) -> list[list[str]]:
    reader = _TableReader(key)
    reader.feed(html)
    return reader.rows


def same_cells(rows) -> list[list]:
    """Cells compared by value: a number on the page (text) equals the same number in a spreadsheet."""
    def value(cell):
        text = "" if cell is None else str(cell)
        try:
            return Decimal(text).normalize()
        except InvalidOperation:
            return text
    return [[value(cell) for cell in row] for row in rows]


@pytest.mark.parametrize("key", ["coverage", "grades", "trend", "activity"])
def test_every_region_table_exports_as_xlsx_and_csv_as_the_page_shows_it(world, county_staff, client, key):
    url = reverse("coverage:region", args=[world["county"].code])
    shown = page_table(client.get(url, {"role": "mediator"}).content.decode(), key)
    assert len(shown) > 1 and all(len(row) == len(shown[0]) for row in shown), shown
    response = client.get(url, {"export": key, "format": "xlsx", "role": "mediator"})
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert same_cells(rows) == same_cells(shown)
    response = client.get(url, {"export": key, "format": "csv", "role": "mediator"})
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert same_cells(rows) == same_cells(shown)
    assert client.get(url, {"export": key, "format": "pdf"}).status_code == 404


def test_coverage_export_matches_the_page(world, county_staff, client):
    url = reverse("coverage:region", args=[world["county"].code])
    shown = page_table(client.get(url).content.decode(), "coverage")
    rows = list(openpyxl.load_workbook(io.BytesIO(client.get(url, {"export": "coverage", "format": "xlsx"}).content))
                .active.values)
    assert same_cells(rows) == same_cells(shown)
    assert rows[0][0] == "地区或调委会"
    assert [r[0] for r in rows[1:]] == ["甲镇", "乙镇", "测试旗劳动争议人民调解委员会", "合计"]
    assert rows[-1][1] == 10
    # A filter narrows the page and its download alike.
    shown = page_table(client.get(url, {"role": "informant"}).content.decode(), "coverage")
    rows = list(openpyxl.load_workbook(io.BytesIO(client.get(
        url, {"export": "coverage", "format": "xlsx", "role": "informant"}).content)).active.values)
    assert same_cells(rows) == same_cells(shown) and rows[-1][1] == 3


def test_flag_tables_export(world, county_staff, client):
    response = client.get(reverse("coverage:flags", args=[world["county"].code]),
                          {"export": "no_woman", "format": "xlsx"})
    assert response.streaming  # read as it is sent (tables.flag_tables without a limit)
    rows = list(openpyxl.load_workbook(io.BytesIO(response.getvalue())).active.values)
    assert rows[1][0] == "测试旗劳动争议人民调解委员会"


def test_township_staff_cannot_open_the_other_township(world, client):
    client.force_login(factories.bureau_staff(jurisdiction=world["jia"]))
    assert client.get(reverse("coverage:region", args=[world["yi"].code])).status_code == 404
    assert client.get(reverse("coverage:committee", args=[world["committees"][2].pk])).status_code == 404
    assert client.get(reverse("coverage:home")).url == reverse("coverage:region", args=[world["jia"].code])


def test_bureau_home_links_the_dashboard(world, county_staff, client):
    body = client.get(reverse("people:bureau_home")).content.decode()
    assert reverse("coverage:home") in body
    assert 'data-menu="coverage"' in body


@pytest.mark.parametrize("level", ["county", "township"])
def test_region_page_queries_do_not_grow(county, townships, program, today, client, count_queries, level):
    """Pinned at two sizes on both paths: figures computed for the view, and figures served from the snapshot."""
    client.force_login(factories.bureau_staff(jurisdiction=county))
    region = county if level == "county" else townships[0]
    url = reverse("coverage:region", args=[region.code])

    def computed():
        RegionSnapshot.objects.all().delete()
        return count_queries(lambda: client.get(url))

    populate(townships[0], program, committees=1, today=today)
    client.get(url)
    small = computed(), count_queries(lambda: client.get(url))
    populate(townships[0], program, committees=5, today=today)
    populate(townships[1], program, committees=4, today=today)
    assert (computed(), count_queries(lambda: client.get(url))) == small
    assert small[0] <= 25  # session, user, groups, settings and the menu included
    assert small[1] <= 18  # one row of figures read instead of computed


def test_flags_page_lists_the_first_rows_and_the_download_all(world, county_staff, client, monkeypatch):
    from dashboard import views

    monkeypatch.setattr(views, "FLAG_ROWS_SHOWN", 2)
    url = reverse("coverage:flags", args=[world["county"].code])
    body = client.get(url).content.decode()
    assert 'data-testid="cut-uncertified"' in body and ">7</span>" in body  # 7 members, 2 listed
    assert 'data-testid="cut-no_woman"' not in body  # one committee: nothing cut
    csv = client.get(url, {"export": "uncertified", "format": "csv"}).getvalue().decode("utf-8-sig")
    assert len(csv.strip().splitlines()) == 1 + 7


def test_a_red_flag_download_is_streamed_in_chunks(world, county_staff, client, monkeypatch):
    """Issue 19: a province's lists run to 100,000 members; the download reads them while it is sent, a chunk at
    a time, instead of building the file first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dashboard import tables

    monkeypatch.setattr(tables, "STREAM_CHUNK", 2)
    url = reverse("coverage:flags", args=[world["county"].code])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"export": "uncertified", "format": "csv"})
        before = len(captured)
        chunks = list(response.streaming_content)
    assert response.streaming and response["Content-Disposition"].startswith("attachment")
    assert len(captured) > before  # the rows were read while the response was sent, not before
    lines = b"".join(chunks).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 7 and lines[0].startswith("姓名")
