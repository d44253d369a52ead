"""End-to-end journeys, one per role, in Chinese, each on a 375 px phone and at desktop width: a mediator from the
menu to a certificate whose QR code verifies; an informant's lighter path; a lecturer writing a module and a case
review that pass the bureau's moderation and grading essays; bureau staff running a rotation session from
scheduling to QR check-in, bulk issue, coverage, export and a revocation.

Each journey acts through the page. Where it changes state it works with people of its own, made through
``manage.py shell`` against the demo server's database when making them is not what the journey tests, so the
journeys run in any order next to the other browser tests, and the two widths of a journey never meet. Screenshots
of every step go to test-artifacts/journeys/<role>-<phone|desktop>/NN-<step>.png."""

import io
import json
import re
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import qrcode
import qrcode.image.svg
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import ARTIFACTS, DESKTOP, PHONE, ROOT, SERVER, login, open_menu

pytestmark = pytest.mark.browser

WIDTHS = pytest.mark.parametrize("width", ["phone", "desktop"])
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
# A different person or title at each width, so the two runs of a journey never meet.
NAMES = {"phone": {"mediator": "乔慧敏", "informant": "乔其格", "attendees": ["乔丽娟", "乔振华"]},
         "desktop": {"mediator": "莫慧敏", "informant": "莫其格", "attendees": ["莫丽娟", "莫振华"]}}
LECTURERS = {"phone": "lecturer", "desktop": "lecturer2"}


