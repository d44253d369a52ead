"""Reads behind the coverage dashboard: who in a region is trained and certified, and who is not.

Selectors that list committees and people take the acting user and limit rows through
``people.permissions.region_filter``. Region-wide figures (``level_figures``, ``coverage_trend``, ``activity``) take
the region alone: views first check that the user may see the region (``region_for``), and the figures are then the
same for everyone who may — which is what lets ``services.region_snapshot`` keep them. The figures for a
whole level (county → townships, township → committees, committee → people) come from one grouped SQL statement
over the region path prefix (the ``Substr(path, …)`` technique of ``people.selectors.jurisdiction_summary``), so a
page runs the same small number of queries whatever the size of the region.

Definitions (also shown on the page):
- *member*: an active committee membership today (joined on or before today, not left), narrowed by the role,
  committee kind and specialty filters; a person counts once per row even with several memberships.
- *certified*: holds a certificate with status "issued" that is not past its expiry date (of the chosen program,
  if one is chosen). *Expiring*: certified, and the last of their valid certificates ends within the bureau's
  window (``BureauSettings.expiring_within_days``). *Expired*: not certified, but held a certificate that ran out
  (status "expired", or "issued" and past its date). Valid, expiring and expired are ``certificates.validity``'s.
- *never trained*: no lesson completion, no rotation-session attendance and no exam attempt, ever.
- *hours this year*: training hours earned this calendar year — modules completed online or at an attended
  rotation session, finished scenarios, passed exams — each item once per person (the rule of
  ``courses.selectors.training_hours_by_person``, embedded as its SQL pieces).
- *pre-job training done*: credit hours completed (same rule) since the person first joined a committee they
  still serve on reach the bureau's ``prejob_hours_target``.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Avg, Case, CharField, Count, Max, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast, Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Attempt, Quiz
from certificates import validity
from certificates.models import Certificate, CertificateStatusChange, Program
from courses.models import (
    LessonCompletion,
    RotationSession,
    ScenarioRun,
    SessionAttendance,
)
from courses.selectors import hours_value, training_credits_sql, training_hours_sql
from people.models import BureauSettings, Committee, Grade, Membership, Region, User
from people.permissions import can_see_region, committees_visible_to, people_visible_to, region_filter
from training import selectors as training_selectors

# The bureau's expiring window when no settings say otherwise (the setting's own default).
DEFAULT_EXPIRING_DAYS = BureauSettings._meta.get_field("expiring_within_days").default
TREND_MONTHS = 12
TOTAL = "*"


# --- Filters

PERIODS = {
    "year": _("This year"),
    "last_year": _("Last year"),
    "12m": _("Last 12 months"),
    "quarter": _("This quarter"),
    "month": _("This month"),
}


@dataclass(frozen=True)
class Filters:
    """What the bureau narrowed the dashboard to. Empty strings and None mean "all"."""

    period: str = "year"
    program: Program | None = None
    role: str = ""
    kind: str = ""
    specialty: str = ""

    def period_bounds(self, today: datetime.date) -> tuple[datetime.date, datetime.date]:
        """First and last day (inclusive) of the chosen period."""
        if self.period == "last_year":
            return datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31)
        if self.period == "12m":
            return _add_months(today, -12) + datetime.timedelta(days=1), today
        if self.period == "quarter":
            first = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
            return first, _add_months(first, 3) - datetime.timedelta(days=1)
        if self.period == "month":
            first = today.replace(day=1)
            return first, _add_months(first, 1) - datetime.timedelta(days=1)
        return datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)

    def _committee_q(self, prefix: str = "") -> Q:
        chosen = {"kind": self.kind, "specialty": self.specialty}
        return Q(**{f"{prefix}{name}": value for name, value in chosen.items() if value})

    def narrow(self, memberships: QuerySet[Membership]) -> QuerySet[Membership]:
        memberships = memberships.filter(self._committee_q("committee__"))
        return memberships.filter(role=self.role) if self.role else memberships

    def narrow_committees(self, committees: QuerySet[Committee]) -> QuerySet[Committee]:
        return committees.filter(self._committee_q())

    def certificates(self, certificates: QuerySet[Certificate]) -> QuerySet[Certificate]:
        return certificates.filter(program=self.program) if self.program else certificates

    def key(self) -> str:
        """The filters as a short string, e.g. ``year|3|mediator||`` (see ``from_key``)."""
        return "|".join([self.period, str(self.program.pk if self.program else ""), self.role, self.kind,
                         self.specialty])

    @classmethod
    def from_key(cls, key: str) -> "Filters":
        period, program, role, kind, specialty = key.split("|")[:5]
        return cls(period=period, program=Program.objects.filter(pk=program).first() if program else None,
                   role=role, kind=kind, specialty=specialty)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (earlier if negative), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    following = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return min(day.replace(year=year, month=month, day=1) + datetime.timedelta(days=day.day - 1),
               following - datetime.timedelta(days=1))


# --- Figures per row

@dataclass
class Figures:
    """The coverage figures of one row (a region, a committee, a person) or of the whole level."""

    headcount: int = 0
    mediators: int = 0
    informants: int = 0
    full_time: int = 0
    women: int = 0
    certified: int = 0
    expiring: int = 0
    expired: int = 0
    never_trained: int = 0
    hours: Decimal = Decimal(0)
    hours_met: int = 0
    prejob_done: int = 0
    grades: dict[str, int] = field(default_factory=dict)

    @property
    def part_time(self) -> int:
        return self.headcount - self.full_time

    @property
    def uncertified(self) -> int:
        return self.headcount - self.certified

    def _share(self, count: int) -> int:
        return round(100 * count / self.headcount) if self.headcount else 0

    @property
    def certified_percent(self) -> int:
        return self._share(self.certified)

    @property
    def hours_met_percent(self) -> int:
        return self._share(self.hours_met)

    @property
    def prejob_percent(self) -> int:
        return self._share(self.prejob_done)

    @property
    def hours_average(self) -> Decimal:
        return (self.hours / self.headcount).quantize(Decimal("0.1")) if self.headcount else Decimal(0)


@dataclass
class Targets:
    """The bureau's settings the figures depend on: the hour targets and the expiring window."""

    annual_hours: int
    prejob_hours: int
    expiring_days: int = DEFAULT_EXPIRING_DAYS

    def key(self) -> str:
        return f"{self.annual_hours}|{self.prejob_hours}|{self.expiring_days}"

    @classmethod
    def from_key(cls, key: str) -> "Targets":
        annual, prejob, *expiring = key.split("|")  # keys kept before the window was a setting have no third part
        return cls(annual_hours=int(annual), prejob_hours=int(prejob),
                   expiring_days=int(expiring[0]) if expiring else DEFAULT_EXPIRING_DAYS)


