"""Menu-style rotation training, the whole loop: orders and votes (点单), the lecturer pool and dispatch (派单),
ratings after a session (评单). Sessions and attendance themselves are ``courses`` records.

Written only by ``rotation.services``."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from courses.models import CourseModulePage, RotationSession
from people.models import Committee, Region
from people.status import StatusChangeBase, StatusHistoryMixin


@register_setting(icon="date")
class RotationSettings(BaseSiteSetting):
    """The bureau's rules for ordering and dispatching. Never hard-coded: bureaus differ."""

    committee_heads_may_order = models.BooleanField(
        _("committee heads may order"), default=False,
        help_text=_("Besides township justice offices, chairs and vice-chairs of committees may order modules."))
    travel_gap_days = models.PositiveSmallIntegerField(
        _("travel gap (days)"), default=1,
        help_text=_("A lecturer is not proposed when they already teach a session within this many days."))
    rating_days = models.PositiveSmallIntegerField(
        _("days to rate a session"), default=7,
        help_text=_("Attendees may give or change their rating this many days after the session ends."))

    panels = [FieldPanel("committee_heads_may_order"), FieldPanel("travel_gap_days"), FieldPanel("rating_days")]

    class Meta:
        verbose_name = _("rotation training settings")


# --- Ordering (点单)

class TrainingOrder(StatusHistoryMixin, models.Model):
    """A township's order from the menu: which modules, for how many people, when. Status moves only through
    ``rotation.services.order_set_status`` (``people.status``), which records who, when and why as
    ``TrainingOrderStatusChange`` rows."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        SCHEDULED = "scheduled", _("Scheduled")
        DECLINED = "declined", _("Declined")

    township = models.ForeignKey(Region, verbose_name=_("township"), on_delete=models.PROTECT,
                                 related_name="training_orders")
    committee = models.ForeignKey(Committee, verbose_name=_("committee"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="training_orders",
                                  help_text=_("Set when a committee head ordered for their committee."))
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("ordered by"), on_delete=models.PROTECT,
                                   related_name="training_orders")
    modules = models.ManyToManyField(CourseModulePage, verbose_name=_("modules"), related_name="training_orders")
    headcount = models.PositiveIntegerField(_("number of people"))
    preferred_from = models.DateField(_("preferred from"))
    preferred_to = models.DateField(_("preferred until"))
    note = models.TextField(_("note"), blank=True, max_length=1000)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True)
    session = models.ForeignKey(RotationSession, verbose_name=_("session"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="orders")
    created_at = models.DateTimeField(_("ordered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("training order")
        verbose_name_plural = _("training orders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(headcount__gt=0), name="order_headcount_positive"),
            models.CheckConstraint(condition=Q(preferred_to__gte=models.F("preferred_from")),
                                   name="order_preferred_dates_in_order"),
            models.CheckConstraint(condition=~Q(status="declined") | ~Q(decline_reason=""),
                                   name="order_declined_with_reason"),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.township} · {self.created_at:%Y-%m-%d}"


class TrainingOrderStatusChange(StatusChangeBase):
    """One move of a training order's status: who, when, why."""

    order = models.ForeignKey(TrainingOrder, verbose_name=_("training order"), on_delete=models.PROTECT,
                              related_name="status_changes")

    class Meta(StatusChangeBase.Meta):
        verbose_name = _("training order status change")
        verbose_name_plural = _("training order status changes")


