"""Grades in the browser, at 375 px and on a desktop: the banner's officer opens a grading round, reads the
evidence of the eligible, approves, publishes the list (公示), and anyone reads it with masked names. A mediator
opens their training archive from "my learning"."""

import re

import pytest

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_eligible_approved_and_published(request, viewport):
    page = request.getfixturevalue(viewport)
    login(page, "bureau")
    page.goto("/me/bureau/")
    page.click("[data-testid=grading-rounds-link]")
    assert "等级评定" in page.inner_text("h1")

    # In Chinese: the page audit reads the round's title on the bureau's pages and the public list.
    title = f"达拉特旗浏览器测试评定（{ {'phone': '手机', 'desktop': '电脑'}[viewport] }）"
    form = page.locator("[data-testid=round-open]")
    form.locator("select[name=region]").select_option(label="达拉特旗")
    form.locator("input[name=title]").fill(title)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.inner_text("h1") == title
    assert page.get_attribute("[data-testid=round-status]", "data-status") == "reviewing"

    # The eligible, each with the rule's requirements next to what the person has.
    first = page.locator("[data-testid=candidate]").first
    name = first.locator("h3").inner_text().split(" → ")[0].strip()
    evidence = first.locator("table").inner_text()
    assert "从事调解年限" in evidence and "调解成功率" in evidence and "培训学时" in evidence
    screenshot(page, f"grading-round-{viewport}")

    # A rejection without a reason is refused in Chinese; then the officer approves this one.
    first.locator("input[value=reject]").check()
    first.locator("[data-testid=decide] button[type=submit]").click()
    page.wait_for_load_state()
    assert "请填写不同意的理由" in page.inner_text("main")
    first = page.locator("[data-testid=candidate]").first
    first.locator("input[value=approve]").check()
    first.locator("[data-testid=decide] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=candidate]").first.get_attribute("data-decision") == "approved"

    # Publishing waits for every decision; the officer approves the rest they may rate, then publishes.
    round_url = page.url.split("#")[0]
    if page.locator("[data-testid=approve-rest]").count():
        page.click("[data-testid=approve-rest]")
        page.wait_for_load_state()
    if page.locator("[data-testid=candidate][data-decision=pending]").count():
        # Grades 1–2 are the city's to rate: the demo has no city officer, its administrator stands in.
        page.context.clear_cookies()
        login(page, "admin")
        page.goto(round_url)
        page.click("[data-testid=approve-rest]")
        page.wait_for_load_state()
    page.fill("[data-testid=publish] input[name=days]", "7")
    page.click("[data-testid=publish] button[type=submit]")
    page.wait_for_load_state()
    assert page.get_attribute("[data-testid=round-status]", "data-status") == "published"

    # The public list: masked names, no phone or ID number; anyone may read it.
    public_url = page.get_attribute("[data-testid=public-link]", "href")
    page.context.clear_cookies()
    page.goto("/grading/public/")
    assert title in page.inner_text("main")
    page.goto(public_url)
    table = page.inner_text("[data-testid=public-list]")
    assert name[0] in table and name not in table
    assert not re.search(r"1[3-9]\d{9}|\d{6}\*{4,}", page.content())
    screenshot(page, f"grading-public-{viewport}")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_mediator_opens_their_training_archive(request, viewport):
    page = request.getfixturevalue(viewport)
    login(page, "mediator")
    page.click("[data-testid=my-archive-link]")
    page.wait_for_load_state()
    assert "培训档案" in page.inner_text("h1")
    assert "等级记录" in page.inner_text("[data-testid=archive]")
    with page.expect_download() as download:
        page.click("[data-testid=archive-pdf]")
    assert download.value.suggested_filename.endswith(".pdf")
    screenshot(page, f"grading-archive-{viewport}")
