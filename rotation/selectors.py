"""Every non-trivial read of rotation training; each takes the acting user where what it shows depends on them."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from courses import selectors as course_selectors
from courses.models import CourseModulePage, RotationSession, SessionAttendance
from people import permissions as people_permissions
from people.models import Membership, Region, User
from people.roles import StaffRole

from . import permissions
from .models import Dispatch, LecturerProfile, LecturerUnavailability, ModuleVote, SessionRating, TrainingOrder


def learner_townships(*, user) -> list[Region]:
    """The townships of the committees a person is an active member of."""
    regions = Region.objects.filter(committees__memberships__in=Membership.objects.active().filter(person=user))
    found: dict[int, Region] = {}
    for region in regions.distinct():
        township = permissions.township_of(region)
        if township is not None:
            found[township.pk] = township
    return list(found.values())


def menu_modules() -> QuerySet[CourseModulePage]:
    return CourseModulePage.objects.live().select_related("category").order_by("category__code", "path")


def orders_placed_by(*, user) -> QuerySet[TrainingOrder]:
    return (TrainingOrder.objects.filter(ordered_by=user).select_related("township", "committee", "session")
            .prefetch_related("modules"))


def wanted_module_ids(*, user) -> set[int]:
    return set(ModuleVote.objects.filter(person=user).values_list("module_id", flat=True))


# --- The bureau's order queue

@dataclass
class ModuleDemand:
    module: CourseModulePage
    orders: int = 0
    headcount: int = 0
    votes: int = 0


@dataclass
class TownshipQueue:
    township: Region
    orders: list[TrainingOrder] = field(default_factory=list)
    demand: list[ModuleDemand] = field(default_factory=list)


def order_queue(*, user, status: str = TrainingOrder.Status.NEW) -> list[TownshipQueue]:
    """Orders in the user's jurisdiction with ``status``, grouped by township, with the demand for each module
    there: orders that include it, people ordered for, and mediators' wishes. Four queries."""
    orders = list(TrainingOrder.objects.filter(people_permissions.region_filter(user, "township__"), status=status)
                  .select_related("township", "committee", "ordered_by", "session")
                  .prefetch_related("modules").order_by("township__path", "created_at"))
    votes = (ModuleVote.objects.filter(people_permissions.region_filter(user, "township__"))
             .values("township_id", "module_id").annotate(n=Count("pk")))
    queues: dict[int, TownshipQueue] = {}
    demand: dict[tuple[int, int], ModuleDemand] = {}
    for order in orders:
        queue = queues.setdefault(order.township_id, TownshipQueue(township=order.township))
        queue.orders.append(order)
        for module in order.modules.all():
            line = demand.setdefault((order.township_id, module.pk), ModuleDemand(module=module))
            line.orders += 1
            line.headcount += order.headcount
    wished = {(row["township_id"], row["module_id"]): row["n"] for row in votes}
    if status == TrainingOrder.Status.NEW and wished:
        # Wishes show where a township has not ordered yet too: that is demand the bureau should see.
        missing = {key for key in wished if key not in demand}
        modules = CourseModulePage.objects.in_bulk({m for _t, m in missing})
        townships = Region.objects.in_bulk({t for t, _m in missing})
        for township_id, module_id in sorted(missing):
            if module_id in modules:
                queues.setdefault(township_id, TownshipQueue(township=townships[township_id]))
                demand[(township_id, module_id)] = ModuleDemand(module=modules[module_id])
    for (township_id, module_id), line in demand.items():
        line.votes = wished.get((township_id, module_id), 0)
        if township_id in queues:
            queues[township_id].demand.append(line)
    for queue in queues.values():
        queue.demand.sort(key=lambda d: (-d.orders, -d.votes, d.module.path))
    return sorted(queues.values(), key=lambda q: q.township.path)


def orders_for_scheduling(*, user, order_ids) -> list[TrainingOrder]:
    return list(TrainingOrder.objects.filter(people_permissions.region_filter(user, "township__"),
                                             pk__in=order_ids).select_related("township", "ordered_by")
                .prefetch_related("modules").order_by("pk"))


