"""The rotation loop on a phone (375 px), in Chinese: a township officer orders two modules → the bureau schedules a
session from the order with a suggested lecturer → the lecturer confirms and prints the sign-in sheet → mediators
check in by QR → they rate it → the report counts the session, the participants and the ratings."""

import datetime
import subprocess
import sys

import pytest

from tests.browser.conftest import ROOT, SERVER, login, screenshot

pytestmark = pytest.mark.browser

TITLE = "树林召镇菜单式轮训：调解法与技巧（测试）"


def _manage_shell(code: str) -> str:
    result = subprocess.run([sys.executable, str(ROOT / "manage.py"), "shell", "--no-imports", "-c", code],
                            env=SERVER["env"], cwd=ROOT, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def _start_the_session_now() -> str:
    """The session is days ahead; check-in opens only while it runs, so move it to now. Returns its check-in URL."""
    return _manage_shell(
        "from datetime import timedelta; from django.utils import timezone; "
        "from courses.models import RotationSession; "
        f"s = RotationSession.objects.get(title='{TITLE}'); now = timezone.now(); "
        "RotationSession.objects.filter(pk=s.pk).update(starts_at=now - timedelta(minutes=10), "
        "ends_at=now + timedelta(hours=3)); print(f'/learn/check-in/{s.checkin_code}/')")


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url


def _figures(page) -> dict[str, str]:
    page.goto("/rotation/report/")
    return {key: page.locator(f"[data-testid={key}]").inner_text()
            for key in ("sessions-held", "participants", "ratings")}


def test_order_dispatch_deliver_rate_report(phone, browser, demo_server):
    login(phone, "bureau")
    before = _figures(phone)
    phone.context.clear_cookies()

    # 1. The township officer orders two modules.
    login(phone, "township")
    phone.goto("/me/bureau/")
    phone.click("[data-testid=rotation-bureau-panel] >> text=培训点单")
    assert phone.locator("h1").inner_text() == "培训点单"
    phone.locator("label:has-text('人民调解法及配套规定解读') input").check()
    phone.locator("label:has-text('调解技巧（') input").check()
    today = datetime.date.today()
    phone.fill("input[name=headcount]", "30")
    phone.fill("input[name=preferred_from]", (today + datetime.timedelta(days=30)).isoformat())
    phone.fill("input[name=preferred_to]", (today + datetime.timedelta(days=50)).isoformat())
    _fits(phone)
    screenshot(phone, "rotation-order-375")
    phone.click("[data-testid=order-form] button[type=submit]")
    assert "点单已提交司法局" in phone.inner_text(".messages")
    assert "新" in phone.locator("[data-testid=my-order]").first.inner_text()
    phone.context.clear_cookies()

    # 2. The bureau schedules a session from that order with a suggested lecturer.
    login(phone, "bureau")
    phone.goto("/rotation/orders/")
    queue = phone.locator("[data-testid=township-queue]", has_text="树林召镇")
    for line in queue.locator("[data-testid=order]").all():
        wanted = "人民调解法及配套规定解读" in line.inner_text() and "调解技巧" in line.inner_text()
        line.locator("input[type=checkbox]").set_checked(wanted)
    _fits(phone)
    screenshot(phone, "rotation-queue-375")
    queue.locator("button:has-text('为勾选的点单安排轮训')").click()
    phone.fill("input[name=title]", TITLE)
    phone.fill("input[name=day]", (today + datetime.timedelta(days=40)).isoformat())
    phone.click("button[name=suggest]")
    suggestions = phone.locator("[data-testid=suggestions]")
    assert "王志强" in suggestions.inner_text()
    suggestions.locator("label:has-text('王志强') input").check()
    _fits(phone)
    screenshot(phone, "rotation-schedule-375")
    phone.click("button[name=schedule]")
    assert "已请王志强确认" in phone.inner_text(".messages")
    phone.context.clear_cookies()

    # 3. The lecturer confirms and prints the sign-in sheet.
    login(phone, "lecturer")
    phone.goto("/rotation/lecturer/")
    invitation = phone.locator("[data-testid=waiting]", has_text=TITLE)
    invitation.locator("button:has-text('确认')").click()
    assert "已确认" in phone.inner_text(".messages")
    upcoming = phone.locator("[data-testid=upcoming]", has_text=TITLE)
    sheet = phone.request.get(upcoming.locator("[data-testid=sheet]").get_attribute("href"))
    assert sheet.ok and sheet.headers["content-type"] == "application/pdf" and sheet.body().startswith(b"%PDF")
    _fits(phone)
    screenshot(phone, "rotation-lecturer-375")
    phone.context.clear_cookies()

    # 4. Mediators check in by QR and rate the session.
    checkin = _start_the_session_now()
    for username in ("mediator", "informant"):
        login(phone, username)
        phone.goto(checkin)
        phone.click("main form button[type=submit]")
        panel = phone.locator("[data-testid=rotation-panel]")
        panel.locator("[data-testid=to-rate]", has_text=TITLE).locator("a").click()
        form = phone.locator("[data-testid=rating-form]")
        for name in ("overall", "lecturer_score"):
            form.locator(f"input[name={name}][value='5']").check()
        for group in form.locator("input[type=radio][name^=module_][value='4']").all():
            group.check()
        form.locator("textarea[name=comment]").fill("案例实用，讲解清楚。")
        _fits(phone)
        screenshot(phone, f"rotation-rate-{username}-375")
        form.locator("button[type=submit]").click()
        assert "感谢您的评价" in phone.inner_text(".messages")
        phone.context.clear_cookies()

    # 5. The report counts the session, the participants and the ratings.
    login(phone, "bureau")
    after = _figures(phone)
    assert int(after["sessions-held"]) == int(before["sessions-held"]) + 1
    assert int(after["ratings"]) == int(before["ratings"]) + 2
    assert int(after["participants"]) >= int(before["participants"])
    assert TITLE in phone.inner_text("main")
    _fits(phone)
    screenshot(phone, "rotation-report-375")
    phone.locator("tr", has_text=TITLE).locator("a:has-text('评价')").click()
    assert phone.locator("[data-testid=rating]").count() == 2
