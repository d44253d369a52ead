"""Reads of the training site. Pages and views run a constant number of queries whatever the size of the menu.

Contract for other apps (see docs/architecture.md): ``completed_module_ids``, ``training_hours``,
``training_hours_by_person``, ``training_credits_by_person`` (with ``HourSource`` and the SQL pieces
``training_credits_sql``/``training_hours_sql``) and ``best_scenario_percent``."""

import datetime
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Left, Length
from django.utils import timezone
from wagtail import hooks
from wagtail.images import get_image_model
from wagtail.models import Page

from people import permissions as people_permissions
from people.models import Membership, Region, User

from .choices import Audience
from .models import (
    CaseReviewPage,
    CourseMenuPage,
    CourseModulePage,
    Enrolment,
    LessonCompletion,
    LessonPage,
    ModuleCategory,
    RotationSession,
    ScenarioPage,
    ScenarioRun,
    ScenarioRunChoice,
    SessionAttendance,
    SessionSignup,
)
from .progress import WATCHED_SHARE
from .scenario_graph import Graph
from .search import search_terms

COVER_FILTER = "fill-480x270"
HOURS_RANGES = {"short": Q(credit_hours__lte=2), "medium": Q(credit_hours__gt=2, credit_hours__lt=4),
                "long": Q(credit_hours__gte=4)}


def _count_by_module(queryset: QuerySet, module_paths, path_field: str = "path") -> dict[str, int]:
    """Count lesson rows per module in one query: a lesson's module is its path minus the last step."""
    rows = (queryset.annotate(module_path=Left(path_field, Length(path_field) - Page.steplen))
            .filter(module_path__in=list(module_paths)).order_by().values("module_path").annotate(n=Count("id")))
    return {row["module_path"]: row["n"] for row in rows}


def _percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


# --- The menu

@dataclass
class CatalogEntry:
    module: CourseModulePage
    lessons: int = 0
    done: int = 0
    enrolled: bool = False
    completed: bool = False

    @property
    def percent(self) -> int:
        return _percent(self.done, self.lessons)


@dataclass
class CatalogSection:
    category: ModuleCategory | None
    entries: list[CatalogEntry] = field(default_factory=list)


def catalog(*, user, menu: CourseMenuPage, q: str = "", category: ModuleCategory | None = None,
            audience: str = "", specialty: str = "", hours: str = "") -> list[CatalogSection]:
    """The live modules of the menu, grouped by category, filtered, each with the user's progress.
    Five queries whatever the number of modules (modules, categories' covers, lesson counts, and the user's
    completions and enrolments)."""
    modules = (
        CourseModulePage.objects.live().child_of(menu)
        .select_related("category")
        .prefetch_related(Prefetch("cover_image", queryset=get_image_model().objects.prefetch_renditions(COVER_FILTER)))
        .order_by("category__code", "path")
    )
    if q:
        modules = modules.filter(Q(title__icontains=q) | Q(title_en__icontains=q) | Q(summary__icontains=q))
    if category:
        modules = modules.filter(category=category)
    if audience:
        modules = modules.filter(audience__in=[Audience.EVERYONE, audience])
    if specialty:
        modules = modules.filter(specialty=specialty)
    if hours in HOURS_RANGES:
        modules = modules.filter(HOURS_RANGES[hours])
    modules = list(modules)

    paths = [module.path for module in modules]
    lessons = _count_by_module(LessonPage.objects.live(), paths)
    done: dict[str, int] = {}
    enrolments: dict[int, Enrolment] = {}
    if user.is_authenticated and modules:
        done = _count_by_module(LessonCompletion.objects.filter(person=user, lesson__live=True), paths,
                                "lesson__path")
        enrolments = {e.module_id: e for e in Enrolment.objects.filter(person=user)}

    sections: dict[int | None, CatalogSection] = {}
    for module in modules:
        section = sections.setdefault(module.category_id, CatalogSection(category=module.category))
        enrolment = enrolments.get(module.pk)
        section.entries.append(CatalogEntry(
            module=module, lessons=lessons.get(module.path, 0), done=done.get(module.path, 0),
            enrolled=enrolment is not None, completed=bool(enrolment and enrolment.completed_at)))
    return list(sections.values())


