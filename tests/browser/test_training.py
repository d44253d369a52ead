"""The training year in a browser, in Chinese: the bureau sets a duty (desktop, the content admin) → a mediator
sees it on "my learning" with its progress bar (375 px) → attends a rotation session by QR → the duty is complete
→ the bureau previews and confirms the annual review, which passes → the public check says so."""

import datetime

import pytest

from tests.browser.conftest import login, screenshot
from tests.browser.test_rotation import _manage_shell

pytestmark = pytest.mark.browser

DUTY = "实践学时（浏览器测试）"

# A card holder in Shulinzhao Town with no practice (category E) hours this year, a session of a practice module
# running now in their town, and the demo's own annual duties set aside for the test (restored after).
SETUP = """
import datetime
from django.utils import timezone
from certificates.models import Certificate
from courses.models import CourseModulePage, RotationSession
from people.models import Region, User
from training.models import TrainingDuty
from training.selectors import hours_by_category
today = timezone.localdate()
town = Region.objects.get(name="树林召镇")
cards = Certificate.objects.filter(program__slug="mediator", status="issued",
    holder__memberships__committee__region__path__startswith=town.path).select_related("holder").distinct()
hours = hours_by_category(person_ids=[c.holder_id for c in cards], start=today.replace(month=1, day=1), end=today)
card = next(c for c in cards if not hours[c.holder_id].get("E"))
holder = card.holder
holder.set_password("Demo@2026"); holder.save()
TrainingDuty.objects.filter(kind="annual", name__in=["年度培训20学时", "其中法律知识6学时"]).update(is_active=False)
now = timezone.now()
session = RotationSession.objects.create(title="庭审观摩（浏览器测试）", township=town, venue="树林召镇司法所",
    starts_at=now - datetime.timedelta(minutes=10), ends_at=now + datetime.timedelta(hours=3), capacity=30,
    created_by=User.objects.get(username="bureau"))
session.modules.set([CourseModulePage.objects.get(slug="court-observation")])
print(f"{holder.username}|/learn/check-in/{session.checkin_code}/|{card.verification_code}")
"""
RESTORE = ("from training.models import TrainingDuty; "
           "TrainingDuty.objects.filter(kind='annual').update(is_active=True)")


def test_bureau_sets_a_duty_mediator_attends_and_the_annual_review_passes(desktop, phone, demo_server):
    username, checkin, code = _manage_shell(SETUP).splitlines()[-1].split("|")
    try:
        # 1. The bureau sets the duty in the content admin: 3 practice hours a year in Shulinzhao Town.
        login(desktop, "bureau")
        desktop.goto("/admin/snippets/training/trainingduty/add/")
        desktop.select_option("select[name=region]", label="树林召镇")
        desktop.fill("input[name=name]", DUTY)
        desktop.select_option("select[name=kind]", value="annual")
        desktop.fill("input[name=hours]", "3")
        desktop.locator("input[name=categories]").nth(4).check()  # E 实践
        desktop.click("button.action-save")
        desktop.wait_for_load_state()
        assert DUTY in desktop.content()

        # 2. The mediator sees it on "my learning", not yet met.
        login(phone, username)
        phone.goto("/me/learning/")
        duty = phone.locator("[data-testid=duty]", has_text=DUTY)
        assert duty.get_attribute("data-met") == "no"
        assert f"{datetime.date.today().year}-12-31" in duty.inner_text()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        screenshot(phone, "training-duty-open")

        # 3. They attend the session (QR check-in): the duty is complete.
        phone.goto(checkin)
        phone.click("main form button[type=submit]")
        phone.goto("/me/learning/")
        assert phone.locator("[data-testid=duty]", has_text=DUTY).get_attribute("data-met") == "yes"
        screenshot(phone, "training-duty-met")

        # 4. The bureau previews the town's annual review, sees the mediator pass, and confirms.
        desktop.goto("/training/reviews/")
        form = desktop.locator("[data-testid=review-start]")
        form.locator("select[name=region]").select_option(label="树林召镇")
        form.locator("select[name=program]").select_option(label="人民调解员培训合格证书")
        form.locator("input[name=year]").fill(str(datetime.date.today().year))
        form.locator("button[type=submit]").click()
        desktop.wait_for_load_state()
        name = _manage_shell(f"from people.models import User; print(User.objects.get(username='{username}').name)")
        assert name in desktop.locator("[data-testid=review-passing]").inner_text()
        desktop.click("[data-testid=review-confirm]")
        desktop.wait_for_load_state()
        assert desktop.locator("[data-testid=run-status]").inner_text() == "已完成"
        screenshot(desktop, "training-review-done")

        # 5. The public check: valid, reviewed for this year.
        phone.goto(f"/verify/{code}/")
        assert f"有效，已通过{datetime.date.today().year}年度审核" in phone.locator(
            "[data-testid=verification]").inner_text()
    finally:
        _manage_shell(RESTORE)


def test_the_informant_card_review_names_the_missing_yearly_exam(phone, demo_server):
    """The demo's informant card asks for a yearly exam: this year's preview says, in Chinese, who has not passed."""
    run = _manage_shell("from django.utils import timezone; from training.models import ReviewRun; "
                        "print(ReviewRun.objects.get(program__slug='informant', year=timezone.localdate().year).pk)")
    login(phone, "bureau")
    phone.goto(f"/training/reviews/{run.splitlines()[-1]}/")
    missing = phone.locator("[data-testid=review-exam-missing]")
    assert missing.count() and "未通过年审考试" in missing.first.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "training-review-exam-missing")


def test_a_bureau_rejects_several_candidates_at_once_and_withdraws_the_round_at_375px(phone, demo_server):
    title = "达拉特旗批量不同意与撤回测试评定"
    login(phone, "bureau")
    phone.goto("/grading/rounds/")
    form = phone.locator("[data-testid=round-open]")
    form.locator("select[name=region]").select_option(label="达拉特旗")
    form.locator("input[name=title]").fill(title)
    form.locator("button[type=submit]").click()
    phone.wait_for_load_state()
    picks = phone.locator("[data-testid=bulk-pick]")
    assert picks.count() >= 2
    for i in range(2):
        assert picks.nth(i).bounding_box()["height"] >= 44  # thumb-sized
        picks.nth(i).click()
    phone.fill("#reject_reason", "卷宗抽查发现调解协议书不规范，建议下一轮再评。")
    phone.click("[data-testid=reject-selected] button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator("[data-testid=candidate][data-decision=rejected]").count() == 2
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "grading-bulk-rejected")

    phone.click("[data-testid=withdraw] summary")
    phone.fill("#withdraw_reason", "评定条件调整，本轮撤回后重新组织。")
    phone.click("[data-testid=withdraw] button[type=submit]")
    phone.wait_for_load_state()
    assert phone.get_attribute("[data-testid=round-status]", "data-status") == "withdrawn"
    assert "评定条件调整" in phone.inner_text("[data-testid=round-history]")
    phone.goto("/grading/public/")
    assert title not in phone.inner_text("main")
