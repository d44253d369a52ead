"""The certification journey on a phone, in Chinese: the demo mediator, who meets every other requirement, passes
the final exam; the certificate is issued by itself; she downloads it; its printed check URL says valid; bureau
staff revoke it; the same URL says revoked."""

import io
import json
import re
import subprocess
import sys

import pytest
from pypdf import PdfReader

from tests.browser.conftest import ROOT, SERVER, login, open_menu, screenshot

pytestmark = pytest.mark.browser


def _server_shell(code: str) -> str:
    """Run Python against the demo server's database (questions are drawn at random; the key stays there)."""
    result = subprocess.run([sys.executable, str(ROOT / "manage.py"), "shell", "--no-imports", "-c", code],
                            env=SERVER["env"], cwd=ROOT, capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


KEY = """
import json
from assessments.models import Attempt
attempt = Attempt.objects.get(user__username='mediator', status='in_progress', quiz__title='人民调解员培训合格考试')
print(json.dumps({row.position: [c.pk for c in row.question.choices.all() if c.is_correct]
                  for row in attempt.questions.select_related('question').prefetch_related('question__choices')}))
"""
# The lecturer who owns the exam grades its two essays (as on /exams/grading/), full marks.
GRADE = """
from assessments import services
from assessments.models import AttemptQuestion
from people.models import User
lecturer = User.objects.get(username='lecturer')
rows = AttemptQuestion.objects.filter(attempt__user__username='mediator', attempt__status='awaiting_grading',
                                      question__kind='essay', score__isnull=True)
for row in list(rows):
    services.essay_grade(attempt_question_id=row.pk, grader=lecturer, points=row.max_score, comment='要点齐全。')
print(len(rows))
"""


def _answer(page, fieldset, correct: list[int]):
    """Give the right answer and wait until the server has saved each click."""
    if fieldset.get_attribute("data-kind") == "essay":
        with page.expect_response(lambda r: "/answer/" in r.url and r.request.method == "POST"):
            fieldset.locator("textarea").fill("先分别谈话稳定情绪，再依法讲理，促成双方自愿达成协议，并制作调解协议书。")
        return
    for choice_id in correct:
        with page.expect_response(lambda r: "/answer/" in r.url and r.request.method == "POST") as saved:
            fieldset.locator(f"label.choice:has(input[value='{choice_id}'])").click()
        assert saved.value.status == 200, saved.value.text()


def test_pass_the_exam_then_download_check_and_see_the_revocation(phone, browser, demo_server):
    login(phone, "mediator")
    name = _server_shell("from people.models import User; print(User.objects.get(username='mediator').name)")
    open_menu(phone)
    phone.click("[data-menu=certificates]")
    assert phone.locator("[data-testid=my-certificate]", has_text="人民调解员培训合格证书").count() == 0

    open_menu(phone)
    phone.click("[data-menu=exams]")
    phone.get_by_role("link", name="人民调解员培训合格考试").click()
    phone.click("[data-testid=start]")
    phone.wait_for_selector("form[data-autosave]")
    key = json.loads(_server_shell(KEY))
    questions = phone.locator("fieldset.question")
    for i in range(questions.count()):
        fieldset = questions.nth(i)
        _answer(phone, fieldset, key[fieldset.get_attribute("data-position")])
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.click("[data-submit-attempt]")
    phone.wait_for_url("**/review/")
    assert "等待评分" in phone.inner_text("main")  # the essays go to the lecturer
    assert _server_shell(GRADE) == "2"

    # The grade that made it a pass issued the certificate in the background, once.
    open_menu(phone)
    phone.click("[data-menu=certificates]")
    card = phone.locator("[data-testid=my-certificate]", has_text="人民调解员培训合格证书")
    assert card.count() == 1 and "有效" in card.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "certificate-journey-mine-375")

    with phone.expect_download() as download:
        card.locator("[data-testid=download-pdf]").click()
    data = download.value.path().read_bytes()
    assert data[:5] == b"%PDF-"
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert name in text and "人民调解员培训合格证书" in text
    # The QR code's target is printed under it too (no pure-Python QR decoder is available to read the image).
    verify_path = re.search(r"/verify/[\w-]+/", text.replace("\n", "")).group(0)
    serial = re.search(r"\d{6}-\d{4}-\d{5}", text).group(0)

    stranger = browser.new_context(base_url=demo_server, viewport={"width": 375, "height": 812}, locale="zh-CN")
    scanner = stranger.new_page()
    scanner.goto(verify_path)
    check = scanner.locator("[data-testid=verification]")
    assert check.get_attribute("data-status") == "valid"
    assert serial in check.inner_text() and "有效" in check.inner_text() and name not in check.inner_text()
    assert scanner.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(scanner, "certificate-journey-verify-valid-375")

    bureau = browser.new_context(base_url=demo_server, viewport={"width": 375, "height": 812}, locale="zh-CN")
    staff = bureau.new_page()
    login(staff, "bureau")
    staff.goto(f"/certificates/bureau/?q={serial}")
    staff.locator("[data-testid=certificate-row] a").first.click()
    staff.fill("textarea[name=revoke-reason]", "经核查考试存在违规行为，依规撤销证书")
    staff.click("[data-testid=revoke]")
    assert "证书已撤销" in staff.inner_text("main")
    screenshot(staff, "certificate-journey-revoked-bureau-375")

    scanner.reload()
    assert check.get_attribute("data-status") == "revoked" and "已撤销" in check.inner_text()
    screenshot(scanner, "certificate-journey-verify-revoked-375")
    stranger.close()
    bureau.close()
