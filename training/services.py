"""Every write of the training year. Keyword-only, typed, atomic, named <entity>_<action>.

Callers check who may act (views load objects through the jurisdiction-scoped selectors); these functions keep
the rules: statuses move only as their tables below allow, with who/when/why recorded; a card is reviewed once a
year (the unique constraint); certificates change status only through ``certificates.services``."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from certificates import services as certificate_services
from certificates.models import Certificate, Program
from courses.models import ModuleCategory
from people.audit import audit
from people.models import Membership, Region, User
from people.services.notices import notice_send
from people.status import StatusMachine, status_change, status_change_many
from people.tasks import enqueue

from . import selectors
from .exceptions import TrainingError
from .models import AnnualReview, AnnualReviewStatusChange, DutyReminder, ExternalTraining, ReviewRun

# Status machines (people.status): moves as data ("" is a record being created), history rows of their own.
Outcome = AnnualReview.Outcome
EXTERNAL_TRAINING_MACHINE = StatusMachine(
    transitions={
        "": {ExternalTraining.Status.PENDING},
        ExternalTraining.Status.PENDING: {ExternalTraining.Status.APPROVED, ExternalTraining.Status.REJECTED},
        # An approval found wrong later is withdrawn: the hours stop counting.
        ExternalTraining.Status.APPROVED: {ExternalTraining.Status.REJECTED},
    },
    history="training.ExternalTrainingStatusChange", subject="record", error=TrainingError,
    reason_required={ExternalTraining.Status.REJECTED})
REVIEW_RUN_MACHINE = StatusMachine(
    transitions={
        "": {ReviewRun.Status.PREVIEW},
        ReviewRun.Status.PREVIEW: {ReviewRun.Status.QUEUED},
        ReviewRun.Status.QUEUED: {ReviewRun.Status.DONE},
        # Running a decided review again decides only what is still open (and lifts suspensions of people who
        # have since met their duties).
        ReviewRun.Status.DONE: {ReviewRun.Status.QUEUED},
    },
    history="training.ReviewRunStatusChange", subject="run", error=TrainingError)
REVIEW_MACHINE = StatusMachine(
    transitions={
        "": {Outcome.PENDING},
        Outcome.PENDING: {Outcome.PASSED, Outcome.SUSPENDED, Outcome.REVOKED},
        Outcome.SUSPENDED: {Outcome.PASSED, Outcome.REVOKED},
        Outcome.PASSED: {Outcome.REVOKED},
        Outcome.REVOKED: set(),
    },
    history="training.AnnualReviewStatusChange", subject="review", field="outcome", error=TrainingError,
    # The review's own ``reason`` (what the outcome rests on) is set on the row and saved with the move.
    reason_required={Outcome.SUSPENDED, Outcome.REVOKED}, save_all=True)
REVIEW_BATCH = 2000


# --- External training

@transaction.atomic
def external_training_record(*, people: list[User], title: str, hours: Decimal, completed_on: datetime.date,
                             document, recorded_by: User, category: ModuleCategory | None = None
                             ) -> list[ExternalTraining]:
    """Record training the ``people`` took elsewhere, with its document (a copy per person, in private storage).
    All or none. Counts once approved."""
    if hours <= 0:
        raise TrainingError(_("Hours must be more than zero."))
    if completed_on > timezone.localdate():
        raise TrainingError(_("The training cannot end in the future."))
    document.seek(0)
    content = document.read()
    records = []
    for person in people:
        record = status_change(
            ExternalTraining(person=person, title=title.strip(), hours=hours, completed_on=completed_on,
                             document=ContentFile(content, name=document.name), recorded_by=recorded_by,
                             category=category), machine=EXTERNAL_TRAINING_MACHINE,
            to=ExternalTraining.Status.PENDING, by=recorded_by)
        audit(instance=record, action="training.external_record", actor=recorded_by, hours=str(hours))
        records.append(record)
    return records


@transaction.atomic
def external_training_decide(*, record: ExternalTraining, approve: bool, decided_by: User, note: str = ""
                             ) -> ExternalTraining:
    """Approve (the hours count from now on) or reject (a reason is required) recorded external training."""
    new = ExternalTraining.Status.APPROVED if approve else ExternalTraining.Status.REJECTED
    status_change(record, machine=EXTERNAL_TRAINING_MACHINE, to=new, by=decided_by, reason=note)
    audit(instance=record, action="training.external_decide", actor=decided_by, status=new)
    return record


# --- Reminders

def duty_reminders_send(*, today: datetime.date | None = None, days_before: int = 14) -> int:
    """Remind everyone whose duty falls due within ``days_before`` days and is not met yet: one notice per
    person, duty and due date, whenever and however often this runs (the reminder row's constraint). Returns
    how many were sent."""
    today = today or timezone.localdate()
    person_ids = list(Membership.objects.active(today).values_list("person_id", flat=True).distinct())
    sent = 0
    for start in range(0, len(person_ids), REVIEW_BATCH):
        batch = person_ids[start:start + REVIEW_BATCH]
        people = User.objects.in_bulk(batch)
        for pid, rows in selectors.duty_progress(person_ids=batch, on=today).items():
            for progress in rows:
                if progress.met or not (today <= progress.due <= today + datetime.timedelta(days=days_before)):
                    continue
                sent += _duty_reminder_send(person=people[pid], progress=progress)
    return sent


def _duty_reminder_send(*, person: User, progress) -> int:
    try:
        with transaction.atomic():
            DutyReminder.objects.create(duty=progress.duty, person=person, due=progress.due)
            with translation.override(settings.LANGUAGE_CODE):
                notice_send(
                    person=person,
                    title=_("Training due on %(due)s: %(duty)s") % {"due": progress.due.isoformat(),
                                                                   "duty": progress.duty.name},
                    body=_("%(done)s of %(required)s hours done.") % {
                        "done": hours_text(progress.hours_done), "required": hours_text(progress.hours_required)},
                    url=reverse("people:learner_home"))
    except IntegrityError:  # already reminded (another run got there first)
        return 0
    return 1


# --- Annual review

@transaction.atomic
def review_run_start(*, region: Region, program: Program, year: int, started_by: User) -> ReviewRun:
    """Start a region's annual review of ``program``'s work cards for ``year``: a pending review for every
    current card that has none yet (idempotent), to preview before confirming."""
    if not 2000 <= year <= timezone.localdate().year:
        raise TrainingError(_("Choose this year or an earlier one."))
    run = status_change(ReviewRun(region=region, program=program, year=year, created_by=started_by),
                        machine=REVIEW_RUN_MACHINE, to=ReviewRun.Status.PREVIEW, by=started_by)
    certificate_ids = selectors.review_certificates(region=region, program=program).values_list("pk", flat=True)
    AnnualReview.objects.bulk_create([AnnualReview(certificate_id=pk, year=year, run=run) for pk in certificate_ids],
                                     ignore_conflicts=True, batch_size=REVIEW_BATCH)
    # The reviews this run created (others existed already) start their history, in bulk as the rows were made.
    now = timezone.now()
    AnnualReviewStatusChange.objects.bulk_create(
        [AnnualReviewStatusChange(review_id=pk, old_status="", new_status=Outcome.PENDING, changed_at=now,
                                  changed_by=started_by)
         for pk in AnnualReview.objects.filter(run=run).values_list("pk", flat=True)], batch_size=REVIEW_BATCH)
    audit(instance=run, action="training.review_start", actor=started_by, year=year)
    return run


@transaction.atomic
def review_run_confirm(*, run: ReviewRun, confirmed_by: User) -> ReviewRun:
    """Confirm a previewed review: the worker decides every card (``review_run_decide``)."""
    from .tasks import review_run_decide

    status_change(run, machine=REVIEW_RUN_MACHINE, to=ReviewRun.Status.QUEUED, by=confirmed_by,
                  confirmed_at=timezone.now())
    audit(instance=run, action="training.review_confirm", actor=confirmed_by, year=run.year)
    enqueue(review_run_decide, run.pk)
    return run


def review_run_decide(*, run: ReviewRun) -> ReviewRun:
    """Decide every card of a confirmed review, a batch of ``REVIEW_BATCH`` cards per transaction
    (``annual_reviews_decide``: bulk reads and writes, no query per card, and never one long lock over a county).
    Idempotent and safe to run twice at once: a batch's review rows are locked while it is decided, and a decided
    one is left alone (a suspended one passes once its duties are met)."""
    if run.status != ReviewRun.Status.QUEUED:
        return run
    counts = dict.fromkeys(Outcome.values, 0)
    certificates = list(selectors.review_certificates(region=run.region, program=run.program)
                        .order_by("pk").values_list("pk", "holder_id"))
    for start in range(0, len(certificates), REVIEW_BATCH):
        batch = certificates[start:start + REVIEW_BATCH]
        holders = {holder for _, holder in batch}
        progress = selectors.year_duties(person_ids=holders, year=run.year)
        exams = selectors.review_exams(program=run.program, person_ids=holders, year=run.year)
        for outcome, count in annual_reviews_decide(cards=batch, year=run.year, run=run, progress=progress,
                                                    exams=exams, decided_by=run.created_by).items():
            counts[outcome] += count
    with transaction.atomic():
        locked = ReviewRun.objects.select_for_update().get(pk=run.pk)
        if locked.status == ReviewRun.Status.QUEUED:
            status_change(locked, machine=REVIEW_RUN_MACHINE, to=ReviewRun.Status.DONE, locked=True,
                          finished_at=timezone.now(), result=counts)
    return locked


def failed_duties_reason(progress) -> str:
    """Why a review does not pass, in the site's language: each unmet duty with its hours."""
    with translation.override(settings.LANGUAGE_CODE):
        return "；".join(_("%(duty)s: %(done)s of %(required)s hours") % {
            "duty": p.duty.name, "done": hours_text(p.hours_done), "required": hours_text(p.hours_required)}
            for p in progress if not p.met)


def review_failure_reason(*, year: int, progress, exam: selectors.ReviewExam | None) -> str:
    """Why a card's review for ``year`` does not pass, in the site's language: the unmet duties with their hours,
    and the yearly exam not passed within the year."""
    with translation.override(settings.LANGUAGE_CODE):
        reasons = []
        if not all(p.met for p in progress):
            reasons.append(_("training duties not met (%(duties)s)") % {"duties": failed_duties_reason(progress)})
        if exam is not None and not exam.passed:
            reasons.append(_("the yearly exam “%(exam)s” not passed in %(year)s") % {
                "exam": exam.quiz.title, "year": year})
        return _("Annual review %(year)s: %(reasons)s.") % {"year": year, "reasons": "；".join(reasons)}


def hours_text(hours: Decimal) -> str:
    """4.0 → "4", 2.5 → "2.5"."""
    return format(hours.normalize(), "f")


@transaction.atomic
def annual_reviews_decide(*, cards: list[tuple[int, int]], year: int, progress: dict, decided_by: User | None,
                          run: ReviewRun | None = None, exams: dict | None = None) -> dict[str, int]:
    """Decide the ``year`` review of each card (``(certificate id, holder id)``) from its holder's progress on the
    year's duties (``progress``: holder id → ``selectors.year_duties`` rows) and, where the program asks for one,
    the yearly exam (``exams``: holder id → ``selectors.review_exams``; the rule is ``selectors.review_passes``):
    passed (the card stays valid, or is
    reinstated when the review had suspended it), or suspended with the reason; revocation is staff's
    (``annual_review_revoke``). Cards without a review for the year get one. The reviews' rows are locked first,
    so a concurrent run waits and then finds them decided. A constant number of statements whatever the number of
    cards (bulk status moves: ``people.status.status_change_many``). Returns the outcomes' counts."""
    certificate_ids = [certificate_id for certificate_id, _holder in cards]
    holder_of = dict(cards)
    missing = set(certificate_ids) - set(AnnualReview.objects.filter(
        certificate_id__in=certificate_ids, year=year).values_list("certificate_id", flat=True))
    if missing:
        AnnualReview.objects.bulk_create([AnnualReview(certificate_id=pk, year=year, run=run) for pk in missing],
                                         ignore_conflicts=True, batch_size=REVIEW_BATCH)
    reviews = list(AnnualReview.objects.select_for_update(of=("self",)).select_related("certificate")
                   .filter(certificate_id__in=certificate_ids, year=year).order_by("pk"))
    if missing:  # the new ones start their history (another run may have made some: those have one already)
        started = set(AnnualReviewStatusChange.objects.filter(
            review__in=[r for r in reviews if r.certificate_id in missing]).values_list("review_id", flat=True))
        now = timezone.now()
        AnnualReviewStatusChange.objects.bulk_create(
            [AnnualReviewStatusChange(review=r, old_status="", new_status=Outcome.PENDING, changed_at=now,
                                      changed_by=decided_by)
             for r in reviews if r.certificate_id in missing and r.pk not in started], batch_size=REVIEW_BATCH)
    now = timezone.now()
    passing, failing, reinstate, suspend = [], [], {}, {}
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Annual review %(year)s passed.") % {"year": year}
        for review in reviews:
            duties = progress[holder_of[review.certificate_id]]
            exam = (exams or {}).get(holder_of[review.certificate_id])
            met = selectors.review_passes(duties, exam)
            certificate = review.certificate
            if met and review.outcome in (Outcome.PENDING, Outcome.SUSPENDED):
                if review.outcome == Outcome.SUSPENDED and certificate.status == Certificate.Status.SUSPENDED:
                    reinstate[certificate.pk] = note
                review.reason = ""
                passing.append(review)
            elif not met and review.outcome == Outcome.PENDING:
                review.reason = review_failure_reason(year=year, progress=duties, exam=exam)
                if certificate.status == Certificate.Status.ISSUED:
                    suspend[certificate.pk] = review.reason
                failing.append(review)
    for review in passing + failing:
        review.decided_at, review.decided_by = now, decided_by
    decided = ["reason", "decided_at", "decided_by"]
    certificate_services.certificates_reinstate_many(reasons=reinstate, reinstated_by=decided_by)
    status_change_many(passing, machine=REVIEW_MACHINE, to=Outcome.PASSED, by=decided_by, reason=note, at=now,
                       fields=decided)
    certificate_services.certificates_suspend_many(reasons=suspend, suspended_by=decided_by)
    status_change_many(failing, machine=REVIEW_MACHINE, to=Outcome.SUSPENDED, by=decided_by, at=now,
                       reasons={review.pk: review.reason for review in failing}, fields=decided)
    counts: dict[str, int] = defaultdict(int)
    for review in reviews:
        counts[review.outcome] += 1
    return dict(counts)


@transaction.atomic
def annual_review_revoke(*, review: AnnualReview, revoked_by: User, reason: str) -> AnnualReview:
    """Staff revoke a reviewed card (reason required): the certificate is revoked through certificates."""
    review.reason = reason.strip()
    status_change(review, machine=REVIEW_MACHINE, to=Outcome.REVOKED, by=revoked_by, reason=reason,
                  decided_at=timezone.now(), decided_by=revoked_by)
    certificate_services.certificate_revoke(certificate=review.certificate, revoked_by=revoked_by,
                                            reason=reason.strip())
    return review