def _shell(code: str) -> dict:
    """Run Python against the demo server's database; the code prints one JSON line last."""
    result = subprocess.run([sys.executable, str(ROOT / "manage.py"), "shell", "--no-imports", "-c", code],
                            env=SERVER["env"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


class Journey:
    """A browser context at one width, numbering its screenshots."""

    def __init__(self, browser, base: str, role: str, width: str):
        self.browser, self.base, self.width = browser, base, width
        self.folder = ARTIFACTS / "journeys" / f"{role}-{width}"
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.step = 0
        self.contexts = []
        self.page = self.new_page()

    def new_page(self):
        context = self.browser.new_context(base_url=self.base, viewport=VIEWPORTS[self.width], locale="zh-CN",
                                           accept_downloads=True)
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        return context.new_page()

    def shot(self, name: str, page=None):
        """Keep a screenshot of this step, after checking that nothing makes a phone scroll sideways."""
        page = page or self.page
        self.step += 1
        page.screenshot(path=str(self.folder / f"{self.step:02d}-{name}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORTS[self.width]["width"], f"{page.url} is {width} px wide"

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def journey(request, browser, demo_server):
    made = []

    def start(role: str, width: str) -> Journey:
        made.append(Journey(browser, demo_server, role, width))
        return made[-1]

    yield start
    for one in made:
        one.close()


# --- Setting up people (not what the journeys test) ---------------------------------------------------------------

LEARNER = """
import json, uuid
from courses.models import CourseModulePage, LessonPage
from courses.demo import study_lesson
from people.models import Committee
from people.services.organisation import membership_start, person_create
person = person_create(username='j-' + uuid.uuid4().hex[:10], name={name!r}, password='Demo@2026')
membership_start(person=person, committee=Committee.objects.get(name='林原村人民调解委员会'), role={role!r})
for module in CourseModulePage.objects.filter(slug__in={studied!r}):
    for lesson in LessonPage.objects.live().child_of(module):
        study_lesson(person, lesson)
print(json.dumps({{'username': person.username}}))
"""

ANSWER_KEY = """
import json
from assessments.models import Attempt, answer_token
attempt = Attempt.objects.get(user__username={username!r}, status='in_progress')
print(json.dumps({{row.position: [answer_token(attempt.pk, row.position, c.pk)
                                  for c in row.question.choices.all() if c.is_correct]
                  for row in attempt.questions.select_related('question').prefetch_related('question__choices')}}))
"""


def _learner(name: str, role: str, studied: list[str]) -> str:
    return _shell(LEARNER.format(name=name, role=role, studied=studied))["username"]


def _answer(page, fieldset, correct: list[str]):
    """Give the right answer and wait until the server has saved it."""
    if fieldset.get_attribute("data-kind") == "essay":
        with page.expect_response(lambda r: "/answer/" in r.url and r.request.method == "POST"):
            fieldset.locator("textarea").fill("先分别谈话稳定情绪，再依法讲理，促成双方自愿达成协议，并制作调解协议书。")
        return
    for token in correct:
        with page.expect_response(lambda r: "/answer/" in r.url and r.request.method == "POST") as saved:
            fieldset.locator(f"label.choice:has(input[value='{token}'])").click()
        assert saved.value.status == 200, saved.value.text()


def _study_module(j: Journey, title: str, lessons: int):
    """Menu → module → enrol → every lesson, marked complete one after the other."""
    page = j.page
    open_menu(page)
    page.click("[data-menu=menu]")
    assert page.locator("h1").inner_text() == "培训菜单"
    j.shot("menu")
    page.click(f"[data-testid=module] a:has-text('{title}')")
    page.click("[data-testid=enrol]")
    assert "您已报名学习" in page.inner_text("main")
    j.shot("enrolled")
    page.clock.install()  # each lesson's reading time passes on the page's clock, not the test's
    page.click(".lesson-list a >> nth=0")
    for number in range(1, lessons + 1):
        page.wait_for_load_state()
        _answer_self_check(page)
        page.wait_for_load_state()  # the lesson's script counts only once it runs
        page.clock.run_for(61_000)
        page.click("[data-testid=complete]")
        if number == 1:
            assert "本课时已完成" in page.inner_text("main")
            j.shot("lesson-done")
    assert f"已学 {lessons} / {lessons} 课（100%）" in page.inner_text("[data-testid=module-progress]")
    j.shot("module-done")


def _answer_self_check(page):
    """A lesson with a self-check is marked complete only once every question is answered (right or wrong): she
    answers each with its first choice and waits for its feedback."""
    items = page.locator("[data-testid=self-check-item]")
    for number in range(items.count()):
        item = items.nth(number)
        item.locator("label.choice").first.click()
        item.locator("[data-testid=self-check-submit]").click()
        expect(page.locator("[data-testid=self-check-item]").nth(number)
               .locator("[data-testid=self-check-feedback]")).to_be_visible()
    if items.count():
        expect(page.locator("[data-testid=self-check-state]")).to_contain_text("课后自测已完成")


def _take_exam(j: Journey, title: str, username: str):
    page = j.page
    open_menu(page)
    page.click("[data-menu=exams]")
    page.get_by_role("link", name=title).click()
    page.click("[data-testid=start]")
    page.wait_for_selector("form[data-autosave]")
    key = _shell(ANSWER_KEY.format(username=username))
    total = len(key)
    page.evaluate("window.stillTheSamePage = true")  # gone if any step reloaded the page
    for position in range(1, total + 1):
        fieldset = page.locator(f"fieldset.question[data-position='{position}']")
        if not fieldset.is_visible():  # one question per page: the learner goes on with 下一题 (no page load)
            page.click("button[name=go][value=next]")
            expect(fieldset).to_be_visible()
        _answer(page, fieldset, key[str(position)])
        if position == 1:
            j.shot("exam-first-answer")
    # The counter follows the last save's answer; on a slower database it may lag the response by a moment.
    expect(page.locator("[data-answered-count]")).to_have_text(str(total))
    assert page.evaluate("window.stillTheSamePage === true")  # answering and moving on never loaded a page
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-submit-attempt]")
    page.wait_for_url("**/review/")
    j.shot("exam-review")


def _certificate_and_its_qr_target(j: Journey, program: str, name: str) -> tuple[str, str]:
    """On 我的证书: the certificate is valid; its PDF names the holder and prints the QR code's target under the
    code, which is read from the PDF's text (no QR decoder is installed to read the image itself)."""
    page = j.page
    open_menu(page)
    page.click("[data-menu=certificates]")
    card = page.locator("[data-testid=my-certificate]", has_text=program)
    assert card.count() == 1 and "有效" in card.inner_text()
    j.shot("my-certificate")
    with page.expect_download() as download:
        card.locator("[data-testid=download-pdf]").click()
    data = download.value.path().read_bytes()
    assert data[:5] == b"%PDF-"
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert name in text and program in text
    serial = re.search(r"\d{6}-\d{4}-\d{5}", text).group(0)
    return re.search(r"/verify/[\w-]+/", text.replace("\n", "")).group(0), serial


def _verify(j: Journey, path: str, serial: str, name: str, status: str, word: str):
    """Anyone who scans the code, signed in or not."""
    scanner = j.new_page()
    scanner.goto(path)
    check = scanner.locator("[data-testid=verification]")
    assert check.get_attribute("data-status") == status
    text = check.inner_text()
    assert serial in text and word in text and name not in text  # the holder's name is masked
    j.shot(f"verify-{status}", scanner)


# --- Mediator -----------------------------------------------------------------------------------------------------

GRADE_ESSAYS = """
import json
from assessments import services
from assessments.models import AttemptQuestion
from people.models import User
rows = list(AttemptQuestion.objects.filter(attempt__user__username={username!r}, attempt__status='awaiting_grading',
                                           question__kind='essay', score__isnull=True))
for row in rows:
    services.essay_grade(attempt_question_id=row.pk, grader=row.attempt.quiz.owner, points=row.max_score,
                         comment='要点齐全。')
print(json.dumps({{'graded': len(rows)}}))
"""


@WIDTHS
def test_mediator_from_the_menu_to_a_verified_certificate(journey, width):
    """Studied online before (ethics, Fengqiao, techniques: 8 hours), she enrols in 人民调解法 (4 hours, the last
    required module), plays a simulated mediation, passes the final exam and, once the lecturer has graded her
    essays, holds the certificate that its QR code verifies."""
    name = NAMES[width]["mediator"]
    username = _learner(name, "mediator", ["ethics-discipline", "fengqiao-model", "mediation-techniques"])
    j = journey("mediator", width)
    page = j.page
    login(page, username)
    assert f"您好，{name}" in page.inner_text("main")
    j.shot("my-learning")

    _study_module(j, "人民调解法及配套规定解读", 3)

    open_menu(page)
    page.click("[data-menu=menu]")
    page.click("[data-testid=module] a:has-text('模拟调解')")
    page.click("text=模拟调解：母子赡养纠纷（亲情融化）")
    page.click("[data-testid=start]")
    page.click("text=请双方坐下，先让老人把话说完")
    assert "先让双方充分陈述" in page.inner_text("[data-testid=feedback]")
    j.shot("scenario-step")
    page.click("text=请老人讲讲儿子小时候生病")
    page.click("text=请妹妹也来调委会")
    assert page.locator("[data-testid=score] b").inner_text() == "100%"
    j.shot("scenario-result")

    _take_exam(j, "人民调解员培训合格考试", username)
    assert "等待评分" in page.inner_text("main")  # the two essays go to the lecturer
    assert _shell(GRADE_ESSAYS.format(username=username)) == {"graded": 2}

    path, serial = _certificate_and_its_qr_target(j, "人民调解员培训合格证书", name)
    _verify(j, path, serial, name, "valid", "有效")


# --- Informant ----------------------------------------------------------------------------------------------------

@WIDTHS
def test_informant_takes_the_lighter_path_to_a_certificate(journey, width):
    """One module of two lessons and a 20-question exam, one question per page, graded at once."""
    name = NAMES[width]["informant"]
    username = _learner(name, "informant", [])
    j = journey("informant", width)
    login(j.page, username)
    assert f"您好，{name}" in j.page.inner_text("main")
    j.shot("my-learning")
    _study_module(j, "信息员实务", 2)
    _take_exam(j, "矛盾纠纷信息员合格考试", username)
    assert "已通过" in j.page.inner_text("main")
    path, serial = _certificate_and_its_qr_target(j, "矛盾纠纷信息员合格证", name)
    _verify(j, path, serial, name, "valid", "有效")


# --- Bureau staff -------------------------------------------------------------------------------------------------

COMMITTEE = """
import json, uuid
from people.models import Committee, Region
from people.services.organisation import committee_create, membership_start, person_create
village = Region.objects.get(name='林原村')
committee = committee_create(region=village, name='林原村第' + str(uuid.uuid4().int % 10**6) + '调解小组',
                             kind=Committee.Kind.VILLAGE)
people = []
for name in {names!r}:
    person = person_create(username='j-' + uuid.uuid4().hex[:10], name=name, password='Demo@2026')
    membership_start(person=person, committee=committee, role='mediator')
    people.append(person.username)
print(json.dumps({{'committee': committee.pk, 'name': committee.name, 'people': people}}))
"""


def _certified_percent(page, committee: int) -> int:
    page.goto(f"/coverage/committee/{committee}/")
    return int(page.inner_text("[data-testid=certified-percent] b").rstrip("%"))


@WIDTHS
def test_bureau_runs_a_session_from_scheduling_to_certificates_and_revokes_one(journey, width):
    """A new committee's two mediators attend a rotation session by scanning its QR code; the bureau issues the
    certificate to the attendees in one batch, sees the committee's coverage go from 0 to 100%, exports it, then
    revokes one certificate and its public check says so."""
    names = NAMES[width]["attendees"]
    made = _shell(COMMITTEE.format(names=names))
    j = journey("bureau", width)
    page = j.page
    login(page, "bureau")
    assert _certified_percent(page, made["committee"]) == 0
    j.shot("coverage-before")

    title = f"树林召镇菜单式轮训：劳动争议 {made['name'][4:9]}"
    page.goto("/learn/sessions/")
    page.click("a[href='/learn/sessions/new/']")
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    page.fill("input[name=title]", title)
    page.select_option("select[name=township]", label="树林召镇")
    page.fill("input[name=venue]", "树林召镇司法所会议室")
    page.fill("input[name=starts_at]", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=ends_at]", (now + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"))
    page.check("label:has-text('劳动争议调解') input")
    j.shot("session-form")
    page.click("main form button[type=submit]")
    assert page.locator("h1").inner_text() == title

    # The QR code on the page encodes the check-in link printed under it: the same SVG comes out of that link.
    link = page.locator(".checkin-link a").get_attribute("href")
    expected = qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    drawn = page.locator("[data-testid=qr] svg path").get_attribute("d")
    assert drawn == re.search(r' d="([^"]+)"', expected.to_string(encoding="unicode")).group(1)
    j.shot("session-qr")

    for number, username in enumerate(made["people"], start=1):
        attendee = j.new_page()
        login(attendee, username)
        attendee.goto(link)
        assert "签到" in attendee.locator("h1").inner_text()
        attendee.click("[data-testid=check-in]")
        assert "签到成功" in attendee.inner_text("body")
        if number == 1:
            j.shot("attendee-checked-in", attendee)
    page.reload()
    assert page.locator("[data-testid=attendance-method]", has_text="扫码签到").count() == 2
    j.shot("session-attended")

    page.goto("/certificates/bureau/bulk/")
    page.locator("label", has_text=title).locator("input[name=session]").check()  # a tap on the session's row
    page.select_option("select[name=program]", label="人民调解员培训合格证书")
    page.fill("textarea[name=reason]", "参加菜单式轮训并经考核合格，统一发证")
    j.shot("bulk-form")
    page.click("main form button[type=submit]")
    bulk = page.locator("[data-testid=bulk]")
    page.wait_for_function("document.querySelector('[data-testid=bulk]').dataset.status === 'done'")
    assert "共 2 人，已处理 2 人，新发证 2 人" in bulk.inner_text()
    j.shot("bulk-done")

    assert _certified_percent(page, made["committee"]) == 100
    j.shot("coverage-after")
    with page.expect_download() as download:
        page.locator("a[href*='export='][href*='format=csv']").first.click()
    exported = download.value.path().read_text(encoding="utf-8-sig")
    assert all(name in exported for name in names)

    page.goto(f"/certificates/bureau/?q={names[0]}")
    page.locator("[data-testid=certificate-row] a").first.click()
    path = page.locator("[data-testid=qr-url]").get_attribute("href")
    serial = page.inner_text("[data-testid=serial]")
    page.fill("textarea[name=revoke-reason]", "经核查存在代签到行为，依规撤销证书")
    page.click("[data-testid=revoke]")
    assert "证书已撤销" in page.inner_text("main")
    j.shot("revoked")
    _verify(j, path, serial, names[0], "revoked", "已撤销")


# --- Lecturer -----------------------------------------------------------------------------------------------------

# An essay quiz of the lecturer's own, sat by a learner of this journey: the essays wait in the lecturer's queue.
ESSAYS_WAITING = """
import json, uuid
from assessments import services
from assessments.models import Question, Quiz, QuizQuestion
from people.models import Committee, User
from people.services.organisation import membership_start, person_create
lecturer = User.objects.get(username={lecturer!r})
quiz = Quiz.objects.create(title='调解实务简答 ' + str(uuid.uuid4().int % 10**6), kind=Quiz.Kind.PRACTICE, pass_mark=60,
                           is_published=True, owner=lecturer)
for order, question in enumerate(Question.objects.filter(kind='essay').order_by('pk')[:2]):
    QuizQuestion.objects.create(quiz=quiz, question=question, sort_order=order)
learner = person_create(username='j-' + uuid.uuid4().hex[:10], name={name!r})
membership_start(person=learner, committee=Committee.objects.get(name='林原村人民调解委员会'), role='mediator')
attempt = services.attempt_start(user=learner, quiz=quiz)
for row in attempt.questions.all():
    services.attempt_answer(attempt_id=attempt.pk, user=learner, position=row.position,
                            text='先分别谈话稳定情绪，再依法讲理，促成双方自愿达成协议。')
services.attempt_submit(attempt_id=attempt.pk, user=learner)
print(json.dumps({{'quiz': quiz.title}}))
"""


def _admin_id_of(page, live_path: str) -> str:
    """A page's admin id, from the page explorer (the row whose live link is ``live_path``)."""
    page.goto("/admin/pages/")
    row = page.locator("tr", has=page.locator(f"a[href='{live_path}']"))
    href = row.locator("a[href^='/admin/pages/']").first.get_attribute("href")
    return re.search(r"/admin/pages/(\d+)/", href).group(1)


def _click_hidden(page, selector: str):
    """Buttons folded into Wagtail's action dropdown: click them as the dropdown would."""
    with page.expect_navigation():
        page.locator(selector).evaluate("button => button.click()")


def _open_page_editor(page, url: str):
    """Open Wagtail's page form once its scripts are running: typed before then, the title would not be copied
    into the slug (the form is then refused for an empty slug, on the Promote tab)."""
    page.goto(url, wait_until="networkidle")


def _field_errors(page) -> str:
    """What Wagtail says is wrong with the form (for a failing assertion's message)."""
    fields = page.locator("[aria-invalid=true], .w-field--error input, .w-field--error textarea")
    names = [fields.nth(i).get_attribute("name") or fields.nth(i).get_attribute("id") or "?"
             for i in range(fields.count())]
    messages = [text.strip() for text in page.locator(".w-field__errors, .error-message, .help-critical")
                .all_inner_texts() if text.strip()]
    return f"fields: {names}; messages: {messages}"


def _type_rich_text(page, field: str, text: str):
    editor = page.locator(f"[data-contentpath={field}] [contenteditable=true]")
    editor.click()
    page.keyboard.type(text)
    # Draftail writes its hidden input after a short debounce: wait until it holds the text.
    expect(page.locator(f"input[name={field}]")).to_have_value(re.compile(re.escape(text[-6:])))


def _approve(j: Journey, reviewer, edit_link: str):
    reviewer.goto(edit_link)
    _click_hidden(reviewer, "button[data-workflow-action-name=approve]:not([data-workflow-action-modal-url])")
    assert "已被更新" in reviewer.inner_text("body")


@WIDTHS
def test_lecturer_writes_a_module_and_a_case_review_that_pass_moderation_then_grades_essays(journey, width):
    tag = f"{'甲' if width == 'phone' else '乙'}{uuid.uuid4().int % 10**6}"  # titles and slugs of its own
    lecturer = LECTURERS[width]
    learner = f"{'乔' if width == 'phone' else '莫'}文静"
    waiting = _shell(ESSAYS_WAITING.format(lecturer=lecturer, name=learner))
    j = journey("lecturer", width)
    page = j.page
    login(page, lecturer)

    module_title = f"乡村振兴中的土地流转纠纷（{tag}）"
    _open_page_editor(page, f"/admin/pages/add/courses/coursemodulepage/{_admin_id_of(page, '/menu/')}/")
    page.fill("#id_title", module_title)
    page.locator("#id_title").blur()
    expect(page.locator("#id_slug")).not_to_have_value("")
    page.fill("#id_title_en", f"Land transfer disputes ({width})")
    page.fill("#id_summary", "土地经营权流转合同的订立、履行与解除，以及流转纠纷的调解方法。")
    page.fill("#id_credit_hours", "2")
    j.shot("module-draft")
    _click_hidden(page, "button[name=action-submit]")
    assert "已创建并提交审核" in page.inner_text("body"), _field_errors(page)
    module_edit = page.locator("a[href$='/edit/']:has-text('编辑')").first.get_attribute("href")

    case_title = f"土地流转合同提前解除，调解促成分期补偿（{tag}）"
    _open_page_editor(page, f"/admin/pages/add/courses/casereviewpage/{_admin_id_of(page, '/cases/')}/")
    page.fill("#id_title", case_title)
    page.locator("#id_title").blur()
    expect(page.locator("#id_slug")).not_to_have_value("")
    page.select_option("#id_dispute_category", label="山林土地")
    page.select_option("#id_working_method", label="外力协助")
    page.select_option("#id_outcome", label="达成调解协议")
    _type_rich_text(page, "facts", "承包户王某将二十亩耕地流转给合作社，合作社经营不善欲提前解除合同。")
    page.locator("button.c-sf-add-button").first.click()
    page.select_option("select[name='process-0-value-stage']", label="受理登记")
    page.fill("textarea[name='process-0-value-text']", "村调委会受理后，请镇农经站核算剩余年限的流转费。")
    _type_rich_text(page, "commentary", "请农经站核算，让补偿有据可依，体现了外力协助的方法。")
    page.fill("#id_party_names", "王建国\n李卫东")
    j.shot("case-draft")
    _click_hidden(page, "button[name=action-submit]")
    assert "已创建并提交审核" in page.inner_text("body"), _field_errors(page)
    case_edit = page.locator("a[href$='/edit/']:has-text('编辑')").first.get_attribute("href")
    page.goto("/menu/")
    assert module_title not in page.inner_text("main")  # nothing is public before the bureau approves

    reviewer = j.new_page()
    login(reviewer, "bureau")
    _approve(j, reviewer, module_edit)
    _approve(j, reviewer, case_edit)
    j.shot("approved", reviewer)
    page.goto("/menu/")
    assert page.locator("[data-testid=module]", has_text=module_title).count() == 1
    j.shot("module-public")
    page.goto("/cases/")
    page.click(f"text={case_title}")
    body = page.inner_text("main")
    assert "农经站" in body and "外力协助" in body and "王建国" not in body
    j.shot("case-public")

    page.goto("/exams/grading/")
    for number in (1, 2):
        row = page.locator("tr", has_text=waiting["quiz"])
        assert row.count() == 3 - number and learner in row.first.inner_text()
        if number == 1:
            j.shot("grading-queue")
        row.first.locator("a", has_text="评分").click()
        page.fill("input[name=points]", "4")
        page.fill("textarea[name=comment]", "思路清晰，步骤完整。")
        if number == 1:
            j.shot("grading-essay")
        page.click("button.primary")
        assert "评分已保存" in page.inner_text("main")
    assert page.locator("tr", has_text=waiting["quiz"]).count() == 0
    j.shot("graded")