def _scope(*, region: Region, filters: Filters, today: datetime.date, user: User | None = None
           ) -> QuerySet[Membership]:
    """Active memberships in the region (inside the user's jurisdiction, when one is given), narrowed by the filters.

    Region-wide figures are computed without a user: the caller has checked that the user may see the region, and
    then the figures are the same for everyone who may (which lets them be kept in a snapshot)."""
    memberships = Membership.objects.active(today).filter(committee__region__path__startswith=region.path)
    if user is not None:
        memberships = memberships.filter(region_filter(user, "committee__region__"))
    return filters.narrow(memberships).order_by()


def _group_key(region: Region, group_by: str):
    """The SQL expression naming the row a membership belongs to.

    ``child``: the region directly below (its path prefix), except committees sitting in ``region`` itself
    (industry committees and stationed rooms at the county), which are rows of their own ("#<committee id>").
    ``committee``: "#<committee id>". ``person``: "@<person id>"."""
    committee_key = Concat(Value("#"), Cast("committee_id", CharField()))
    if group_by == "committee":
        return committee_key
    if group_by == "person":
        return Concat(Value("@"), Cast("person_id", CharField()))
    return Case(When(committee__region__path=region.path, then=committee_key),
                default=Substr("committee__region__path", 1, len(region.path) + Region.steplen))


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _date(value: datetime.date):
    return connection.ops.adapt_datefield_value(value)


