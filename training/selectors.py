"""Reads of the training year. Contract for the apps above (grading, dashboard): ``DutyProgress``,
``hours_by_category``, ``duty_progress``, ``duties_met_for_year``, ``latest_reviews``, ``region_duty_progress`` and
``is_red_flag`` (the dashboard's duty figures).

An annual review passes when the year's duties are met and, where the card's program names a yearly exam
(``Program.review_exam``), its holder passed that exam within the calendar year reviewed (``review_passes``).

Hours are courses' training hours (``courses.selectors.training_credits_by_person``: modules, scenarios and exams,
each item once, typed by its module's category) plus approved external training, each record once. Periods (all
dates inclusive):
- pre-job: from the day of joining to ``within_days`` later (the due date); people who joined before the duty was
  in force owe none;
- annual: the training year containing the day asked about (``year_starts_month``; due on its last day);
- triggered: from the trigger date to ``within_days`` later (the due date).
Training after a pre-job or triggered due date does not make up for it: the deadline was missed."""

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from assessments.models import Quiz
from assessments.selectors import passed_on_by_person
from certificates.models import Certificate
from courses.models import ModuleCategory
from courses.selectors import training_credits_by_person
from people import permissions as people_permissions
from people.models import Membership

from .models import AnnualReview, ExternalTraining, ReviewRun, TrainingDuty

UNCATEGORISED = ""


@dataclass(frozen=True)
class DutyProgress:
    duty: TrainingDuty
    period_start: datetime.date
    period_end: datetime.date
    due: datetime.date | None
    hours_required: Decimal
    hours_done: Decimal
    met: bool
    overdue: bool

    @property
    def percent(self) -> int:
        if not self.hours_required:
            return 100 if self.met else 0
        return min(100, int(100 * self.hours_done / self.hours_required))


# --- Periods

