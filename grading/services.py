"""Every write of grading. Keyword-only, typed, atomic, named <entity>_<action>.

Views fetch objects through the jurisdiction-scoped selectors; these functions guarantee the domain's rules:
case figures one row per person and year (imports all or nothing, and idempotent), decisions only by staff of
the rule's level, a round's status moving only forward through ``round_set_status`` (recorded), grades changing
only through ``membership_grade_apply`` (recorded as the grade history)."""

import datetime
import hashlib
import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people.audit import audit
from people.models import Grade, Membership, Region, User
from people.pdf import register_font, render_pdf
from people.selectors import bureau_settings
from people.services.notices import notice_send
from people.status import CREATING, StatusMachine, status_change
from people.tasks import enqueue

from . import case_import, selectors
from .exceptions import GradingError, NotAllowed
from .models import ArchiveExport, CaseFigures, GradeAward, GradingCandidate, GradingRound
from .permissions import may_rate, may_run_round

Status = GradingRound.Status

# --- Case figures -------------------------------------------------------------------------------------------------


@transaction.atomic
def case_figures_record(*, person: User, year: int, cases_mediated: int, cases_successful: int, source: str,
                        recorded_by: User | None = None) -> tuple[CaseFigures, bool]:
    """Set one person's figures for a year (replacing earlier ones: the case system's latest count wins).
    Idempotent. Returns the row and whether it changed."""
    if cases_successful > cases_mediated:
        raise GradingError(_("More cases settled than mediated."))
    figures = CaseFigures.objects.select_for_update().filter(person=person, year=year).first()
    if figures and (figures.cases_mediated, figures.cases_successful) == (cases_mediated, cases_successful):
        return figures, False
    figures, _created = CaseFigures.objects.update_or_create(
        person=person, year=year, defaults={"cases_mediated": cases_mediated, "cases_successful": cases_successful,
                                            "source": source, "updated_by": recorded_by})
    return figures, True


@dataclass
class CaseImportResult:
    errors: list = field(default_factory=list)
    rows: int = 0
    changed: int = 0
    file_sha256: str = ""


def case_figures_import(*, user: User, file_name: str, data: bytes) -> CaseImportResult:
    """Read, check and apply a case figures file in one transaction: every row is written or none is (any error
    refuses the whole file, with the errors by row and column). People are found only inside the uploader's
    jurisdiction. Importing the same file again changes nothing."""
    result = CaseImportResult(file_sha256=hashlib.sha256(data).hexdigest())
    try:
        rows, errors = case_import.read_case_rows(file_name, data, this_year=timezone.localdate().year)
    except case_import.FileRefused as refused:
        result.errors = [case_import.RowError(0, "", str(refused))]
        return result
    by_hash, by_phone = selectors.case_people_reference(user)
    people = {}
    for row in rows:
        found = [by_hash[row.id_hash]] if row.id_hash in by_hash else by_phone.get((row.name, row.phone), [])
        if len(found) != 1:
            message = (_("Several people have this name and phone; give the national ID number.") if found else
                       _("Nobody in your jurisdiction matches this row (national ID, or name and mobile phone)."))
            errors.append(case_import.RowError(row.line, "national_id" if row.id_hash else "phone", message))
            continue
        people[row.line] = found[0]
    if errors:
        result.errors = sorted(errors, key=lambda error: (error.line, error.column))
        return result
    persons = User.objects.in_bulk(set(people.values()))
    with transaction.atomic():
        for row in rows:
            _figures, changed = case_figures_record(
                person=persons[people[row.line]], year=row.year, cases_mediated=row.cases_mediated,
                cases_successful=row.cases_successful, source=CaseFigures.Source.IMPORT, recorded_by=user)
            result.changed += changed
        result.rows = len(rows)
        audit(instance=user, action="grading.case_import", actor=user, file_name=file_name[:100],
              sha256=result.file_sha256, rows=result.rows, changed=result.changed)
    return result


# --- Grades -------------------------------------------------------------------------------------------------------

@transaction.atomic
def membership_grade_apply(*, membership: Membership, grade: Grade | None, awarded_by: User | None,
                           on: datetime.date | None = None, grading_round: GradingRound | None = None,
                           reason: str = "") -> GradeAward | None:
    """The one way a membership's grade changes: locks the membership, records the change in the grade history
    and sets the grade. Setting the grade it already has records nothing (idempotent)."""
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.grade_id == (grade.pk if grade else None):
        return None
    award = GradeAward.objects.create(membership=locked, old_grade_id=locked.grade_id, new_grade=grade,
                                      awarded_on=on or timezone.localdate(), round=grading_round,
                                      awarded_by=awarded_by, reason=reason[:300])
    Membership.objects.filter(pk=locked.pk).update(grade=grade)
    membership.grade = grade
    return award


# --- Rounds -------------------------------------------------------------------------------------------------------