def _start_of(value: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``value`` in the site's time zone."""
    return datetime.datetime.combine(value, datetime.time.min, timezone.get_current_timezone())


def _moment(value: datetime.date):
    """``_start_of(value)`` as the database compares datetimes (for raw SQL parameters)."""
    return connection.ops.adapt_datetimefield_value(_start_of(value))


def _figures_sql(*, members_sql: str, filters: Filters, today: datetime.date, targets: Targets) -> tuple[str, list]:
    """The one grouped statement behind a level's table: per row (``grp``) and for the whole level (``*``)."""
    certificate, user = _table(Certificate), _table(User)
    lesson_done, attendance, attempt = _table(LessonCompletion), _table(SessionAttendance), _table(Attempt)
    program_sql, program_params = ("AND c.program_id = %s", [filters.program.pk]) if filters.program else ("", [])
    year_start, year_end = datetime.date(today.year, 1, 1), datetime.date(today.year + 1, 1, 1)
    flags = """MAX(CASE WHEN role = %s THEN 1 ELSE 0 END) AS is_mediator,
               MAX(CASE WHEN role = %s THEN 1 ELSE 0 END) AS is_informant,
               MAX(CASE WHEN employment = %s THEN 1 ELSE 0 END) AS is_full_time"""
    flag_params = [Membership.Role.MEDIATOR.value, Membership.Role.INFORMANT.value,
                   Membership.Employment.FULL_TIME.value]
    valid_sql, valid_params = validity.sql_valid("c", today)
    lapsed_sql, lapsed_params = validity.sql_lapsed("c", today)
    # Only table and column names and the ORM's own compiled SQL are interpolated; every value is a parameter.
    sql = f"""
    WITH m AS ({members_sql}),
    gp AS (SELECT grp, person_id, {flags} FROM m GROUP BY grp, person_id
           UNION ALL SELECT '{TOTAL}', person_id, {flags} FROM m GROUP BY person_id),
    p AS (SELECT person_id, MIN(joined_on) AS since FROM m GROUP BY person_id),
    cert AS (
        SELECT c.holder_id AS person_id,
               MAX(CASE WHEN {valid_sql} THEN c.expires_on END) AS valid_until,
               MAX(CASE WHEN {lapsed_sql} THEN c.expires_on END) AS lapsed_on
        FROM {certificate} c WHERE c.holder_id IN (SELECT person_id FROM p) {program_sql}
        GROUP BY c.holder_id),
    trained AS (
        SELECT person_id FROM {lesson_done} WHERE person_id IN (SELECT person_id FROM p)
        UNION SELECT person_id FROM {attendance} WHERE person_id IN (SELECT person_id FROM p)
        UNION SELECT user_id FROM {attempt} WHERE user_id IN (SELECT person_id FROM p)),
    done AS ({training_credits_sql("SELECT person_id FROM p")}),
    year_hours AS ({training_hours_sql("SELECT * FROM done WHERE done_at >= %s AND done_at < %s")}),
    prejob AS ({training_hours_sql("SELECT d.* FROM done d JOIN p ON p.person_id = d.person_id "
                                   "WHERE d.done_at >= p.since")})
    SELECT gp.grp, COUNT(*), SUM(gp.is_mediator), SUM(gp.is_informant), SUM(gp.is_full_time),
           SUM(CASE WHEN u.gender = %s THEN 1 ELSE 0 END),
           SUM(CASE WHEN cert.valid_until IS NOT NULL THEN 1 ELSE 0 END),
           SUM(CASE WHEN cert.valid_until <= %s THEN 1 ELSE 0 END),
           SUM(CASE WHEN cert.valid_until IS NULL AND cert.lapsed_on IS NOT NULL THEN 1 ELSE 0 END),
           SUM(CASE WHEN t.person_id IS NULL THEN 1 ELSE 0 END),
           COALESCE(SUM(yh.hours), 0),
           SUM(CASE WHEN COALESCE(yh.hours, 0) >= %s THEN 1 ELSE 0 END),
           SUM(CASE WHEN COALESCE(pj.hours, 0) >= %s THEN 1 ELSE 0 END)
    FROM gp JOIN {user} u ON u.id = gp.person_id
    LEFT JOIN cert ON cert.person_id = gp.person_id
    LEFT JOIN trained t ON t.person_id = gp.person_id
    LEFT JOIN year_hours yh ON yh.person_id = gp.person_id
    LEFT JOIN prejob pj ON pj.person_id = gp.person_id
    GROUP BY gp.grp"""  # noqa: S608
    params = [*flag_params, *flag_params, *valid_params, *lapsed_params, *program_params, _moment(year_start),
              _moment(year_end), User.Gender.FEMALE.value,
              _date(validity.expiring_until(today, targets.expiring_days)), targets.annual_hours, targets.prejob_hours]
    return sql, params


def level_figures(
    *, region: Region, group_by: str, filters: Filters, targets: Targets,
    today: datetime.date | None = None, memberships: QuerySet[Membership] | None = None,
) -> dict[str, Figures]:
    """Row key → Figures for every row of a level, plus ``TOTAL`` for the level as a whole. Three queries.

    ``group_by`` is ``child`` (regions below, and committees sitting in the region itself), ``committee`` or
    ``person`` (see ``_group_key``); ``memberships`` narrows the scope further (one committee, one person)."""
    today = today or timezone.localdate()
    scope = memberships if memberships is not None else _scope(region=region, filters=filters, today=today)
    scope = scope.annotate(grp=_group_key(region, group_by))
    members_sql, members_params = scope.values(
        "grp", "person_id", "role", "employment", "joined_on").query.sql_with_params()
    sql, params = _figures_sql(members_sql=members_sql, filters=filters, today=today, targets=targets)
    result: dict[str, Figures] = defaultdict(Figures)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*members_params, *params])
        for grp, *values in cursor.fetchall():
            (headcount, mediators, informants, full_time, women, certified, expiring, expired, never_trained,
             hours, hours_met, prejob_done) = values
            result[grp] = Figures(
                headcount=headcount, mediators=mediators or 0, informants=informants or 0,
                full_time=full_time or 0, women=women or 0, certified=certified or 0, expiring=expiring or 0,
                expired=expired or 0, never_trained=never_trained or 0, hours=hours_value(hours),
                hours_met=hours_met or 0, prejob_done=prejob_done or 0)
    grades = scope.values("grp", "grade__name").annotate(n=Count("person", distinct=True))
    totals = scope.values("grade__name").annotate(n=Count("person", distinct=True))
    for row in [*grades, *({**row, "grp": TOTAL} for row in totals)]:
        if row["grade__name"]:
            result[row["grp"]].grades[row["grade__name"]] = row["n"]
    return result


