"""Every write of certification. Keyword-only, typed, atomic, named <entity>_<action>.

Permissions are checked by the callers (views fetch objects through the jurisdiction-scoped selectors); these
functions guarantee the rules of the domain: one current certificate per person and program, consecutive serial
numbers, every status move recorded, each reminder sent once."""

import logging
import secrets
import tempfile
import zipfile
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from courses.models import RotationSession
from people.audit import audit, audit_many
from people.models import BureauSettings, Committee, Membership, Region, User
from people.services.notices import notice_send, notices_send_many
from people.status import StatusMachine, status_change, status_change_many
from people.tasks import enqueue

from .exceptions import CertificateError, IllegalStatusChange, RequirementsNotMet
from .models import (
    BulkIssue,
    BulkIssueZip,
    Certificate,
    CertificateStatusChange,
    ExpiryReminder,
    Program,
    SerialCounter,
    VerificationCheck,
)
from .requirements import learner_record, renewal_window, requirements_report

log = logging.getLogger(__name__)
Status = Certificate.Status

# The status pipeline as data: where each status may go next ("" is a certificate being issued). Revoked and
# superseded are final.
CERTIFICATE_MACHINE = StatusMachine(
    transitions={
        "": {Status.ISSUED},
        Status.ISSUED: {Status.EXPIRED, Status.REVOKED, Status.SUPERSEDED, Status.SUSPENDED},
        # Suspended: reinstated (back to issued), revoked, or left to expire.
        Status.SUSPENDED: {Status.ISSUED, Status.REVOKED, Status.EXPIRED},
        Status.EXPIRED: {Status.REVOKED, Status.SUPERSEDED},
        Status.REVOKED: set(),
        Status.SUPERSEDED: set(),
    },
    history=CertificateStatusChange, subject="certificate", error=IllegalStatusChange,
    refusal=gettext_lazy("A certificate that is %(old)s cannot become %(new)s."),
    # Moves a person makes by hand must say why (a move back to issued is a reinstatement by hand).
    reason_required={Status.REVOKED, Status.SUSPENDED, (Status.SUSPENDED, Status.ISSUED)},
)


@transaction.atomic
def certificate_set_status(
    *, certificate: Certificate, new_status: str, changed_by: User | None = None, reason: str = ""
) -> Certificate:
    """The one way a certificate's status changes (``people.status.status_change`` with ``CERTIFICATE_MACHINE``):
    locks the row, refuses moves the machine does not list (and a revocation without a reason), and records who,
    when and why. History rows are never deleted."""
    return status_change(certificate, machine=CERTIFICATE_MACHINE, to=new_status, by=changed_by, reason=reason)


# A bulk issue's lifecycle. A worker that died mid-run leaves it running (or failed): the task runs it again.
BULK_ISSUE_MACHINE = StatusMachine(
    transitions={
        "": {BulkIssue.Status.QUEUED},
        BulkIssue.Status.QUEUED: {BulkIssue.Status.RUNNING, BulkIssue.Status.FAILED},
        BulkIssue.Status.RUNNING: {BulkIssue.Status.RUNNING, BulkIssue.Status.DONE, BulkIssue.Status.FAILED},
        BulkIssue.Status.FAILED: {BulkIssue.Status.RUNNING},
        BulkIssue.Status.DONE: set(),
    },
    history="certificates.BulkIssueStatusChange", subject="bulk_issue", error=CertificateError,
    refusal=gettext_lazy("A bulk issue cannot go from “%(old)s” to “%(new)s”."),
)


def bulk_issue_set_status(*, bulk_issue: BulkIssue, status: str, by: User | None = None, reason: str = "",
                          **fields) -> BulkIssue:
    """The one way a bulk issue's status changes (``people.status.status_change`` with ``BULK_ISSUE_MACHINE``);
    ``fields`` (counts, finish time) are saved with it."""
    return status_change(bulk_issue, machine=BULK_ISSUE_MACHINE, to=status, by=by, reason=reason, **fields)