@dataclass
class LessonLine:
    lesson: LessonPage
    done: bool


@dataclass
class ModuleOverview:
    lessons: list[LessonLine]
    scenarios: list[ScenarioPage]
    best_percent: dict[int, int]
    enrolment: Enrolment | None
    prerequisites: list[tuple[CourseModulePage, bool]]
    lecturers: list[User]
    sessions: list[RotationSession]
    can_enrol: bool

    @property
    def done(self) -> int:
        return sum(1 for line in self.lessons if line.done)

    @property
    def percent(self) -> int:
        return _percent(self.done, len(self.lessons))

    @property
    def next_lesson(self) -> LessonPage | None:
        return next((line.lesson for line in self.lessons if not line.done), None)


def module_overview(*, user, module: CourseModulePage) -> ModuleOverview:
    """What a module page shows: lessons in order with the user's ticks, scenarios with the user's best score,
    prerequisites (done or not), lecturers and upcoming rotation sessions teaching it. A fixed number of queries."""
    lessons = list(LessonPage.objects.live().child_of(module).defer("body"))
    scenarios = list(ScenarioPage.objects.live().child_of(module).defer("graph"))
    learner = people_permissions.is_learner(user)
    done_ids: set[int] = set()
    enrolment = None
    completed: set[int] = set()
    best: dict[int, int] = {}
    if learner:
        done_ids = set(LessonCompletion.objects.filter(person=user, lesson__in=[line.pk for line in lessons])
                       .values_list("lesson_id", flat=True))
        enrolment = Enrolment.objects.filter(person=user, module=module).first()
        completed = completed_module_ids(user=user)
        best = best_scenario_percent(user=user)
    prerequisites = [(p, p.pk in completed) for p in module.prerequisites.live().order_by("path")]
    sessions = list(RotationSession.objects.filter(modules=module, ends_at__gte=timezone.now())
                    .select_related("township").order_by("starts_at")[:5])
    return ModuleOverview(
        lessons=[LessonLine(lesson=lesson, done=lesson.pk in done_ids) for lesson in lessons],
        scenarios=scenarios, best_percent=best, enrolment=enrolment, prerequisites=prerequisites,
        lecturers=list(module.lecturers.all()), sessions=sessions, can_enrol=learner and enrolment is None,
    )


def lesson_overview(*, user, lesson: LessonPage) -> dict:
    """The lesson's module, its place among the module's lessons and whether the user has completed it."""
    module = CourseModulePage.objects.get(path=lesson.path[: -Page.steplen])
    siblings = list(LessonPage.objects.live().child_of(module).only("id", "title", "url_path", "path", "depth"))
    ids = [s.pk for s in siblings]
    position = ids.index(lesson.pk) if lesson.pk in ids else -1
    learner = people_permissions.is_learner(user)
    media = lesson.main_media()
    return {
        "module": module,
        "position": position + 1,
        "count": len(siblings),
        "previous": siblings[position - 1] if position > 0 else None,
        "next": siblings[position + 1] if 0 <= position < len(siblings) - 1 else None,
        "learner": learner,
        "done": learner and LessonCompletion.objects.filter(person=user, lesson=lesson).exists(),
        # What earns the lesson (courses.services.lesson_shortfall decides; this only tells the learner).
        "needs_media": bool(media and media.value.get("duration")),
        "watched_share": round(100 * WATCHED_SHARE),
        "read_minutes": math.ceil(lesson.min_read_seconds / 60),
    }


# --- Scenarios

def scenario_runs_for(*, user, scenario: ScenarioPage) -> list[ScenarioRun]:
    if not user.is_authenticated:
        return []
    return list(ScenarioRun.objects.filter(person=user, scenario=scenario)[:10])


@dataclass(frozen=True)
class DebriefLine:
    choice: ScenarioRunChoice
    #: What would have earned the most at that step; empty when the learner chose it (or the step is gone).
    better: list[str]


def scenario_debrief(*, run: ScenarioRun, graph: Graph) -> list[DebriefLine]:
    """Each choice of a finished run next to the best one at its step, read from the scenario as it is now."""
    lines = []
    for choice in run.choices.all():
        step = graph.step(choice.step_key)
        best = [c.text for c in step.best_choices()] if step else []
        lines.append(DebriefLine(choice=choice, better=[] if choice.choice_text in best else best))
    return lines