# --- Levels: county → township → committee → person

@dataclass
class Row:
    """One line of a level's table: what it is (a region, a committee or a person) and its figures."""

    label: str
    figures: Figures
    region: Region | None = None
    committee: Committee | None = None
    person: User | None = None
    note: str = ""
    #: On a committee's page (rows are people): the person's latest-expiring valid certificate.
    certificate: Certificate | None = None


@dataclass
class Level:
    title: str
    total: Figures
    rows: list[Row]
    grades: list[str]
    kind: str  # "region" (rows are regions and committees), "committee" (rows are committees), "people"
    expiring_days: int = DEFAULT_EXPIRING_DAYS

    @property
    def expiring_label(self) -> str:
        return validity.expiring_label(self.expiring_days)


def groups_by_committee(region: Region) -> bool:
    """Townships and villages list their committees; counties and above list the areas below them."""
    return region.level in (Region.Level.TOWNSHIP, Region.Level.VILLAGE)


def region_figures(
    *, region: Region, filters: Filters, targets: Targets, today: datetime.date | None = None
) -> dict[str, Figures]:
    """The figures of a region's rows (keys as in ``_group_key``) and ``TOTAL``. Three queries."""
    by_committee = groups_by_committee(region)
    return level_figures(region=region, group_by="committee" if by_committee else "child", filters=filters,
                         targets=targets, today=today)


def region_rows(*, user: User, region: Region, filters: Filters, figures: dict[str, Figures],
                targets: Targets | None = None) -> Level:
    """A region's table: for a county (or above), one row per region below plus one per committee sitting in the
    county itself; for a township, one row per committee in it. Every row is listed even with nobody in it.
    Three queries."""
    by_committee = groups_by_committee(region)
    committees = filters.narrow_committees(
        committees_visible_to(user).filter(region__path__startswith=region.path).select_related("region"))
    rows = []
    if not by_committee:
        for child in region.get_children():
            rows.append(Row(label=child.name, region=child, figures=figures.get(child.path, Figures())))
        committees = committees.filter(region=region)
    for committee in committees.order_by("region__path", "name"):
        rows.append(Row(label=committee.name, committee=committee, note=committee.region.name,
                        figures=figures.get(f"#{committee.pk}", Figures())))
    return Level(title=region.name, total=figures.get(TOTAL, Figures()), rows=rows, grades=grade_names(),
                 kind="committee" if by_committee else "region",
                 expiring_days=targets.expiring_days if targets else DEFAULT_EXPIRING_DAYS)


def region_level(
    *, user: User, region: Region, filters: Filters, targets: Targets, today: datetime.date | None = None
) -> Level:
    """``region_rows`` over freshly computed ``region_figures``. Six queries."""
    figures = region_figures(region=region, filters=filters, targets=targets, today=today)
    return region_rows(user=user, region=region, filters=filters, figures=figures, targets=targets)


