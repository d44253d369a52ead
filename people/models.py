"""People and organisations: users, the region tree, mediation committees and their members."""

import re

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.search import index

from .spreadsheets import refuse_formula
from .status import StatusChangeBase, StatusHistoryMixin


class Region(MP_Node):
    """An administrative area. The tree runs county/banner → township/sumu/street → village/gacha/community;
    a city or province can sit above. Subtree queries use the materialised path (``path__startswith``)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County / banner / district")
        TOWNSHIP = "township", _("Township / sumu / street")
        VILLAGE = "village", _("Village / gacha / community")

    name = models.CharField(_("name"), validators=[refuse_formula], max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    code = models.CharField(
        _("division code"), max_length=12, unique=True,
        help_text=_("Statistical division code, e.g. 150621 for Dalad Banner."),
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)

    node_order_by = ["code"]

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    @classmethod
    def path_prefixes(cls, path: str, *, include_self: bool = True) -> list[str]:
        """The paths of the regions above the one at ``path``, top first (and its own, unless told not to):
        what "this region and everything above it" is in the materialised path."""
        end = len(path) + 1 if include_self else len(path)
        return [path[:stop] for stop in range(cls.steplen, end, cls.steplen)]

    def __str__(self):
        return self.name


class DisputeCategory(models.Model):
    """One line of the statistics list bureaus report on (婚姻家庭, 邻里…). Data, editable by a bureau."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("dispute category")
        verbose_name_plural = _("dispute categories")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class Grade(models.Model):
    """A mediator grade set by the mediators' association (四级 … 一级, or 特级 … 三级). Configurable."""

    name = models.CharField(_("name"), max_length=30, unique=True)
    rank = models.PositiveSmallIntegerField(
        _("rank"), unique=True, help_text=_("1 is the highest grade; larger numbers are lower grades.")
    )

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grades")
        ordering = ["rank"]

    def __str__(self):
        return self.name


# A mainland mobile number, as stored (and as a roster import accepts it).
PHONE_PATTERN = r"^1[3-9][0-9]{9}$"


class User(AbstractUser):
    """Everyone who logs in: mediators, informants, lecturers, bureau staff and administrators.

    A Chinese name is one field (姓名). Staff roles are Django groups (see ``people.roles``); learner roles come
    from active committee memberships. National ID numbers are never stored: only a salted hash (to match a
    person on re-import) and a masked form for display."""

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        UNSPECIFIED = "unspecified", _("Not stated")

    first_name = None
    last_name = None
    name = models.CharField(_("name"), validators=[refuse_formula], max_length=50)
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices, default=Gender.UNSPECIFIED)
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True)
    national_id_hash = models.CharField(max_length=64, blank=True, editable=False)
    national_id_masked = models.CharField(_("national ID (masked)"), max_length=18, blank=True, editable=False)
    jurisdiction = models.ForeignKey(
        Region, verbose_name=_("jurisdiction"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="staff", help_text=_("Bureau staff see and act only inside this region and below it."),
    )

    objects = UserManager()

    REQUIRED_FIELDS = ["email", "name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["national_id_hash"], condition=~Q(national_id_hash=""), name="unique_national_id_hash"
            ),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=PHONE_PATTERN), name="user_phone_is_mainland_mobile"
            ),
        ]
        # Sign-in finds the account by mobile number (people.auth) on every login.
        indexes = [models.Index(fields=["phone"], name="people_user_phone")]

    def __str__(self):
        return self.name or self.username

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name

    @property
    def masked_phone(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]}" if self.phone else ""


class Committee(index.Indexed, models.Model):
    """A people's mediation committee (调委会) in a region."""

    class Kind(models.TextChoices):
        VILLAGE = "village", _("Village (gacha)")
        COMMUNITY = "community", _("Community")
        TOWNSHIP = "township", _("Township / sumu / street")
        INDUSTRY = "industry", _("Industry / professional")
        STATIONED = "stationed", _("Stationed mediation room")

    class Specialty(models.TextChoices):
        LABOR = "labor", _("Labor")
        MEDICAL = "medical", _("Medical")
        TRAFFIC = "traffic", _("Road traffic")
        PROPERTY = "property", _("Property management")
        ENTERPRISE = "enterprise", _("Enterprise")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), validators=[refuse_formula], max_length=100)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="committees")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    specialty = models.CharField(
        _("specialty"), max_length=16, choices=Specialty.choices, blank=True,
        help_text=_("Only for industry / professional committees."),
    )
    established_on = models.DateField(_("established on"), null=True, blank=True)

    # Admin searches (list, chooser) stay inside the searcher's jurisdiction: people.permissions filters
    # committees by their region, which the search backend must know as a filter field.
    search_fields = [index.SearchField("name"), index.AutocompleteField("name"), index.FilterField("region")]

    class Meta:
        verbose_name = _("mediation committee")
        verbose_name_plural = _("mediation committees")
        ordering = ["region__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="unique_committee_name_in_region"),
            models.CheckConstraint(
                condition=(Q(kind="industry") & ~Q(specialty="")) | (~Q(kind="industry") & Q(specialty="")),
                name="committee_specialty_only_for_industry",
            ),
        ]

    def __str__(self):
        return self.name