def best_scenario_percent(*, user) -> dict[int, int]:
    """Scenario id → the best score_percent of the user's finished runs."""
    rows = (ScenarioRun.objects.filter(person=user, finished_at__isnull=False).order_by()
            .values("scenario_id").annotate(best=Max("score_percent")))
    return {row["scenario_id"]: row["best"] for row in rows}


# --- Case reviews

def case_reviews(*, library, q: str = "", category=None, working_method: str = "", outcome: str = "",
                 region: Region | None = None) -> QuerySet[CaseReviewPage]:
    cases = (CaseReviewPage.objects.live().child_of(library)
             .select_related("dispute_category", "region").defer("process", "legal_basis", "party_names")
             .order_by("-first_published_at", "-pk"))
    if q:
        cases = cases.filter(Q(title__icontains=q) | Q(facts__icontains=q) | Q(commentary__icontains=q))
    if category:
        cases = cases.filter(dispute_category=category)
    if working_method:
        cases = cases.filter(working_method=working_method)
    if outcome:
        cases = cases.filter(outcome=outcome)
    if region:
        cases = cases.filter(region__path__startswith=region.path)
    return cases


# --- The learner's home

@dataclass
class NextSteps:
    continue_lesson: LessonPage | None
    continue_module: CourseModulePage | None
    sessions: list[RotationSession]
    signed_up: set[int]
    new_modules: list[CourseModulePage]


def next_lesson(*, user) -> tuple[LessonPage | None, CourseModulePage | None]:
    """Where to continue: the first unfinished lesson (in page order) of the module last studied — the module of
    the lesson completed last, or else the module enrolled in last — skipping modules already completed."""
    last = (LessonCompletion.objects.filter(person=user).order_by("-completed_at", "-pk")
            .values_list("lesson__path", flat=True).first())
    module = None
    if last:
        module = (CourseModulePage.objects.live().filter(path=last[:-Page.steplen])
                  .exclude(pk__in=Enrolment.objects.filter(person=user, completed_at__isnull=False)
                           .values("module_id")).first())
    if module is None:
        enrolment = (Enrolment.objects.filter(person=user, completed_at__isnull=True, module__live=True)
                     .select_related("module").order_by("-enrolled_at", "-pk").first())
        module = enrolment.module if enrolment else None
    if module is None:
        return None, None
    lesson = (LessonPage.objects.live().child_of(module).exclude(completions__person=user)
              .order_by("path").first())
    return lesson, module


def next_steps(*, user, sessions: int = 3, new_modules: int = 3) -> NextSteps:
    """What the learner's home offers next: the lesson to continue with, upcoming sessions in the townships of
    their committees (with whether they signed up) and the newest live modules they have not enrolled in.
    A constant number of queries."""
    lesson, module = next_lesson(user=user)
    upcoming = list(RotationSession.objects.select_related("township")
                    .filter(ends_at__gte=timezone.now(), township__path__in=_membership_region_paths(user))
                    .order_by("starts_at", "pk")[:sessions])
    signed_up = set(SessionSignup.objects.filter(person=user, session__in=[s.pk for s in upcoming])
                    .values_list("session_id", flat=True)) if upcoming else set()
    fresh = list(CourseModulePage.objects.live().exclude(enrolments__person=user)
                 .order_by("-first_published_at", "-pk")[:new_modules])
    return NextSteps(continue_lesson=lesson, continue_module=module, sessions=upcoming, signed_up=signed_up,
                     new_modules=fresh)


# --- Search

SEARCH_KINDS = (("modules", CourseModulePage), ("lessons", LessonPage), ("cases", CaseReviewPage))


@dataclass
class SearchResults:
    terms: list[str]
    modules: list[CourseModulePage] = field(default_factory=list)
    lessons: list[LessonPage] = field(default_factory=list)
    cases: list[CaseReviewPage] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.modules) + len(self.lessons) + len(self.cases)


def learning_search(*, q: str, per_kind: int = 20) -> SearchResults:
    """Live modules, lessons and case reviews matching every term of ``q`` (Han bigrams, see ``courses.search``),
    best first. Drafts and unpublished pages are never found. One query per kind, whatever the matches."""
    results = SearchResults(terms=search_terms(q))
    if not results.terms:
        return results
    query = " ".join(results.terms)
    for name, model in SEARCH_KINDS:
        found = model.objects.live().search(query, operator="and")[:per_kind]
        setattr(results, name, list(found))
    return results