def committee_level(
    *, user: User, committee: Committee, filters: Filters, targets: Targets, today: datetime.date | None = None
) -> Level:
    """A committee's members, one row each, with each one's valid certificate. Six queries."""
    today = today or timezone.localdate()
    scope = filters.narrow(Membership.objects.active(today).filter(committee=committee)).order_by()
    figures = level_figures(region=committee.region, group_by="person", filters=filters,
                            targets=targets, today=today, memberships=scope)
    people = User.objects.filter(pk__in=scope.values("person_id")).order_by("name", "pk")
    certificates = {}
    for certificate in (Certificate.objects.filter(validity.status_q("valid", today=today), holder__in=people)
                        .select_related("program").order_by("expires_on")):
        certificates[certificate.holder_id] = certificate  # the latest expiry wins
    rows = [Row(label=person.name, person=person, figures=figures.get(f"@{person.pk}", Figures()),
                certificate=certificates.get(person.pk)) for person in people]
    return Level(title=committee.name, total=figures.get(TOTAL, Figures()), rows=rows, grades=grade_names(),
                 kind="people", expiring_days=targets.expiring_days)


def grade_names() -> list[str]:
    return list(Grade.objects.order_by("rank").values_list("name", flat=True))


def region_for(*, user: User, code: str) -> Region | None:
    """The region with this division code, if the user may see it."""
    region = Region.objects.filter(code=code).first()
    return region if region and can_see_region(user, region) else None


def home_region(*, user: User) -> Region | None:
    """Where a user's dashboard starts: their jurisdiction; an administrator's, the first top-level region."""
    return user.jurisdiction or Region.get_first_root_node()


def breadcrumbs(*, user: User, region: Region) -> list[Region]:
    """The regions from the user's jurisdiction (or the top) down to ``region``, for drilling back up."""
    top = home_region(user=user)
    chain = [*region.get_ancestors(), region]
    return [r for r in chain if r.path.startswith(top.path)]


def committee_for(*, user: User, pk: int) -> Committee | None:
    return committees_visible_to(user).select_related("region").filter(pk=pk).first()


# --- One person

@dataclass
class PersonRecord:
    person: User
    memberships: list[Membership]
    figures: Figures
    certificates: list[Certificate]
    hours: Decimal
    attempts: list[Attempt]
    runs: list[ScenarioRun]
    sessions: list[SessionAttendance]


def person_record(
    *, user: User, pk: int, targets: Targets, today: datetime.date | None = None
) -> PersonRecord | None:
    """A person serving in the user's jurisdiction: their memberships there (never those elsewhere), coverage
    figures, certificates and latest training activity. None when the user may not see them."""
    today = today or timezone.localdate()
    person = people_visible_to(user).filter(pk=pk).first()
    if person is None:
        return None
    memberships = Membership.objects.filter(region_filter(user, "committee__region__"), person=person)
    scope = memberships.active(today).order_by()
    root = home_region(user=user)
    figures = level_figures(region=root, group_by="person", filters=Filters(), targets=targets,
                            today=today, memberships=scope).get(TOTAL, Figures())
    return PersonRecord(
        person=person,
        memberships=list(memberships.select_related("committee__region", "grade").order_by("-joined_on", "pk")),
        figures=figures, hours=figures.hours,
        certificates=list(Certificate.objects.filter(holder=person).select_related("program")
                          .order_by("-issued_on", "-pk")),
        attempts=list(Attempt.objects.filter(user=person).exclude(status=Attempt.Status.IN_PROGRESS)
                      .select_related("quiz").order_by("-submitted_at")[:10]),
        runs=list(ScenarioRun.objects.filter(person=person, finished_at__isnull=False)
                  .select_related("scenario").order_by("-finished_at")[:10]),
        sessions=list(SessionAttendance.objects.filter(person=person).select_related("session__township")
                      .order_by("-session__starts_at")[:10]),
    )


# --- Training activity in a period

@dataclass
class Activity:
    start: datetime.date
    end: datetime.date
    sessions: int = 0
    participants: int = 0
    attendances: int = 0
    attempts: int = 0
    passed: int = 0
    exam_attempts: int = 0
    exam_passed: int = 0
    runs: int = 0
    runners: int = 0
    run_average: int | None = None

    @staticmethod
    def _rate(passed: int, total: int) -> int | None:
        return round(100 * passed / total) if total else None

    @property
    def pass_rate(self) -> int | None:
        return self._rate(self.passed, self.attempts)

    @property
    def exam_pass_rate(self) -> int | None:
        return self._rate(self.exam_passed, self.exam_attempts)


