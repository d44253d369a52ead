"""Reads of grading: case figures, who is eligible for which grade (with the evidence), rounds and their lists,
the public 公示 lists, and the training archive. Everything a user sees is filtered through ``people.permissions``."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Max, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Attempt
from certificates.models import Certificate
from certificates.verification import mask_name
from courses.models import Enrolment, ModuleCategory, ScenarioRun, SessionAttendance
from courses.selectors import training_credits_by_person
from people import permissions
from people.models import Committee, Grade, Membership, Region, User
from training import selectors as training_selectors
from training.models import AnnualReview

from . import permissions as grading_permissions
from .models import ArchiveExport, CaseFigures, GradeAward, GradeRule, GradingCandidate, GradingRound

# --- Case figures -------------------------------------------------------------------------------------------------


def case_figures_visible_to(user) -> QuerySet[CaseFigures]:
    """Figures of the people the user may see (bureau staff: their jurisdiction; learners: their own)."""
    return (CaseFigures.objects.filter(person__in=permissions.people_visible_to(user))
            .select_related("person").order_by("person__name", "person_id", "-year"))


def case_people_reference(user) -> tuple[dict[str, int], dict[tuple[str, str], list[int]]]:
    """Whom a case file may name: the people in the uploader's jurisdiction, by national ID hash and by
    (name, phone). Two lists of a few thousand pairs for a county."""
    visible = permissions.people_visible_to(user)
    by_hash = dict(visible.exclude(national_id_hash="").values_list("national_id_hash", "pk"))
    by_phone: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pk, name, phone in visible.exclude(phone="").values_list("pk", "name", "phone"):
        by_phone[(name, phone)].append(pk)
    return by_hash, by_phone


# --- Rules and eligibility ----------------------------------------------------------------------------------------

def _ancestor_paths(path: str) -> list[str]:
    return [path[:end] for end in range(Region.steplen, len(path) + 1, Region.steplen)]


def rules_for_region(region: Region) -> list[GradeRule]:
    """The rules that can apply inside ``region``: set at the region, above it or below it."""
    return list(GradeRule.objects.filter(Q(region__path__in=_ancestor_paths(region.path))
                                         | Q(region__path__startswith=region.path))
                .select_related("region", "grade"))


def rule_for(rules: list[GradeRule], *, grade_id: int, region_path: str) -> GradeRule | None:
    """The rule of the nearest region at or above ``region_path`` for the grade."""
    matching = [rule for rule in rules if rule.grade_id == grade_id and region_path.startswith(rule.region.path)]
    return max(matching, key=lambda rule: len(rule.region.path), default=None)


def next_grade(grades: list[Grade], current: Grade | None) -> Grade | None:
    """One step up: the lowest grade for someone without one; nothing above the highest."""
    if current is None:
        return max(grades, key=lambda grade: grade.rank, default=None)
    above = [grade for grade in grades if grade.rank < current.rank]
    return max(above, key=lambda grade: grade.rank, default=None)


def _years(since: datetime.date, until: datetime.date) -> float:
    """For the page: years between two dates, to one decimal."""
    return round((until - since).days / 365.25, 1)


def _full_years(since: datetime.date, until: datetime.date, years: int) -> bool:
    """Whether ``years`` full years have passed from ``since`` to ``until`` (an anniversary, not a rounding)."""
    return since + relativedelta(years=years) <= until


@dataclass
class Check:
    key: str
    required: str
    actual: str
    ok: bool


@dataclass
class Eligibility:
    membership: Membership
    grade: Grade
    rule: GradeRule
    evidence: dict = field(default_factory=dict)

    @property
    def eligible(self) -> bool:
        return all(check["ok"] for check in self.evidence["checks"])


def eligibility(*, region: Region, year: int, as_of: datetime.date | None = None) -> list[Eligibility]:
    """For every active mediator in ``region``: the next grade up, the rule that governs it and the evidence —
    years of service, cases and success rate over the rule's period (the calendar years up to and including the
    round's ``year``: a 2026 round weighs 2025–2026 for a two-year period), training hours in that period, the
    last annual review, and years holding the current grade. A constant number of queries per distinct rule
    period."""
    as_of = as_of or timezone.localdate()
    grades = list(Grade.objects.all())
    rules = rules_for_region(region)
    memberships = list(
        Membership.objects.active(as_of).filter(role=Membership.Role.MEDIATOR,
                                               committee__region__path__startswith=region.path)
        .select_related("person", "grade", "committee__region").order_by("grade__rank", "joined_on", "pk"))
    # One candidacy per person: the membership with their highest grade.
    by_person: dict[int, Membership] = {}
    for membership in memberships:
        by_person.setdefault(membership.person_id, membership)
    targets = []
    for membership in by_person.values():
        grade = next_grade(grades, membership.grade)
        rule = grade and rule_for(rules, grade_id=grade.pk, region_path=membership.committee.region.path)
        if rule:
            targets.append((membership, grade, rule))
    person_ids = [membership.person_id for membership, _grade, _rule in targets]
    if not person_ids:
        return []
    first_joined = dict(Membership.objects.filter(person_id__in=person_ids, role=Membership.Role.MEDIATOR)
                        .values_list("person_id").annotate(first=Min("joined_on")))
    longest = max(rule.period_years for _membership, _grade, rule in targets)
    cases: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    for person_id, figure_year, mediated, settled in CaseFigures.objects.filter(
            person_id__in=person_ids, year__gt=year - longest, year__lte=year).values_list(
            "person_id", "year", "cases_mediated", "cases_successful"):
        cases[person_id][figure_year] = (mediated, settled)
    hours_by_period = {
        period: training_selectors.hours_by_category(
            person_ids=person_ids, start=datetime.date(year - period + 1, 1, 1), end=datetime.date(year, 12, 31))
        for period in {rule.period_years for _membership, _grade, rule in targets}}
    reviews = training_selectors.latest_reviews(person_ids=person_ids)
    # The current grade is held since the membership's last grade change (or since joining, for a grade the
    # roster gave before the academy kept a history).
    held_since = dict(GradeAward.objects.filter(membership__in=[m for m, _g, _r in targets])
                      .values_list("membership_id").annotate(since=Max("awarded_on")).order_by())
    found = []
    for membership, grade, rule in targets:
        pid = membership.person_id
        period = range(year - rule.period_years + 1, year + 1)
        mediated = sum(cases[pid].get(y, (0, 0))[0] for y in period)
        settled = sum(cases[pid].get(y, (0, 0))[1] for y in period)
        success = round(100 * settled / mediated, 1) if mediated else None
        hours = sum(hours_by_period[rule.period_years].get(pid, {}).values(), Decimal(0))
        service = _years(first_joined[pid], as_of)
        review = reviews.get(pid)
        checks = [
            Check("years_of_service", str(rule.min_years_of_service), str(service),
                  _full_years(first_joined[pid], as_of, rule.min_years_of_service)),
            Check("cases", str(rule.min_cases), str(mediated), mediated >= rule.min_cases),
            Check("success_percent", str(rule.min_success_percent), "" if success is None else str(success),
                  success is not None and success >= rule.min_success_percent),
            Check("training_hours", str(rule.min_training_hours), str(hours), hours >= rule.min_training_hours),
        ]
        if rule.requires_review_passed:
            checks.append(Check("annual_review", "passed", f"{review.year}:{review.outcome}" if review else "",
                                review is not None and review.outcome == "passed"))
        if membership.grade:
            since = held_since.get(membership.pk, membership.joined_on)
            held = _years(since, as_of)
            checks.append(Check("years_in_grade_below", str(rule.years_in_grade_below), str(held),
                                _full_years(since, as_of, rule.years_in_grade_below)))
        evidence = {"as_of": as_of.isoformat(), "period": [period.start, period.stop - 1],
                    "checks": [check.__dict__ for check in checks]}
        found.append(Eligibility(membership=membership, grade=grade, rule=rule, evidence=evidence))
    return found


# --- Rounds -------------------------------------------------------------------------------------------------------

def rounds_visible_to(user) -> QuerySet[GradingRound]:
    """Rounds whose region lies in the user's jurisdiction, or above it (a township office sees the county's
    round, limited to its own people by ``round_candidates``)."""
    if permissions.is_administrator(user):
        return GradingRound.objects.select_related("region")
    if not permissions.is_bureau_staff(user):
        return GradingRound.objects.none()
    path = user.jurisdiction.path
    return GradingRound.objects.filter(
        Q(region__path__startswith=path) | Q(region__path__in=_ancestor_paths(path))).select_related("region")


def round_candidates_visible(*, user, grading_round: GradingRound) -> QuerySet[GradingCandidate]:
    """The round's candidates whose committee lies in the user's jurisdiction."""
    return grading_round.candidates.filter(permissions.region_filter(user, "membership__committee__region__"))


def round_candidates(*, user, grading_round: GradingRound) -> list[GradingCandidate]:
    """The round's candidates the user may see, each marked ``may_decide`` for the user."""
    candidates = list(
        round_candidates_visible(user=user, grading_round=grading_round)
        .select_related("membership__person", "membership__committee__region", "grade", "current_grade",
                        "decided_by"))
    for candidate in candidates:
        candidate.checks = check_lines(candidate.evidence)
        candidate.may_decide = grading_permissions.may_rate(user, level=candidate.rated_by,
                                                            region=candidate.membership.committee.region)
    return candidates