# A round only moves forward: under review → published (公示) → filed (备案) → applied; until it is applied it may be
# withdrawn, with the reason (and nothing comes back from withdrawn: a new round is opened instead).
ROUND_MACHINE = StatusMachine(
    transitions={CREATING: {Status.REVIEWING}, Status.REVIEWING: {Status.PUBLISHED, Status.WITHDRAWN},
                 Status.PUBLISHED: {Status.FILED, Status.WITHDRAWN}, Status.FILED: {Status.APPLIED, Status.WITHDRAWN},
                 Status.APPLIED: set(), Status.WITHDRAWN: set()},
    history="grading.GradingRoundStatusChange", subject="round", error=GradingError,
    refusal=gettext_lazy("A round that is “%(old)s” cannot become “%(new)s”."), reason_required={Status.WITHDRAWN})


def round_set_status(*, grading_round: GradingRound, new_status: str, changed_by: User | None,
                     reason: str = "", **fields) -> GradingRound:
    """The one way a round's status changes (``people.status.status_change`` with ``ROUND_MACHINE``): forward only,
    each move recorded and audited."""
    old = grading_round.status
    status_change(grading_round, machine=ROUND_MACHINE, to=new_status, by=changed_by, reason=reason, **fields)
    audit(instance=grading_round, action="grading.round_status", actor=changed_by, old=old, new=new_status)
    return grading_round


@transaction.atomic
def round_open(*, region: Region, year: int, title: str, opened_by: User,
               as_of: datetime.date | None = None) -> GradingRound:
    """Open a round for ``region``: everyone eligible for their next grade becomes a candidate, with the evidence
    as it stands today (kept with the candidacy, so the decision can be read later as it was taken)."""
    if not may_run_round(opened_by, region):
        raise NotAllowed(_("Grading rounds are run by bureau staff at county level or above."))
    grading_round = status_change(GradingRound(region=region, year=year, title=title.strip(), created_by=opened_by),
                                  machine=ROUND_MACHINE, to=Status.REVIEWING, by=opened_by)
    GradingCandidate.objects.bulk_create([
        GradingCandidate(round=grading_round, membership=found.membership, grade=found.grade,
                         current_grade=found.membership.grade, rated_by=found.rule.rated_by, evidence=found.evidence)
        for found in selectors.eligibility(region=region, year=year, as_of=as_of) if found.eligible])
    return grading_round


@transaction.atomic
def candidate_decide(*, candidate: GradingCandidate, decided_by: User, approve: bool,
                     reason: str = "") -> GradingCandidate:
    """Approve or reject one candidacy (a rejection needs its reason). Only staff of the rule's level (or above)
    whose jurisdiction holds the person may decide, and only while the round is under review; deciding again
    replaces the earlier decision."""
    locked = GradingCandidate.objects.select_for_update().select_related(
        "round", "membership__committee__region").get(pk=candidate.pk)
    if locked.round.status != Status.REVIEWING:
        raise GradingError(_("The round is no longer under review."))
    if not may_rate(decided_by, level=locked.rated_by, region=locked.membership.committee.region):
        raise NotAllowed(_("This grade is rated by staff at %(level)s level.") % {
            "level": Region.Level(locked.rated_by).label})
    reason = reason.strip()
    if not approve and not reason:
        raise GradingError(_("Give the reason for the rejection."))
    locked.decision = GradingCandidate.Decision.APPROVED if approve else GradingCandidate.Decision.REJECTED
    locked.reason, locked.decided_by, locked.decided_at = reason, decided_by, timezone.now()
    locked.save(update_fields=["decision", "reason", "decided_by", "decided_at"])
    return locked


@transaction.atomic
def candidates_reject(*, grading_round: GradingRound, candidates: list[GradingCandidate], decided_by: User,
                      reason: str) -> int:
    """Reject several candidacies of a round at once with one reason. All or none: when ``decided_by`` may not
    rate any one of them (the grade's level, the person's jurisdiction), or one belongs to another round, or the
    round is no longer under review, nothing changes. Returns how many were rejected."""
    reason = reason.strip()
    if not reason:
        raise GradingError(_("Give the reason for the rejection."))
    if not candidates:
        raise GradingError(_("Choose at least one candidate."))
    for candidate in candidates:
        if candidate.round_id != grading_round.pk:
            raise GradingError(_("The candidate is not in this round."))
        candidate_decide(candidate=candidate, decided_by=decided_by, approve=False, reason=reason)
    audit(instance=grading_round, action="grading.candidates_reject", actor=decided_by, count=len(candidates))
    return len(candidates)


def round_approve_remaining(*, grading_round: GradingRound, decided_by: User) -> int:
    """Approve, in one go, every candidacy still waiting that ``decided_by`` may rate (the others stay waiting
    for staff of their level). All or nothing; returns how many were approved."""
    with transaction.atomic():
        pending = grading_round.candidates.filter(decision=GradingCandidate.Decision.PENDING).select_related(
            "membership__committee__region")
        mine = [c for c in pending if may_rate(decided_by, level=c.rated_by, region=c.membership.committee.region)]
        for candidate in mine:
            candidate_decide(candidate=candidate, decided_by=decided_by, approve=True)
    return len(mine)


def _require_runner(grading_round: GradingRound, user: User) -> None:
    if not may_run_round(user, grading_round.region):
        raise NotAllowed(_("Grading rounds are run by bureau staff at county level or above."))