_Zip = BulkIssueZip.Status
# A failed ZIP is queued again only when someone asks again; a running one may be delivered again (acks late).
BULK_ZIP_MACHINE = StatusMachine(
    transitions={"": {_Zip.QUEUED}, _Zip.QUEUED: {_Zip.RUNNING, _Zip.FAILED},
                 _Zip.RUNNING: {_Zip.RUNNING, _Zip.DONE, _Zip.FAILED}, _Zip.FAILED: {_Zip.QUEUED}, _Zip.DONE: set()},
    history="certificates.BulkIssueZipStatusChange", subject="bulk_zip", error=CertificateError,
    refusal=gettext_lazy("A bulk issue's ZIP cannot go from “%(old)s” to “%(new)s”."),
    reason_required={_Zip.FAILED},
)


def bulk_zip_set_status(*, bulk_zip: BulkIssueZip, status: str, by: User | None = None, reason: str = "",
                        **fields) -> BulkIssueZip:
    """The one way a bulk issue ZIP's status changes (``people.status.status_change`` with ``BULK_ZIP_MACHINE``);
    ``fields`` (counts, the file, finish time) are saved with it."""
    return status_change(bulk_zip, machine=BULK_ZIP_MACHINE, to=status, by=by, reason=reason, **fields)


# What staff may do to one certificate, by the status each action moves it to.
BUREAU_ACTIONS = {"renew": Status.SUPERSEDED, "suspend": Status.SUSPENDED, "reinstate": Status.ISSUED,
                  "revoke": Status.REVOKED}


def available_actions(certificate: Certificate) -> list[str]:
    """The staff actions ``certificate`` allows now: those whose move ``CERTIFICATE_MACHINE`` lists."""
    return [action for action, target in BUREAU_ACTIONS.items()
            if CERTIFICATE_MACHINE.allows(certificate.status, target)]


def issuing_region_for(*, holder: User, program: Program) -> Region:
    """The bureau that issues the holder's certificate: the county (banner, district) above the committee the
    holder serves on in an eligible role; the committee's own region when it sits above county level."""
    membership = (
        Membership.objects.active().filter(person=holder, role__in=program.eligible_roles)
        .select_related("committee__region").order_by("joined_on", "pk").first()
    )
    if membership is None:
        raise RequirementsNotMet(_("%(person)s does not serve on a mediation committee in a role this program "
                                   "is for.") % {"person": holder})
    region = membership.committee.region
    return (Region.objects.filter(path__in=Region.path_prefixes(region.path), level=Region.Level.COUNTY).first()
            or region)


