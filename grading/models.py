"""Grades (等级评定): case figures from the bureau's case system, grade rules per bureau, grading rounds with their
公示 (publication) and 备案 (filing), the grade history of every person, and the ZIPs of training archives."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from people.files import private_name, private_storage
from people.models import Committee, Grade, Membership, Region
from people.status import StatusChangeBase


class CaseFigures(models.Model):
    """How many disputes a person mediated in a year and how many ended in agreement, as the bureau's mediation
    case system reports them (import or API). One row per person and year; a new report replaces the figures."""

    class Source(models.TextChoices):
        IMPORT = "import", _("File import")
        API = "api", _("Case system (API)")
        MANUAL = "manual", _("Entered by staff")

    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="case_figures")
    year = models.PositiveSmallIntegerField(_("year"))
    cases_mediated = models.PositiveIntegerField(_("cases mediated"))
    cases_successful = models.PositiveIntegerField(_("cases settled"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("case figures")
        verbose_name_plural = _("case figures")
        ordering = ["person", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="one_case_figures_per_person_year"),
            models.CheckConstraint(condition=Q(cases_successful__lte=models.F("cases_mediated")),
                                   name="case_figures_settled_within_mediated"),
            models.CheckConstraint(condition=Q(year__gte=1990, year__lte=2200), name="case_figures_plausible_year"),
        ]

    def __str__(self):
        return f"{self.person} · {self.year}"


class GradeRule(models.Model):
    """What a bureau requires for one grade, and which level of staff rates it (county for 3–4, city for 1–2 in
    Xianning; configurable). The rule of the nearest region above a person's committee applies."""

    region = models.ForeignKey(Region, verbose_name=_("bureau region"), on_delete=models.PROTECT,
                               related_name="grade_rules")
    grade = models.ForeignKey(Grade, verbose_name=_("grade"), on_delete=models.PROTECT, related_name="rules")
    rated_by = models.CharField(
        _("rated by staff of"), max_length=16, default=Region.Level.COUNTY,
        choices=[(Region.Level.PROVINCE, Region.Level.PROVINCE.label), (Region.Level.CITY, Region.Level.CITY.label),
                 (Region.Level.COUNTY, Region.Level.COUNTY.label)],
        help_text=_("Staff whose jurisdiction is at this level (or above it) approve or reject this grade."))
    min_years_of_service = models.PositiveSmallIntegerField(_("minimum years of service"), default=2)
    period_years = models.PositiveSmallIntegerField(
        _("period (years)"), default=2,
        help_text=_("Cases and training hours are counted over this many calendar years, the round's year the last."))
    min_cases = models.PositiveIntegerField(_("minimum cases mediated in the period"), default=50)
    min_success_percent = models.PositiveSmallIntegerField(_("minimum success rate (%)"), default=85)
    min_training_hours = models.DecimalField(_("minimum training hours in the period"), max_digits=6,
                                             decimal_places=1, default=40)
    requires_review_passed = models.BooleanField(
        _("last annual review passed"), default=True,
        help_text=_("The person's latest annual review of the work card must have passed."))
    years_in_grade_below = models.PositiveSmallIntegerField(
        _("years holding the grade below"), default=2,
        help_text=_("For the lowest grade: years of service instead (no grade below it)."))

    class Meta:
        verbose_name = _("grade rule")
        verbose_name_plural = _("grade rules")
        ordering = ["region__path", "-grade__rank"]
        constraints = [
            models.UniqueConstraint(fields=["region", "grade"], name="one_grade_rule_per_region_and_grade"),
            models.CheckConstraint(condition=Q(min_success_percent__lte=100), name="grade_rule_percent_at_most_100"),
            models.CheckConstraint(condition=Q(period_years__gte=1), name="grade_rule_period_at_least_a_year"),
        ]

    def __str__(self):
        return f"{self.region} · {self.grade}"


def _public_code() -> str:
    return secrets.token_urlsafe(12)


