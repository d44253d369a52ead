"""Demo data of the rotation loop, on top of the people and courses demo: a pool of eight lecturers with their
specialities, townships and days off; orders from several townships in every state, mediators' wishes; sessions
held this year from orders, with attendance (QR and sign-in sheet) and ratings, so the year's report has figures.

Written through the services. Sessions already held are scheduled in the past directly (the courses service
allows it; the dispatch service refuses only a past start of new order-driven sessions), and their orders are
backdated after placing, since an order's preferred dates must lie ahead when it is placed."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from courses import services as course_services
from courses.models import CourseModulePage, RotationSession, SessionAttendance
from people.demo import DEMO_PASSWORD
from people.models import Membership, Region, User
from people.roles import StaffRole
from people.services.organisation import person_create
from people.services.staff import staff_role_grant

from . import services
from .models import Dispatch, RotationSettings, SessionRating, TrainingOrder

# (username, name, gender, background, organisation, module slugs, townships ("*" = all))
POOL = [
    ("lecturer", "王志强", "male", "lawyer", "内蒙古达拉特律师事务所",
     ["mediation-law", "mediation-techniques", "neighbours-homestead-land", "labor-disputes",
      "communication-deescalation", "contracts-lending"],
     ["树林召镇", "王爱召镇", "白泥井镇", "吉格斯太镇", "中和西镇", "展旦召苏木"]),
    ("lecturer2", "刘慧敏", "female", "retired_judge", "达拉特旗人民法院（退休）",
     ["marriage-family-inheritance", "case-reviews", "simulated-mediation", "judicial-confirmation",
      "court-observation", "mediation-law"], ["*"]),
    ("lecturer3", "赵振华", "male", "legal_worker", "白泥井镇法律服务所",
     ["mediation-procedure", "agreements-case-files", "informant-practice", "screening-early-warning",
      "online-mediation"], ["白泥井镇", "展旦召苏木", "风水梁镇", "恩格贝镇"]),
    ("lecturer4", "孙丽娟", "female", "justice_officer", "达拉特旗司法局人民参与和促进法治股",
     ["mediation-law", "ethics-discipline", "fengqiao-model", "mediation-procedure"], ["*"]),
    ("lecturer5", "陈建军", "male", "lawyer", "鄂尔多斯市正大律师事务所",
     ["neighbours-homestead-land", "land-requisition", "contracts-lending", "property-management"],
     ["中和西镇", "恩格贝镇", "风水梁镇", "昭君镇", "树林召镇"]),
    ("lecturer6", "周志明", "male", "prosecutor", "达拉特旗人民检察院（退休）",
     ["tort-compensation", "traffic-accidents", "medical-disputes", "contracts-lending"],
     ["风水梁镇", "吉格斯太镇", "昭君镇", "王爱召镇"]),
    ("lecturer7", "吴桂兰", "female", "mediator", "树林召镇人民调解委员会（一级人民调解员）",
     ["informant-practice", "screening-early-warning", "communication-deescalation", "mediation-techniques",
      "fengqiao-model"], ["展旦召苏木", "恩格贝镇", "树林召镇"]),
    ("lecturer8", "郑海燕", "female", "scholar", "鄂尔多斯应用技术学院法学系",
     ["marriage-family-inheritance", "communication-deescalation", "case-reviews"], ["昭君镇", "王爱召镇", "树林召镇"]),
]
UNAVAILABLE = [("lecturer2", 3, "外出讲学"), ("lecturer2", 4, "外出讲学"), ("lecturer5", 10, "开庭"),
               ("lecturer7", 15, "年假"), ("lecturer7", 16, "年假"), ("lecturer7", 17, "年假"), ("lecturer", 33, "开庭")]
# Township officers (司法所) who order; 树林召镇's is the people demo's "township" login.
OFFICERS = {"王爱召镇": ("township2", "韩晓东"), "白泥井镇": ("township3", "乔美玲"), "吉格斯太镇": ("township4", "杨帆"),
            "昭君镇": ("township5", "张瑞"), "恩格贝镇": ("township6", "郭丽"), "中和西镇": ("township7", "贺强"),
            "风水梁镇": ("township8", "苏日娜"), "展旦召苏木": ("township9", "巴特尔")}
# Sessions held this year from orders: (township, module slugs, lecturer, days ago, days from order to session)
HELD = [
    ("恩格贝镇", ["mediation-law", "ethics-discipline"], "lecturer4", 250, 24),
    ("中和西镇", ["neighbours-homestead-land", "land-requisition"], "lecturer5", 200, 18),
    ("风水梁镇", ["contracts-lending", "tort-compensation"], "lecturer6", 150, 30),
    ("展旦召苏木", ["informant-practice", "screening-early-warning"], "lecturer7", 100, 15),
    ("昭君镇", ["marriage-family-inheritance", "communication-deescalation"], "lecturer8", 70, 21),
    ("吉格斯太镇", ["labor-disputes", "mediation-procedure"], "lecturer", 60, 12),
]
# Orders waiting now: (township, module slugs, people, note)
WAITING = [
    ("树林召镇", ["judicial-confirmation", "online-mediation"], 40, "希望安排在镇政府三楼会议室，便于各村调解员集中参加。"),
    ("王爱召镇", ["property-management"], 25, "新建小区物业纠纷增多。"),
    ("白泥井镇", ["case-reviews", "simulated-mediation"], 30, ""),
    ("恩格贝镇", ["mediation-techniques"], 20, "新任调解员较多。"),
]
DECLINED = ("风水梁镇", ["court-observation"], 15, "庭审观摩需与法院协调排期，请下季度再申报。")
# Scheduled ahead, the lecturer not yet answered: (township, module slugs, people, lecturer, days ahead)
PROPOSED = ("中和西镇", ["mediation-techniques", "communication-deescalation"], 35, "lecturer", 27)
COMMENTS = ["案例贴近农村实际，很实用。", "讲得清楚，希望多安排模拟调解。", "时间有点紧，内容很充实。", "老师经验丰富，解答耐心。",
            "", "", "希望下次讲讲宅基地纠纷。", "法条讲解细致。"]


def _officers(townships: dict[str, Region]) -> dict[str, User]:
    officers = {"树林召镇": User.objects.get(username="township")}
    for township, (username, name) in OFFICERS.items():
        user = User.objects.filter(username=username).first() or person_create(
            username=username, name=name, email=f"{username}@example.com", password=DEMO_PASSWORD)
        officers[township] = staff_role_grant(
            user=user, role=StaffRole.BUREAU_STAFF, jurisdiction=townships[township])
    return officers


def _pool(modules: dict[str, CourseModulePage], townships: dict[str, Region]) -> dict[str, User]:
    lecturers = {}
    for username, name, gender, background, organisation, slugs, covered in POOL:
        user = User.objects.filter(username=username).first() or person_create(
            username=username, name=name, gender=gender, email=f"{username}@example.com", password=DEMO_PASSWORD)
        staff_role_grant(user=user, role=StaffRole.LECTURER)
        services.lecturer_profile_save(
            lecturer=user, background=background, organisation=organisation,
            bio=f"{organisation}，长期参与基层人民调解员培训。", modules=[modules[s] for s in slugs],
            townships=list(townships.values()) if covered == ["*"] else [townships[t] for t in covered])
        lecturers[username] = user
    today = timezone.localdate()
    for username, days, note in UNAVAILABLE:  # idempotent: the same day is updated, not added again
        services.lecturer_unavailable(lecturer=lecturers[username], day=today + datetime.timedelta(days=days),
                                      note=note)
    return lecturers


def _order(officer, township, slugs, people, note, modules, rules, *, placed_days_ago=0, first_day=None):
    today = timezone.localdate()
    order = services.order_place(
        by=officer, township=township, modules=[modules[s] for s in slugs], headcount=people,
        preferred_from=today + datetime.timedelta(days=7), preferred_to=today + datetime.timedelta(days=45),
        note=note, rules=rules)
    if placed_days_ago:
        placed = timezone.now() - datetime.timedelta(days=placed_days_ago)
        first_day = first_day or (placed + datetime.timedelta(days=7)).date()
        TrainingOrder.objects.filter(pk=order.pk).update(
            created_at=placed, preferred_from=first_day, preferred_to=first_day + datetime.timedelta(days=30))
        order.refresh_from_db()
    return order


def _members(township: Region, limit: int) -> list[User]:
    return list(User.objects.filter(memberships__in=Membership.objects.active().filter(
        committee__region__path__startswith=township.path)).distinct().order_by("username")[:limit])


def _deliver(session: RotationSession, lecturer: User, bureau: User, rng: random.Random, rules) -> None:
    """Sign the township's members up, record who came (some by QR, the rest from the sheet) and their ratings."""
    members = _members(session.township, 45)
    course_services.session_assign(by=bureau, session=session, people=members)
    present = [m for m in members if rng.random() < 0.86]
    for person in present[: len(present) // 3]:
        course_services.attendance_record(session=session, person=person, method=SessionAttendance.Method.QR,
                                          at=session.starts_at + datetime.timedelta(minutes=rng.randint(0, 20)))
    services.attendance_confirm(by=lecturer, session=session, people=present)
    modules = list(session.modules.all())
    for person in present:
        if rng.random() < 0.7:
            services.rating_submit(
                person=person, session=session, overall=rng.choice([5, 5, 5, 4, 4, 3]),
                lecturer_score=rng.choice([5, 5, 4, 4, 3]), module_scores={m.pk: rng.choice([5, 4, 4, 3])
                                                                           for m in modules},
                comment=rng.choice(COMMENTS), rules=rules, at=session.ends_at + datetime.timedelta(hours=2))


@transaction.atomic
def seed(out) -> list[tuple[str, str, str]]:
    rng = random.Random(15)  # noqa: S311  (deterministic demo data, not security)
    rules = RotationSettings(committee_heads_may_order=False, travel_gap_days=1, rating_days=7)
    modules = {m.slug: m for m in CourseModulePage.objects.live()}
    townships = {r.name: r for r in Region.objects.filter(level=Region.Level.TOWNSHIP)}
    bureau = User.objects.get(username="bureau")
    officers = _officers(townships)
    lecturers = _pool(modules, townships)
    if not TrainingOrder.objects.exists():
        zone = timezone.get_current_timezone()
        # The courses demo's sessions were scheduled with a lecturer directly: record those dispatches, confirmed.
        for session in RotationSession.objects.filter(dispatches__isnull=True).prefetch_related("lecturers"):
            for lecturer in session.lecturers.all():
                dispatch = services.session_dispatch(by=bureau, session=session, lecturer=lecturer)
                services.dispatch_respond(by=lecturer, dispatch=dispatch, accept=True)
                if session.ends_at < timezone.now():
                    # Ticked on the roster already; the lecturer's confirmation closes it.
                    services.attendance_confirm(by=lecturer, session=session, people=[])
                    _rate_existing(session, lecturer, rng, rules)
        for township_name, slugs, username, days_ago, wait in HELD:
            township, lecturer = townships[township_name], lecturers[username]
            starts = datetime.datetime.combine(timezone.localdate() - datetime.timedelta(days=days_ago),
                                               datetime.time(9, 0), zone)
            order = _order(officers[township_name], township, slugs, 40, "", modules, rules,
                           placed_days_ago=days_ago + wait, first_day=starts.date())
            session = course_services.session_schedule(
                by=bureau, title=f"{township_name}菜单式轮训：{modules[slugs[0]].title}", township=township,
                venue=f"{township_name}司法所会议室", starts_at=starts, ends_at=starts + datetime.timedelta(hours=6),
                capacity=60, modules=[modules[s] for s in slugs])
            dispatch = services.session_dispatch(by=bureau, session=session, lecturer=lecturer)
            services.order_set_status(order=order, status=TrainingOrder.Status.SCHEDULED, by=bureau, session=session)
            services.dispatch_respond(by=lecturer, dispatch=dispatch, accept=True)
            _deliver(session, lecturer, bureau, rng, rules)
        for i, (township_name, slugs, people, note) in enumerate(WAITING):
            _order(officers[township_name], townships[township_name], slugs, people, note, modules, rules,
                   placed_days_ago=i + 2)
        township_name, slugs, people, note = DECLINED
        declined = _order(officers[township_name], townships[township_name], slugs, people, "", modules, rules,
                          placed_days_ago=9)
        services.order_decline(by=bureau, order=declined, reason=note)
        township_name, slugs, people, username, ahead = PROPOSED
        order = _order(officers[township_name], townships[township_name], slugs, people, "", modules, rules,
                       placed_days_ago=6)
        starts = datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=ahead),
                                           datetime.time(9, 0), zone)
        services.session_schedule_from_orders(
            by=bureau, orders=[order], lecturer=lecturers[username], title=f"{township_name}菜单式轮训：调解技巧与沟通",
            venue=f"{township_name}党群服务中心", starts_at=starts, ends_at=starts + datetime.timedelta(hours=6),
            capacity=50, modules=[modules[s] for s in slugs])
        for township_name, slug in (("树林召镇", "judicial-confirmation"), ("树林召镇", "case-reviews"),
                                    ("王爱召镇", "property-management"), ("昭君镇", "traffic-accidents"),
                                    ("白泥井镇", "simulated-mediation")):
            for person in _members(townships[township_name], 60)[::4]:
                services.module_vote(person=person, module=modules[slug])
    out.write(f"  rotation: {len(lecturers)} lecturers in the pool, {TrainingOrder.objects.count()} orders, "
              f"{Dispatch.objects.count()} dispatches, {SessionRating.objects.count()} ratings")
    return [("township officer (Wang'aizhao Town)", "township2", DEMO_PASSWORD)]


def _rate_existing(session, lecturer, rng, rules) -> None:
    modules = list(session.modules.all())
    for attendance in session.attendances.select_related("person"):
        if rng.random() < 0.7:
            services.rating_submit(
                person=attendance.person, session=session, overall=rng.choice([5, 5, 4, 4, 3]),
                lecturer_score=rng.choice([5, 5, 4, 4]), module_scores={m.pk: rng.choice([5, 4, 4, 3])
                                                                         for m in modules},
                comment=rng.choice(COMMENTS), rules=rules, at=session.ends_at + datetime.timedelta(hours=2))
