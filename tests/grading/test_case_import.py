"""Case figures from the bureau's case system: the file import (atomic, idempotent, formula-safe, errors by row and
column in Chinese, only people in the uploader's jurisdiction) and the API."""

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from grading import services
from grading.models import CaseFigures
from tests import factories

pytestmark = pytest.mark.django_db
HEADER = "年度,姓名,手机号,身份证号,调解案件数,调解成功数\n"


def upload(world, text: str, user=None, name="案件.csv"):
    with translation.override("zh-hans"):
        return services.case_figures_import(user=user or world.county_staff, file_name=name,
                                            data=text.encode("utf-8"))


def test_a_good_file_is_imported_and_importing_it_again_changes_nothing(world):
    text = HEADER + "2024,王秀兰,13904771234,,40,38\n2025,王秀兰,139 0477 1234,,52,49\n"
    result = upload(world, text)
    assert (result.errors, result.rows, result.changed) == ([], 2, 2)
    assert sorted(CaseFigures.objects.values_list("year", "cases_mediated", "cases_successful")) == [
        (2024, 40, 38), (2025, 52, 49)]
    again = upload(world, text)
    assert (again.errors, again.rows, again.changed) == ([], 2, 0)
    assert CaseFigures.objects.count() == 2


def test_one_bad_row_refuses_the_whole_file_with_row_and_column_in_chinese(world):
    CaseFigures.objects.create(person=world.mediator, year=2024, cases_mediated=1, cases_successful=1,
                               source="manual")
    text = HEADER + "2024,王秀兰,13904771234,,40,38\n2025,王秀兰,13904771234,,10,12\n2025,无名氏,13900000000,,3,3\n"
    result = upload(world, text)
    problems = {(e.line, e.column): e.message for e in result.errors}
    assert problems[(3, "cases_successful")] == "调解成功数多于调解案件数。"
    assert "辖区内没有" in problems[(4, "phone")]
    assert CaseFigures.objects.get().cases_mediated == 1  # nothing written, not even the good row


def test_formulas_and_numbers_that_are_not_counts_are_refused(world):
    result = upload(world, HEADER + '2025,王秀兰,13904771234,,=1+1,3\n2025,王秀兰,13904771234,,三十,3\n')
    assert {(e.line, e.column) for e in result.errors} == {(2, "cases_mediated"), (3, "cases_mediated")}
    assert not CaseFigures.objects.exists()


def test_people_outside_the_jurisdiction_are_unknown(world):
    stranger_committee = factories.CommitteeFactory(region=factories.region(name="外旗"))
    factories.mediator(committee=stranger_committee, name="外人", phone="13811112222")
    result = upload(world, HEADER + "2025,外人,13811112222,,5,5\n")
    assert result.errors and not CaseFigures.objects.exists()
    township = upload(world, HEADER + "2025,王秀兰,13904771234,,5,5\n", user=world.outside_staff)
    assert township.errors


def test_an_xlsx_file_is_read_too(world):
    book = openpyxl.Workbook()
    book.active.append(["年度", "姓名", "手机号", "身份证号", "调解案件数", "调解成功数"])
    book.active.append([2025, "王秀兰", "13904771234", None, 30, 27])
    out = io.BytesIO()
    book.save(out)
    result = services.case_figures_import(user=world.county_staff, file_name="案件.xlsx", data=out.getvalue())
    assert not result.errors and CaseFigures.objects.get().cases_successful == 27


def test_the_upload_page_shows_the_errors(client, world):
    client.force_login(world.county_staff)
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = (HEADER + "2025,王秀兰,13904771234,,5,9\n").encode()
    page = client.post(reverse("grading:case_figures"), {"file": SimpleUploadedFile("案件.csv", data)})
    assert page.status_code == 200 and "调解成功数多于调解案件数" in page.content.decode()
    ok = client.post(reverse("grading:case_figures"), {
        "file": SimpleUploadedFile("案件.csv", (HEADER + "2025,王秀兰,13904771234,,9,5\n").encode())})
    assert ok.status_code == 302 and CaseFigures.objects.get().cases_mediated == 9


def test_the_api_sets_figures_inside_the_jurisdiction_only(client, world):
    client.force_login(world.county_staff)
    body = {"person": world.mediator.pk, "year": 2025, "cases_mediated": 12, "cases_successful": 11}
    assert client.post("/api/v1/case-figures/", body, content_type="application/json").status_code == 201
    assert client.post("/api/v1/case-figures/", body, content_type="application/json").status_code == 201
    assert CaseFigures.objects.get().source == CaseFigures.Source.API
    listed = client.get("/api/v1/case-figures/?year=2025").json()["results"]
    assert [(row["person_name"], row["cases_mediated"]) for row in listed] == [("王秀兰", 12)]
    bad = client.post("/api/v1/case-figures/", {**body, "cases_successful": 13}, content_type="application/json")
    assert bad.status_code == 400
    client.force_login(world.outside_staff)
    refused = client.post("/api/v1/case-figures/", body, content_type="application/json")
    assert refused.status_code == 400 and CaseFigures.objects.get().cases_mediated == 12
    assert client.get("/api/v1/case-figures/").json()["results"] == []
