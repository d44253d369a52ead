"""Taking exams on a phone, in Chinese: answers survive a reload, the server refuses answers after the deadline."""

import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, ROOT, SERVER, login, menu_click, open_menu, screenshot

pytestmark = pytest.mark.browser


def _answer(page, fieldset, choice_index: int = 0):
    """Give the answer in one question and wait until the server has saved it; returns what was picked."""
    with page.expect_response(lambda r: "/answer/" in r.url and r.request.method == "POST") as saved:
        if fieldset.get_attribute("data-kind") == "essay":
            fieldset.locator("textarea").fill("先分别谈话稳定情绪，再依法讲理，促成双方自愿达成协议。")
        else:
            fieldset.locator("label.choice").nth(choice_index).click()
    assert saved.value.status == 200, saved.value.text()
    if fieldset.get_attribute("data-kind") == "essay":
        return fieldset.locator("textarea").input_value()
    return fieldset.locator("input:checked").first.get_attribute("value")


def _open_exam(page, title: str):
    open_menu(page)
    page.click("[data-menu=exams]")
    page.get_by_role("link", name=title).click()
    page.click("[data-testid=start]")
    page.wait_for_selector("form[data-autosave]")


def test_a_timed_exam_keeps_every_answer_through_a_reload_then_is_submitted_and_reviewed(phone):
    login(phone, "mediator")
    _open_exam(phone, "人民调解员培训合格考试")
    assert "剩余时间" in phone.inner_text(".exam-bar")
    questions = phone.locator("fieldset.question")
    total = questions.count()
    assert total == 42
    given = {}
    for i in range(total // 2):
        given[i] = _answer(phone, questions.nth(i))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "exam-take-375")

    phone.reload()
    questions = phone.locator("fieldset.question")
    for i, value in given.items():
        fieldset = questions.nth(i)
        if fieldset.get_attribute("data-kind") == "essay":
            assert fieldset.locator("textarea").input_value() == value
        else:
            assert fieldset.locator("input:checked").first.get_attribute("value") == value
    assert phone.inner_text("[data-answered-count]") == str(total // 2)

    for i in range(total // 2, total):
        _answer(phone, questions.nth(i), choice_index=1)
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.click("[data-submit-attempt]")
    phone.wait_for_url("**/review/")
    text = phone.inner_text("main")
    assert re.search(r"第 \d 次作答：成绩", text) and "等待评分" in text  # the certificate journey may sit first
    assert phone.locator(".review-item").count() == 42 and "您的答案" in text
    assert "正确答案" not in text  # this exam reveals which answers were right, not the key
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "exam-review-375")


def _move_deadline_into_the_past(username: str):
    code = ("from datetime import timedelta; from django.utils import timezone; "
            "from assessments.models import Attempt; "
            f"print(Attempt.objects.filter(user__username='{username}', status='in_progress')"
            ".update(deadline=timezone.now() - timedelta(seconds=1)))")
    result = subprocess.run([sys.executable, str(ROOT / "manage.py"), "shell", "--no-imports", "-c", code],
                            env=SERVER["env"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "1", result


@pytest.fixture
def english_phone(browser, demo_server):
    """A phone whose system language is English (WeChat on it): the site still opens in Chinese."""
    context = browser.new_context(base_url=demo_server, viewport=PHONE, locale="en-US")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_an_answer_after_the_deadline_is_refused_and_earlier_ones_are_kept(english_phone):
    phone = english_phone
    login(phone, "informant")
    _open_exam(phone, "矛盾纠纷信息员合格考试")
    assert phone.locator("fieldset.question:visible").count() == 1  # one question per page
    first = _answer(phone, phone.locator("fieldset.question:visible"))
    status = phone.locator("[data-save-status]")
    # The page reports once it has read the response's body, a moment after the response arrives: wait for it.
    expect(status).to_contain_text("已保存")
    # The time in the page's language, not the phone's ("4:58:37 AM" before).
    assert not re.search(r"\b[AP]M\b", phone.inner_text("[data-save-status]"))

    _move_deadline_into_the_past("informant")
    with phone.expect_response(lambda r: "/answer/" in r.url) as refused:
        phone.locator("fieldset.question:visible label.choice").nth(1).click()
    assert refused.value.status == 409
    expect(status).to_contain_text("考试时间已到")
    assert "截止前的作答均已保存" in status.inner_text()
    choices = phone.locator("fieldset.question:visible label.choice input")
    assert choices.first.is_disabled()
    # The page shows what the server kept, not the refused click.
    assert phone.locator("fieldset.question:visible label.choice input:checked").get_attribute("value") == first
    screenshot(phone, "exam-late-answer-375")

    phone.reload()
    phone.wait_for_url("**/review/")
    text = phone.inner_text("main")
    assert "超时自动交卷" in text
    first_item = phone.locator(".review-item[data-position='1'] li.picked")
    assert first_item.count() == 1 and "您的答案" in first_item.inner_text()


def test_bureau_staff_see_results_and_item_analysis_of_the_exam(desktop):
    login(desktop, "bureau")
    menu_click(desktop, "exam-results")
    desktop.get_by_role("link", name="人民调解员培训合格考试").click()
    text = desktop.inner_text("main")
    assert "分数分布" in text and "试题分析" in text and "难度系数" in text and "区分度" in text
    assert desktop.locator("table.items tbody tr").count() > 20
    screenshot(desktop, "exam-results-bureau")


def test_a_lecturer_grades_a_waiting_essay_on_a_phone(phone):
    login(phone, "lecturer")
    phone.goto("/exams/grading/")
    waiting = int(re.search(r"有 (\d+) 道简答题等待评分", phone.inner_text("main")).group(1))
    assert waiting >= 6  # the demo leaves three attempts with two essays each
    phone.locator("a.button", has_text="评分").first.click()
    phone.fill("input[name=points]", "4")
    phone.fill("textarea[name=comment]", "思路清晰，法条引用准确。")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "exam-grade-essay-375")
    phone.click("button.primary")
    assert "评分已保存" in phone.inner_text("main") and f"有 {waiting - 1} 道简答题" in phone.inner_text("main")
