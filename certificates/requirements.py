"""Whether a person meets a program's requirements: one function, one line of checks per requirement.

``requirements_report`` reads the lower apps' contract selectors (modules completed, exams passed, best scenario
scores, training hours) and answers requirement by requirement, so the same report explains a refusal, drives
automatic issuance and shows on the pages.

Two windows, both counted in whole days from the dates on the certificate:

- **Training hours for a first certificate** count when earned within the program's ``hours_window_months``
  before the day of issue (courses' training hours: modules online or at attended rotation sessions, scenarios,
  exams; each item counts once).
- **Renewal** (continuing education): ``renewal_hours`` earned between the current certificate's issue date and
  its expiry date (or today, if sooner). Automatic renewal happens inside the *renewal window*: from
  ``RENEWAL_OPENS_BEFORE_EXPIRY`` before the certificate expires until ``RENEWAL_GRACE_AFTER_EXPIRY`` after it.
  Before the window opens the certificate is simply still valid; after it closes the person earns the program
  afresh (the first-certificate requirements apply again).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.selectors import passed_quiz_ids
from courses.selectors import best_scenario_percent, completed_module_ids, training_hours_by_person
from people.models import Membership, User
from people.permissions import learner_roles

from .models import Certificate, Program

RENEWAL_OPENS_BEFORE_EXPIRY = timedelta(days=180)
RENEWAL_GRACE_AFTER_EXPIRY = timedelta(days=365)


@dataclass(frozen=True)
class Requirement:
    description: str
    met: bool
    # Bureau staff issuing by hand (with a recorded reason) may waive a requirement that training records may
    # not show, such as hours taught offline; never who may hold the certificate at all.
    waivable: bool = True


@dataclass
class RequirementReport:
    program: Program
    requirements: list[Requirement] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return all(r.met for r in self.requirements)

    @property
    def unwaivable_unmet(self) -> list[Requirement]:
        return [r for r in self.requirements if not r.met and not r.waivable]

    @property
    def unmet(self) -> list[Requirement]:
        return [r for r in self.requirements if not r.met]


@dataclass(frozen=True)
class LearnerRecord:
    """What the lower apps record about one person, read once and shared by the reports of every program."""

    holder_id: int
    roles: frozenset[str]
    module_ids: frozenset[int]
    quiz_ids: frozenset[int]
    scenario_percent: dict[int, int]
    # Training hours by (start, end), read once per period: the programs evaluated after a pass mostly count the
    # same months, and each count is a query per source of hours.
    _hours: dict = field(default_factory=dict, compare=False, repr=False)

    def hours(self, *, start: date, end: date) -> Decimal:
        """The holder's training hours earned between ``start`` and ``end`` (``courses.selectors.training_hours``)."""
        if (start, end) not in self._hours:
            self._hours[start, end] = training_hours_by_person(person_ids=[self.holder_id], start=start,
                                                              end=end)[self.holder_id]
        return self._hours[start, end]


def learner_record(*, holder: User) -> LearnerRecord:
    """A handful of reads, whatever the number of programs evaluated afterwards."""
    return LearnerRecord(
        holder_id=holder.pk,
        roles=learner_roles(holder, fresh=True),
        module_ids=frozenset(completed_module_ids(user=holder)),
        quiz_ids=frozenset(passed_quiz_ids(user=holder)),
        scenario_percent=best_scenario_percent(user=holder),
    )


def renewal_window(certificate: Certificate) -> tuple[date, date]:
    """The first and last day on which ``certificate`` may be renewed automatically."""
    return (certificate.expires_on - RENEWAL_OPENS_BEFORE_EXPIRY,
            certificate.expires_on + RENEWAL_GRACE_AFTER_EXPIRY)


def requirements_report(
    *, holder: User, program: Program, record: LearnerRecord | None = None, renewing: Certificate | None = None,
    today: date | None = None,
) -> RequirementReport:
    """Each of the program's requirements, met or not, for this person, today.

    With ``renewing`` (the holder's current or expired certificate of ``program``) the report is about renewing
    it: the eligible role, the continuing-education hours within its validity period and the renewal window;
    otherwise about earning the program: the role, every required module, exam and scenario, and the hours."""
    today = today or timezone.localdate()
    record = record or learner_record(holder=holder)
    report = RequirementReport(program=program)
    add = report.requirements.append
    eligible = [str(Membership.Role(role).label) for role in program.eligible_roles]
    add(Requirement(_("Serves on a mediation committee as: %(roles)s") % {"roles": "、".join(eligible)},
                    met=bool(record.roles & set(program.eligible_roles)), waivable=False))

    if renewing is not None:
        hours = record.hours(start=renewing.issued_on, end=min(renewing.expires_on, today))
        add(Requirement(_("Continuing-education hours since %(date)s: %(hours)s of %(required)s") % {
            "date": renewing.issued_on.isoformat(), "hours": hours, "required": program.renewal_hours},
            met=hours >= program.renewal_hours))
        opens, closes = renewal_window(renewing)
        add(Requirement(_("Renewal window: %(opens)s to %(closes)s") % {
            "opens": opens.isoformat(), "closes": closes.isoformat()}, met=opens <= today <= closes))
        return report

    for module in program.required_modules.all():
        add(Requirement(_("Module completed: %(title)s") % {"title": module.title},
                        met=module.pk in record.module_ids))
    for quiz in program.required_quizzes.all():
        add(Requirement(_("Exam passed: %(title)s") % {"title": quiz.title}, met=quiz.pk in record.quiz_ids))
    for required in program.required_scenarios.all():
        add(Requirement(_("Scenario finished with at least %(percent)d%%: %(title)s") % {
            "percent": required.min_percent, "title": required.scenario.title},
            met=record.scenario_percent.get(required.scenario_id, -1) >= required.min_percent))
    if program.min_training_hours:
        start = today - relativedelta(months=program.hours_window_months)
        hours = record.hours(start=start, end=today)
        add(Requirement(_("Training hours in the last %(months)d months: %(hours)s of %(required)s") % {
            "months": program.hours_window_months, "hours": hours, "required": program.min_training_hours},
            met=hours >= program.min_training_hours))
    return report