def activity(*, region: Region, filters: Filters, today: datetime.date | None = None) -> Activity:
    """Training in the period: rotation sessions held in the region and who attended; exam attempts finished and
    passed (all quizzes, and certification exams alone); simulated-mediation runs finished — by the region's
    members (under the filters). Three queries."""
    today = today or timezone.localdate()
    start, end = filters.period_bounds(today)
    since, until = _start_of(start), _start_of(end + datetime.timedelta(days=1))
    members = _scope(region=region, filters=filters, today=today).values("person_id")
    sessions = RotationSession.objects.filter(
        township__path__startswith=region.path,
        starts_at__gte=since, starts_at__lt=until,
    ).aggregate(sessions=Count("pk", distinct=True), participants=Count("attendances__person", distinct=True),
                attendances=Count("attendances", distinct=True))
    certification = Q(quiz__kind=Quiz.Kind.CERTIFICATION)
    attempts = Attempt.objects.filter(
        user_id__in=members, status=Attempt.Status.COMPLETED, submitted_at__gte=since, submitted_at__lt=until,
    ).aggregate(finished=Count("pk"), passes=Count("pk", filter=Q(passed=True)),
                exams=Count("pk", filter=certification),
                exam_passes=Count("pk", filter=certification & Q(passed=True)))
    runs = ScenarioRun.objects.filter(
        person_id__in=members, finished_at__gte=since, finished_at__lt=until,
    ).aggregate(runs=Count("pk"), runners=Count("person", distinct=True), run_average=Avg("score_percent"))
    average = runs.pop("run_average")
    return Activity(start=start, end=end, **sessions, attempts=attempts["finished"], passed=attempts["passes"],
                    exam_attempts=attempts["exams"], exam_passed=attempts["exam_passes"], **runs,
                    run_average=round(average) if average is not None else None)


# --- Trend: certified coverage month by month

@dataclass
class TrendPoint:
    month: datetime.date  # the month's last day (today for the current month)
    members: int
    certified: int

    @property
    def percent(self) -> int:
        return round(100 * self.certified / self.members) if self.members else 0


def trend_months(today: datetime.date) -> list[datetime.date]:
    """The last day of each of the last 12 months, oldest first; the current month ends today."""
    first = today.replace(day=1)
    ends = [_add_months(first, -back + 1) - datetime.timedelta(days=1) for back in range(TREND_MONTHS - 1, 0, -1)]
    return [*ends, today]


def coverage_trend(
    *, region: Region, filters: Filters, today: datetime.date | None = None,
    memberships: QuerySet[Membership] | None = None,
) -> list[TrendPoint]:
    """For each of the last 12 months: members serving at the month's end, and how many of them held a valid
    certificate then — issued on or before that day, not yet expired, and not revoked or superseded by then (from
    the certificate's status history). One query."""
    today = today or timezone.localdate()
    months = trend_months(today)
    scope = memberships if memberships is not None else filters.narrow(Membership.objects.filter(
        committee__region__path__startswith=region.path)).order_by()
    scope = scope.filter(joined_on__lte=today).exclude(left_on__lte=months[0])
    members_sql, members_params = scope.values("person_id", "joined_on", "left_on").query.sql_with_params()
    program_sql, program_params = ("AND c.program_id = %s", [filters.program.pk]) if filters.program else ("", [])
    columns, column_params = [], []
    for index, day in enumerate(months):
        serving = "m.joined_on <= %s AND (m.left_on IS NULL OR m.left_on > %s)"
        valid = "c.issued_on <= %s AND c.expires_on >= %s AND (c.ended_at IS NULL OR c.ended_at >= %s)"
        columns.append(f"MAX(CASE WHEN {serving} THEN 1 ELSE 0 END) AS s{index}")
        columns.append(f"MAX(CASE WHEN {serving} AND {valid} THEN 1 ELSE 0 END) AS v{index}")
        day_param = _date(day)
        column_params += [day_param] * 6 + [_moment(day + datetime.timedelta(days=1))]
    sums = ", ".join(f"SUM(s{i}), SUM(v{i})" for i in range(len(months)))
    certificate, change = _table(Certificate), _table(CertificateStatusChange)
    sql = f"""
    WITH m AS ({members_sql}),
    c AS (
        SELECT c.holder_id, c.issued_on, c.expires_on, ends.ended_at FROM {certificate} c
        LEFT JOIN (SELECT certificate_id, MIN(changed_at) AS ended_at FROM {change}
                   WHERE new_status IN (%s, %s) GROUP BY certificate_id) ends
               ON ends.certificate_id = c.id
        WHERE c.holder_id IN (SELECT person_id FROM m) {program_sql}),
    per AS (SELECT m.person_id, {", ".join(columns)} FROM m LEFT JOIN c ON c.holder_id = m.person_id
            GROUP BY m.person_id)
    SELECT {sums} FROM per"""  # noqa: S608  (names and compiled ORM SQL only; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*members_params, Certificate.Status.REVOKED.value, Certificate.Status.SUPERSEDED.value,
                             *program_params, *column_params])
        values = cursor.fetchone()
    return [TrendPoint(month=day, members=values[2 * i] or 0, certified=values[2 * i + 1] or 0)
            for i, day in enumerate(months)]