def sessions_without_lecturer(*, orders: list[TrainingOrder]) -> list[RotationSession]:
    """The upcoming sessions of these orders with no lecturer who has not declined (so one must be sent)."""
    ids = {o.session_id for o in orders if o.session_id}
    return list(RotationSession.objects.filter(pk__in=ids, starts_at__gte=timezone.now()).exclude(
        dispatches__in=Dispatch.objects.exclude(status=Dispatch.Status.DECLINED)).select_related("township")
        .prefetch_related("modules"))


# --- Suggesting lecturers

@dataclass
class Suggestion:
    lecturer: User
    profile: LecturerProfile
    sessions_this_year: int


def lecturer_suggestions(*, township: Region, modules: list[CourseModulePage], day: datetime.date,
                         gap_days: int) -> list[Suggestion]:
    """Lecturers the bureau may send: in the pool, able to teach every module, covering the township, not
    unavailable that day and without another session within ``gap_days`` days (travel between townships).
    Fewest sessions this year first, so work is shared. Four queries."""
    module_ids = {m.pk for m in modules}
    profiles = LecturerProfile.objects.filter(lecturer__groups__name=StaffRole.LECTURER, townships=township)
    if module_ids:
        profiles = profiles.annotate(
            teaches=Count("modules", filter=Q(modules__in=module_ids), distinct=True)).filter(teaches=len(module_ids))
    gap = datetime.timedelta(days=gap_days)
    busy = set(Dispatch.objects.filter(day__range=(day - gap, day + gap)).exclude(status=Dispatch.Status.DECLINED)
               .values_list("lecturer_id", flat=True))
    # Sessions scheduled with a lecturer directly (not through a dispatch) count too.
    busy |= set(RotationSession.lecturers.through.objects.filter(
        rotationsession__starts_at__date__range=(day - gap, day + gap)).values_list("user_id", flat=True))
    busy |= set(LecturerUnavailability.objects.filter(day=day).values_list("lecturer_id", flat=True))
    profiles = list(profiles.exclude(lecturer_id__in=busy).select_related("lecturer"))
    year = Dispatch.objects.filter(lecturer_id__in=[p.lecturer_id for p in profiles], day__year=day.year).exclude(
        status=Dispatch.Status.DECLINED).values("lecturer_id").annotate(n=Count("pk"))
    counts = {row["lecturer_id"]: row["n"] for row in year}
    suggestions = [Suggestion(lecturer=p.lecturer, profile=p, sessions_this_year=counts.get(p.lecturer_id, 0))
                   for p in profiles]
    return sorted(suggestions, key=lambda s: (s.sessions_this_year, s.lecturer.name))


def lecturer_pool() -> list[LecturerProfile]:
    return list(LecturerProfile.objects.filter(lecturer__groups__name=StaffRole.LECTURER)
                .select_related("lecturer").prefetch_related("modules", "townships").order_by("lecturer__name"))


# --- The lecturer's own page

@dataclass
class LecturerSession:
    dispatch: Dispatch
    session: RotationSession
    roster: list = field(default_factory=list)

    @property
    def needs_attendance(self) -> bool:
        return (self.dispatch.status == Dispatch.Status.CONFIRMED and self.session.starts_at <= timezone.now()
                and self.dispatch.attendance_confirmed_at is None)


@dataclass
class RatingSummary:
    count: int
    overall: Decimal | None
    lecturer: Decimal | None
    comments: list[str]


@dataclass
class LecturerHome:
    profile: LecturerProfile | None
    unavailable: list[LecturerUnavailability]
    waiting: list[LecturerSession]
    upcoming: list[LecturerSession]
    past: list[LecturerSession]
    ratings: RatingSummary