CHECK_LABELS = {
    "years_of_service": _("Years of service"),
    "cases": _("Cases mediated in the period"),
    "success_percent": _("Success rate (%)"),
    "training_hours": _("Training hours in the period"),
    "annual_review": _("Last annual review"),
    "years_in_grade_below": _("Years in the current grade"),
}


@dataclass(frozen=True)
class CheckLine:
    label: str
    required: str
    actual: str
    ok: bool


def check_lines(evidence: dict) -> list[CheckLine]:
    """The evidence of a candidacy as the page shows it: what the rule asks, what the person has."""
    outcomes = dict(AnnualReview.Outcome.choices)
    lines = []
    for check in evidence.get("checks", []):
        required, actual = check["required"], check["actual"]
        if check["key"] == "annual_review":
            required = outcomes["passed"]
            year, _sep, outcome = actual.partition(":")
            actual = f"{year} {outcomes.get(outcome, outcome)}" if actual else "—"
        lines.append(CheckLine(CHECK_LABELS[check["key"]], required, actual or "—", check["ok"]))
    return lines


@dataclass(frozen=True)
class PublicLine:
    masked_name: str
    committee: str
    township: str
    grade: str


def public_rounds(today: datetime.date | None = None) -> QuerySet[GradingRound]:
    """Rounds in their publication period: anyone may read their approved lists."""
    today = today or timezone.localdate()
    return GradingRound.objects.filter(status=GradingRound.Status.PUBLISHED, publicity_starts_on__lte=today,
                                       publicity_ends_on__gte=today).select_related("region")