def _next_serial_number(*, region: Region, year: int) -> str:
    # The counter row is locked until the issuing transaction ends: concurrent issues for the same region and
    # year queue here, and a rolled-back issue gives its number back, so the sequence has no gaps.
    counter, _created = SerialCounter.objects.select_for_update().get_or_create(region=region, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{region.code}-{year}-{counter.last_number:05d}"


def _lock_holder(holder: User) -> None:
    # Every issue and renewal for one person takes this lock first (then the serial counter), so concurrent
    # triggers for the same person run one after another and never deadlock.
    User.objects.select_for_update().only("pk").get(pk=holder.pk)


def _check_requirements(*, holder: User, program: Program, issued_by: User | None, reason: str,
                        renewing: Certificate | None = None) -> None:
    if not program.is_active:
        raise CertificateError(_("The program %(program)s is closed for issuing.") % {"program": program})
    report = requirements_report(holder=holder, program=program, renewing=renewing)
    if issued_by is None:
        if not report.met:
            raise RequirementsNotMet("; ".join(str(r.description) for r in report.unmet))
        return
    if not reason.strip():
        raise CertificateError(_("Give a reason for issuing by hand."))
    if report.unwaivable_unmet:
        raise RequirementsNotMet("; ".join(str(r.description) for r in report.unwaivable_unmet))


def _certificate_create(
    *, holder: User, program: Program, issued_on: date, issued_by: User | None, reason: str,
    supersedes: Certificate | None = None, announce: bool = True,
) -> Certificate:
    region = issuing_region_for(holder=holder, program=program)
    certificate = Certificate(
        holder=holder, program=program, issuing_region=region,
        issuer_name=site_setting(BureauSettings).bureau_name,
        serial_number=_next_serial_number(region=region, year=issued_on.year),
        issued_on=issued_on, expires_on=issued_on + relativedelta(months=program.validity_months) - timedelta(days=1),
        issued_by=issued_by, supersedes=supersedes,
    )
    status_change(certificate, machine=CERTIFICATE_MACHINE, to=Status.ISSUED, by=issued_by, reason=reason)
    _status_bit_allocate(certificate)
    audit(instance=certificate, action="certificates.issue", actor=issued_by, serial=certificate.serial_number)
    if announce:
        _announce_issue(certificate)
    return certificate


def _status_bit_allocate(certificate: Certificate) -> None:
    """Draw the certificate's bit in the status lists at random, so neighbouring bits say nothing about who was
    certified together. Lists are filled to half their size, which keeps draws from colliding often; a
    collision (the database's constraint) draws again."""
    half = settings.CREDENTIAL_STATUS_LIST_BITS // 2
    certificate.status_list = (Certificate.objects.count() - 1) // half
    for _attempt in range(50):
        certificate.status_index = secrets.randbelow(settings.CREDENTIAL_STATUS_LIST_BITS)
        try:
            with transaction.atomic():
                Certificate.objects.filter(pk=certificate.pk).update(status_list=certificate.status_list,
                                                                     status_index=certificate.status_index)
                return
        except IntegrityError:
            continue
    raise CertificateError(_("No free place in the credential status list; try again."))


def _announce_issue(certificate: Certificate) -> None:
    from .tasks import certificate_pdf_render

    with translation.override(settings.LANGUAGE_CODE):
        notice_send(
            person=certificate.holder,
            title=_("Your certificate has been issued: %(program)s") % {"program": certificate.program.name},
            body=_("Serial number %(serial)s, valid until %(date)s. You can download it from My certificates.") % {
                "serial": certificate.serial_number, "date": certificate.expires_on.isoformat()},
            url=reverse("certificates:mine"),
        )
    certificate_id = certificate.pk
    enqueue(certificate_pdf_render, certificate_id)


def site_setting(model):
    """A Wagtail site setting of the default site (work done in the background has no request); the defaults
    when no site exists yet."""
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    return model.for_site(site) if site else model()


@transaction.atomic
def certificate_issue(
    *, holder: User, program: Program, issued_by: User | None = None, reason: str = "",
    issued_on: date | None = None, announce: bool = True,
) -> tuple[Certificate, bool]:
    """Issue ``program``'s certificate to ``holder``, or return the one they already hold.

    Idempotent and safe under concurrency: returns ``(certificate, created)``; whatever number of calls race for
    one person, one certificate results (a lock on the person, and a database constraint behind it).
    Without ``issued_by`` (automatic issuance) every requirement must be met. Bureau staff issuing by hand give
    a reason, which is recorded, and may waive requirements that can be waived, never the eligible roles.
    With ``announce`` the holder gets a notice and the PDF is rendered in the background after commit."""
    _lock_holder(holder)
    current = Certificate.objects.filter(holder=holder, program=program,
                                         status__in=[Status.ISSUED, Status.SUSPENDED]).first()
    if current is not None:
        return current, False
    _check_requirements(holder=holder, program=program, issued_by=issued_by, reason=reason)
    certificate = _certificate_create(holder=holder, program=program, issued_on=issued_on or timezone.localdate(),
                                      issued_by=issued_by, reason=reason, announce=announce)
    return certificate, True


@transaction.atomic
def certificate_renew(
    *, certificate: Certificate, renewed_by: User | None = None, reason: str = "", issued_on: date | None = None,
    announce: bool = True,
) -> Certificate:
    """Issue a new certificate of the same program that supersedes ``certificate`` (current or expired).

    The old one becomes superseded (recorded) and the new one points back at it. Atomic; refused when the
    certificate is revoked or already superseded, or when the holder is no longer eligible."""
    _lock_holder(certificate.holder)
    certificate.refresh_from_db()
    if "renew" not in available_actions(certificate):
        raise CertificateError(_("Only a current or expired certificate can be renewed."))
    if Certificate.objects.filter(holder=certificate.holder, program=certificate.program,
                                  status=Status.ISSUED).exclude(pk=certificate.pk).exists():
        raise CertificateError(_("%(person)s already holds a newer certificate of this program.") % {
            "person": certificate.holder})
    reason = reason.strip() or _("Renewed")
    _check_requirements(holder=certificate.holder, program=certificate.program, issued_by=renewed_by, reason=reason,
                        renewing=certificate)
    certificate_set_status(certificate=certificate, new_status=Status.SUPERSEDED, changed_by=renewed_by,
                           reason=reason)
    return _certificate_create(holder=certificate.holder, program=certificate.program,
                               issued_on=issued_on or timezone.localdate(), issued_by=renewed_by, reason=reason,
                               supersedes=certificate, announce=announce)


@transaction.atomic
def certificates_evaluate(*, holder: User, today: date | None = None) -> list[Certificate]:
    """Issue or renew, automatically, every open program's certificate the holder has now earned; returns the
    new certificates. Called by the background task after any learning event (see ``certificates.receivers``).

    Exactly once however many events arrive together: the holder is locked first, so evaluations of one person
    run one after another and each sees what the previous one issued (``certificate_issue`` is idempotent and
    constraint-guarded behind that). Per program, by the holder's latest certificate of it:

    - none, or one that expired past its renewal window: issue when the program's requirements are met;
    - current or expired, inside its renewal window: renew when the continuing-education hours are met;
    - revoked: nothing; only bureau staff may issue again, by hand (a revocation is never undone silently);
    - suspended: nothing; bureau staff reinstate or revoke it."""
    today = today or timezone.localdate()
    _lock_holder(holder)
    record = learner_record(holder=holder)
    if not record.roles:
        return []
    latest = {certificate.program_id: certificate for certificate in
              Certificate.objects.filter(holder=holder).exclude(status=Status.SUPERSEDED).order_by("issued_on", "pk")}
    programs = (Program.objects.filter(is_active=True)
                .prefetch_related("required_modules", "required_quizzes", "required_scenarios__scenario"))
    created = []
    for program in programs:
        if not record.roles & set(program.eligible_roles):
            continue
        last = latest.get(program.pk)
        if last is not None and last.status in (Status.REVOKED, Status.SUSPENDED):
            continue
        renewable = last is not None and today <= renewal_window(last)[1]
        report = requirements_report(holder=holder, program=program, record=record, today=today,
                                     renewing=last if renewable else None)
        if not report.met:
            continue
        try:
            with transaction.atomic():  # one program's refusal leaves the others standing
                if renewable:
                    created.append(certificate_renew(certificate=last, reason=_("Continuing-education hours "
                                                                                "completed"), issued_on=today))
                else:
                    certificate, is_new = certificate_issue(holder=holder, program=program, issued_on=today)
                    created += [certificate] if is_new else []
        except CertificateError:
            log.exception("Automatic issue of %s to person %s refused", program.slug, holder.pk)
    return created


@transaction.atomic
def _status_change_by_hand(*, certificate: Certificate, new_status: str, by: User | None, reason: str,
                           action: str, notice_title: str = "") -> Certificate:
    # Revoking, suspending and reinstating: the recorded move, an audit entry, and a notice to the holder, all or
    # none (a failed notice must not leave a revocation nobody was told about, or one half recorded).
    certificate = certificate_set_status(certificate=certificate, new_status=new_status, changed_by=by, reason=reason)
    audit(instance=certificate, action=action, actor=by, serial=certificate.serial_number)
    if notice_title:
        with translation.override(settings.LANGUAGE_CODE):
            notice_send(person=certificate.holder, title=_(notice_title) % {"program": certificate.program.name},
                        body=reason, url=reverse("certificates:mine"))
    return certificate


def certificate_revoke(*, certificate: Certificate, revoked_by: User, reason: str) -> Certificate:
    """Revoke a certificate (bureau staff, reason required). Every public form of it says revoked from now on."""
    return _status_change_by_hand(certificate=certificate, new_status=Status.REVOKED, by=revoked_by, reason=reason,
                                  action="certificates.revoke",
                                  notice_title=gettext_noop("Your certificate has been revoked: %(program)s"))


def certificate_suspend(*, certificate: Certificate, suspended_by: User | None, reason: str) -> Certificate:
    """Suspend a current certificate (reason required): its credential's suspension bit is set at once, and every
    public form of it says suspended until it is reinstated or revoked."""
    return _status_change_by_hand(certificate=certificate, new_status=Status.SUSPENDED, by=suspended_by,
                                  reason=reason, action="certificates.suspend",
                                  notice_title=gettext_noop("Your certificate has been suspended: %(program)s"))


def certificate_reinstate(*, certificate: Certificate, reinstated_by: User | None, reason: str) -> Certificate:
    """Lift a suspension (reason required): the certificate is issued again and its suspension bit cleared."""
    return _status_change_by_hand(certificate=certificate, new_status=Status.ISSUED, by=reinstated_by,
                                  reason=reason, action="certificates.reinstate")


@transaction.atomic
def _status_change_many_by_hand(*, certificate_ids, from_status: str, new_status: str, by: User | None,
                                reasons: dict[int, str], action: str, notice_title: str = "") -> list[Certificate]:
    # What _status_change_by_hand does to one certificate, for many in a few statements: the recorded moves, the
    # audit entries and the notices, all or none. Only the certificates still in ``from_status`` once locked move.
    certificates = list(Certificate.objects.select_for_update(of=("self",)).select_related("holder", "program")
                        .filter(pk__in=list(certificate_ids), status=from_status).order_by("pk"))
    status_change_many(certificates, machine=CERTIFICATE_MACHINE, to=new_status, by=by, reasons=reasons)
    audit_many(instances=certificates, action=action, actor=by, data_of=lambda c: {"serial": c.serial_number})
    if notice_title and certificates:
        with translation.override(settings.LANGUAGE_CODE):
            notices_send_many(notices=[(c.holder, _(notice_title) % {"program": c.program.name}, reasons[c.pk])
                                       for c in certificates], url=reverse("certificates:mine"))
    return certificates


def certificates_suspend_many(*, reasons: dict[int, str], suspended_by: User | None) -> list[Certificate]:
    """``certificate_suspend`` for many certificates at once (certificate id → reason): those still issued are
    suspended, each with its history row, audit entry and notice. Returns the ones suspended."""
    return _status_change_many_by_hand(
        certificate_ids=reasons, from_status=Status.ISSUED, new_status=Status.SUSPENDED, by=suspended_by,
        reasons=reasons, action="certificates.suspend",
        notice_title=gettext_noop("Your certificate has been suspended: %(program)s"))


def certificates_reinstate_many(*, reasons: dict[int, str], reinstated_by: User | None) -> list[Certificate]:
    """``certificate_reinstate`` for many certificates at once (certificate id → reason): those still suspended
    are issued again. Returns the ones reinstated."""
    return _status_change_many_by_hand(
        certificate_ids=reasons, from_status=Status.SUSPENDED, new_status=Status.ISSUED, by=reinstated_by,
        reasons=reasons, action="certificates.reinstate")


@transaction.atomic
def certificate_pdf_render(*, certificate: Certificate, force: bool = False) -> Certificate:
    """Make sure the certificate has its PDF, rendering it from the data when missing (or when ``force``).
    Idempotent: the row is locked while rendering, so two workers never both write a file."""
    from .pdf import render_certificate_pdf

    locked = Certificate.objects.select_for_update().select_related("holder", "program").get(pk=certificate.pk)
    if locked.pdf and not force and locked.pdf.storage.exists(locked.pdf.name):
        certificate.pdf = locked.pdf
        return certificate
    old_name = locked.pdf.name
    locked.pdf.save(f"{locked.serial_number}.pdf", ContentFile(render_certificate_pdf(locked)), save=False)
    Certificate.objects.filter(pk=locked.pk).update(pdf=locked.pdf.name)
    if old_name and old_name != locked.pdf.name:
        storage = locked.pdf.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    certificate.pdf = locked.pdf
    return certificate


def certificates_expire_due(*, today: date | None = None) -> int:
    """Move every issued certificate whose validity has ended to expired (recorded). Returns how many."""
    today = today or timezone.localdate()
    due = Certificate.objects.filter(status=Status.ISSUED, expires_on__lt=today).values_list("pk", flat=True)
    count = 0
    for pk in list(due):
        # One small transaction each: a revocation racing the sweep simply wins, and the sweep skips it.
        try:
            certificate_set_status(certificate=Certificate(pk=pk, status=Status.ISSUED), new_status=Status.EXPIRED,
                                   reason=_("Validity period ended"))
            count += 1
        except IllegalStatusChange:
            continue
    return count


def expiry_reminders_send(*, today: date | None = None) -> int:
    """Remind holders before their certificate expires, at each step of ``CERTIFICATE_REMINDER_DAYS`` (60 and
    14 days). Each step is sent once per certificate (a constraint guards it); a certificate already inside a
    nearer step gets only that one. Returns how many reminders went out."""
    today = today or timezone.localdate()
    steps = sorted(settings.CERTIFICATE_REMINDER_DAYS)
    due = (Certificate.objects.filter(status=Status.ISSUED, expires_on__gte=today,
                                      expires_on__lte=today + timedelta(days=steps[-1]))
           .select_related("holder", "program").prefetch_related("reminders"))
    sent = 0
    for certificate in due:
        days_left = (certificate.expires_on - today).days
        step = next(s for s in steps if days_left <= s)
        if any(r.days_before <= step for r in certificate.reminders.all()):
            continue
        try:
            with transaction.atomic():
                ExpiryReminder.objects.create(certificate=certificate, days_before=step)
                with translation.override(settings.LANGUAGE_CODE):
                    notice_send(
                        person=certificate.holder,
                        title=_("Your certificate expires in %(days)d days: %(program)s") % {
                            "days": days_left, "program": certificate.program.name},
                        body=_("It is valid until %(date)s. Complete the continuing-education hours to renew it.")
                        % {"date": certificate.expires_on.isoformat()},
                        url=reverse("certificates:mine"),
                    )
        except IntegrityError:  # another sweep sent it meanwhile
            continue
        sent += 1
    return sent


def verification_check_log(*, certificate: Certificate | None, channel: str, query: str, client_ip: str | None
                           ) -> VerificationCheck:
    """Record one public check of a certificate (found or not)."""
    return VerificationCheck.objects.create(certificate=certificate, channel=channel, query=query[:100],
                                            client_ip=client_ip or None)


@transaction.atomic
def bulk_issue_request(*, program: Program, requested_by: User, reason: str, committee: Committee | None = None,
                       session: RotationSession | None = None) -> BulkIssue:
    """Queue the issue of ``program``'s certificate to a committee's active members or to the people who attended
    a rotation session (exactly one of the two). The worker does the work (``bulk_issue_run``); the returned row
    reports its progress. Callers check the committee or session is in the staff member's jurisdiction."""
    from .tasks import bulk_issue_run as bulk_issue_task

    if not reason.strip():
        raise CertificateError(_("Give a reason for issuing by hand."))
    if (committee is None) == (session is None):
        raise CertificateError(_("Choose either a committee or a rotation session."))
    bulk = bulk_issue_set_status(
        bulk_issue=BulkIssue(program=program, committee=committee, session=session, requested_by=requested_by,
                             reason=reason.strip()),
        status=BulkIssue.Status.QUEUED, by=requested_by, reason=reason)
    enqueue(bulk_issue_task, bulk.pk)
    return bulk


def _bulk_holders(bulk: BulkIssue) -> list[User]:
    if bulk.committee_id:
        people = User.objects.filter(memberships__in=Membership.objects.active().filter(committee=bulk.committee_id))
    else:
        people = User.objects.filter(session_attendances__session=bulk.session_id)
    return list(people.distinct().order_by("name", "pk"))


def bulk_issue_run(*, bulk_issue: BulkIssue) -> BulkIssue:
    """Issue to each person of the batch's committee or session (one transaction per person, so one refusal
    stops nobody else), render the PDFs and record progress as it goes. Safe to run again: people already
    certified keep their certificate and are simply listed."""
    bulk = BulkIssue.objects.get(pk=bulk_issue.pk)
    people = _bulk_holders(bulk)
    bulk_issue_set_status(bulk_issue=bulk, status=BulkIssue.Status.RUNNING, total=len(people), processed=0,
                          issued_count=0, skipped=[])
    issued_count, skipped = 0, []
    for done, person in enumerate(people, start=1):
        try:
            certificate, created = certificate_issue(holder=person, program=bulk.program,
                                                     issued_by=bulk.requested_by, reason=bulk.reason)
        except CertificateError as error:
            skipped.append({"name": person.name, "reason": str(error)})
        else:
            certificate_pdf_render(certificate=certificate)
            bulk.certificates.add(certificate)
            issued_count += created
        BulkIssue.objects.filter(pk=bulk.pk).update(processed=done, issued_count=issued_count, skipped=skipped)
    bulk_issue_set_status(bulk_issue=bulk, status=BulkIssue.Status.DONE, finished_at=timezone.now())
    bulk_issue_zip_request(bulk_issue=bulk, requested_by=bulk.requested_by)
    bulk.refresh_from_db()
    return bulk


@transaction.atomic
def bulk_issue_zip_request(*, bulk_issue: BulkIssue, requested_by: User | None) -> BulkIssueZip:
    """Queue the ZIP of a finished batch's PDFs for the worker (the PDF queue). Idempotent: while the batch's ZIP
    is queued, running or done, asking again (a double click, a second officer) returns it and queues nothing; a
    failed one is queued again (the retry). The batch's row is locked, so two requests at once make one job.
    ``bulk_issue_run`` asks when it finishes; callers check the batch is in the staff member's jurisdiction."""
    from .tasks import bulk_issue_zip_run as zip_task

    bulk = BulkIssue.objects.select_for_update().get(pk=bulk_issue.pk)
    if bulk.status != BulkIssue.Status.DONE:
        raise CertificateError(_("The ZIP can be made once the batch is done."))
    bulk_zip = BulkIssueZip.objects.filter(bulk_issue=bulk).first()
    if bulk_zip is None:
        bulk_zip = bulk_zip_set_status(bulk_zip=BulkIssueZip(bulk_issue=bulk), status=_Zip.QUEUED, by=requested_by)
    elif bulk_zip.status == _Zip.FAILED:
        bulk_zip_set_status(bulk_zip=bulk_zip, status=_Zip.QUEUED, by=requested_by, processed=0)
    else:
        return bulk_zip
    enqueue(zip_task, bulk_zip.pk)
    return bulk_zip


def bulk_zip_entry_name(certificate: Certificate) -> str:
    return f"{certificate.serial_number}-{certificate.holder.name}.pdf"


def bulk_issue_zip_run(*, bulk_zip_id: int) -> BulkIssueZip:
    """Zip the batch's certificate PDFs (rendering any that are missing) into one private file, counting progress
    as it goes (each count is committed at once, so the batch's page sees it). Idempotent: a ZIP done or failed is
    left alone (a failed one runs again once asked again), one interrupted while running starts over. The file is
    saved only when complete; a failure is recorded by ``bulk_issue_zip_fail`` (the task calls it)."""
    with transaction.atomic():
        bulk_zip = BulkIssueZip.objects.select_for_update().get(pk=bulk_zip_id)
        if not bulk_zip.in_progress:
            return bulk_zip
        certificates = list(BulkIssue.objects.get(pk=bulk_zip.bulk_issue_id).certificates
                            .select_related("holder", "program").order_by("serial_number"))
        bulk_zip_set_status(bulk_zip=bulk_zip, status=_Zip.RUNNING, total=len(certificates), processed=0)
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as archive:
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for done, certificate in enumerate(certificates, start=1):
                certificate = certificate_pdf_render(certificate=certificate)
                with certificate.pdf.open("rb") as pdf_file:
                    bundle.writestr(bulk_zip_entry_name(certificate), pdf_file.read())
                BulkIssueZip.objects.filter(pk=bulk_zip.pk).update(processed=done)
        archive.seek(0)
        bulk_zip.file.save(f"{bulk_zip.bulk_issue_id}.zip", File(archive), save=False)
    return bulk_zip_set_status(bulk_zip=bulk_zip, status=_Zip.DONE, processed=len(certificates),
                               file=bulk_zip.file, finished_at=timezone.now())


def bulk_issue_zip_fail(*, bulk_zip_id: int, reason: str) -> BulkIssueZip:
    """Record that making a batch's ZIP failed, and why (history row); the page offers to try again."""
    bulk_zip = BulkIssueZip.objects.get(pk=bulk_zip_id)
    return bulk_zip_set_status(bulk_zip=bulk_zip, status=_Zip.FAILED, reason=reason[:2000] or "error",
                               finished_at=timezone.now())