# --- A region page's figures, all together

@dataclass
class RegionFigures:
    """Everything region-wide a region page shows: its rows' figures, the trend and the period's activity — what
    ``services.region_snapshot`` keeps. ``computed_at`` says how current it is; ``refreshing`` that the worker is
    computing it again."""

    figures: dict[str, Figures]
    trend: list[TrendPoint]
    activity: Activity
    computed_at: datetime.datetime | None = None
    refreshing: bool = False

    def to_data(self) -> dict:
        return {"figures": {key: asdict(value) for key, value in self.figures.items()},
                "trend": [[point.month.isoformat(), point.members, point.certified] for point in self.trend],
                "activity": asdict(self.activity)}

    @classmethod
    def from_data(cls, data: dict, **extra) -> "RegionFigures":
        figures = {key: Figures(**{**value, "hours": Decimal(value["hours"])})
                   for key, value in data["figures"].items()}
        trend = [TrendPoint(month=datetime.date.fromisoformat(month), members=members, certified=certified)
                 for month, members, certified in data["trend"]]
        found = data["activity"]
        found |= {"start": datetime.date.fromisoformat(found["start"]),
                  "end": datetime.date.fromisoformat(found["end"])}
        return cls(figures=figures, trend=trend, activity=Activity(**found), **extra)


def region_figures_compute(
    *, region: Region, filters: Filters, targets: Targets, today: datetime.date | None = None
) -> RegionFigures:
    """Compute a region's ``RegionFigures`` from the records. Seven queries, none per row."""
    today = today or timezone.localdate()
    return RegionFigures(figures=region_figures(region=region, filters=filters, targets=targets, today=today),
                         trend=coverage_trend(region=region, filters=filters, today=today),
                         activity=activity(region=region, filters=filters, today=today))


# --- Red flags: lists a bureau can act on

@dataclass
class RedFlags:
    """Unevaluated: a county's lists run to tens of thousands of members, so the page shows the first rows and a
    count, and the export reads them all."""

    no_certified_mediator: QuerySet[Committee]
    no_woman: QuerySet[Committee]
    uncertified_members: QuerySet[Membership]
    renewals_overdue: QuerySet[Membership]


def _valid_holders(filters: Filters, today: datetime.date) -> QuerySet:
    return filters.certificates(Certificate.objects.filter(validity.status_q("valid", today=today))).values("holder_id")


def red_flags(*, user: User, region: Region, filters: Filters, today: datetime.date | None = None) -> RedFlags:
    """Four lists for the region (under the filters): committees with no certified mediator serving; committees
    with no woman serving (People's Mediation Law art. 8); members serving without a valid certificate; members
    whose certificate ran out and was not renewed (each with ``lapsed_on``, the last expiry)."""
    today = today or timezone.localdate()
    scope = _scope(region=region, filters=filters, today=today, user=user)
    valid = _valid_holders(filters, today)
    committees = filters.narrow_committees(
        committees_visible_to(user).filter(region__path__startswith=region.path)).select_related("region")
    certified_mediators = scope.filter(role=Membership.Role.MEDIATOR, person_id__in=valid).values("committee_id")
    women = Membership.objects.active(today).filter(person__gender=User.Gender.FEMALE).values("committee_id")
    member_rows = scope.select_related("person", "committee__region").order_by(
        "committee__region__path", "committee__name", "person__name", "pk")
    lapsed = filters.certificates(Certificate.objects.filter(validity.status_q("expired", today=today)))
    last_expiry = Subquery(lapsed.filter(holder_id=OuterRef("person_id")).order_by()
                           .values("holder_id").annotate(last=Max("expires_on")).values("last")[:1])
    without = member_rows.exclude(person_id__in=valid)
    return RedFlags(
        no_certified_mediator=committees.exclude(pk__in=certified_mediators).order_by("region__path", "name"),
        no_woman=committees.exclude(pk__in=women).order_by("region__path", "name"),
        uncertified_members=without,
        renewals_overdue=without.annotate(lapsed_on=last_expiry).filter(lapsed_on__isnull=False),
    )


# --- Training duties: who is behind on which duty (a snapshot of its own, services.duty_snapshot)

DUTY_LIST_ROWS = 100  # rows of each person list a snapshot keeps (and the page shows); the download holds them all
DUTY_LISTS = ("behind", "red_flags")