# --- Progress and hours (the contract other apps read)

def completed_module_ids(*, user) -> set[int]:
    """Modules whose lessons the user completed online, or that were taught at a rotation session they attended."""
    online = Enrolment.objects.filter(person=user, completed_at__isnull=False).values_list("module_id", flat=True)
    attended = (SessionAttendance.objects.filter(person=user).exclude(session__modules=None)
                .values_list("session__modules", flat=True))
    return set(online) | set(attended)


def _day_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_current_timezone()
    return (datetime.datetime.combine(start, datetime.time.min, zone),
            datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, zone))


# --- Training hours: the one definition. A person earns training hours from the items they did: modules completed
# online (when the enrolment was completed) or taught at a rotation session they attended (when the session started),
# scenarios (a finished run, when it finished) and exams (a passed attempt, when it was submitted: the assessments
# app declares that source through the ``training_hour_sources`` hook, as it sits above courses). Each item counts
# its credit hours once per person in a period, however often it was done, typed by its module's category. The
# learner's pages, the certificate requirements and the duties read it through ``training_credits_by_person``; the
# coverage dashboard embeds the same two SQL pieces (``training_credits_sql``, ``training_hours_sql``) in its
# grouped statement, and ``tests/dashboard/test_agreement.py`` holds the two sides together.

def _quoted(model, name: str | None = None) -> str:
    quote = connection.ops.quote_name
    return quote(model._meta.db_table) if name is None else quote(model._meta.get_field(name).column)


@dataclass(frozen=True)
class HourSource:
    """One kind of item that earns training hours, declared by the app that keeps its records.

    ``credits(person_ids, since, until)`` returns ``(person_id, item_id, done_at, hours, category_id)`` rows for
    the items done in ``[since, until)`` that earn hours; ``sql(people_sql)`` selects the same rows, without the
    period, as ``person_id, kind, item_id, done_at, hours`` (``kind`` the constant ``kind``) for the people whose
    ids ``people_sql`` yields (it may appear several times: give a subquery without parameters)."""

    kind: str
    credits: Callable[[list, datetime.datetime, datetime.datetime], Iterable[tuple]]
    sql: Callable[[str], str]


def _module_credits(person_ids, since, until) -> list[tuple]:
    online = (Enrolment.objects.filter(person_id__in=person_ids, completed_at__gte=since, completed_at__lt=until)
              .values_list("person_id", "module_id", "completed_at", "module__credit_hours", "module__category_id"))
    attended = (SessionAttendance.objects
                .filter(person_id__in=person_ids, session__starts_at__gte=since, session__starts_at__lt=until)
                .exclude(session__modules=None)
                .values_list("person_id", "session__modules", "session__starts_at", "session__modules__credit_hours",
                             "session__modules__category_id"))
    return [*online, *attended]


def _module_credits_sql(people_sql: str) -> str:
    session_modules = RotationSession.modules.through
    module_column = _quoted(session_modules, "coursemodulepage")
    session_column = _quoted(session_modules, "rotationsession")
    module = _quoted(CourseModulePage)
    return f"""
        SELECT e.person_id, 'module' AS kind, e.module_id AS item_id, e.completed_at AS done_at,
               cm.credit_hours AS hours
        FROM {_quoted(Enrolment)} e JOIN {module} cm ON cm.page_ptr_id = e.module_id
        WHERE e.completed_at IS NOT NULL AND e.person_id IN ({people_sql})
        UNION ALL
        SELECT a.person_id, 'module', sm.{module_column}, s.starts_at, cm.credit_hours
        FROM {_quoted(SessionAttendance)} a
        JOIN {_quoted(RotationSession)} s ON s.id = a.session_id
        JOIN {_quoted(session_modules)} sm ON sm.{session_column} = s.id
        JOIN {module} cm ON cm.page_ptr_id = sm.{module_column}
        WHERE a.person_id IN ({people_sql})"""  # noqa: S608  (names only; values are the caller's parameters)


