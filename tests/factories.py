"""Small builders with sensible defaults. Each test makes only what it needs."""

import itertools
from datetime import date

import factory

from people.models import Committee, Grade, Membership, Region, User
from people.roles import StaffRole
from people.services.organisation import region_add
from people.services.staff import staff_role_grant

_codes = itertools.count(100000)
PASSWORD = "pass-for-tests-1"  # noqa: S105


def region(*, parent: Region | None = None, name: str | None = None, level: str | None = None) -> Region:
    code = str(next(_codes))
    if level is None:
        level = Region.Level.COUNTY if parent is None else (
            Region.Level.TOWNSHIP if parent.level == Region.Level.COUNTY else Region.Level.VILLAGE)
    return region_add(parent=parent, name=name or f"地区{code}", code=code, level=level)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"测试{n}号")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    gender = User.Gender.FEMALE
    password = factory.django.Password(PASSWORD)


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Committee

    name = factory.Sequence(lambda n: f"第{n}人民调解委员会")
    region = factory.LazyFunction(region)
    kind = Committee.Kind.VILLAGE
    specialty = ""


class GradeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grade
        django_get_or_create = ("rank",)

    rank = 4
    name = factory.LazyAttribute(lambda g: f"{g.rank}级调解员")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(UserFactory)
    committee = factory.SubFactory(CommitteeFactory)
    role = Membership.Role.MEDIATOR
    employment = Membership.Employment.PART_TIME
    joined_on = date(2024, 1, 1)


def mediator(*, committee: Committee | None = None, **user_fields) -> User:
    person = UserFactory(**user_fields)
    MembershipFactory(person=person, committee=committee or CommitteeFactory(), role=Membership.Role.MEDIATOR)
    return person


def informant(*, committee: Committee | None = None, **user_fields) -> User:
    person = UserFactory(**user_fields)
    MembershipFactory(person=person, committee=committee or CommitteeFactory(), role=Membership.Role.INFORMANT)
    return person


def lecturer(**user_fields) -> User:
    return staff_role_grant(user=UserFactory(**user_fields), role=StaffRole.LECTURER)


def bureau_staff(*, jurisdiction: Region, **user_fields) -> User:
    return staff_role_grant(
        user=UserFactory(**user_fields), role=StaffRole.BUREAU_STAFF, jurisdiction=jurisdiction)


def administrator(**user_fields) -> User:
    return staff_role_grant(user=UserFactory(**user_fields), role=StaffRole.ADMINISTRATOR)


_module_slugs = itertools.count(1)


def course_menu():
    """The training menu under the home page (created once)."""
    from courses.models import CourseMenuPage, HomePage

    menu = CourseMenuPage.objects.first()
    if menu is None:
        menu = HomePage.objects.get().add_child(instance=CourseMenuPage(title="培训菜单", slug="menu"))
    return menu


def course_module(*, title: str = "人民调解法及配套规定解读", credit_hours=4, slug: str | None = None, **fields):
    """A published course module page in the menu."""
    from courses.models import CourseModulePage

    module = CourseModulePage(title=title, slug=slug or f"module-{next(_module_slugs)}", credit_hours=credit_hours,
                              **fields)
    return course_menu().add_child(instance=module)


def lesson(*, module, title: str = "调解协议的效力", body=None, **fields):
    """A published lesson under ``module``. It asks for no reading time unless ``min_read_seconds`` says so, so
    tests that are not about earning a lesson complete it without reporting study (tests/courses/test_progress.py
    covers the rule)."""
    from courses.models import LessonPage

    fields.setdefault("min_read_seconds", 0)
    body = body if body is not None else [
        {"type": "text", "value": "<p>经人民调解委员会调解达成的调解协议，具有法律约束力。</p>"},
        {"type": "legal_article", "value": {
            "law": "人民调解法", "article": "第三十一条",
            "text": "经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行。"}},
        {"type": "key_points", "value": {"heading": "要点", "points": ["协议有约束力", "调委会督促履行"]}},
    ]
    return module.add_child(instance=LessonPage(title=title, slug=f"lesson-{next(_module_slugs)}", body=body,
                                                **fields))


def scenario_step(key, title, choices, situation="双方情绪激动。", statements=()):
    return {"type": "step", "value": {
        "key": key, "title": title, "situation": situation,
        "statements": [{"speaker": s, "words": w} for s, w in statements],
        "choices": [{"text": text, "leads_to": to, "feedback": feedback,
                     "scores": [{"competency": c, "points": p} for c, p in scores.items()]}
                    for text, to, feedback, scores in choices]}}


def scenario_ending(key, title, outcome="agreement", text="双方签订调解协议。"):
    return {"type": "ending", "value": {"key": key, "title": title, "outcome": outcome, "text": text}}


def simple_graph():
    """Two steps, two endings; the good path earns full marks."""
    return [
        scenario_step("opening", "开场", [
            ("先倾听双方陈述", "talk", "倾听让双方平静下来。", {"listening": 2, "deescalation": 1}),
            ("直接宣布处理结果", "failed", "未经倾听就下结论，当事人拒绝调解。", {"listening": -1}),
        ]),
        scenario_step("talk", "分别谈话", [
            ("背靠背分别做工作", "agreed", "分别谈话缓和了对立。", {"method": 2}),
            ("让双方当面对质", "failed", "矛盾激化。", {"method": 0, "deescalation": -2}),
        ]),
        scenario_ending("agreed", "达成协议"),
        scenario_ending("failed", "调解终止", outcome="termination", text="告知当事人可以依法起诉。"),
    ]


def scenario(*, module, title: str = "邻里纠纷模拟调解", graph=None, **fields):
    from courses.models import ScenarioPage

    return module.add_child(instance=ScenarioPage(
        title=title, slug=f"scenario-{next(_module_slugs)}", intro="你是村调委会的调解员。",
        graph=graph if graph is not None else simple_graph(), **fields))


def case_library():
    from courses.models import CaseReviewLibraryPage

    return CaseReviewLibraryPage.objects.get()


def case_review(*, title: str = "张某与李某相邻通行纠纷案", category=None, **fields):
    from courses.models import CaseReviewPage
    from people.models import DisputeCategory

    category = category or DisputeCategory.objects.get_or_create(name="邻里")[0]
    defaults = {
        "working_method": "outside_help", "outcome": "agreement",
        "facts": "<p>张某在自家宅基地上砌墙，堵住了李某家多年使用的通道。</p>",
        "process": [{"type": "step", "value": {"stage": "intake", "text": "李某到村调委会申请调解。"}}],
        "commentary": "<p>本案调解员请来村里老人协助，效果良好。</p>",
    }
    defaults.update(fields)
    page = CaseReviewPage(title=title, slug=f"case-{next(_module_slugs)}", dispute_category=category, **defaults)
    return case_library().add_child(instance=page)


def rotation_session(*, township, modules, by=None, starts_at=None, hours=3, capacity=30, **fields):
    import datetime

    from django.utils import timezone

    from courses.models import RotationSession

    starts_at = starts_at or timezone.now() + datetime.timedelta(days=7)
    session = RotationSession.objects.create(
        title=fields.pop("title", "菜单式轮训"), township=township, venue=fields.pop("venue", "镇司法所会议室"),
        starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=hours), capacity=capacity,
        created_by=by or UserFactory(), **fields)
    session.modules.set(modules)
    return session