@transaction.atomic
def round_publish(*, grading_round: GradingRound, published_by: User, days: int,
                  starts_on: datetime.date | None = None) -> GradingRound:
    """Publish the approved list (公示) for ``days`` days from ``starts_on`` (today). Every candidacy must be
    decided first."""
    _require_runner(grading_round, published_by)
    if days < 1:
        raise GradingError(_("The publication lasts at least one day."))
    if grading_round.candidates.filter(decision=GradingCandidate.Decision.PENDING).exists():
        raise GradingError(_("Some candidates are still waiting for a decision."))
    starts_on = starts_on or timezone.localdate()
    return round_set_status(grading_round=grading_round, new_status=Status.PUBLISHED, changed_by=published_by,
                            reason=_("Published for %(days)d days") % {"days": days}, publicity_starts_on=starts_on,
                            publicity_ends_on=starts_on + datetime.timedelta(days=days))


@transaction.atomic
def round_file(*, grading_round: GradingRound, filed_by: User) -> GradingRound:
    """Record the filing (备案) once the publication period is over."""
    _require_runner(grading_round, filed_by)
    if grading_round.publicity_ends_on and grading_round.publicity_ends_on >= timezone.localdate():
        raise GradingError(_("The publication runs until %(date)s; file the list after it ends.") % {
            "date": grading_round.publicity_ends_on.isoformat()})
    return round_set_status(grading_round=grading_round, new_status=Status.FILED, changed_by=filed_by)


@transaction.atomic
def round_apply(*, grading_round: GradingRound, applied_by: User) -> GradingRound:
    """Give every approved candidate their grade (recorded in each grade history), then mark the round applied.
    All or nothing."""
    _require_runner(grading_round, applied_by)
    round_set_status(grading_round=grading_round, new_status=Status.APPLIED, changed_by=applied_by)
    for candidate in grading_round.candidates.filter(decision=GradingCandidate.Decision.APPROVED).select_related(
            "membership", "grade"):
        membership_grade_apply(membership=candidate.membership, grade=candidate.grade, awarded_by=applied_by,
                               grading_round=grading_round, reason=grading_round.title)
    return grading_round


@transaction.atomic
def round_withdraw(*, grading_round: GradingRound, withdrawn_by: User, reason: str) -> GradingRound:
    """Withdraw a round not yet applied, with the reason (recorded through ``round_set_status``): its list leaves
    the public 公示 page at once and every candidate of the round gets a notice saying why. Bureau staff at county
    level or above over the round's region. Grades already applied are never taken back this way."""
    _require_runner(grading_round, withdrawn_by)
    reason = reason.strip()
    if not reason:
        raise GradingError(_("Give the reason for withdrawing the round."))
    round_set_status(grading_round=grading_round, new_status=Status.WITHDRAWN, changed_by=withdrawn_by,
                     reason=reason)
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Grading round withdrawn: %(title)s") % {"title": grading_round.title}
        body = _("The bureau withdrew the round; your candidacy in it lapses. Reason: %(reason)s") % {
            "reason": reason}
    for person in User.objects.filter(pk__in=grading_round.candidates.values("membership__person_id")):
        notice_send(person=person, title=title, body=body)
    return grading_round


# --- Training archives --------------------------------------------------------------------------------------------

def archive_pdf(*, person: User) -> bytes:
    """The printable training archive of one person (Chinese font, the bureau's name)."""
    return render_pdf("grading/archive_pdf.html", {
        "archive": selectors.archive(person=person), "bureau_name": bureau_settings().bureau_name,
        "printed_on": timezone.localdate(), "font_name": register_font()})


def archive_file_name(person: User) -> str:
    return f"{person.name}-{person.pk}-培训档案.pdf"


@transaction.atomic
def archive_export_request(*, committee, requested_by: User) -> ArchiveExport:
    """Queue a ZIP of the training archives of a committee's current members. Callers check the committee is in
    the staff member's jurisdiction."""
    from .tasks import archive_export_run as archive_export_task

    export = ArchiveExport.objects.create(committee=committee, requested_by=requested_by)
    enqueue(archive_export_task, export.pk)
    return export


def archive_export_run(*, export: ArchiveExport) -> ArchiveExport:
    """Render each member's archive into one ZIP in private storage, reporting progress as it goes. Safe to run
    again: it starts over and replaces the file."""
    people = selectors.archive_people(export.committee)
    ArchiveExport.objects.filter(pk=export.pk).update(status=ArchiveExport.Status.RUNNING, total=len(people),
                                                      processed=0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for done, person in enumerate(people, start=1):
            bundle.writestr(archive_file_name(person), archive_pdf(person=person))
            ArchiveExport.objects.filter(pk=export.pk).update(processed=done)
    export.refresh_from_db()
    if export.file:
        export.file.delete(save=False)
    export.file.save(f"{slugify(export.committee.name) or export.pk}.zip", ContentFile(buffer.getvalue()),
                     save=False)
    ArchiveExport.objects.filter(pk=export.pk).update(file=export.file.name, status=ArchiveExport.Status.DONE,
                                                      finished_at=timezone.now())
    export.refresh_from_db()
    return export
