"""The roster import pages: upload, errors by row and column, preview, confirm, progress JSON, templates."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from people.models import Membership, RosterImport, User
from tests import factories
from tests.people.roster_files import csv_bytes, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def village(townships):
    return townships[0].get_children().first()


@pytest.fixture
def staff(client, county):
    user = factories.bureau_staff(jurisdiction=county)
    client.force_login(user)
    return user


def post_file(client, data: bytes, name="名册.csv", **extra):
    return client.post(reverse("people:roster_import"), {"file": SimpleUploadedFile(name, data), **extra})


def test_the_bureau_home_links_to_the_import_page(client, staff):
    page = client.get(reverse("people:bureau_home")).content.decode()
    assert reverse("people:roster_import") in page and "导入名册" in page


def test_the_import_page_documents_the_columns_in_chinese(client, staff):
    page = client.get(reverse("people:roster_import")).content.decode()
    for text in ("地区代码", "身份证号", "加盐哈希值", "完整名单", "10000 行", "模板（XLSX）"):
        assert text in page, text


def test_a_bad_file_shows_its_errors_by_row_and_column_and_imports_nothing(client, staff, village):
    response = post_file(client, csv_bytes([row(village), row(village, name="李四", phone="12345")]))
    record = RosterImport.objects.get()
    assert response["Location"] == reverse("people:roster_import_detail", args=[record.pk])
    page = client.get(response["Location"]).content.decode()
    assert "文件已退回：有 1 处问题需要改正。未导入任何数据。" in page
    assert "<td class=\"num\">3</td><td>手机号</td><td>手机号码为 11 位数字，以 13–19 开头。</td>" in page
    assert "确认导入" not in page
    assert client.post(reverse("people:roster_import_confirm", args=[record.pk])).status_code == 302
    assert Membership.objects.count() == 0


def test_a_good_file_is_previewed_confirmed_and_imported(client, staff, village, django_capture_on_commit_callbacks):
    response = post_file(client, csv_bytes([row(village), row(village, name="张建国", phone="13800000001")]),
                         full_list="on")
    detail = response["Location"]
    page = client.get(detail).content.decode()
    assert "导入将产生的变化" in page and "确认导入" in page and "张建国" in page
    assert RosterImport.objects.get().full_list

    confirm = reverse("people:roster_import_confirm", args=[RosterImport.objects.get().pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(confirm)["Location"] == detail
    assert set(User.objects.filter(memberships__isnull=False).values_list("name", flat=True)) == {"王秀兰", "张建国"}
    page = client.get(detail).content.decode()
    assert "已导入" in page and "查看我的辖区" in page
    status = client.get(reverse("people:roster_import_status", args=[RosterImport.objects.get().pk])).json()
    assert status["status"] == "done" and status["finished"] and status["percent"] == 100
    assert status["processed"] == status["total"] == 5  # 1 committee, 2 people, 2 memberships


def test_the_status_json_reports_progress_while_running(client, staff, village):
    post_file(client, csv_bytes([row(village)]))
    record = RosterImport.objects.get()
    record.status = RosterImport.Status.RUNNING
    record.save()
    from django.core.cache import cache

    from people.services.roster_import import roster_import_progress_key

    cache.set(roster_import_progress_key(record.pk), 2)
    status = client.get(reverse("people:roster_import_status", args=[record.pk])).json()
    assert (status["processed"], status["total"], status["percent"], status["finished"]) == (2, 3, 67, False)
    assert status["status_label"] == "正在导入"


def test_the_templates_download_with_chinese_headers(client, staff):
    response = client.get(reverse("people:roster_template", args=["csv"]))
    assert response["Content-Type"].startswith("text/csv")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    response = client.get(reverse("people:roster_template", args=["xlsx"]))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["名册", "填写说明"]
    headers = [cell.value for cell in workbook["名册"][1]]
    assert headers[:5] == ["地区代码", "调委会名称", "调委会类型", "专业领域", "姓名"]


def test_an_upload_without_a_file_shows_the_form_error(client, staff):
    response = client.post(reverse("people:roster_import"), {})
    assert response.status_code == 200 and "必需字段" in response.content.decode()