class MembershipQuerySet(models.QuerySet):
    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(left_on__isnull=True) | Q(left_on__gt=on), joined_on__lte=on)


class Membership(models.Model):
    """One stint of a person on a committee. Leaving sets ``left_on``; rows are never deleted, so history stays."""

    class Role(models.TextChoices):
        MEDIATOR = "mediator", _("Mediator")
        INFORMANT = "informant", _("Informant")

    class Employment(models.TextChoices):
        FULL_TIME = "full_time", _("Full-time")
        PART_TIME = "part_time", _("Part-time")

    class Position(models.TextChoices):
        CHAIR = "chair", _("Chair")
        VICE_CHAIR = "vice_chair", _("Vice-chair")
        MEMBER = "member", _("Committee member")
        HIRED = "hired", _("Hired mediator")
        NONE = "", _("None")

    person = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.PROTECT, related_name="memberships")
    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    employment = models.CharField(
        _("employment"), max_length=16, choices=Employment.choices, default=Employment.PART_TIME
    )
    position = models.CharField(_("position"), max_length=16, choices=Position.choices, blank=True, default="")
    grade = models.ForeignKey(Grade, verbose_name=_("grade"), null=True, blank=True, on_delete=models.PROTECT)
    specialties = models.ManyToManyField(DisputeCategory, verbose_name=_("specialties"), blank=True)
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("committee membership")
        verbose_name_plural = _("committee memberships")
        ordering = ["committee", "person__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "committee"], condition=Q(left_on__isnull=True),
                name="one_open_membership_per_committee",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_left_after_joined",
            ),
        ]
        indexes = [models.Index(fields=["committee", "left_on"]), models.Index(fields=["person", "left_on"])]

    def __str__(self):
        return f"{self.person} · {self.committee} · {self.get_role_display()}"

    @property
    def is_active(self) -> bool:
        today = timezone.localdate()
        return self.joined_on <= today and (self.left_on is None or self.left_on > today)



PHONE_AT_LINE_END = re.compile(r"^(?P<office>.*?)\s*(?P<phone>[0-9][0-9-]{5,18}[0-9])$")


def justice_office_line(line: str) -> tuple[str, str]:
    """"树林召镇司法所 0477-5123456" → ("树林召镇司法所", "0477-5123456"); a line without a number at its end is
    all office."""
    match = PHONE_AT_LINE_END.match(line.strip())
    return (match["office"], match["phone"]) if match else (line.strip(), "")


def validate_justice_office_phones(value: str) -> None:
    wrong = [line.strip() for line in value.splitlines() if line.strip() and not justice_office_line(line)[1]]
    if wrong:
        raise ValidationError(_("Each line needs the office and its phone number of digits, e.g. “树林召镇司法所 "
                                "0477-5123456”. Check: %(line)s"), params={"line": wrong[0]})

@register_setting(icon="site")
class BureauSettings(BaseSiteSetting):
    """Who runs this site and the training targets it sets. Targets are per bureau, never hard-coded."""

    bureau_name = models.CharField(_("bureau name"), max_length=100, default="司法局")
    annual_hours_target = models.PositiveSmallIntegerField(
        _("annual training hours target"), default=20,
        help_text=_("Hours each mediator should complete every calendar year."),
    )
    prejob_hours_target = models.PositiveSmallIntegerField(
        _("pre-job training hours"), default=10, help_text=_("Hours a new mediator completes before practising."),
    )

    expiring_within_days = models.PositiveSmallIntegerField(
        _("certificates expiring within (days)"), default=60,
        help_text=_("A valid certificate ending within this many days counts as expiring: in the certificate "
                    "register, on the coverage dashboard and in their labels."),
    )
    activation_code_days = models.PositiveSmallIntegerField(
        _("activation codes valid for (days)"), default=30,
        help_text=_("How long a login slip's code works unless the slip's page says otherwise."),
    )
    justice_office_phones = models.TextField(
        _("township justice offices' phones"), blank=True, validators=[validate_justice_office_phones],
        help_text=_("One office a line, e.g. “树林召镇司法所 0477-5123456”. Shown on the help page and to people "
                    "who forgot their password and cannot reset it by SMS or email."),
    )

    panels = [FieldPanel("bureau_name"), FieldPanel("annual_hours_target"), FieldPanel("prejob_hours_target"),
              FieldPanel("expiring_within_days"), FieldPanel("activation_code_days"),
              FieldPanel("justice_office_phones")]

    @property
    def justice_offices(self) -> list[tuple[str, str]]:
        """(office, phone) for each line of ``justice_office_phones``."""
        return [justice_office_line(line) for line in self.justice_office_phones.splitlines() if line.strip()]

    class Meta:
        verbose_name = _("bureau settings")


