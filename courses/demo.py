"""Demo data for the training site: the 23-module menu with lessons, case reviews, three simulated mediations,
rotation sessions in Dalad Banner towns with attendance, and the demo mediator's and informant's progress.

Runs after people.demo. Deterministic and idempotent: pages are found by slug, sessions by title, and learner
records go through the idempotent services."""

import datetime

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from wagtail import hooks
from wagtail.documents import get_document_model

from people.models import Committee, DisputeCategory, Membership, Region, User
from people.pdf import register_font, render_pdf

from . import services
from .choices import Competency
from .demo_cases import CASES, SCENARIOS
from .demo_content import LAW_ART28, LAW_ART29, LAW_ART31, LAW_ART33, MODULES, PML
from .demo_media import CLIPS, MEDIA_DIR, Clip
from .models import (
    CaseReviewLibraryPage,
    CaseReviewPage,
    CourseMenuPage,
    CourseModulePage,
    LessonPage,
    ModuleAssignment,
    ModuleCategory,
    RotationSession,
    ScenarioPage,
    ScenarioRun,
    SessionAttendance,
)

LECTURERS = ["lecturer", "lecturer2", "lecturer3"]
PREREQUISITES = {
    "mediation-procedure": ["mediation-law"],
    "judicial-confirmation": ["mediation-procedure"],
    "agreements-case-files": ["mediation-procedure"],
    "simulated-mediation": ["mediation-techniques"],
    "case-reviews": ["mediation-law"],
}
# (title, township, venue, days from today, modules, lecturer)
SESSIONS = [
    ("树林召镇菜单式轮训：相邻关系与调解技巧", "树林召镇", "树林召镇司法所会议室", -45,
     ["neighbours-homestead-land", "mediation-techniques"], "lecturer"),
    ("王爱召镇菜单式轮训：婚姻家庭与赡养纠纷", "王爱召镇", "王爱召镇政府三楼会议室", -30,
     ["marriage-family-inheritance"], "lecturer2"),
    ("白泥井镇菜单式轮训：调解程序与文书", "白泥井镇", "白泥井镇新时代文明实践所", -12,
     ["mediation-procedure", "agreements-case-files"], "lecturer3"),
    ("吉格斯太镇菜单式轮训：劳动争议与欠薪", "吉格斯太镇", "吉格斯太镇司法所", 6,
     ["labor-disputes", "communication-deescalation"], "lecturer"),
    ("昭君镇菜单式轮训：案例评析与模拟调解", "昭君镇", "昭君镇党群服务中心", 13,
     ["case-reviews", "simulated-mediation"], "lecturer2"),
    ("展旦召苏木菜单式轮训：信息员实务与排查预警", "展旦召苏木", "展旦召苏木综治中心", 20,
     ["informant-practice", "screening-early-warning"], "lecturer3"),
]


def _body(blocks) -> list[dict]:
    stream = []
    for block in blocks:
        if block[0] == "p":
            stream.append({"type": "text", "value": block[1]})
        elif block[0] == "law":
            stream.append({"type": "legal_article", "value": {"law": block[1], "article": block[2], "text": block[3]}})
        else:
            stream.append({"type": "key_points", "value": {"heading": block[1], "points": block[2]}})
    return stream


def _graph(nodes) -> list[dict]:
    stream = []
    for node in nodes:
        if node[0] == "ending":
            _kind, key, title, outcome, text, *label = node
            stream.append({"type": "ending", "value": {"key": key, "title": title, "outcome": outcome, "text": text,
                                                       "outcome_label": "".join(label)}})
            continue
        _kind, key, title, situation, statements, choices = node
        stream.append({"type": "step", "value": {
            "key": key, "title": title, "situation": situation,
            "statements": [{"speaker": s, "words": w} for s, w in statements],
            "choices": [{"text": text, "leads_to": to, "feedback": feedback,
                         "scores": [{"competency": Competency(c).value, "points": p} for c, p in scores.items()]}
                        for text, to, feedback, scores in choices]}})
    return stream


def _approver() -> User:
    return User.objects.get(username="bureau")


def _publish(parent, page, owner):
    """Add ``page`` under ``parent`` unless a page with its slug is there already: written by ``owner`` (a
    lecturer), published by the demo bureau staff, as the moderation workflow would."""
    existing = parent.get_children().filter(slug=page.slug).first()
    if existing:
        return existing.specific
    page.owner = owner
    parent.add_child(instance=page)
    page.save_revision(user=owner).publish(user=_approver())
    page.refresh_from_db()
    return page


