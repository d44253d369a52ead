"""Training duties a bureau sets, external training it records, and the work card's annual review."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from people.files import private_name, private_storage
from people.models import Committee, Membership, Region
from people.spreadsheets import refuse_formula
from people.status import StatusChangeBase


class TrainingDuty(models.Model):
    """One rule of a bureau's training year: who must train, how much of what, and by when.

    Applies to everyone with an active membership in a committee under ``region`` that matches the who-fields
    (blank = anyone). What counts: training hours (``courses.selectors.training_credits_by_person``: modules,
    scenarios, exams) and approved external training, each once; limited to ``categories`` when set. With
    ``modules`` set, the duty is met when every listed module is completed. Periods: ``training.selectors``."""

    class Kind(models.TextChoices):
        PREJOB = "prejob", _("Pre-job (within N days of joining)")
        ANNUAL = "annual", _("Annual (each training year)")
        TRIGGERED = "triggered", _("Triggered (a new law or policy, by a deadline)")

    region = models.ForeignKey(Region, verbose_name=_("bureau region"), on_delete=models.PROTECT,
                               related_name="+", help_text=_("The duty applies to committees in this region."))
    name = models.CharField(_("name"), max_length=100, validators=[refuse_formula])
    kind = models.CharField(_("when"), max_length=12, choices=Kind.choices)
    # Who (blank: anyone)
    role = models.CharField(_("role"), max_length=16, choices=Membership.Role.choices, blank=True)
    employment = models.CharField(_("full-time or part-time"), max_length=16,
                                  choices=Membership.Employment.choices, blank=True)
    committee_kind = models.CharField(_("committee kind"), max_length=16, choices=Committee.Kind.choices,
                                      blank=True)
    grade = models.ForeignKey("people.Grade", verbose_name=_("grade"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    # What
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, default=0,
                                help_text=_("Training hours required in the period."))
    categories = models.ManyToManyField("courses.ModuleCategory", verbose_name=_("counted categories"),
                                        blank=True, related_name="+",
                                        help_text=_("Only hours of these categories count (none: every category)."))
    modules = models.ManyToManyField("courses.CourseModulePage", verbose_name=_("required modules"), blank=True,
                                     related_name="+", help_text=_("Each of these modules must be completed."))
    # When
    within_days = models.PositiveSmallIntegerField(
        _("days allowed"), null=True, blank=True,
        help_text=_("Pre-job: days after joining. Triggered: days after the trigger date."))
    year_starts_month = models.PositiveSmallIntegerField(
        _("training year starts in month"), default=1,
        help_text=_("Annual duties: 1 for the calendar year, or the month the bureau's training year begins."))
    triggered_on = models.DateField(_("trigger date"), null=True, blank=True,
                                    help_text=_("Triggered duties: when the new law or policy was published."))
    in_force_from = models.DateField(
        _("in force from"), default=timezone.localdate,
        help_text=_("Pre-job duties apply to people who join from this day; annual duties to training years "
                    "ending on or after it."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("training duty")
        verbose_name_plural = _("training duties")
        ordering = ["kind", "name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gte=0), name="duty_hours_not_negative"),
            models.CheckConstraint(condition=Q(year_starts_month__gte=1, year_starts_month__lte=12),
                                   name="duty_year_starts_in_a_month"),
            models.CheckConstraint(condition=~Q(kind="prejob") | Q(within_days__gt=0),
                                   name="prejob_duty_has_days"),
            models.CheckConstraint(condition=~Q(kind="triggered") | Q(within_days__gt=0, triggered_on__isnull=False),
                                   name="triggered_duty_has_date_and_days"),
        ]

    def __str__(self):
        return self.name


def external_document_name(instance, filename: str) -> str:
    suffix = "." + filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else ""
    return private_name("external-training", suffix)


class ExternalTraining(models.Model):
    """Training taken outside the product (a provincial course, a court's seminar), recorded by bureau staff
    with its document. Counts towards duties only once approved. Status moves through
    ``people.status.status_change`` (``training.services.EXTERNAL_TRAINING_MACHINE``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="external_training")
    title = models.CharField(_("training"), max_length=150, validators=[refuse_formula])
    category = models.ForeignKey("courses.ModuleCategory", verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    completed_on = models.DateField(_("completed on"))
    # Private: a certificate of attendance names the person.
    document = models.FileField(_("document"), upload_to=external_document_name, storage=private_storage,
                                max_length=200)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("external training")
        verbose_name_plural = _("external training")
        ordering = ["-completed_on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0), name="external_training_hours_positive")]

    def __str__(self):
        return f"{self.title} ({self.hours})"


class ReviewRun(models.Model):
    """A bureau's annual review of one program's work cards in a region for a year: previewed, then confirmed
    and decided in the worker (``training.services.review_run_confirm``)."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Preview: waiting for confirmation")
        QUEUED = "queued", _("Confirmed: queued")
        DONE = "done", _("Decided")

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey("certificates.Program", verbose_name=_("program"), on_delete=models.PROTECT,
                                related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PREVIEW)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"),
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        verbose_name = _("annual review run")
        verbose_name_plural = _("annual review runs")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.region} {self.year}"


class AnnualReview(models.Model):
    """The year's review of one certificate (the work card). One per certificate and year: running a review
    again decides only what is still pending, and two runs at once cannot both decide a card."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        PASSED = "passed", _("Passed")
        SUSPENDED = "suspended", _("Suspended until the duties are met")
        REVOKED = "revoked", _("Revoked")

    certificate = models.ForeignKey("certificates.Certificate", verbose_name=_("certificate"),
                                    on_delete=models.PROTECT, related_name="annual_reviews")
    year = models.PositiveSmallIntegerField(_("year"))
    run = models.ForeignKey(ReviewRun, verbose_name=_("review run"), null=True, blank=True,
                            on_delete=models.SET_NULL, related_name="reviews")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("annual review")
        verbose_name_plural = _("annual reviews")
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["certificate", "year"], name="one_annual_review_per_certificate_year"),
            models.CheckConstraint(condition=Q(outcome="pending") | Q(decided_at__isnull=False),
                                   name="decided_review_has_a_date"),
        ]

    def __str__(self):
        return f"{self.certificate_id} {self.year}: {self.outcome}"


class DutyReminder(models.Model):
    """A reminder that a duty falls due, sent to a person once per duty and due date (the constraint)."""

    duty = models.ForeignKey(TrainingDuty, on_delete=models.CASCADE, related_name="reminders")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    due = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["duty", "person", "due"], name="one_duty_reminder_per_due")]

    def __str__(self):
        return f"{self.duty_id} {self.person_id} {self.due}"


# Status histories (people.status): one row per move, who, when, why. Never deleted.

class ExternalTrainingStatusChange(StatusChangeBase):
    record = models.ForeignKey(ExternalTraining, on_delete=models.PROTECT, related_name="status_changes")


class ReviewRunStatusChange(StatusChangeBase):
    run = models.ForeignKey(ReviewRun, on_delete=models.PROTECT, related_name="status_changes")


class AnnualReviewStatusChange(StatusChangeBase):
    review = models.ForeignKey(AnnualReview, on_delete=models.PROTECT, related_name="status_changes")