def _scenario_credits(person_ids, since, until) -> list[tuple]:
    """Finished runs of scenarios worth hours; a scenario's category is its module's (its parent page). One query."""
    path = OuterRef("scenario__path")
    module_category = CourseModulePage.objects.filter(path=Left(path, Length(path) - Page.steplen)).values(
        "category_id")[:1]
    return list(ScenarioRun.objects.filter(person_id__in=person_ids, finished_at__gte=since, finished_at__lt=until,
                                           scenario__credit_hours__gt=0)
                .annotate(category_id=Subquery(module_category))
                .values_list("person_id", "scenario_id", "finished_at", "scenario__credit_hours", "category_id"))


def _scenario_credits_sql(people_sql: str) -> str:
    return f"""
        SELECT r.person_id, 'scenario' AS kind, r.scenario_id AS item_id, r.finished_at AS done_at,
               sc.credit_hours AS hours
        FROM {_quoted(ScenarioRun)} r JOIN {_quoted(ScenarioPage)} sc ON sc.page_ptr_id = r.scenario_id
        WHERE r.finished_at IS NOT NULL AND sc.credit_hours > 0 AND r.person_id IN ({people_sql})"""  # noqa: S608


COURSE_HOUR_SOURCES = (HourSource("module", _module_credits, _module_credits_sql),
                       HourSource("scenario", _scenario_credits, _scenario_credits_sql))


def hour_sources() -> list[HourSource]:
    """Courses' sources, then those the apps above declare (``training_hour_sources`` hook: a function returning
    an ``HourSource``)."""
    return [*COURSE_HOUR_SOURCES, *(source() for source in hooks.get_hooks("training_hour_sources"))]


def training_credits_sql(people_sql: str) -> str:
    """SQL selecting ``person_id, kind, item_id, done_at, hours``: every item that earns hours, done by the people
    whose ids ``people_sql`` yields (a subquery without parameters: it appears once per source)."""
    return "\n        UNION ALL".join(source.sql(people_sql) for source in hour_sources())


def training_hours_sql(done_sql: str) -> str:
    """SQL selecting ``person_id, hours``: per person, the hours of the distinct items among the rows (``person_id,
    kind, item_id, hours``) that ``done_sql`` selects: each item once."""
    return f"""
        SELECT x.person_id, SUM(x.hours) AS hours
        FROM (SELECT DISTINCT person_id, kind, item_id, hours FROM ({done_sql}) d) x
        GROUP BY x.person_id"""  # noqa: S608


def hours_value(value) -> Decimal:
    """A sum of credit hours as the database returns it (float on SQLite), as the field's Decimal."""
    return Decimal(str(value or 0)).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class TrainingCredit:
    """An item a person did that earns hours: the first day in the period it counted, its hours and category."""

    completed_on: datetime.date
    hours: Decimal
    category_id: int | None


def training_credits_by_person(*, person_ids, start: datetime.date, end: datetime.date
                               ) -> dict[int, dict[tuple[str, int], TrainingCredit]]:
    """Person id → (kind, item id) → ``TrainingCredit`` for the items (``"module"``, ``"scenario"``, ``"exam"``…)
    they did between ``start`` and ``end`` (inclusive): the one definition of training hours. An item counts once
    per person in the period (its first time). A query or two per source."""
    since, until = _day_bounds(start, end)
    person_ids = list(person_ids)
    rows = [(person_id, (source.kind, item_id), when, hours, category_id)
            for source in hour_sources()
            for person_id, item_id, when, hours, category_id in source.credits(person_ids, since, until)]
    credits: dict[int, dict[tuple[str, int], TrainingCredit]] = {pid: {} for pid in person_ids}
    for person_id, key, when, hours, category_id in sorted(rows, key=lambda row: row[2]):
        credits[person_id].setdefault(key, TrainingCredit(
            completed_on=timezone.localdate(when), hours=hours, category_id=category_id))
    return credits


def training_hours_by_person(*, person_ids, start: datetime.date, end: datetime.date) -> dict[int, Decimal]:
    """Person id → training hours earned between ``start`` and ``end`` (inclusive)
    (``training_credits_by_person``)."""
    return {pid: sum((credit.hours for credit in items.values()), Decimal(0))
            for pid, items in training_credits_by_person(person_ids=person_ids, start=start, end=end).items()}


