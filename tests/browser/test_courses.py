"""Course journeys on a phone, in Chinese: a mediator studies and practises; a lecturer's case review goes through
the bureau's moderation before it is public."""

import re

import pytest

from tests.browser.conftest import login, open_menu, screenshot

pytestmark = pytest.mark.browser


def _hours(page) -> float:
    page.goto("/me/learning/")
    return float(page.locator("[data-testid=hours] b").inner_text().split("/")[0])


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url


def test_a_mediator_enrols_studies_practises_and_sees_progress(phone):
    login(phone, "mediator")
    hours_before = _hours(phone)
    open_menu(phone)
    phone.click("[data-menu=menu]")
    assert phone.locator("h1").inner_text() == "培训菜单"
    assert phone.locator("[data-testid=module]").count() == 24  # 23 modules and the new-law module (training demo)
    _no_sideways_scroll(phone)
    screenshot(phone, "courses-menu-375")

    phone.click("text=沟通与心理疏导")
    phone.click("[data-testid=enrol]")
    assert "您已报名学习" in phone.inner_text("main")
    assert "已学 0 / 2 课" in phone.inner_text("[data-testid=module-progress]")
    phone.clock.install()  # the lessons' reading time passes on the page's clock, not the test's
    phone.click(".lesson-list a >> nth=0")
    assert "积极倾听与有效提问" in phone.locator("h1").inner_text()
    screenshot(phone, "courses-lesson-375")
    _no_sideways_scroll(phone)
    phone.clock.run_for(61_000)
    phone.click("[data-testid=complete]")
    assert "本课时已完成" in phone.inner_text("main")
    phone.wait_for_load_state()  # the next lesson's script counts only once it runs
    phone.clock.run_for(61_000)
    phone.click("[data-testid=complete]")  # the second lesson: the module is done
    assert "已学 2 / 2 课（100%）" in phone.inner_text("[data-testid=module-progress]")
    screenshot(phone, "courses-module-done-375")

    phone.goto("/menu/simulated-mediation/")
    phone.click("text=模拟调解：母子赡养纠纷（亲情融化）")
    phone.click("[data-testid=start]")
    html = phone.content()
    assert "先让双方充分陈述" not in html  # feedback stays on the server until chosen
    phone.click("text=请双方坐下，先让老人把话说完")
    assert "先让双方充分陈述" in phone.inner_text("[data-testid=feedback]")
    screenshot(phone, "courses-scenario-step-375")
    phone.click("text=请老人讲讲儿子小时候生病")
    phone.click("text=请妹妹也来调委会")
    assert phone.locator("h1").inner_text() == "签订书面赡养协议"
    assert phone.locator("[data-testid=score] b").inner_text() == "100%"
    assert "情绪疏导" in phone.inner_text("main")
    _no_sideways_scroll(phone)
    screenshot(phone, "courses-scenario-result-375")

    # The module's 3 hours and the finished scenario's 1 hour (what the training demo's lecturers credit a scenario).
    assert _hours(phone) == hours_before + 3 + 1
    learning = phone.inner_text("[data-testid=learning-panel]")
    assert "沟通与心理疏导" in learning and "已完成" in learning
    screenshot(phone, "courses-my-learning-375")


def _library_admin_id(page) -> str:
    """The case library's id, from the lecturer's page explorer (the row whose live link is /cases/)."""
    page.goto("/admin/pages/")
    row = page.locator("tr", has=page.locator("a[href='/cases/']"))
    href = row.locator("a[href^='/admin/pages/']").first.get_attribute("href")
    return re.search(r"/admin/pages/(\d+)/", href).group(1)


def _click_hidden(page, selector: str):
    """Buttons folded into Wagtail's action dropdown: click them as the dropdown would."""
    with page.expect_navigation():
        page.locator(selector).evaluate("button => button.click()")


def _type_rich_text(page, field: str, text: str):
    editor = page.locator(f"[data-contentpath={field}] [contenteditable=true]")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(text)
    page.wait_for_timeout(500)  # Draftail writes its hidden input after a short debounce


def test_a_case_review_is_refused_with_a_phone_number_then_approved_and_public(phone, browser, demo_server):
    login(phone, "lecturer")
    # Once Wagtail's scripts run (the title is copied into the slug only then).
    phone.goto(f"/admin/pages/add/courses/casereviewpage/{_library_admin_id(phone)}/", wait_until="networkidle")
    phone.fill("#id_title", "邻里漏水纠纷调解一案")
    phone.select_option("#id_dispute_category", label="邻里")
    phone.select_option("#id_working_method", label="外力协助")
    phone.select_option("#id_outcome", label="达成调解协议")
    _type_rich_text(phone, "facts", "楼上住户刘某家水管漏水，浸湿楼下赵某家天花板。赵某电话13904771234。")
    phone.locator("button.c-sf-add-button").first.click()  # one block type: a step is inserted at once
    phone.select_option("select[name='process-0-value-stage']", label="受理登记")
    phone.fill("textarea[name='process-0-value-text']", "社区调委会受理后，请楼长一同上门查看漏水点。")
    _type_rich_text(phone, "commentary", "请楼长协助，体现了外力协助的方法。")
    phone.fill("#id_party_names", "刘志强\n赵明亮")
    _click_hidden(phone, "button[name=action-submit]")
    errors = phone.inner_text("body")
    assert "请先对案例进行匿名处理" in errors and "疑似电话号码" in errors
    assert phone.locator("#id_title").input_value() == "邻里漏水纠纷调解一案"  # nothing typed is lost
    screenshot(phone, "courses-case-refused-375")

    _type_rich_text(phone, "facts", "楼上住户刘某家水管漏水，浸湿楼下赵某家天花板。")
    _click_hidden(phone, "button[name=action-submit]")
    assert "已创建并提交审核" in phone.inner_text("body")
    screenshot(phone, "courses-case-submitted-375")
    edit_link = phone.locator("a[href$='/edit/']:has-text('编辑')").first.get_attribute("href")
    phone.goto("/cases/")
    assert "邻里漏水纠纷调解一案" not in phone.inner_text("main")  # not public before approval

    context = browser.new_context(base_url=demo_server, viewport={"width": 375, "height": 812}, locale="zh-CN")
    reviewer = context.new_page()
    login(reviewer, "bureau")
    reviewer.goto(edit_link)
    _click_hidden(reviewer, "button[data-workflow-action-name=approve]:not([data-workflow-action-modal-url])")
    assert "已被更新" in reviewer.inner_text("body")
    screenshot(reviewer, "courses-case-approved-375")
    reviewer.goto("/cases/")
    reviewer.click("text=邻里漏水纠纷调解一案")
    body = reviewer.inner_text("main")
    assert "天花板" in body and "外力协助" in body
    assert "13904771234" not in body and "刘志强" not in body
    _no_sideways_scroll(reviewer)
    screenshot(reviewer, "courses-case-public-375")
    context.close()


def test_bureau_staff_see_the_rotation_report_with_a_qr_code(desktop):
    login(desktop, "bureau")
    assert "菜单式轮训" in desktop.inner_text("[data-testid=training-panel]")
    desktop.goto("/learn/sessions/")
    desktop.click("text=树林召镇菜单式轮训：相邻关系与调解技巧")
    assert desktop.locator("[data-testid=qr] svg").count() == 1
    assert "张秀兰" in desktop.inner_text("main")
    screenshot(desktop, "courses-session-desktop")
    desktop.goto("/learn/sessions/report/")
    assert "按调委会" in desktop.inner_text("main")
    screenshot(desktop, "courses-report-desktop")