def lecturer_home(*, user) -> LecturerHome:
    """What a lecturer needs: sessions to answer, upcoming sessions with their attendee lists, past sessions
    (attendance to confirm) and their ratings — without the names of who rated (anonymous to the lecturer)."""
    now = timezone.now()
    dispatches = list(Dispatch.objects.filter(lecturer=user).exclude(status=Dispatch.Status.DECLINED)
                      .select_related("session__township").order_by("session__starts_at"))
    lines = [LecturerSession(dispatch=d, session=d.session) for d in dispatches]
    shown = [line for line in lines if line.session.ends_at >= now or line.needs_attendance]
    # Every roster the page shows in three queries, not three per session.
    rosters = course_selectors.session_rosters(sessions=[line.session for line in shown])
    for line in shown:
        line.roster = rosters[line.session.pk]
    ratings = SessionRating.objects.filter(lecturer=user)
    averages = ratings.aggregate(n=Count("pk"), overall=Avg("overall"), lecturer=Avg("lecturer_score"))
    profile = LecturerProfile.objects.filter(lecturer=user).prefetch_related("modules", "townships").first()
    return LecturerHome(
        profile=profile,
        unavailable=list(LecturerUnavailability.objects.filter(lecturer=user, day__gte=timezone.localdate())),
        waiting=[line for line in lines if line.dispatch.status == Dispatch.Status.PROPOSED
                 and line.session.ends_at >= now],
        upcoming=[line for line in lines if line.dispatch.status == Dispatch.Status.CONFIRMED
                  and line.session.ends_at >= now],
        past=[line for line in reversed(lines) if line.dispatch.status == Dispatch.Status.CONFIRMED
              and line.session.ends_at < now][:20],
        ratings=RatingSummary(
            count=averages["n"], overall=_round(averages["overall"]), lecturer=_round(averages["lecturer"]),
            comments=list(ratings.exclude(comment="").order_by("-created_at").values_list("comment", flat=True)[:20])),
    )


def _round(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))


def lecturer_sessions(*, user) -> QuerySet[RotationSession]:
    """Sessions the user teaches (a dispatch not declined)."""
    return RotationSession.objects.filter(dispatches__lecturer=user).exclude(
        dispatches__status=Dispatch.Status.DECLINED).distinct()


# --- Rating

@dataclass
class RatableSession:
    session: RotationSession
    rating: SessionRating | None
    open_until: datetime.datetime


def ratable_sessions(*, user, rating_days: int) -> list[RatableSession]:
    """Sessions the person attended whose rating is still open (from the start to ``rating_days`` after the end)."""
    now = timezone.now()
    window = datetime.timedelta(days=rating_days)
    sessions = list(RotationSession.objects.filter(
        attendances__person=user, starts_at__lte=now, ends_at__gte=now - window).order_by("-starts_at"))
    ratings = {r.session_id: r for r in SessionRating.objects.filter(person=user, session__in=sessions)}
    return [RatableSession(session=s, rating=ratings.get(s.pk), open_until=s.ends_at + window) for s in sessions]


# --- The report (the figures a bureau publishes) and lecturer workload

@dataclass
class ReportLine:
    key: object
    label: str
    sessions: set = field(default_factory=set)
    people: set = field(default_factory=set)
    attendances: int = 0
    person_hours: Decimal = Decimal(0)
    hours_taught: Decimal = Decimal(0)
    scores: list = field(default_factory=list)

    @property
    def session_count(self) -> int:
        return len(self.sessions)

    @property
    def participants(self) -> int:
        return len(self.people)

    @property
    def rating(self) -> Decimal | None:
        return _round(sum(self.scores) / len(self.scores)) if self.scores else None


@dataclass
class RotationReport:
    start: datetime.date
    end: datetime.date
    sessions: list[RotationSession]
    participants: int
    attendances: int
    person_hours: Decimal
    ratings: int
    rating: Decimal | None
    order_days: Decimal | None  # average days from order to the session that served it
    orders_served: int
    by_township: list[ReportLine]
    by_module: list[ReportLine]
    by_lecturer: list[ReportLine]
    by_month: list[ReportLine]


def _line(lines: dict, key, label: str) -> ReportLine:
    return lines.setdefault(key, ReportLine(key=key, label=label))