def training_hours(*, user, start: datetime.date, end: datetime.date) -> Decimal:
    return training_hours_by_person(person_ids=[user.pk], start=start, end=end)[user.pk]


# --- "My learning"

@dataclass
class EnrolmentLine:
    enrolment: Enrolment
    lessons: int
    done: int

    @property
    def percent(self) -> int:
        return _percent(self.done, self.lessons)

    @property
    def overdue(self) -> bool:
        return bool(self.enrolment.due_on and not self.enrolment.completed_at
                    and self.enrolment.due_on < timezone.localdate())


@dataclass
class LearningSummary:
    enrolments: list[EnrolmentLine]
    hours: Decimal
    target: int
    due: list[EnrolmentLine]
    sessions: list[RotationSession]
    year: int

    @property
    def hours_percent(self) -> int:
        return min(100, round(100 * self.hours / self.target)) if self.target else 100


def learning_summary(*, user, target: int, today: datetime.date | None = None) -> LearningSummary:
    """The learner's modules with progress, hours this year against the bureau's target, what is due (assigned,
    not completed, by due date) and the rotation sessions they signed up for."""
    today = today or timezone.localdate()
    enrolments = list(Enrolment.objects.filter(person=user).select_related("module").order_by(
        F("completed_at").asc(nulls_first=True), F("due_on").asc(nulls_last=True), "enrolled_at"))
    paths = [e.module.path for e in enrolments]
    lessons = _count_by_module(LessonPage.objects.live(), paths) if paths else {}
    done = _count_by_module(LessonCompletion.objects.filter(person=user, lesson__live=True), paths,
                            "lesson__path") if paths else {}
    lines = [EnrolmentLine(enrolment=e, lessons=lessons.get(e.module.path, 0), done=done.get(e.module.path, 0))
             for e in enrolments]
    due = sorted((line for line in lines if line.enrolment.due_on and not line.enrolment.completed_at),
                 key=lambda line: line.enrolment.due_on)
    sessions = list(RotationSession.objects.filter(signups__person=user, ends_at__gte=timezone.now())
                    .select_related("township").order_by("starts_at"))
    return LearningSummary(
        enrolments=lines, hours=training_hours(user=user, start=today.replace(month=1, day=1),
                                               end=today.replace(month=12, day=31)),
        target=target, due=due, sessions=sessions, year=today.year)


# --- Rotation sessions

def _membership_region_paths(user) -> set[str]:
    """The paths of the regions of the user's active committees and of every region above them."""
    paths = set()
    for path in Membership.objects.active().filter(person=user).values_list("committee__region__path", flat=True):
        paths.update(Region.path_prefixes(path))
    return paths


def sessions_visible_to(*, user) -> QuerySet[RotationSession]:
    """Bureau staff: sessions in their jurisdiction. Lecturers: sessions they teach. Learners: sessions in the
    county/banner of any committee they belong to."""
    sessions = RotationSession.objects.select_related("township").annotate(
        signed_up=Count("signups", distinct=True), attended=Count("attendances", distinct=True))
    if people_permissions.is_bureau_staff(user):
        return sessions.filter(people_permissions.region_filter(user, "township__"))
    if people_permissions.is_lecturer(user):
        return sessions.filter(lecturers=user)
    if people_permissions.is_learner(user):
        paths = _membership_region_paths(user)
        return sessions.annotate(
            county_path=Left("township__path", Length("township__path") - Region.steplen)
        ).filter(county_path__in=paths)
    return sessions.none()


@dataclass
class RosterLine:
    person: User
    signed_up: bool
    attendance: SessionAttendance | None
    committee: str


def session_roster(*, session: RotationSession) -> list[RosterLine]:
    """Everyone signed up or attending, with their committee, for the roster a lecturer ticks. Three queries."""
    return session_rosters(sessions=[session])[session.pk]