def _clip_documents() -> dict[tuple[str, str], tuple[Clip, object]]:
    """The committed recordings as documents of the library (found by title), by the lesson each opens."""
    found = {}
    Document = get_document_model()  # noqa: N806
    for clip in CLIPS:
        document = Document.objects.filter(title=clip.title).first()
        if document is None:
            with (MEDIA_DIR / clip.filename).open("rb") as handle:
                document = Document(title=clip.title, file=File(handle, name=clip.filename))
                document._set_document_file_metadata()
                document.save()
        found[clip.lesson] = (clip, document)
    return found


HANDOUT = {
    "lesson": ("mediation-law", "lesson-3"),
    "title": "讲义：调解协议的效力（条文汇编）",
    "intro": "本讲义汇集《人民调解法》中关于调解协议的条文，供学员调解时对照使用。",
    "articles": [(PML, "第二十八条", LAW_ART28), (PML, "第二十九条", LAW_ART29), (PML, "第三十一条", LAW_ART31),
                 (PML, "第三十三条", LAW_ART33)],
    "footer": "调解员学院 · 人民调解法及配套规定解读",
}


def _handout_document():
    """The demo's printable handout: a PDF of quoted articles made with people.pdf (found again by title)."""
    Document = get_document_model()  # noqa: N806
    document = Document.objects.filter(title=HANDOUT["title"]).first()
    if document is None:
        pdf = render_pdf("courses/handout_pdf.html", {**HANDOUT, "font_name": register_font()})
        document = Document(title=HANDOUT["title"], file=ContentFile(pdf, name="mediation-agreement-articles.pdf"))
        document._set_document_file_metadata()
        document.save()
    return document


def _with_handout(body: list[dict], lesson_key: tuple[str, str]) -> list[dict]:
    if lesson_key != HANDOUT["lesson"]:
        return body
    # For enrolled people only: served from private storage (courses.services.handout_protect on publishing).
    return [*body, {"type": "document", "value": {"document": _handout_document().pk, "enrolled_only": True,
                                                   "description": "PDF，可打印后带到调解现场对照"}}]


def _with_clip(body: list[dict], clip_and_document) -> list[dict]:
    """The lesson's text with its recording after the first block (the opening paragraph or article)."""
    if clip_and_document is None:
        return body
    clip, document = clip_and_document
    block = {"type": clip.kind, "value": {"file": document.pk, "duration": clip.duration, "caption": clip.caption}}
    return [*body[:1], block, *body[1:]]


def study_lesson(person: User, lesson: LessonPage) -> None:
    """Complete a lesson as a learner who studied it fully would: the whole recording played, or the minimum
    reading time spent, and whatever higher apps ask through the ``lesson_demo_study`` hook done as well
    (assessments: its self-check answered) — for demo learners and for tests that set a learner up on the demo
    data."""
    for fn in hooks.get_hooks("lesson_demo_study"):
        fn(person, lesson)
    media = lesson.main_media()
    duration = media.value.get("duration") if media else None
    services.lesson_complete(person=person, lesson=lesson, read_seconds=lesson.min_read_seconds,
                             watched=[[0, duration]] if duration else [])


def _modules(menu, lecturers) -> dict[str, CourseModulePage]:
    categories = {c.code: c for c in ModuleCategory.objects.all()}
    clips = _clip_documents()
    modules = {}
    for index, (code, slug, title, title_en, hours, audience, specialty, summary, lessons) in enumerate(MODULES):
        owner = lecturers[index % len(lecturers)]
        module = _publish(menu, CourseModulePage(
            title=title, slug=slug, title_en=title_en, credit_hours=hours, category=categories[code],
            audience=audience, specialty=specialty, summary=summary), owner)
        if not module.lecturers.exists():
            module.lecturers.set([owner])
            module.save_revision(user=owner).publish(user=_approver())
        for number, (lesson_title, minutes, blocks) in enumerate(lessons, start=1):
            key = (slug, f"lesson-{number}")
            body = _with_handout(_with_clip(_body(blocks), clips.get(key)), key)
            _publish(module, LessonPage(title=lesson_title, slug=f"lesson-{number}", minutes=minutes, body=body),
                     owner)
        modules[slug] = module
    for slug, required in PREREQUISITES.items():
        module = CourseModulePage.objects.get(pk=modules[slug].pk)
        if not module.prerequisites.exists():
            module.prerequisites.set([modules[r] for r in required])
            module.save_revision(user=module.owner).publish(user=_approver())
    return modules


def _scenarios(module, owner) -> dict[str, ScenarioPage]:
    return {spec["slug"]: _publish(module, ScenarioPage(
        title=spec["title"], slug=spec["slug"], intro=spec["intro"], working_method=spec["method"],
        graph=_graph(spec["nodes"])), owner) for spec in SCENARIOS}