class ModuleVote(models.Model):
    """A mediator's "I want this module in my township" (我想学): demand the order queue shows."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="module_votes")
    module = models.ForeignKey(CourseModulePage, verbose_name=_("module"), on_delete=models.CASCADE,
                               related_name="votes")
    township = models.ForeignKey(Region, verbose_name=_("township"), on_delete=models.CASCADE,
                                 related_name="module_votes")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("module wish")
        verbose_name_plural = _("module wishes")
        constraints = [models.UniqueConstraint(fields=["person", "module", "township"], name="one_vote_per_module")]

    def __str__(self):
        return f"{self.person} · {self.module}"


# --- The lecturer pool and dispatch (派单)

class LecturerProfile(models.Model):
    """A lecturer's entry in the bureau's pool; the lecturer keeps it up to date."""

    class Background(models.TextChoices):
        LAWYER = "lawyer", _("Lawyer")
        LEGAL_WORKER = "legal_worker", _("Grassroots legal service worker")
        RETIRED_JUDGE = "retired_judge", _("Retired judge")
        PROSECUTOR = "prosecutor", _("Retired prosecutor")
        JUSTICE_OFFICER = "justice_officer", _("Justice office staff")
        MEDIATOR = "mediator", _("Senior mediator")
        SCHOLAR = "scholar", _("Teacher or scholar")
        OTHER = "other", _("Other")

    lecturer = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("lecturer"), on_delete=models.CASCADE,
                                    related_name="lecturer_profile")
    background = models.CharField(_("background"), max_length=20, choices=Background.choices)
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    bio = models.TextField(_("about"), blank=True, max_length=1000)
    modules = models.ManyToManyField(CourseModulePage, verbose_name=_("modules they teach"), blank=True,
                                     related_name="pool_lecturers")
    townships = models.ManyToManyField(Region, verbose_name=_("townships covered"), blank=True,
                                       related_name="pool_lecturers")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("lecturer profile")
        verbose_name_plural = _("lecturer profiles")

    def __str__(self):
        return str(self.lecturer)


class LecturerUnavailability(models.Model):
    lecturer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("lecturer"), on_delete=models.CASCADE,
                                 related_name="unavailable_days")
    day = models.DateField(_("day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("unavailable day")
        verbose_name_plural = _("unavailable days")
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["lecturer", "day"], name="one_unavailability_per_day")]

    def __str__(self):
        return f"{self.lecturer} · {self.day}"


class Dispatch(models.Model):
    """A lecturer sent to teach a session. The lecturer confirms or declines; a declined dispatch frees the day.

    No double-booking is a database rule: one live dispatch per lecturer per day (``day`` is the session's local
    date), so two bureau staff scheduling the same lecturer at once cannot both succeed."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for the lecturer")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined by the lecturer")

    session = models.ForeignKey(RotationSession, verbose_name=_("session"), on_delete=models.CASCADE,
                                related_name="dispatches")
    lecturer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("lecturer"), on_delete=models.PROTECT,
                                 related_name="dispatches")
    day = models.DateField(_("day"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True)
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("dispatched by"),
                                      on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("dispatched at"), auto_now_add=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    attendance_confirmed_at = models.DateTimeField(_("attendance confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        ordering = ["day", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["lecturer", "day"], condition=~Q(status="declined"),
                                    name="lecturer_one_session_a_day"),
            models.UniqueConstraint(fields=["session"], condition=~Q(status="declined"),
                                    name="one_live_dispatch_per_session"),
        ]

    def __str__(self):
        return f"{self.lecturer} → {self.session}"


# --- Rating (评单)

class SessionRating(models.Model):
    """An attendee's rating of a session: one per person, changeable for a few days (``RotationSettings``).
    Lecturers see ratings without names; the bureau sees who said what."""

    session = models.ForeignKey(RotationSession, verbose_name=_("session"), on_delete=models.CASCADE,
                                related_name="ratings")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="session_ratings")
    lecturer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("lecturer"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="ratings_received")
    overall = models.PositiveSmallIntegerField(_("overall"))
    lecturer_score = models.PositiveSmallIntegerField(_("the lecturer"))
    comment = models.TextField(_("comments"), blank=True, max_length=1000)
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("session rating")
        verbose_name_plural = _("session ratings")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="one_rating_per_attendee"),
            models.CheckConstraint(condition=Q(overall__gte=1, overall__lte=5), name="rating_overall_1_to_5"),
            models.CheckConstraint(condition=Q(lecturer_score__gte=1, lecturer_score__lte=5),
                                   name="rating_lecturer_1_to_5"),
        ]

    def __str__(self):
        return f"{self.person} · {self.session}"


class ModuleRating(models.Model):
    rating = models.ForeignKey(SessionRating, verbose_name=_("rating"), on_delete=models.CASCADE,
                               related_name="modules")
    module = models.ForeignKey(CourseModulePage, verbose_name=_("module"), on_delete=models.CASCADE,
                               related_name="session_ratings")
    score = models.PositiveSmallIntegerField(_("score"))

    class Meta:
        verbose_name = _("module rating")
        verbose_name_plural = _("module ratings")
        constraints = [
            models.UniqueConstraint(fields=["rating", "module"], name="one_score_per_module"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="module_score_1_to_5"),
        ]

    def __str__(self):
        return f"{self.rating} · {self.module}"