def public_list(grading_round: GradingRound) -> list[PublicLine]:
    """The approved list as the public sees it: masked names, committee and township, the grade. No phone, no ID
    number, no evidence."""
    lines = []
    for candidate in (grading_round.candidates.filter(decision=GradingCandidate.Decision.APPROVED)
                      .select_related("membership__person", "membership__committee__region", "grade")):
        region = candidate.membership.committee.region
        township = (Region.objects.filter(path__in=_ancestor_paths(region.path), level=Region.Level.TOWNSHIP)
                    .values_list("name", flat=True).first()) if region.level != Region.Level.TOWNSHIP else region.name
        lines.append(PublicLine(mask_name(candidate.membership.person.name), candidate.membership.committee.name,
                                township or "", candidate.grade.name))
    return lines


# --- Training archive ---------------------------------------------------------------------------------------------

@dataclass
class ArchiveYear:
    year: int
    hours: dict[str, Decimal]
    modules: list
    sessions: list
    attempts: list
    runs: list

    @property
    def total_hours(self) -> Decimal:
        return sum(self.hours.values(), Decimal(0))


@dataclass
class Archive:
    person: User
    memberships: list
    years: list[ArchiveYear]
    certificates: list
    grade_history: list
    case_figures: list


def archive_person(*, user, person_id: int) -> User | None:
    """The person whose archive ``user`` may open: themselves, or someone in a bureau officer's jurisdiction."""
    return permissions.people_visible_to(user).filter(pk=person_id).first()


