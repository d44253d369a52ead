"""Certification: programs, the certificates issued under them, their status history and public checks."""

import secrets
import uuid

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from people.files import private_name, private_storage
from people.models import Membership, Region
from people.spreadsheets import refuse_formula
from people.status import StatusChangeBase


class Program(ClusterableModel):
    """What a certificate certifies (矛盾纠纷信息员合格证, 人民调解员培训合格证书…) and what it takes to earn and
    keep it.

    Requirements are evaluated in one place, ``certificates.requirements.requirements_report``."""

    name = models.CharField(_("name"), validators=[refuse_formula], max_length=100, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True,
                            help_text=_("A stable identifier used in links and in the credential."))
    description = models.TextField(_("description"), blank=True,
                                   help_text=_("What the holder has shown; printed on the certificate."))
    for_mediators = models.BooleanField(_("mediators may earn it"), default=True)
    for_informants = models.BooleanField(_("informants may earn it"), default=False)
    validity_months = models.PositiveSmallIntegerField(
        _("validity (months)"), default=36, help_text=_("How long a certificate stays valid after it is issued."))
    min_training_hours = models.DecimalField(
        _("minimum training hours"), max_digits=5, decimal_places=1, default=0,
        help_text=_("Training hours: modules (online or at rotation sessions), scenarios and exams, each counted "
                    "once."))
    hours_window_months = models.PositiveSmallIntegerField(
        _("hours count for (months)"), default=36,
        help_text=_("Training hours count when earned within this many months before the certificate is issued."))
    renewal_hours = models.DecimalField(
        _("continuing-education hours to renew"), max_digits=5, decimal_places=1, default=0,
        help_text=_("Hours to complete within the validity period to renew the certificate."))
    required_modules = models.ManyToManyField(
        "courses.CourseModulePage", verbose_name=_("required modules"), blank=True, related_name="+")
    required_quizzes = models.ManyToManyField(
        "assessments.Quiz", verbose_name=_("required exams"), blank=True, related_name="+",
        help_text=_("Exams the holder must have passed (by the exam's own grading method and pass mark)."))
    # The work card's annual review (training.selectors.review_passes): besides the year's duties, a passed attempt
    # at this exam submitted within the year reviewed (1 January to 31 December, local time).
    review_exam = models.ForeignKey(
        "assessments.Quiz", verbose_name=_("yearly exam for the annual review"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
        help_text=_("When set, a card's annual review passes only if its holder passed this exam in the year "
                    "reviewed (between 1 January and 31 December). Empty: the training duties alone decide."))
    is_active = models.BooleanField(_("open for issuing"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [
        FieldPanel("name"), FieldPanel("slug"), FieldPanel("description"),
        MultiFieldPanel([FieldPanel("for_mediators"), FieldPanel("for_informants")], heading=_("Who may earn it")),
        MultiFieldPanel([FieldPanel("required_modules"), FieldPanel("required_quizzes"),
                         FieldPanel("min_training_hours"), FieldPanel("hours_window_months")],
                        heading=_("Requirements")),
        InlinePanel("required_scenarios", heading=_("Scenarios to finish"), label=_("Scenario")),
        MultiFieldPanel([FieldPanel("validity_months"), FieldPanel("renewal_hours")], heading=_("Validity")),
        FieldPanel("review_exam"),
        FieldPanel("is_active"), FieldPanel("sort_order"),
    ]

    class Meta:
        verbose_name = _("certification program")
        verbose_name_plural = _("certification programs")
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(for_mediators=True) | Q(for_informants=True),
                                   name="program_has_an_eligible_role"),
            models.CheckConstraint(condition=Q(validity_months__gt=0), name="program_validity_positive"),
            models.CheckConstraint(condition=Q(hours_window_months__gt=0), name="program_hours_window_positive"),
        ]

    def __str__(self):
        return self.name

    @property
    def eligible_roles(self) -> list[str]:
        return [role for role, allowed in ((Membership.Role.MEDIATOR, self.for_mediators),
                                           (Membership.Role.INFORMANT, self.for_informants)) if allowed]


class ProgramScenario(models.Model):
    """A simulated mediation the holder must finish with at least ``min_percent`` (their best finished run)."""

    program = ParentalKey(Program, on_delete=models.CASCADE, related_name="required_scenarios")
    scenario = models.ForeignKey("courses.ScenarioPage", verbose_name=_("scenario"), on_delete=models.PROTECT,
                                 related_name="+")
    min_percent = models.PositiveSmallIntegerField(
        _("minimum score (%)"), default=60, validators=[MinValueValidator(0), MaxValueValidator(100)])

    panels = [FieldPanel("scenario"), FieldPanel("min_percent")]

    class Meta:
        verbose_name = _("required scenario")
        verbose_name_plural = _("required scenarios")
        constraints = [
            models.UniqueConstraint(fields=["program", "scenario"], name="one_requirement_per_program_scenario"),
            models.CheckConstraint(condition=Q(min_percent__lte=100), name="program_scenario_percent_at_most_100"),
        ]

    def __str__(self):
        return f"{self.scenario} ≥ {self.min_percent}%"


def new_verification_code() -> str:
    """128 random bits, URL-safe: what the QR code and the public check carry. Never guessable or sequential."""
    return secrets.token_urlsafe(16)


def seal_name(instance, filename: str) -> str:
    return private_name("seals", ".png")


def certificate_pdf_name(instance, filename: str) -> str:
    """Where a certificate's PDF is kept in private storage: a random name, nothing a stranger could guess from
    a serial number, a year or a person."""
    return private_name("certificates", ".pdf")


class Certificate(models.Model):
    """One certificate held by one person. Rows are never deleted; status moves through
    ``certificates.services.certificate_set_status`` only, which records each move."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")
        SUPERSEDED = "superseded", _("Superseded")
        # Held back for now (e.g. by an annual review), and reinstated or revoked later.
        SUSPENDED = "suspended", _("Suspended")

    holder = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("holder"), on_delete=models.PROTECT,
                               related_name="certificates")
    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.PROTECT,
                                related_name="certificates")
    issuing_region = models.ForeignKey(Region, verbose_name=_("issuing region"), on_delete=models.PROTECT,
                                       related_name="+")
    # Kept as issued: renaming the bureau later must not change what an old certificate says.
    issuer_name = models.CharField(_("issuer"), max_length=100)
    serial_number = models.CharField(_("serial number"), max_length=32, unique=True)
    verification_code = models.CharField(_("verification code"), max_length=43, unique=True,
                                         default=new_verification_code, editable=False)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("valid until"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ISSUED)
    # A renewal points at the certificate it replaces; ``old.superseded_by`` is the reverse side.
    supersedes = models.OneToOneField("self", verbose_name=_("renews"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="superseded_by")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    # Private: served only by the holder's and the bureau's checked download views (people/files.py).
    pdf = models.FileField(_("PDF"), upload_to=certificate_pdf_name, storage=private_storage, blank=True,
                           max_length=200)
    # The credential's subject: a random identifier with no link to the person's name or ID (see
    # docs/credentials.md). Its bit in the bureau's status lists: list number and a randomly drawn index.
    subject_id = models.UUIDField(_("credential subject"), default=uuid.uuid4, unique=True, editable=False)
    status_list = models.PositiveIntegerField(_("status list"), default=0, editable=False)
    status_index = models.PositiveIntegerField(_("status list index"), null=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            # A suspended certificate is still the holder's current one: it is reinstated, not issued again.
            models.UniqueConstraint(fields=["holder", "program"], condition=Q(status__in=["issued", "suspended"]),
                                    name="one_current_certificate_per_holder_and_program"),
            models.CheckConstraint(condition=Q(expires_on__gt=models.F("issued_on")),
                                   name="certificate_expires_after_issue"),
            models.UniqueConstraint(fields=["status_list", "status_index"], name="one_certificate_per_status_bit"),
        ]
        indexes = [models.Index(fields=["status", "expires_on"])]

    def __str__(self):
        return f"{self.program} · {self.holder} · {self.serial_number}"

    @property
    def hands_out_credential(self) -> bool:
        """A revoked or replaced certificate is not handed out freshly signed: a new signature would dress it up as
        good. (A suspended one is: its credential carries the suspension bit.)"""
        return self.status not in (self.Status.REVOKED, self.Status.SUPERSEDED)

    def verification_path(self) -> str:
        return reverse("certificates:verify", args=[self.verification_code])

    def verification_url(self) -> str:
        """The public check of this certificate (the QR code's target), absolute."""
        return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + self.verification_path()

    def public_status(self, today=None) -> str:
        """What a verifier is told: valid, expired, revoked, suspended or superseded (``certificates.validity``)."""
        from .validity import public_status

        return public_status(self, today)


class CertificateStatusChange(models.Model):
    """One move of a certificate's status (the first row records the issue itself): who, when, why."""

    certificate = models.ForeignKey(Certificate, verbose_name=_("certificate"), on_delete=models.PROTECT,
                                    related_name="status_changes")
    old_status = models.CharField(_("from"), max_length=16, choices=Certificate.Status.choices, blank=True)
    new_status = models.CharField(_("to"), max_length=16, choices=Certificate.Status.choices)
    changed_at = models.DateTimeField(_("when"), default=timezone.now)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("certificate status change")
        verbose_name_plural = _("certificate status changes")
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.certificate_id}: {self.old_status or '-'} → {self.new_status}"


class SerialCounter(models.Model):
    """The last serial number used by an issuing region in a year. Locked (select_for_update) by the issuing
    transaction, so numbers are consecutive: a rolled-back issue rolls its number back too."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="one_serial_counter_per_region_year")]

    def __str__(self):
        return f"{self.region.code}-{self.year}: {self.last_number}"


class ExpiryReminder(models.Model):
    """A reminder sent to a holder N days before expiry. The constraint makes each reminder go out once."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="reminders")
    days_before = models.PositiveSmallIntegerField(_("days before expiry"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("expiry reminder")
        verbose_name_plural = _("expiry reminders")
        constraints = [models.UniqueConstraint(fields=["certificate", "days_before"], name="one_reminder_per_step")]

    def __str__(self):
        return f"{self.certificate_id}: {self.days_before}"


class VerificationCheck(models.Model):
    """Every public check of a certificate, found or not (page, JSON, phone-in lookup, credential status)."""

    class Channel(models.TextChoices):
        PAGE = "page", _("Verification page")
        JSON = "json", _("JSON")
        LOOKUP = "lookup", _("Lookup by serial number")
        CREDENTIAL = "credential", _("Credential status")

    certificate = models.ForeignKey(Certificate, verbose_name=_("certificate"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="checks")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    query = models.CharField(_("what was asked"), max_length=100)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("verification check")
        verbose_name_plural = _("verification checks")
        ordering = ["-checked_at"]

    def __str__(self):
        return f"{self.channel} {self.query}"


class BulkIssue(models.Model):
    """A bureau's request to certify a group: a committee's current members or a rotation session's attendees
    (exactly one of the two). The worker issues and renders, reporting progress, then zips (``BulkIssueZip``)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+")
    committee = models.ForeignKey("people.Committee", verbose_name=_("committee"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey("courses.RotationSession", verbose_name=_("rotation session"), null=True,
                                blank=True, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("people"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    issued_count = models.PositiveIntegerField(_("newly issued"), default=0)
    skipped = models.JSONField(_("not issued"), default=list, blank=True)
    certificates = models.ManyToManyField(Certificate, verbose_name=_("certificates"), blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk issue")
        verbose_name_plural = _("bulk issues")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(
            condition=Q(committee__isnull=False, session__isnull=True) | Q(committee__isnull=True,
                                                                          session__isnull=False),
            name="bulk_issue_has_one_source")]

    def __str__(self):
        return f"{self.program} · {self.source}"

    @property
    def source(self):
        """The committee or the rotation session whose people are certified."""
        return self.committee or self.session

    @property
    def percent(self) -> int:
        return round(100 * self.processed / self.total) if self.total else (100 if self.status == "done" else 0)


class BulkIssueStatusChange(StatusChangeBase):
    """One move of a bulk issue's status: who, when, why."""

    bulk_issue = models.ForeignKey(BulkIssue, verbose_name=_("bulk issue"), on_delete=models.PROTECT,
                                   related_name="status_changes")

    class Meta(StatusChangeBase.Meta):
        verbose_name = _("bulk issue status change")
        verbose_name_plural = _("bulk issue status changes")


def bulk_zip_name(instance, filename: str) -> str:
    return private_name("bulk-zips", ".zip")


class BulkIssueZip(models.Model):
    """The ZIP of a finished bulk issue's certificate PDFs, made by the worker on the PDF queue with its progress
    counted here. One per bulk issue (asking twice starts one job); the file is private (``people.files``)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    bulk_issue = models.OneToOneField(BulkIssue, verbose_name=_("bulk issue"), on_delete=models.PROTECT,
                                      related_name="zip")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("certificates"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    file = models.FileField(_("file"), upload_to=bulk_zip_name, storage=private_storage, blank=True, max_length=200)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk issue ZIP")
        verbose_name_plural = _("bulk issue ZIPs")

    def __str__(self):
        return f"{self.bulk_issue} · ZIP"

    @property
    def percent(self) -> int:
        return round(100 * self.processed / self.total) if self.total else (100 if self.status == "done" else 0)

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class BulkIssueZipStatusChange(StatusChangeBase):
    """One move of a bulk issue ZIP's status: who asked, when it ran, why it failed."""

    bulk_zip = models.ForeignKey(BulkIssueZip, verbose_name=_("bulk issue ZIP"), on_delete=models.PROTECT,
                                 related_name="status_changes")

    class Meta(StatusChangeBase.Meta):
        verbose_name = _("bulk issue ZIP status change")
        verbose_name_plural = _("bulk issue ZIP status changes")


class SigningKey(models.Model):
    """One of the bureau's key pairs for signing credentials: Ed25519 (Data Integrity proofs, EdDSA JWTs) or RSA
    (RS256 JWTs). Generated on first use and kept in the database, never in the repository. One key per
    algorithm is current; retired keys stay published so credentials they signed still verify."""

    class Algorithm(models.TextChoices):
        ED25519 = "EdDSA", "Ed25519"
        RSA = "RS256", "RSA 2048"

    kid = models.CharField(max_length=40, unique=True)
    algorithm = models.CharField(max_length=8, choices=Algorithm.choices, default=Algorithm.ED25519)
    private_key_pem = models.TextField(editable=False)
    public_jwk = models.JSONField(editable=False)
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["algorithm"], condition=Q(is_current=True),
                                               name="one_current_signing_key_per_algorithm")]

    def __str__(self):
        return self.kid


@register_setting(icon="doc-full")
class CertificateSettings(BaseSiteSetting):
    """What the printed certificate carries besides the bureau's name (people's ``BureauSettings``)."""

    # The seal's own file in private storage, not a shared library image: anyone with image rights (lecturers)
    # could overwrite a library image. Only those who may change these settings (the bureau's administrators)
    # replace it, and Wagtail records each change in the log.
    seal = models.ImageField(_("seal image"), upload_to=seal_name, storage=private_storage, blank=True,
                             max_length=200,
                             help_text=_("A PNG of the bureau's seal with a transparent background."))
    signatory_name = models.CharField(_("signatory"), max_length=50, blank=True)
    signatory_title = models.CharField(_("signatory's title"), max_length=50, blank=True, default="局长")
    footer_note = models.CharField(
        _("footer note"), max_length=200, blank=True,
        default="本证书可扫描二维码或登录平台核验真伪。",
        help_text=_("A line printed under the certificate, e.g. how to check it."))

    panels = [FieldPanel("seal", widget=forms.FileInput), FieldPanel("signatory_name"), FieldPanel("signatory_title"),
              FieldPanel("footer_note")]

    class Meta:
        verbose_name = _("certificate settings")