def session_rosters(*, sessions) -> dict[int, list[RosterLine]]:
    """``session_roster`` of each session (session id → lines), three queries whatever the number of sessions."""
    ids = [session.pk for session in sessions]
    signups = [(s.session_id, s.person_id, s) for s in
               SessionSignup.objects.filter(session_id__in=ids).select_related("person")]
    attendances = [(a.session_id, a.person_id, a) for a in
                   SessionAttendance.objects.filter(session_id__in=ids).select_related("person")]
    committees: dict[int, str] = {}
    for person_id, name in (Membership.objects.active().filter(
            person_id__in={pid for _sid, pid, _row in [*signups, *attendances]})
            .order_by("joined_on").values_list("person_id", "committee__name")):
        committees.setdefault(person_id, name)
    rosters = {}
    for session_id in ids:
        signed = {pid: row for sid, pid, row in signups if sid == session_id}
        attended = {pid: row for sid, pid, row in attendances if sid == session_id}
        people = {pid: row.person for pid, row in {**signed, **attended}.items()}
        lines = [RosterLine(person=person, signed_up=pid in signed, attendance=attended.get(pid),
                            committee=committees.get(pid, "")) for pid, person in people.items()]
        rosters[session_id] = sorted(lines, key=lambda line: (line.committee, line.person.name))
    return rosters


def session_hours(session_ids) -> dict[int, Decimal]:
    if not session_ids:
        return {}
    rows = (RotationSession.modules.through.objects.filter(rotationsession_id__in=session_ids)
            .values("rotationsession_id").annotate(hours=Sum("coursemodulepage__credit_hours")))
    return {row["rotationsession_id"]: row["hours"] for row in rows}


def my_session_records(*, user, sessions: list[RotationSession]) -> None:
    """Mark each session with what it means to ``user``: ``my_signup`` (signed up), ``my_attendance`` (how they
    checked in, or None) and ``my_hours`` (credited when attended). Three queries whatever the number of sessions."""
    ids = [s.pk for s in sessions]
    signed = set(SessionSignup.objects.filter(person=user, session_id__in=ids).values_list("session_id", flat=True))
    attended = {a.session_id: a for a in SessionAttendance.objects.filter(person=user, session_id__in=ids)}
    hours = session_hours(list(attended))
    for session in sessions:
        session.my_signup = session.pk in signed
        session.my_attendance = attended.get(session.pk)
        session.my_hours = hours.get(session.pk) if session.my_attendance else None


@dataclass
class CommitteeLine:
    name: str
    region: str
    participants: int = 0
    attendances: int = 0
    hours: Decimal = Decimal(0)


@dataclass
class SessionReport:
    start: datetime.date
    end: datetime.date
    sessions: list[RotationSession]
    hours_by_session: dict[int, Decimal]
    participants: int
    attendances: int
    hours: Decimal
    committees: list[CommitteeLine]


def session_report(*, user, start: datetime.date, end: datetime.date) -> SessionReport:
    """The figures bureaus publish ("15 sessions, 700+ participants"): sessions held in the user's jurisdiction in
    the period, distinct participants, hours credited, and the same by committee. Five queries."""
    since, until = _day_bounds(start, end)
    sessions = list(sessions_visible_to(user=user).filter(starts_at__gte=since, starts_at__lt=until)
                    .order_by("starts_at"))
    ids = [s.pk for s in sessions]
    hours = session_hours(ids)
    rows = list(SessionAttendance.objects.filter(session_id__in=ids).values_list("session_id", "person_id")) \
        if ids else []
    committees_of: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if rows:
        for person_id, name, region in (Membership.objects.active().filter(person_id__in={p for _s, p in rows})
                                        .values_list("person_id", "committee__name", "committee__region__name")):
            committees_of[person_id].append((name, region))
    lines: dict[tuple[str, str], CommitteeLine] = {}
    people_by_line: dict[tuple[str, str], set[int]] = defaultdict(set)
    for session_id, person_id in rows:
        for key in committees_of.get(person_id) or [("", "")]:
            line = lines.setdefault(key, CommitteeLine(name=key[0], region=key[1]))
            line.attendances += 1
            line.hours += hours.get(session_id) or Decimal(0)
            people_by_line[key].add(person_id)
    for key, line in lines.items():
        line.participants = len(people_by_line[key])
    return SessionReport(
        start=start, end=end, sessions=sessions, hours_by_session=hours,
        participants=len({p for _s, p in rows}), attendances=len(rows),
        hours=sum((hours.get(s) or Decimal(0) for s, _p in rows), Decimal(0)),
        committees=sorted(lines.values(), key=lambda line: (-line.participants, line.name)),
    )