def training_year(*, start_month: int, on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The training year (starting on the 1st of ``start_month``) that contains ``on``."""
    year = on.year if on.month >= start_month else on.year - 1
    start = datetime.date(year, start_month, 1)
    end = datetime.date(year + 1, start_month, 1) - datetime.timedelta(days=1)
    return start, end


def training_year_ending_in(*, start_month: int, year: int) -> tuple[datetime.date, datetime.date]:
    """The training year whose last day falls in calendar ``year``."""
    return training_year(start_month=start_month, on=datetime.date(year, 12, 31) if start_month == 1
                         else datetime.date(year, start_month, 1) - datetime.timedelta(days=1))


def duty_period(duty: TrainingDuty, *, on: datetime.date, joined_on: datetime.date | None
                ) -> tuple[datetime.date, datetime.date] | None:
    """(start, due) of ``duty`` for a person who joined on ``joined_on``, as seen on ``on``; None when it does
    not apply."""
    if duty.kind == TrainingDuty.Kind.ANNUAL:
        start, end = training_year(start_month=duty.year_starts_month, on=on)
        return (start, end) if end >= duty.in_force_from else None
    if duty.kind == TrainingDuty.Kind.PREJOB:
        if joined_on is None or joined_on < duty.in_force_from or joined_on > on:
            return None
        return joined_on, joined_on + datetime.timedelta(days=duty.within_days)
    if duty.triggered_on > on:
        return None
    return duty.triggered_on, duty.triggered_on + datetime.timedelta(days=duty.within_days)


# --- Who a duty applies to

def active_duties() -> list[TrainingDuty]:
    return list(TrainingDuty.objects.filter(is_active=True).select_related("region")
                .prefetch_related("categories", "modules"))


def _memberships(person_ids, on: datetime.date) -> dict[int, list[dict]]:
    rows = (Membership.objects.active(on).filter(person_id__in=list(person_ids))
            .values("person_id", "role", "employment", "grade_id", "joined_on", "committee__kind",
                    "committee__region__path"))
    by_person: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_person[row["person_id"]].append(row)
    return by_person


def _matches(duty: TrainingDuty, membership: dict) -> bool:
    return (membership["committee__region__path"].startswith(duty.region.path)
            and duty.role in ("", membership["role"])
            and duty.employment in ("", membership["employment"])
            and duty.committee_kind in ("", membership["committee__kind"])
            and duty.grade_id in (None, membership["grade_id"]))


def _applicable(duties, memberships: list[dict]) -> list[tuple[TrainingDuty, datetime.date]]:
    """(duty, joined on) for each duty some membership matches; the earliest matching joining date."""
    found = []
    for duty in duties:
        joined = [m["joined_on"] for m in memberships if _matches(duty, m)]
        if joined:
            found.append((duty, min(joined)))
    return found


# --- Hours

@dataclass(frozen=True)
class _Credit:
    key: tuple  # ("module" / "scenario" / "exam" / "external", id): what makes it count once
    on: datetime.date
    hours: Decimal
    category_id: int | None


def _credits(person_ids, start: datetime.date, end: datetime.date) -> dict[int, list[_Credit]]:
    person_ids = list(person_ids)
    found: dict[int, list[_Credit]] = {pid: [] for pid in person_ids}
    for pid, items in training_credits_by_person(person_ids=person_ids, start=start, end=end).items():
        found[pid] += [_Credit(key, c.completed_on, c.hours, c.category_id) for key, c in items.items()]
    external = ExternalTraining.objects.filter(
        person_id__in=person_ids, status=ExternalTraining.Status.APPROVED, completed_on__gte=start,
        completed_on__lte=end).values_list("pk", "person_id", "completed_on", "hours", "category_id")
    for pk, pid, on, hours, category_id in external:
        found[pid].append(_Credit(("external", pk), on, hours, category_id))
    return found


def hours_by_category(*, person_ids, start: datetime.date, end: datetime.date) -> dict[int, dict[str, Decimal]]:
    """Person id → module category code ("" for none) → hours between ``start`` and ``end`` (inclusive)."""
    codes = dict(ModuleCategory.objects.values_list("pk", "code"))
    result: dict[int, dict[str, Decimal]] = {}
    for pid, credits in _credits(person_ids, start, end).items():
        by_code: dict[str, Decimal] = defaultdict(Decimal)
        for credit in credits:
            by_code[codes.get(credit.category_id, UNCATEGORISED)] += credit.hours
        result[pid] = dict(by_code)
    return result


def _progress(duty: TrainingDuty, start, due, credits: list[_Credit], on: datetime.date) -> DutyProgress:
    counted = [c for c in credits if start <= c.on <= due]
    module_ids = {m.pk for m in duty.modules.all()}
    if module_ids:
        done_ids = {c.key[1] for c in counted if c.key[0] == "module" and c.key[1] in module_ids}
        hours_required = sum((m.credit_hours for m in duty.modules.all()), Decimal(0))
        hours_done = sum((m.credit_hours for m in duty.modules.all() if m.pk in done_ids), Decimal(0))
        met = done_ids == module_ids
    else:
        category_ids = {c.pk for c in duty.categories.all()}
        hours_done = sum((c.hours for c in counted if not category_ids or c.category_id in category_ids),
                         Decimal(0))
        hours_required = duty.hours
        met = hours_done >= hours_required
    return DutyProgress(duty=duty, period_start=start, period_end=due, due=due, hours_required=hours_required,
                        hours_done=hours_done, met=met, overdue=not met and on > due)


def duty_progress(*, person_ids, on: datetime.date) -> dict[int, list[DutyProgress]]:
    """Person id → progress on each duty that applies to them on ``on`` (its current period)."""
    person_ids = list(person_ids)
    duties = active_duties()
    memberships = _memberships(person_ids, on)
    periods: dict[int, list[tuple]] = {}
    for pid in person_ids:
        periods[pid] = [(duty, *period) for duty, joined in _applicable(duties, memberships.get(pid, []))
                        if (period := duty_period(duty, on=on, joined_on=joined))]
    return _progress_of(periods, on=on)


def _progress_of(periods: dict[int, list[tuple]], *, on: datetime.date) -> dict[int, list[DutyProgress]]:
    starts = [start for rows in periods.values() for _, start, _ in rows]
    if not starts:
        return {pid: [] for pid in periods}
    credits = _credits(periods.keys(), min(starts), max(due for rows in periods.values() for *_, due in rows))
    return {pid: [_progress(duty, start, due, credits[pid], on) for duty, start, due in rows]
            for pid, rows in periods.items()}


def duties_met_for_year(*, person_ids, year: int) -> dict[int, bool]:
    """Person id → whether every duty falling due in ``year`` is met: the annual duties' training year ending in
    it, and pre-job and triggered duties due in it. Someone with no such duty has met them."""
    person_ids = list(person_ids)
    return {pid: all(p.met for p in rows) for pid, rows in year_duties(person_ids=person_ids, year=year).items()}


def year_duties(*, person_ids, year: int) -> dict[int, list[DutyProgress]]:
    """Person id → progress on each duty falling due in ``year`` (see ``duties_met_for_year``)."""
    person_ids = list(person_ids)
    year_end = datetime.date(year, 12, 31)
    duties = active_duties()
    memberships = _memberships(person_ids, year_end)
    periods: dict[int, list[tuple]] = {}
    for pid in person_ids:
        rows = []
        for duty, joined in _applicable(duties, memberships.get(pid, [])):
            if duty.kind == TrainingDuty.Kind.ANNUAL:
                start, due = training_year_ending_in(start_month=duty.year_starts_month, year=year)
                period = (start, due) if due >= duty.in_force_from else None
            else:
                period = duty_period(duty, on=year_end, joined_on=joined)
                period = period if period and period[1].year == year else None
            if period:
                rows.append((duty, *period))
        periods[pid] = rows
    return _progress_of(periods, on=year_end)


# --- Reviews

def run_reviews(*, run: ReviewRun) -> QuerySet[AnnualReview]:
    """The annual reviews a review run covers: its year, the program's cards held under its region."""
    return AnnualReview.objects.filter(
        certificate__in=review_certificates(region=run.region, program=run.program), year=run.year)


def last_passed_review_year(*, certificate: Certificate) -> int | None:
    """The latest year whose annual review ``certificate`` passed (shown on the public check), or None."""
    return (AnnualReview.objects.filter(certificate=certificate, outcome=AnnualReview.Outcome.PASSED)
            .order_by("-year").values_list("year", flat=True).first())


def latest_reviews(*, person_ids) -> dict[int, AnnualReview]:
    """Person id → their most recent annual review (latest year, then latest decided), any program."""
    found: dict[int, AnnualReview] = {}
    reviews = (AnnualReview.objects.filter(certificate__holder_id__in=list(person_ids))
               .select_related("certificate", "certificate__program").order_by("-year", "-decided_at", "-pk"))
    for review in reviews:
        found.setdefault(review.certificate.holder_id, review)
    return found


def review_certificates(*, region, program) -> QuerySet[Certificate]:
    """The current work cards of ``program`` held by people with an active membership under ``region``."""
    holders = Membership.objects.active().filter(committee__region__path__startswith=region.path).values(
        "person_id")
    return Certificate.objects.filter(program=program, holder_id__in=holders,
                                      status__in=[Certificate.Status.ISSUED, Certificate.Status.SUSPENDED])


def review_runs_visible_to(user) -> QuerySet[ReviewRun]:
    return ReviewRun.objects.filter(people_permissions.region_filter(user, "region__")).select_related(
        "region", "program", "created_by")


def duties_visible_to(user) -> QuerySet[TrainingDuty]:
    return TrainingDuty.objects.filter(people_permissions.region_filter(user, "region__")).select_related("region")


# --- Coverage: who is behind on which duty (the dashboard keeps the figures in its snapshots)

DUTY_BATCH = 5000  # people per round of ``duty_progress``: a constant number of queries each, bounded memory
RED_FLAG_KINDS = (TrainingDuty.Kind.PREJOB, TrainingDuty.Kind.TRIGGERED)


@dataclass(frozen=True)
class MemberDuties:
    """A person serving under a region, where they serve (their first active membership there: area, committee,
    person order) and their progress on each duty that applies to them."""

    person_id: int
    name: str
    committee_id: int
    committee_name: str
    region_path: str
    region_name: str
    progress: list  # DutyProgress


def region_duty_progress(*, region, on: datetime.date, batch_size: int = DUTY_BATCH) -> Iterator[MemberDuties]:
    """Everyone with an active membership under ``region`` on ``on`` with their ``duty_progress``, in the order of
    area, committee and name. Reads ``batch_size`` people at a time: one query for the members, then
    ``duty_progress``'s few per batch, never one per person. The caller has checked that the user may see
    ``region``."""
    members = (Membership.objects.active(on).filter(committee__region__path__startswith=region.path)
               .order_by("committee__region__path", "committee__name", "committee_id", "person__name",
                         "person_id", "pk")
               .values_list("person_id", "person__name", "committee_id", "committee__name",
                            "committee__region__path", "committee__region__name"))
    people: dict[int, tuple] = {}
    for pid, *place in members:
        people.setdefault(pid, tuple(place))
    order = list(people)
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        progress = duty_progress(person_ids=batch, on=on)
        for pid in batch:
            yield MemberDuties(pid, *people[pid], progress=progress[pid])


def is_red_flag(progress: DutyProgress) -> bool:
    """Overdue pre-job training or a missed deadline for a new law or policy: what the dashboard flags red."""
    return progress.overdue and progress.duty.kind in RED_FLAG_KINDS


@dataclass(frozen=True)
class ReviewExam:
    """The yearly exam a program's annual review asks for, and the day in the year reviewed its holder first passed
    it (None: not passed that year)."""

    quiz: Quiz
    passed_on: datetime.date | None

    @property
    def passed(self) -> bool:
        return self.passed_on is not None


def review_exams(*, program, person_ids, year: int) -> dict[int, ReviewExam | None]:
    """Person id → the yearly exam ``program``'s review asks of them for ``year`` (None for everyone when it asks
    for none). One query."""
    person_ids = list(person_ids)
    quiz = program.review_exam
    if quiz is None:
        return dict.fromkeys(person_ids)
    passed = passed_on_by_person(quiz=quiz, person_ids=person_ids, start=datetime.date(year, 1, 1),
                                 end=datetime.date(year, 12, 31))
    return {pid: ReviewExam(quiz=quiz, passed_on=passed.get(pid)) for pid in person_ids}


def review_passes(progress: list[DutyProgress], exam: ReviewExam | None) -> bool:
    """The annual review's rule: every duty falling due in the year is met and, where the program asks for one,
    the yearly exam was passed within the year."""
    return all(p.met for p in progress) and (exam is None or exam.passed)


@dataclass(frozen=True)
class ReviewLine:
    certificate: Certificate
    progress: list
    passes: bool
    exam: ReviewExam | None = None


def review_preview(*, run: ReviewRun, limit: int = 200) -> dict:
    """Who passes the run's review and who does not, and why: counts for all, lines for the first ``limit``
    who do not pass (and of those who do)."""
    certificates = list(review_certificates(region=run.region, program=run.program)
                        .select_related("holder").order_by("holder__name", "pk"))
    holders = {c.holder_id for c in certificates}
    progress = year_duties(person_ids=holders, year=run.year)
    exams = review_exams(program=run.program, person_ids=holders, year=run.year)
    lines = [ReviewLine(certificate=c, progress=progress[c.holder_id], exam=exams[c.holder_id],
                        passes=review_passes(progress[c.holder_id], exams[c.holder_id])) for c in certificates]
    failing = [line for line in lines if not line.passes]
    passing = [line for line in lines if line.passes]
    return {"total": len(lines), "passing_count": len(passing), "failing_count": len(failing),
            "failing": failing[:limit], "passing": passing[:limit]}


def learner_duties(*, user, on: datetime.date | None = None) -> list[DutyProgress]:
    return duty_progress(person_ids=[user.pk], on=on or timezone.localdate())[user.pk]


def external_training_visible_to(user) -> QuerySet[ExternalTraining]:
    return ExternalTraining.objects.filter(person__in=people_permissions.people_visible_to(user)).select_related(
        "person", "category", "recorded_by")