def rotation_report(*, user, start: datetime.date, end: datetime.date) -> RotationReport:
    """Sessions held in the user's jurisdiction between ``start`` and ``end`` (by start date, up to now), their
    distinct participants, person-hours (each attendance × the session's credit hours; per module, × that module's
    hours), ratings and order-to-session time — in total and by township, module, lecturer (their workload: sessions,
    hours taught, rating of the lecturer) and month. A fixed number of queries whatever the period."""
    now = timezone.now()
    zone = timezone.get_current_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, zone)
    until = min(now, datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, zone))
    sessions = list(RotationSession.objects.filter(people_permissions.region_filter(user, "township__"),
                                                   starts_at__gte=since, starts_at__lt=until)
                    .select_related("township").prefetch_related("modules", "lecturers").order_by("starts_at"))
    ids = [s.pk for s in sessions]
    attendance = defaultdict(list)
    for session_id, person_id in SessionAttendance.objects.filter(session_id__in=ids).values_list(
            "session_id", "person_id"):
        attendance[session_id].append(person_id)
    ratings = list(SessionRating.objects.filter(session_id__in=ids).prefetch_related("modules"))
    served = list(TrainingOrder.objects.filter(session_id__in=ids).values_list("created_at", "session__starts_at"))

    townships, modules, lecturers, months = {}, {}, {}, {}
    total_hours = Decimal(0)
    for session in sessions:
        people = attendance.get(session.pk, [])
        session_modules = list(session.modules.all())
        hours = sum((m.credit_hours for m in session_modules), Decimal(0))
        total_hours += hours * len(people)
        month = timezone.localtime(session.starts_at).strftime("%Y-%m")
        groups = [_line(townships, session.township_id, session.township.name), _line(months, month, month)]
        groups += [_line(lecturers, lecturer.pk, lecturer.name) for lecturer in session.lecturers.all()]
        for line in groups:
            line.sessions.add(session.pk)
            line.people.update(people)
            line.attendances += len(people)
            line.person_hours += hours * len(people)
            line.hours_taught += hours
        for module in session_modules:
            line = _line(modules, module.pk, module.title)
            line.sessions.add(session.pk)
            line.people.update(people)
            line.attendances += len(people)
            line.person_hours += module.credit_hours * len(people)
            line.hours_taught += module.credit_hours
    by_session = {s.pk: s for s in sessions}
    for rating in ratings:
        session = by_session[rating.session_id]
        townships[session.township_id].scores.append(rating.overall)
        months[timezone.localtime(session.starts_at).strftime("%Y-%m")].scores.append(rating.overall)
        if rating.lecturer_id in lecturers:
            lecturers[rating.lecturer_id].scores.append(rating.lecturer_score)
        for module_rating in rating.modules.all():
            if module_rating.module_id in modules:
                modules[module_rating.module_id].scores.append(module_rating.score)
    waits = [(starts - ordered).total_seconds() / 86400 for ordered, starts in served]

    def ordered(lines: dict) -> list[ReportLine]:
        return sorted(lines.values(), key=lambda line: (-line.session_count, line.label))

    return RotationReport(
        start=start, end=end, sessions=sessions,
        participants=len({p for people in attendance.values() for p in people}),
        attendances=sum(len(people) for people in attendance.values()),
        person_hours=total_hours, ratings=len(ratings),
        rating=_round(sum(r.overall for r in ratings) / len(ratings)) if ratings else None,
        order_days=_round(sum(waits) / len(waits)) if waits else None, orders_served=len(waits),
        by_township=ordered(townships), by_module=ordered(modules), by_lecturer=ordered(lecturers),
        by_month=sorted(months.values(), key=lambda line: line.label),
    )


def session_ratings(*, session: RotationSession) -> list[SessionRating]:
    """A session's ratings with who gave them — for bureau staff only (lecturers see ``lecturer_home``'s summary)."""
    return list(session.ratings.select_related("person").prefetch_related("modules__module"))
