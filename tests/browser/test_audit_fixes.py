"""Issue #18's fixes that only a browser shows: the folded header, date inputs, charts' type size, list filters."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, login, screenshot

pytestmark = pytest.mark.browser


def test_the_phone_menu_is_folded_from_the_first_paint_even_without_javascript(browser, demo_server):
    context = browser.new_context(base_url=demo_server, viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto("/accounts/login/")
    assert not page.locator("#site-nav").is_visible()  # folded by the server's page, no script needed
    page.click(".menu-toggle")  # a link to #site-nav: opens it by itself
    assert page.locator("#site-nav [data-menu=login]").is_visible()
    context.close()


def test_the_bureau_header_is_one_row_at_1280_px_with_training_grouped(desktop):
    login(desktop, "bureau")
    header = desktop.locator(".header-row").bounding_box()
    assert header["height"] < 64, header  # one row: "English" no longer wraps to a second
    assert not desktop.locator("[data-menu=sessions]").is_visible()
    desktop.click("[data-menu-group=training]")
    expect(desktop.locator("[data-menu=sessions]")).to_be_visible()
    screenshot(desktop, "audit-header-bureau-1280")
    desktop.mouse.click(640, 700)  # a tap elsewhere on the page folds the group again
    expect(desktop.locator("[data-menu=sessions]")).to_be_hidden()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_session_report_shows_its_dates_and_accepts_them(browser, demo_server, viewport):
    context = browser.new_context(base_url=demo_server, viewport=viewport, locale="zh-CN")
    page = context.new_page()
    login(page, "bureau")
    page.goto("/learn/sessions/report/")
    start = page.locator("input[name=start]")
    assert start.input_value().endswith("-01-01")  # the browser kept the server's value (ISO)
    start.fill("2026-01-01")
    page.locator("main button[type=submit], main .button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator(".errorlist").count() == 0 and "start=2026-01-01" in page.url
    # Every date and time input on the bureau's forms holds a value the browser accepts.
    for path in ("/learn/sessions/new/", "/learn/assign/"):
        page.goto(path)
        for field in page.locator("input[type=date], input[type=datetime-local]").all():
            assert field.evaluate("el => el.validity.badInput") is False
    context.close()


def test_chart_labels_are_the_same_size_at_both_widths(browser, demo_server):
    sizes = {}
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(base_url=demo_server, viewport=viewport, locale="zh-CN")
        page = context.new_page()
        login(page, "bureau")
        page.goto("/coverage/")
        label = page.locator("[data-chart=bars] .chart-label").first
        sizes[name] = label.evaluate("el => el.getBoundingClientRect().height")
        context.close()
    # Drawn at 14 px: about 16-20 px tall at both widths (scaled drawings were 12 px and ~26 px).
    assert all(14 <= height <= 21 for height in sizes.values()), sizes


def test_a_long_committee_list_filters_as_the_officer_types(phone):
    login(phone, "bureau")
    phone.goto("/learn/assign/")
    box = phone.locator("[data-filter-list]").filter(has=phone.locator("input[name=committees]"))
    search = box.locator(".filter-list-search")
    expect(search).to_be_visible()
    rows = box.locator("input[name=committees]")
    total = rows.count()
    assert total > 40
    first_row = box.locator("label").first
    assert first_row.bounding_box()["height"] >= 44
    search.fill("树林召")
    visible = [r for r in rows.all() if r.is_visible()]
    assert 0 < len(visible) < total
    visible[0].check()
    search.fill("没有这个调委会")
    expect(box.locator(".filter-list-empty")).to_be_hidden()  # the ticked one stays in view
    assert [r.is_visible() for r in rows.all()].count(True) == 1
    screenshot(phone, "audit-assign-filter-375")