@dataclass
class DutyFigures:
    """Per child region (or per committee, at a township and below) and duty: how many people it applies to,
    how many met it, are behind, and are overdue; the region's total; and the first ``DUTY_LIST_ROWS`` rows and
    the count of the two person lists (``duty_list_rows``). What ``services.duty_snapshot`` keeps.

    ``duties``: ``[id, name, kind]``; ``rows``: ``{"key", "name", "link", "people", "cells"}`` where ``cells``
    holds ``[owed, met, behind, overdue]`` per duty and ``link`` is a child region's code, a committee's id (as a
    string) or ""; ``lists``: list name → ``{"count", "rows"}``."""

    duties: list
    rows: list
    total: dict
    lists: dict
    computed_at: datetime.datetime | None = None
    refreshing: bool = False

    def to_data(self) -> dict:
        return {"duties": self.duties, "rows": self.rows, "total": self.total, "lists": self.lists}

    @classmethod
    def from_data(cls, data: dict, **extra) -> "DutyFigures":
        return cls(duties=data["duties"], rows=data["rows"], total=data["total"], lists=data["lists"], **extra)


def _duty_row_of(region: Region, by_committee: bool, child_names: dict):
    """Where a member's figures go: (key, name, link kind) of their committee or of the child region they are in."""
    def row_of(member) -> tuple[str, str, str]:
        if by_committee:
            return str(member.committee_id), member.committee_name, "committee"
        code, name = child_names.get(member.region_path[:len(region.path) + Region.steplen], (region.code,
                                                                                              region.name))
        return code, name, "" if code == region.code else "region"
    return row_of


def duty_list_line(member, progress) -> dict:
    """One row of a person list: who, where, which duty, how far, by when."""
    return {"person": member.person_id, "name": member.name, "committee": member.committee_name,
            "area": member.region_name, "duty": progress.duty.name, "done": str(progress.hours_done),
            "required": str(progress.hours_required), "due": progress.due.isoformat(), "overdue": progress.overdue}


def duty_list_rows(*, region: Region, today: datetime.date) -> Iterator[tuple[str, dict]]:
    """(list name, line) for everyone under ``region`` behind on a duty (list "behind") and, of those, the red
    flags: overdue pre-job training and missed deadlines for new laws or policies (list "red_flags"); in the order
    of area, committee and name. Reads the records in batches (``training.selectors.region_duty_progress``), so a
    download can stream a county's rows as they come."""
    for member in training_selectors.region_duty_progress(region=region, on=today):
        for progress in member.progress:
            if not progress.met:
                line = duty_list_line(member, progress)
                yield "behind", line
                if training_selectors.is_red_flag(progress):
                    yield "red_flags", line


def duty_figures_compute(*, region: Region, today: datetime.date | None = None) -> DutyFigures:
    """Compute a region's ``DutyFigures`` from the records, with the training selectors' own rules (duties,
    periods, hours: ``training.selectors.duty_progress``), a constant number of queries per batch of people."""
    today = today or timezone.localdate()
    row_of = _duty_row_of(region, groups_by_committee(region),
                          {child.path: (child.code, child.name) for child in region.get_children()})
    duties: dict[int, object] = {}
    counts: dict[tuple, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0]))
    people: dict[tuple, int] = defaultdict(int)
    lists = {name: {"count": 0, "rows": []} for name in DUTY_LISTS}
    for member in training_selectors.region_duty_progress(region=region, on=today):
        row = row_of(member)
        people[row] += 1
        for progress in member.progress:
            duties[progress.duty.pk] = progress.duty
            cell = counts[row][progress.duty.pk]
            cell[0] += 1
            cell[1 if progress.met else 2] += 1
            cell[3] += progress.overdue
            if progress.met:
                continue
            names = ["behind", *(["red_flags"] if training_selectors.is_red_flag(progress) else [])]
            for name in names:
                lists[name]["count"] += 1
                if len(lists[name]["rows"]) < DUTY_LIST_ROWS:
                    lists[name]["rows"].append(duty_list_line(member, progress))
    order = sorted(duties.values(), key=lambda d: (d.kind, d.name, d.pk))

    def cells(by_duty) -> list:
        return [by_duty.get(duty.pk, [0, 0, 0, 0]) for duty in order]

    rows = [{"key": key, "name": name, "link": link, "people": people[(key, name, link)],
             "cells": cells(counts[(key, name, link)])} for key, name, link in sorted(people, key=lambda r: r[1])]
    total_cells = [[sum(row["cells"][i][j] for row in rows) for j in range(4)] for i in range(len(order))]
    return DutyFigures(duties=[[d.pk, d.name, d.kind] for d in order], rows=rows,
                       total={"people": sum(people.values()), "cells": total_cells}, lists=lists)
