"""Issue 17, offline, on a 375 px phone in Chromium: the app installs (manifest, service worker), a downloaded
module opens with the network off, an uncached page shows the local offline page, a lesson completed offline lands
once when the network returns, and a lecturer's offline check-in of three people syncs once."""

import json
import subprocess
import sys
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, SERVER, login, screenshot

pytestmark = pytest.mark.browser


def _shell(code: str) -> str:
    result = subprocess.run([sys.executable, str(ROOT / "manage.py"), "shell", "--no-imports", "-c", code],
                            env=SERVER["env"], cwd=ROOT, capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


def _until(page, script: str, seconds: float = 10) -> None:
    """Poll ``script`` (a JS expression) until it is true. Not wait_for_function: it evaluates its predicate with
    eval, which the site's Content-Security-Policy forbids."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(f"() => Boolean({script})"):
        assert time.monotonic() < deadline, f"still false after {seconds} s: {script}"
        time.sleep(0.2)


def _controlled(page) -> None:
    """Wait for the service worker, then reload so that it controls the page."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    _until(page, "navigator.serviceWorker.controller !== null")


def _fresh_lesson(username: str) -> dict:
    """A live lesson ``username`` has not completed and that has no self-check (the self-check's own test answers
    one), with its module: {module, lesson, id, title}."""
    return json.loads(_shell(
        "import json; from courses.models import LessonPage; "
        f"l = next(l for l in LessonPage.objects.live().exclude(completions__person__username='{username}')"
        ".filter(self_check_questions__isnull=True).order_by('path')"
        " if not l.main_media()); "  # a reading lesson: its time passes on the page's clock
        "print(json.dumps({'module': l.get_parent().url, 'lesson': l.url, 'id': l.pk, 'title': l.title}))"))


def test_the_manifest_parses_and_the_service_worker_controls_the_page(phone):
    login(phone, "mediator")
    href = phone.get_attribute("link[rel=manifest]", "href")
    manifest = phone.evaluate("async (url) => (await fetch(url)).json()", href)
    assert manifest["name"] == "调解员学院" and manifest["display"] == "standalone"
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        assert phone.evaluate("async (url) => (await fetch(url)).ok", icon["src"])
    _controlled(phone)
    assert phone.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/sw.js")


def test_a_downloaded_module_opens_offline_and_other_pages_show_the_offline_page(phone):
    login(phone, "mediator")
    _controlled(phone)
    target = _fresh_lesson("mediator")
    phone.goto(target["module"])
    download = phone.locator("[data-testid=download-offline]")
    assert download.bounding_box()["height"] >= 44
    download.click()
    _until(phone, "document.querySelector('[data-offline-download]').dataset.downloaded === '1'")
    assert "已于" in phone.inner_text("[data-testid=download-state]")
    module_title = phone.inner_text("h1")
    phone.context.set_offline(True)
    try:
        phone.goto(target["lesson"])
        assert phone.inner_text("h1") == target["title"]
        assert phone.locator("[data-offline-status]").is_visible()
        assert "没有网络" in phone.inner_text("[data-offline-status]")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        screenshot(phone, "offline-lesson-375")
        phone.goto(target["module"])
        assert phone.inner_text("h1") == module_title
        phone.goto("/me/notices/")  # never downloaded
        assert phone.locator("[data-testid=offline-page]").is_visible()
        assert phone.inner_text("h1") == "没有网络"
        assert phone.locator("[data-offline-downloads] a", has_text=module_title).count() == 1
        screenshot(phone, "offline-page-375")
    finally:
        phone.context.set_offline(False)


def test_a_lesson_completed_offline_lands_once_when_the_network_returns(phone):
    login(phone, "informant")
    _controlled(phone)
    target = _fresh_lesson("informant")
    phone.clock.install()  # the lesson's reading time passes on the page's clock, not the test's
    phone.goto(target["lesson"])
    phone.context.set_offline(True)
    phone.clock.run_for(61_000)
    phone.click("[data-testid=complete]")
    assert phone.locator("[data-testid=queued]").is_visible()
    assert phone.inner_text("[data-testid=queue-count]") == "等待发送（1）"
    key = phone.evaluate("JSON.parse(localStorage.getItem('offline-queue'))[0].key")
    count = ("from courses.models import LessonCompletion; from people.models import IdempotencyKey; "
             f"print(LessonCompletion.objects.filter(person__username='informant', lesson_id={target['id']}).count(),"
             f" IdempotencyKey.objects.filter(key='{key}').count())")
    assert _shell(count) == "0 0"
    screenshot(phone, "offline-queued-375")
    phone.context.set_offline(False)
    _until(phone, "!JSON.parse(localStorage.getItem('offline-queue')).length")
    phone.wait_for_selector("[data-testid=queue-count]", state="hidden")
    # The same write again (a second tab, an answer lost on the way): a no-op success.
    again = phone.evaluate("""async ([url, key]) => {
        const body = new FormData();
        body.set('csrfmiddlewaretoken', document.querySelector('input[name=csrfmiddlewaretoken]').value);
        body.set('idempotency_key', key);
        const response = await fetch(url, {method: 'POST', body, headers: {Accept: 'application/json'}});
        return response.json(); }""", [f"/learn/lessons/{target['id']}/complete/", key])
    assert again["ok"] is True
    assert _shell(count) == "1 1"
    phone.goto(target["lesson"])
    assert phone.locator("[data-testid=lesson-done]").is_visible()


SELF_CHECK_LESSON = "/menu/mediation-law/lesson-1/"  # 人民调解的性质与三项原则: two questions at its end


def test_a_self_check_is_answered_with_instant_feedback_online_and_offline_and_lands_once(phone):
    login(phone, "informant")
    phone.goto(SELF_CHECK_LESSON)
    check = phone.locator("[data-testid=self-check]")
    assert check.is_visible() and "课后自测" in check.inner_text()
    assert "已答0题，共2题" in phone.inner_text("[data-testid=self-check-state]")
    for box in phone.locator("[data-testid=self-check] label.choice").all():
        assert box.bounding_box()["height"] >= 44  # thumb-sized choices
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    # Nothing on the page says which choice is right before answering.
    assert phone.locator("[data-testid=self-check] .correct, [data-testid=self-check-feedback]").count() == 0
    phone.click("[data-testid=complete]")
    assert "请先完成课后自测" in phone.inner_text(".messages")

    # Online: a plain POST, and the page shows the feedback where the question was.
    phone.locator("[data-testid=self-check-item]").first.locator("label.choice").first.click()
    phone.locator("[data-testid=self-check-item]").first.locator("[data-testid=self-check-submit]").click()
    feedback = phone.locator("[data-testid=self-check-feedback]")
    expect(feedback).to_have_count(1)  # count() does not wait for the page the POST answered with
    assert ("答对" in feedback.inner_text() or "答错" in feedback.inner_text())
    assert "第二条" in phone.inner_text("[data-testid=self-check]")  # the explanation quotes the article
    screenshot(phone, "self-check-feedback-375")

    # Offline: the answer waits in the queue and lands once when the network returns.
    phone.context.set_offline(True)
    phone.locator("[data-testid=self-check-item]").nth(1).locator("label.choice").first.click()
    phone.locator("[data-testid=self-check-item]").nth(1).locator("[data-testid=self-check-submit]").click()
    assert phone.locator("[data-testid=queued]").is_visible()
    assert phone.inner_text("[data-testid=queue-count]") == "等待发送（1）"
    count = ("from assessments.models import SelfCheckAnswer; print(SelfCheckAnswer.objects.filter("
             "person__username='informant', lesson__url_path__endswith='/mediation-law/lesson-1/').count())")
    assert _shell(count) == "1"
    phone.context.set_offline(False)
    _until(phone, "!JSON.parse(localStorage.getItem('offline-queue')).length")
    assert _shell(count) == "2"
    phone.goto(SELF_CHECK_LESSON)
    assert phone.locator("[data-testid=self-check-feedback]").count() == 2
    assert "课后自测已完成" in phone.inner_text("[data-testid=self-check-state]")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "self-check-done-375")