def archive(*, person: User) -> Archive:
    """Everything the training archive prints for one person, by year (newest first): hours by category,
    modules completed, sessions attended (date, township, lecturers), exams and scores, scenarios; certificates
    with their status history; grade history; case figures. The caller has checked who may see it."""
    enrolments = list(Enrolment.objects.filter(person=person, completed_at__isnull=False)
                      .select_related("module").order_by("completed_at"))
    attendances = list(SessionAttendance.objects.filter(person=person).select_related("session__township")
                       .prefetch_related("session__lecturers").order_by("session__starts_at"))
    attempts = list(Attempt.objects.filter(user=person, status=Attempt.Status.COMPLETED).select_related("quiz")
                    .order_by("submitted_at"))
    runs = list(ScenarioRun.objects.filter(person=person, finished_at__isnull=False).select_related("scenario")
                .order_by("finished_at"))
    local = timezone.localtime
    year_set = {local(e.completed_at).year for e in enrolments} | {
        local(a.session.starts_at).year for a in attendances} | {local(a.submitted_at).year for a in attempts} | {
        local(r.finished_at).year for r in runs}
    category_names = dict(ModuleCategory.objects.values_list("code", "name"))
    years = []
    for year in sorted(year_set, reverse=True):
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        hours = training_selectors.hours_by_category(person_ids=[person.pk], start=start, end=end).get(person.pk, {})
        year_attempts = [a for a in attempts if local(a.submitted_at).year == year]
        year_runs = [r for r in runs if local(r.finished_at).year == year]
        for attempt in year_attempts:
            attempt.counted_hours = None
        _mark_counted_hours(person, start, end,
                            [("exam", a.quiz_id, a.submitted_at, a) for a in year_attempts if a.passed]
                            + [("scenario", r.scenario_id, r.finished_at, r) for r in year_runs])
        years.append(ArchiveYear(
            year=year, hours={category_names.get(code, ""): value for code, value in sorted(hours.items())},
            modules=[e for e in enrolments if local(e.completed_at).year == year],
            sessions=[a for a in attendances if local(a.session.starts_at).year == year],
            attempts=year_attempts, runs=year_runs))
    return Archive(
        person=person,
        memberships=list(person.memberships.select_related("committee__region", "grade").order_by("-joined_on")),
        years=years,
        certificates=list(Certificate.objects.filter(holder=person).select_related("program")
                          .prefetch_related("status_changes").order_by("-issued_on")),
        grade_history=list(GradeAward.objects.filter(membership__person=person)
                           .select_related("old_grade", "new_grade", "membership__committee", "round")
                           .order_by("-awarded_on", "-pk")),
        case_figures=list(person.case_figures.order_by("-year")),
    )


def _mark_counted_hours(person: User, start: datetime.date, end: datetime.date, records: list[tuple]) -> None:
    """Set ``counted_hours`` on each exam attempt and scenario run of the year: the hours it earned by courses'
    definition (``training_credits_by_person``: the first time in the year an item was done counts, repeats and
    failed attempts earn nothing), None when it earned none. ``records``: (kind, item id, when, record) of passed
    attempts and finished runs, in order."""
    credits = training_credits_by_person(person_ids=[person.pk], start=start, end=end)[person.pk]
    for kind, item_id, when, record in records:
        credit = credits.get((kind, item_id))
        earned = credit is not None and timezone.localdate(when) == credit.completed_on
        record.counted_hours = credit.hours if earned else None
        if earned:
            credits.pop((kind, item_id))  # once


def committees_for_archives(user) -> QuerySet[Committee]:
    return permissions.committees_visible_to(user).select_related("region")


def archive_exports_visible_to(user) -> QuerySet[ArchiveExport]:
    return ArchiveExport.objects.filter(
        committee__in=permissions.committees_visible_to(user)).select_related("committee")


def archive_people(committee: Committee) -> list[User]:
    """Whose archives a committee's ZIP holds: its current members."""
    return list(User.objects.filter(memberships__in=Membership.objects.active().filter(committee=committee))
                .distinct().order_by("name", "pk"))