def _cases(library, users):
    categories = {c.name: c for c in DisputeCategory.objects.all()}
    townships = {r.name: r for r in Region.objects.filter(level=Region.Level.TOWNSHIP)}
    for number, case in enumerate(CASES, start=1):
        _publish(library, CaseReviewPage(
            title=case["title"], slug=f"case-{number:02d}", dispute_category=categories[case["category"]],
            region=townships.get(case["township"]), working_method=case["method"], outcome=case["outcome"],
            facts=case["facts"],
            process=[{"type": "step", "value": {"stage": stage, "text": text}} for stage, text in case["steps"]],
            outcome_detail=case["agreed"],
            legal_basis=[{"type": "article", "value": {"law": law, "article": article, "text": text}}
                         for law, article, text in case["laws"]],
            commentary=case["commentary"], discussion_questions=case["questions"],
            party_names="\n".join(case["parties"])), users[case["lecturer"]])


def _sessions(modules, users, bureau) -> list[RotationSession]:
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    sessions = []
    for title, township_name, venue, days, slugs, lecturer in SESSIONS:
        session = RotationSession.objects.filter(title=title).first()
        if session is None:
            township = Region.objects.get(name=township_name, level=Region.Level.TOWNSHIP)
            starts = datetime.datetime.combine(today + datetime.timedelta(days=days), datetime.time(9, 0), zone)
            session = services.session_schedule(
                by=bureau, title=title, township=township, venue=venue, starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=6), capacity=60,
                modules=[modules[s] for s in slugs], lecturers=[users[lecturer]])
        sessions.append(session)
    return sessions


def _attendance(sessions, users, mediator):
    """Past sessions: the township's mediators signed up, most of them attended (ticked by the lecturer)."""
    now = timezone.now()
    for session in sessions:
        if session.attendances.exists():
            continue
        members = list(User.objects.filter(
            memberships__in=Membership.objects.active().filter(
                committee__region__path__startswith=session.township.path, role=Membership.Role.MEDIATOR))
            .distinct().order_by("username")[:40])
        if session.township.name == "树林召镇":
            members = [mediator] + [m for m in members if m != mediator]
        if session.starts_at > now:
            services.session_assign(by=session.created_by, session=session, people=members[:12])
            continue
        services.session_assign(by=session.created_by, session=session, people=members)
        lecturer = session.lecturers.first()
        present = [m for i, m in enumerate(members) if i % 7 != 6]  # about one in seven stayed away
        for person in present:
            services.attendance_record(session=session, person=person, method=SessionAttendance.Method.ROSTER,
                                       recorded_by=lecturer)


def _learners(modules, scenarios, mediator, informant, bureau):
    for lesson in LessonPage.objects.live().child_of(modules["mediation-law"]):
        study_lesson(mediator, lesson)
    study_lesson(mediator, LessonPage.objects.live().child_of(modules["marriage-family-inheritance"]).first())
    services.enrolment_create(person=mediator, module=modules["mediation-techniques"])
    study_lesson(informant, LessonPage.objects.live().child_of(modules["informant-practice"]).first())
    if not ModuleAssignment.objects.filter(module=modules["ethics-discipline"]).exists():
        committee = Committee.objects.get(name="林原村人民调解委员会")
        services.assignment_create(by=bureau, module=modules["ethics-discipline"],
                                   due_on=timezone.localdate() + datetime.timedelta(days=30), committees=[committee])
    scenario = scenarios["outside-help"]
    if not ScenarioRun.objects.filter(person=mediator, scenario=scenario).exists():
        run = services.scenario_run_start(person=mediator, scenario=scenario)
        for step_key, choice in (("opening", 0), ("site", 0), ("elder", 0)):
            services.scenario_run_choose(run=run, step_key=step_key, choice_index=choice)


@transaction.atomic
def seed(out) -> list[tuple[str, str, str]]:
    users = {u.username: u for u in User.objects.filter(username__in=[*LECTURERS, "mediator", "informant", "bureau"])}
    lecturers = [users[name] for name in LECTURERS]
    menu = CourseMenuPage.objects.get()
    library = CaseReviewLibraryPage.objects.get()
    modules = _modules(menu, lecturers)
    scenarios = _scenarios(modules["simulated-mediation"], modules["simulated-mediation"].owner)
    _cases(library, users)
    sessions = _sessions(modules, users, users["bureau"])
    _attendance(sessions, users, users["mediator"])
    _learners(modules, scenarios, users["mediator"], users["informant"], users["bureau"])
    out.write(f"  courses: {CourseModulePage.objects.count()} modules, {LessonPage.objects.count()} lessons, "
              f"{CaseReviewPage.objects.count()} case reviews, {ScenarioPage.objects.count()} scenarios, "
              f"{RotationSession.objects.count()} rotation sessions, "
              f"{SessionAttendance.objects.count()} attendances")
    return []