def test_the_demo_s_private_handout_downloads_only_for_people_enrolled_in_its_module(phone):
    """The law module's lesson 3 carries a PDF for enrolled people only: the mediator (enrolled) gets it, the
    informant (not enrolled) does not, and it is nowhere under /media/ nor at Wagtail's document address."""
    handout = json.loads(_shell(
        "import json; from courses.models import PrivateHandout; h = PrivateHandout.objects.get(); "
        "print(json.dumps({'doc': h.document.url, 'name': h.filename}))"))
    fetch = "async (url) => { const r = await fetch(url); return [r.status, r.headers.get('Content-Type') || '']; }"
    for username, status in (("mediator", 200), ("informant", 403)):
        login(phone, username)
        phone.goto("/menu/mediation-law/lesson-3/")
        link = phone.locator("[data-testid=private-handout]")
        assert link.bounding_box()["height"] >= 44
        got, kind = phone.evaluate(fetch, link.get_attribute("href"))
        assert got == status and (status != 200 or kind == "application/pdf")
        assert phone.evaluate(fetch, handout["doc"])[0] == 404
        assert phone.evaluate(fetch, f"/media/documents/{handout['name']}")[0] == 404
        phone.context.clear_cookies()


def test_offline_check_in_of_three_people_syncs_once(phone):
    session_id = _shell(
        "from datetime import timedelta; from django.utils import timezone; "
        "from courses.models import CourseModulePage, RotationSession, SessionSignup; "
        "from people.models import Membership, Region, User; "
        "lecturer = User.objects.get(username='lecturer'); bureau = User.objects.get(username='bureau'); "
        "m = Membership.objects.active().select_related('committee__region').order_by('pk').first(); "
        "township = m.committee.region if m.committee.region.depth == 3 else m.committee.region.get_parent(); "
        "now = timezone.now(); "
        "s = RotationSession.objects.create(title='离线签到测试', township=township, venue='嘎查活动室', "
        "starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=2), capacity=30, created_by=bureau); "
        "s.modules.set([CourseModulePage.objects.live().first()]); s.lecturers.set([lecturer]); "
        "people = User.objects.filter(memberships__committee__region__path__startswith=township.path)"
        ".distinct().order_by('pk')[:4]; "
        "[SessionSignup.objects.create(session=s, person=p) for p in people]; print(s.pk)")
    login(phone, "lecturer")
    _controlled(phone)
    phone.goto(f"/learn/sessions/{session_id}/")  # the lecturer opens it once before leaving for the venue
    roster = json.loads(phone.inner_text("#offline-roster"))
    codes = sorted(roster)[:3]
    phone.context.set_offline(True)
    try:
        phone.reload()  # served by the service worker from its copy
        assert phone.locator("[data-offline-status]").is_visible()
        field = phone.locator("#attendee-code")
        assert field.bounding_box()["height"] >= 44
        for code in codes + codes[:1]:  # the first person scanned twice
            field.fill(code.lower())
            phone.click(".code-form button")
        assert "只计一次" in phone.inner_text("[data-testid=checkin-message]")
        field.fill("1-XXXXXX")
        phone.click(".code-form button")
        assert "不在本场次的名单上" in phone.inner_text("[data-testid=checkin-message]")
        assert phone.locator("[data-testid=checkin-list] li").count() == 3
        assert phone.inner_text("[data-testid=queue-count]") == "等待发送（3）"
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        screenshot(phone, "offline-check-in-375")
    finally:
        phone.context.set_offline(False)
    phone.wait_for_selector("[data-testid=queue-count]", state="hidden")
    counted = _shell("from courses.models import SessionAttendance; "
                     f"a = SessionAttendance.objects.filter(session_id={session_id}); "
                     "print(a.count(), a.values('person').distinct().count(), "
                     "sorted(set(a.values_list('method', flat=True))))")
    assert counted == "3 3 ['offline']"
    phone.reload()
    assert phone.locator("[data-testid=attendance-method]", has_text="讲师离线记录").count() == 3


def test_exam_pages_say_they_need_a_connection_when_offline(phone):
    login(phone, "mediator")
    phone.goto("/exams/")
    phone.locator("main h3 a[href^='/exams/']").first.click()
    phone.wait_for_load_state()
    notice = phone.locator("[data-testid=exam-offline]")
    assert notice.count() == 1 and not notice.is_visible()
    phone.context.set_offline(True)
    try:
        phone.wait_for_selector("[data-testid=exam-offline]", state="visible")
        assert "考试需要网络" in notice.inner_text()
    finally:
        phone.context.set_offline(False)