class Notice(models.Model):
    """An on-site notice to one person ("your certificate is ready", "your essay was graded").
    Sent with ``people.services.notices.notice_send``, which can also email it."""

    person = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="notices")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["person", "read_at"])]

    def __str__(self):
        return self.title


class RosterImport(StatusHistoryMixin, models.Model):
    """One upload of a committee-and-member roster (CSV or XLSX) by bureau staff, and what became of it.

    The raw file is not kept (it may hold national ID numbers): the record keeps its name, size and SHA-256,
    and the validated rows with national IDs already reduced to a salted hash and a masked form. Status moves
    only through ``people.services.roster_import.roster_import_set_status`` (``people.status``), which records
    who, when and why as ``RosterImportStatusChange`` rows."""

    class Status(models.TextChoices):
        REFUSED = "refused", _("Refused: the file has errors")
        VALIDATED = "validated", _("Checked: waiting for confirmation")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed: nothing was imported")

    uploaded_by = models.ForeignKey(
        User, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="roster_imports")
    region = models.ForeignKey(
        Region, verbose_name=_("jurisdiction"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="roster_imports",
        help_text=_("The uploader's jurisdiction at upload time; empty for an administrator (everywhere)."),
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveIntegerField(_("file size"), default=0)
    file_sha256 = models.CharField(max_length=64)
    full_list = models.BooleanField(
        _("full list"), default=False,
        help_text=_("The file lists every current member of the committees it names; others are marked as left."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    rows = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    preview = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    failure = models.TextField(_("failure"), blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.file_name

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.REFUSED, self.Status.DONE, self.Status.FAILED)


class RosterImportStatusChange(StatusChangeBase):
    """One move of a roster import's status: who, when, why."""

    roster_import = models.ForeignKey(RosterImport, verbose_name=_("roster import"), on_delete=models.PROTECT,
                                      related_name="status_changes")

    class Meta(StatusChangeBase.Meta):
        verbose_name = _("roster import status change")
        verbose_name_plural = _("roster import status changes")


class OutboxJob(models.Model):
    """A background job that could not be handed to the broker (Redis down): kept here until the sweep
    (``people.tasks.outbox_flush``, every minute, or ``manage.py outbox_flush``) sends it. Tasks are idempotent,
    so a job sent twice (the sweep racing a recovering broker) does no harm."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("queued job")
        verbose_name_plural = _("queued jobs")
        ordering = ["pk"]
        indexes = [models.Index(fields=["sent_at", "id"], name="people_outbox_pending")]

    def __str__(self):
        return self.task


class AccessCode(models.Model):
    """A one-time code that lets a person set their own password: an activation code printed on a login slip
    (or sent by SMS) before the first sign-in, or a password-reset code sent by SMS.

    Only a keyed hash of the code is stored (``people.access_codes.access_code_digest``). A code works once, until it
    expires, and only while it is the person's newest code of its purpose: issuing a new one voids the old. Reset
    codes are short (six digits), so they are bound to the person and void themselves after a few wrong tries."""

    class Purpose(models.TextChoices):
        ACTIVATION = "activation", _("Activation")
        RESET = "reset", _("Password reset")

    person = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="access_codes")
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        User, verbose_name=_("issued by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    failed_tries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("access code")
        verbose_name_plural = _("access codes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Activation codes are found by their hash alone; reset codes (six digits) by their person.
            models.UniqueConstraint(fields=["code_hash"], condition=Q(purpose="activation"),
                                    name="unique_activation_code_hash"),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")),
                                   name="access_code_expires_after_created"),
        ]
        indexes = [models.Index(fields=["person", "purpose", "used_at", "voided_at"])]

    def __str__(self):
        return f"{self.person} · {self.get_purpose_display()}"

    def usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and self.voided_at is None and self.expires_at > now


class IdempotencyKey(models.Model):
    """A write a client made with a key of its own choosing (a phone queueing work while offline), and what it
    answered. Sending the same key again returns this answer instead of doing the work twice: the unique
    constraint makes "exactly once" hold even when two copies of a request race. Written only by
    ``people.services.idempotency.idempotency_key_apply``."""

    person = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="idempotency_keys")
    key = models.CharField(_("key"), max_length=64)
    action = models.CharField(_("action"), max_length=40)
    result = models.JSONField(_("result"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        # Per person: one learner's key can never replay (or reveal) another's answer.
        constraints = [models.UniqueConstraint(fields=["person", "key"], name="one_answer_per_idempotency_key")]

    def __str__(self):
        return f"{self.person} · {self.action} · {self.key}"


class SignInSession(AbstractBaseSession):
    """Django's database session, with the signed-in person's id in a column of its own: every request reads its
    session and its user in one statement (``people.sessions``), and a person's sessions can be found. The id is
    the one the session's data holds (``django.contrib.auth.SESSION_KEY``), written with it on every save."""

    user = models.ForeignKey(User, verbose_name=_("user"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")

    class Meta(AbstractBaseSession.Meta):
        db_table = "people_session"
        verbose_name = _("sign-in session")
        verbose_name_plural = _("sign-in sessions")

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore
