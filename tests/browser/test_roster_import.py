"""Bureau staff import a roster in the browser: template, a refused file, the fixed file, the people appear."""

import io
import re

import openpyxl
import pytest

from tests.browser.conftest import login, screenshot
from tests.people.roster_files import HEADER

pytestmark = pytest.mark.browser

# 林原村 (Shulinzhao Town) in the demo banner; each viewport imports its own two people.
VILLAGE = "150621100201"
PEOPLE = {
    "phone": [("赵春梅", "女", "13904775501"), ("钱立新", "男", "13904775502")],
    "desktop": [("孙丽华", "女", "13904775601"), ("周长青", "男", "13904775602")],
}


def roster_csv(people, bad_phone: bool) -> bytes:
    lines = [",".join(HEADER)]
    for index, (name, gender, phone) in enumerate(people):
        if bad_phone and index == 1:
            phone = phone[:7]
        lines.append(f"{VILLAGE},林原村人民调解委员会,村（嘎查）,,{name},{gender},{phone},,调解员,兼职,四级调解员,"
                     f"2025-03-0{index + 1},")
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def mediators_on_bureau_home(page) -> int:
    page.goto("/me/bureau/")
    return int(page.locator("[data-testid=jurisdiction-totals] .stat b").nth(1).inner_text())


def upload(page, data: bytes) -> None:
    page.goto("/me/bureau/roster/")
    page.set_input_files("input[type=file]", files=[{"name": "林原村名册.csv", "mimeType": "text/csv", "buffer": data}])
    page.click("[data-testid=roster-upload] button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_bureau_staff_import_a_roster_fixing_a_bad_row(request, viewport):
    page = request.getfixturevalue(viewport)
    people = PEOPLE[viewport]
    login(page, "bureau")
    before = mediators_on_bureau_home(page)

    # From the bureau home to the import page, and its templates.
    page.click("[data-testid=roster-panel] a")
    assert page.url.endswith("/me/bureau/roster/")
    assert "导入调委会及成员名册" in page.inner_text("main") and "地区代码" in page.inner_text("main")
    screenshot(page, f"roster-import-{viewport}")
    with page.expect_download() as download:
        page.click("[data-testid=template-xlsx]")
    assert download.value.suggested_filename == "调解组织人员名册模板.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))  # noqa: SIM115
    assert [cell.value for cell in workbook["名册"][1]] == HEADER
    with page.expect_download() as download:
        page.click("[data-testid=template-csv]")
    assert open(download.value.path(), "rb").read().startswith(b"\xef\xbb\xbf")  # noqa: SIM115

    # One bad row: the file is refused, by row and column, and nothing changes.
    upload(page, roster_csv(people, bad_phone=True))
    main = page.inner_text("main")
    assert "文件已退回" in main and "未导入任何数据" in main
    error_row = page.locator("[data-testid=roster-errors] tbody tr").first.inner_text()
    assert re.match(r"3\s+手机号\s+手机号码为 11 位数字", error_row), error_row
    screenshot(page, f"roster-refused-{viewport}")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert mediators_on_bureau_home(page) == before

    # Fixed: a preview, then the import.
    upload(page, roster_csv(people, bad_phone=False))
    preview = page.locator("[data-testid=roster-preview]").inner_text()
    assert re.search(r"2\s+新增人员", preview) and re.search(r"2\s+新增任职", preview), preview
    screenshot(page, f"roster-preview-{viewport}")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    page.click("[data-testid=roster-confirm] button[type=submit]")
    page.wait_for_selector("[data-testid=roster-progress] [data-role=done]:not([hidden])")
    assert "已导入" in page.inner_text("main")
    screenshot(page, f"roster-done-{viewport}")

    # The people appear: in the banner's counts and in the roster the bureau's systems read.
    assert mediators_on_bureau_home(page) == before + 2
    page.goto(f"/api/v1/members/?region={VILLAGE}&page_size=200&format=json")
    names = page.inner_text("body")
    assert all(name in names for name, _gender, _phone in people)
    assert all(phone not in names for _name, _gender, phone in people)  # masked
