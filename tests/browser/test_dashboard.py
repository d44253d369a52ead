"""Bureau staff use the coverage dashboard: drill from the banner to a committee, export XLSX, import a roster (a
refused file first), and see the committee's coverage change."""

import io

import openpyxl
import pytest

from tests.browser.conftest import login, open_menu, screenshot
from tests.browser.test_roster_import import roster_csv, upload

pytestmark = pytest.mark.browser

PEOPLE = {
    "phone": [("吴秀兰", "女", "13904775701"), ("郑国强", "男", "13904775702")],
    "desktop": [("冯玉珍", "女", "13904775801"), ("陈建军", "男", "13904775802")],
}
COMMITTEE = "林原村人民调解委员会"


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def committee_headcount(page, url: str) -> int:
    page.goto(url)
    return int(page.locator("[data-testid=coverage-totals] .stat b").first.inner_text())


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_bureau_drills_down_exports_and_sees_an_import(request, viewport):
    page = request.getfixturevalue(viewport)
    login(page, "bureau")
    open_menu(page)
    page.click("[data-menu=coverage]")
    page.wait_for_load_state()
    assert "达拉特旗：培训和持证覆盖情况" in page.inner_text("h1")
    assert page.locator("[data-chart=trend] svg circle").count() == 12
    screenshot(page, f"coverage-county-{viewport}")
    assert no_sideways_scroll(page)

    # County → township → committee.
    # Phones get a card per row (the table is hidden), desktops the table: the link that shows.
    page.click("[data-table=coverage] a:text-is('树林召镇') >> visible=true")
    page.wait_for_load_state()
    assert "树林召镇" in page.inner_text("h1")
    screenshot(page, f"coverage-township-{viewport}")
    page.click(f"[data-table=coverage] a:text-is('{COMMITTEE}') >> visible=true")
    page.wait_for_load_state()
    assert page.inner_text("h1") == COMMITTEE
    committee_url = page.url
    screenshot(page, f"coverage-committee-{viewport}")
    assert no_sideways_scroll(page)

    # The members table as XLSX: what the page shows.
    with page.expect_download() as download:
        page.click("[data-export=coverage-xlsx]")
    sheet = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active  # noqa: SIM115
    rows = list(sheet.values)
    assert rows[0][:4] == ("姓名", "身份", "所持证书", "有效期至")  # each member's own facts
    before = len(rows) - 1
    assert committee_headcount(page, committee_url) == before

    # A roster with one bad row is refused and changes nothing; the fixed one adds two people.
    people = PEOPLE[viewport]
    upload(page, roster_csv(people, bad_phone=True))
    assert "文件已退回" in page.inner_text("main")
    assert committee_headcount(page, committee_url) == before
    upload(page, roster_csv(people, bad_phone=False))
    page.click("[data-testid=roster-confirm] button[type=submit]")
    page.wait_for_selector("[data-testid=roster-progress] [data-role=done]:not([hidden])")
    assert committee_headcount(page, committee_url) == before + 2
    names = page.inner_text("[data-table=coverage]")
    assert all(name in names for name, _gender, _phone in people)
    screenshot(page, f"coverage-committee-after-import-{viewport}")

    # Red flags and the print view are one tap away.
    page.goto(page.url.split("/coverage/")[0] + "/coverage/")
    page.click("[data-testid=flags-link]")
    assert "预警清单" in page.inner_text("h1")
    screenshot(page, f"coverage-flags-{viewport}")
    assert no_sideways_scroll(page)