class GradingRound(models.Model):
    """One round of 等级评定 in a bureau's region. Status moves only through ``people.status.status_change`` with
    ``grading.services.ROUND_MACHINE`` (forward only, or withdrawn before it is applied), which records each move
    (``GradingRoundStatusChange``)."""

    class Status(models.TextChoices):
        REVIEWING = "reviewing", _("Under review")
        PUBLISHED = "published", _("Published (公示)")
        FILED = "filed", _("Filed (备案)")
        APPLIED = "applied", _("Applied to memberships")
        # Taken back before its grades were applied (a mistake found, a rule changed): off the public page.
        WITHDRAWN = "withdrawn", _("Withdrawn")

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT,
                               related_name="grading_rounds")
    title = models.CharField(_("title"), max_length=150)
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REVIEWING)
    # The public list's address: random, so nobody finds a round by counting.
    public_code = models.CharField(max_length=24, unique=True, default=_public_code, editable=False)
    publicity_starts_on = models.DateField(_("publication starts"), null=True, blank=True)
    publicity_ends_on = models.DateField(_("publication ends"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)

    class Meta:
        verbose_name = _("grading round")
        verbose_name_plural = _("grading rounds")
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(
            condition=Q(publicity_starts_on__isnull=True) | Q(publicity_ends_on__gt=models.F("publicity_starts_on")),
            name="grading_round_publicity_ends_after_start")]

    def __str__(self):
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("grading:round", args=[self.pk])

    def public_url(self) -> str:
        return reverse("grading:public_round", args=[self.public_code])


class GradingRoundStatusChange(StatusChangeBase):
    """One move of a round's status: who, when, why (written by ``people.status.status_change``)."""

    round = models.ForeignKey(GradingRound, verbose_name=_("grading round"), on_delete=models.CASCADE,
                              related_name="status_changes")

    class Meta(StatusChangeBase.Meta):
        verbose_name = _("grading round status change")
        verbose_name_plural = _("grading round status changes")

    def get_new_status_display(self) -> str:
        return str(GradingRound.Status(self.new_status).label)


class GradingCandidate(models.Model):
    """A person the round found eligible for a grade, with the evidence as it stood then, and the decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    round = models.ForeignKey(GradingRound, verbose_name=_("grading round"), on_delete=models.CASCADE,
                              related_name="candidates")
    membership = models.ForeignKey(Membership, verbose_name=_("committee membership"), on_delete=models.PROTECT,
                                   related_name="+")
    grade = models.ForeignKey(Grade, verbose_name=_("proposed grade"), on_delete=models.PROTECT, related_name="+")
    current_grade = models.ForeignKey(Grade, verbose_name=_("current grade"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    rated_by = models.CharField(_("rated by staff of"), max_length=16, choices=Region.Level.choices)
    evidence = models.JSONField(_("evidence"), default=dict)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, default=Decision.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("grading candidate")
        verbose_name_plural = _("grading candidates")
        ordering = ["grade__rank", "membership__committee__region__path", "membership__person__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "membership"], name="one_candidacy_per_round_and_membership"),
            # A decision always says who took it and, for a rejection, why.
            models.CheckConstraint(
                condition=Q(decision="pending", decided_by__isnull=True)
                | (~Q(decision="pending") & Q(decided_by__isnull=False, decided_at__isnull=False)),
                name="grading_decision_has_decider"),
            models.CheckConstraint(condition=~Q(decision="rejected") | ~Q(reason=""),
                                   name="grading_rejection_has_reason"),
        ]

    def __str__(self):
        return f"{self.membership.person} → {self.grade}"


class GradeAward(models.Model):
    """One change of a membership's grade (the grade history): from what, to what, when, by whom and why.
    Written only by ``grading.services.membership_grade_apply``."""

    membership = models.ForeignKey(Membership, verbose_name=_("committee membership"), on_delete=models.PROTECT,
                                   related_name="grade_awards")
    old_grade = models.ForeignKey(Grade, verbose_name=_("from"), null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    new_grade = models.ForeignKey(Grade, verbose_name=_("to"), null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    awarded_on = models.DateField(_("on"))
    round = models.ForeignKey(GradingRound, verbose_name=_("grading round"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="awards")
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("grade award")
        verbose_name_plural = _("grade awards")
        ordering = ["awarded_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["membership", "round"], condition=Q(round__isnull=False),
                                               name="one_award_per_membership_and_round")]

    def __str__(self):
        return f"{self.membership_id}: {self.old_grade or '-'} → {self.new_grade or '-'}"


def archive_zip_name(instance, filename: str) -> str:
    return private_name("archives", ".zip")


class ArchiveExport(models.Model):
    """A ZIP of the training archives (PDF) of a committee's current members, made by the worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    committee = models.ForeignKey(Committee, verbose_name=_("committee"), on_delete=models.PROTECT,
                                  related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("people"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    file = models.FileField(_("file"), upload_to=archive_zip_name, storage=private_storage, blank=True,
                            max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("archive export")
        verbose_name_plural = _("archive exports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.committee} · {self.created_at:%Y-%m-%d}"

    @property
    def percent(self) -> int:
        return round(100 * self.processed / self.total) if self.total else (100 if self.status == "done" else 0)
