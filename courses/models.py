"""Wagtail pages and records of the training site.

Pages (authored by lecturers, approved by bureau staff): the home page, the training menu (菜单式轮训) with its
course modules, their lessons and simulated mediation scenarios, and the case review library. Records (written only
by ``courses.services``): enrolments, lesson completions, scenario runs, rotation sessions, sign-ups and attendance."""

import random
import secrets

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from people.files import private_storage
from people.models import Committee
from people.roles import StaffRole

from .anonymisation import personal_data_found
from .blocks import MEDIA_BLOCK_TYPES, LegalArticleBlock, LessonBodyBlock, ProcessStepBlock, ScenarioGraphBlock
from .choices import Audience, Outcome, ProcedureStage, WorkingMethod
from .scenario_graph import Graph, choice_quality, graph_from_stream, graph_problems
from .search import HanBigramSearchMixin


class HomePage(Page):
    """The public front page: what the academy is, and the way in for each kind of user."""

    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    body = RichTextField(_("body"), blank=True, features=["bold", "italic", "link", "ol", "ul", "h2", "h3"])

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CourseMenuPage", "courses.CaseReviewLibraryPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")


class ModuleCategory(models.Model):
    """A heading of the menu (基础, 实体法, 技能, 程序与文书, 实践). Data, editable by a bureau."""

    code = models.CharField(_("code"), max_length=4, unique=True, help_text=_("Sorts the menu, e.g. A, B, C."))
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("module category")
        verbose_name_plural = _("module categories")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class FilteredListingMixin:
    """A page listing what is below it through a GET filter form (the menu, the case library). Subclasses name
    the form and the selector; bad filter input simply shows everything."""

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        form = self.filter_form_class()(request.GET or None)
        context.update(form=form, listing=self.listing(request.user, form.cleaned_data if form.is_valid() else {}))
        return context


class CourseMenuPage(FilteredListingMixin, Page):
    """The bureau's training menu (菜单式轮训): the catalog of course modules, searchable and filterable."""

    intro = models.CharField(_("introduction"), max_length=300, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["courses.HomePage"]
    subpage_types = ["courses.CourseModulePage"]
    max_count = 1

    class Meta:
        verbose_name = _("training menu")

    def filter_form_class(self):
        from .forms import CatalogFilterForm

        return CatalogFilterForm

    def listing(self, user, filters):
        from .selectors import catalog

        return catalog(user=user, menu=self, **filters)


class CourseModulePage(HanBigramSearchMixin, Page):
    """One module of the menu, e.g. 人民调解法及配套规定解读 (4 h). Its lessons and scenarios are its children."""

    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    credit_hours = models.DecimalField(_("credit hours"), max_digits=4, decimal_places=1, default=0)
    category = models.ForeignKey(
        ModuleCategory, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="modules",
    )
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices, default=Audience.EVERYONE)
    specialty = models.CharField(
        _("specialty"), max_length=16, choices=Committee.Specialty.choices, blank=True,
        help_text=_("For modules meant for one kind of industry / professional committee."),
    )
    prerequisites = ParentalManyToManyField(
        "self", verbose_name=_("prerequisites"), blank=True, symmetrical=False, related_name="required_by",
    )
    lecturers = ParentalManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("lecturers"), blank=True, related_name="taught_modules",
        limit_choices_to={"groups__name": StaffRole.LECTURER},
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("cover image"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    offline_media_mb = models.PositiveIntegerField(
        _("media downloaded for offline study (MB)"), default=50,
        help_text=_("When a learner downloads this module for offline study, videos and audio are saved only up "
                    "to this many megabytes in all (phones have little space). 0: text, pictures and handouts "
                    "only."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("title_en"),
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("category"), FieldPanel("credit_hours")]),
        FieldRowPanel([FieldPanel("audience"), FieldPanel("specialty")]),
        FieldPanel("prerequisites"),
        FieldPanel("lecturers"),
        FieldPanel("cover_image"),
        FieldPanel("offline_media_mb"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("title_en"),
                                          index.SearchField("han_bigram_text")]
    parent_page_types = ["courses.CourseMenuPage"]
    subpage_types = ["courses.LessonPage", "courses.ScenarioPage"]

    class Meta:
        verbose_name = _("course module")
        verbose_name_plural = _("course modules")

    def get_context(self, request, *args, **kwargs):
        from .selectors import module_overview

        context = super().get_context(request, *args, **kwargs)
        context["overview"] = module_overview(user=request.user, module=self)
        return context


class LessonPage(HanBigramSearchMixin, Page):
    """One lesson of a module; lessons are studied in the module's page order."""

    minutes = models.PositiveSmallIntegerField(_("minutes to study"), default=30)
    # "Done" is earned (courses.services.lesson_complete): a lesson without video or audio completes after the
    # learner had it open this long; a lesson with one completes when most of its first video or audio was played.
    min_read_seconds = models.PositiveIntegerField(
        _("minimum reading time (seconds)"), default=60,
        help_text=_("For lessons without video or audio: how long a learner must have the lesson open before it "
                    "can be marked as studied."))
    body = StreamField(LessonBodyBlock(), verbose_name=_("body"), blank=True)

    content_panels = Page.content_panels + [FieldRowPanel([FieldPanel("minutes"), FieldPanel("min_read_seconds")]),
                                            FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("body"), index.SearchField("han_bigram_text")]
    parent_page_types = ["courses.CourseModulePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def get_context(self, request, *args, **kwargs):
        from wagtail import hooks

        from .selectors import lesson_overview

        context = super().get_context(request, *args, **kwargs)
        context["overview"] = lesson_overview(user=request.user, lesson=self)
        # What higher apps add at the end of the lesson (assessments: its self-check), as HTML.
        context["panels"] = [html for fn in hooks.get_hooks("lesson_page_panels") if (html := fn(request, self))]
        return context

    def media_blocks(self) -> list:
        """The lesson's video and audio blocks, in page order."""
        return [block for block in self.body if block.block_type in MEDIA_BLOCK_TYPES]

    def main_media(self):
        """The video or audio whose playing completes the lesson: the first one (None for a text lesson)."""
        return next(iter(self.media_blocks()), None)

    def private_handouts(self) -> dict:
        """The documents of the lesson's handouts marked "enrolled people only", by document id."""
        return {block.value["document"].pk: block.value["document"] for block in self.body
                if block.block_type == "document" and block.value.get("enrolled_only") and block.value["document"]}


class ScenarioPage(Page):
    """A simulated mediation (模拟调解): a branching graph of steps, choices and endings.

    Only the server reads the graph while a learner plays: a choice's feedback and score reach the browser only
    after it is chosen (see ``courses.views.run_step``)."""

    intro = models.TextField(_("introduction"), help_text=_("The dispute and the learner's role, shown before a run."))
    working_method = models.CharField(_("working method"), max_length=20, choices=WorkingMethod.choices, blank=True)
    graph = StreamField(ScenarioGraphBlock(), verbose_name=_("steps and endings"), blank=True)
    # Training hours (courses.selectors.training_credits_by_person): a finished run earns these once per person in a
    # period, typed by the module's category, on top of the module's own credit hours. 0 (the default) adds nothing,
    # for a scenario the lecturer counts inside the module's hours.
    credit_hours = models.DecimalField(
        _("credit hours"), max_digits=4, decimal_places=1, default=0,
        help_text=_("Training hours a finished run earns in addition to the module's, counted once per person in a "
                    "year however often it is played. 0: none."))

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("working_method"),
                                            FieldPanel("credit_hours"), FieldPanel("graph")]
    parent_page_types = ["courses.CourseModulePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("simulated mediation")
        verbose_name_plural = _("simulated mediations")
        constraints = [models.CheckConstraint(condition=Q(credit_hours__gte=0), name="scenario_hours_not_negative")]

    def parsed_graph(self) -> Graph:
        return graph_from_stream(self.graph)

    def clean(self):
        super().clean()
        problems = graph_problems(self.parsed_graph())
        if problems:
            raise ValidationError(problems)

    def get_context(self, request, *args, **kwargs):
        from .selectors import scenario_runs_for

        context = super().get_context(request, *args, **kwargs)
        context["runs"] = scenario_runs_for(user=request.user, scenario=self)
        return context


class CaseReviewLibraryPage(FilteredListingMixin, Page):
    """The library of case reviews (案例评析), searchable and filterable."""

    intro = models.CharField(_("introduction"), max_length=300, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["courses.HomePage"]
    subpage_types = ["courses.CaseReviewPage"]
    max_count = 1

    class Meta:
        verbose_name = _("case review library")

    def filter_form_class(self):
        from .forms import CaseFilterForm

        return CaseFilterForm

    def listing(self, user, filters):
        from .selectors import case_reviews

        return case_reviews(library=self, **filters)


class CaseReviewForm(WagtailAdminPageForm):
    def clean(self):
        cleaned = super().clean()
        # Drafts may hold work in progress; submitting for review or publishing must not (see CaseReviewPage.clean).
        if not self.is_deferred_validation:
            self.instance._check_anonymity = True
        return cleaned


class CaseReviewPage(HanBigramSearchMixin, Page):
    """A real dispute written up for teaching. Parties are anonymised (张某, A公司): the page cannot be submitted
    or published while its text holds an ID number, a phone number or a party's full name."""

    dispute_category = models.ForeignKey(
        "people.DisputeCategory", verbose_name=_("dispute category"), on_delete=models.PROTECT,
        related_name="case_reviews",
    )
    region = models.ForeignKey(
        "people.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="case_reviews",
    )
    working_method = models.CharField(_("working method"), max_length=20, choices=WorkingMethod.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    facts = RichTextField(_("facts"), features=["bold", "italic", "ol", "ul"])
    process = StreamField([("step", ProcessStepBlock())], verbose_name=_("mediation process"))
    outcome_detail = models.TextField(_("what was agreed"), blank=True)
    legal_basis = StreamField([("article", LegalArticleBlock())], verbose_name=_("legal basis"), blank=True)
    commentary = RichTextField(_("lecturer's commentary"), features=["bold", "italic", "ol", "ul"])
    discussion_questions = models.TextField(_("discussion questions"), blank=True, help_text=_("One per line."))
    party_names = models.TextField(
        _("parties' real names"), blank=True,
        help_text=_("One full name per line. Never shown: used only to check that the text is anonymised."),
    )

    content_panels = Page.content_panels + [
        # Plain selects: both lists are short, and a select works on a phone where a chooser modal is clumsy.
        FieldRowPanel([FieldPanel("dispute_category", widget=forms.Select), FieldPanel("region", widget=forms.Select)]),
        FieldRowPanel([FieldPanel("working_method"), FieldPanel("outcome")]),
        FieldPanel("facts"),
        FieldPanel("process"),
        FieldPanel("outcome_detail"),
        FieldPanel("legal_basis"),
        FieldPanel("commentary"),
        FieldPanel("discussion_questions"),
        MultiFieldPanel([FieldPanel("party_names")], heading=_("Anonymisation check")),
    ]
    search_fields = Page.search_fields + [index.SearchField("facts"), index.SearchField("commentary"),
                                          index.SearchField("han_bigram_text")]
    base_form_class = CaseReviewForm
    parent_page_types = ["courses.CaseReviewLibraryPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("case review")
        verbose_name_plural = _("case reviews")

    @property
    def questions(self) -> list[str]:
        return [line.strip() for line in self.discussion_questions.splitlines() if line.strip()]

    def process_steps(self) -> list[tuple[str, str]]:
        return [(ProcedureStage(block.value["stage"]).label, block.value["text"]) for block in self.process]

    def public_text(self) -> str:
        """Everything a reader of the published page sees, as plain text."""
        parts = [self.title, strip_tags(self.facts), self.outcome_detail, strip_tags(self.commentary),
                 self.discussion_questions,
                 *_stream_texts(self.process.get_prep_value()),
                 *_stream_texts(self.legal_basis.get_prep_value())]
        return "\n".join(parts)

    def anonymisation_problems(self) -> list[str]:
        names = [line.strip() for line in self.party_names.splitlines() if line.strip()]
        return personal_data_found(self.public_text(), names)

    def clean(self):
        super().clean()
        # Checked whenever the page goes (or stays) public, and when the admin form submits or publishes it.
        if self.live or getattr(self, "_check_anonymity", False):
            problems = self.anonymisation_problems()
            if problems:
                raise ValidationError(
                    [_("Anonymise the case before it is submitted or published.")] + problems)


def _stream_texts(value):
    """The words in a StreamField's stored value, without Wagtail's block ids and type names: the ids are random hex
    and now and then hold a run of digits that looks like a phone number."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in ("id", "type"):
                yield from _stream_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _stream_texts(item)
    elif isinstance(value, str):
        yield strip_tags(value)


# --- Records of learning. Written only by courses.services.

class ModuleAssignment(models.Model):
    """Bureau staff asked a group of people (a committee, a township, a list) to take a module by a date."""

    module = models.ForeignKey(CourseModulePage, verbose_name=_("module"), on_delete=models.CASCADE,
                               related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned by"),
                                    on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(_("assigned to"), max_length=300)
    due_on = models.DateField(_("due on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("module assignment")
        verbose_name_plural = _("module assignments")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.module} → {self.audience}"


class Enrolment(models.Model):
    """A person taking a module, by their own choice or assigned. ``completed_at`` is set when every lesson is done."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="enrolments")
    module = models.ForeignKey(CourseModulePage, verbose_name=_("module"), on_delete=models.CASCADE,
                               related_name="enrolments")
    assignment = models.ForeignKey(ModuleAssignment, verbose_name=_("assignment"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="enrolments")
    due_on = models.DateField(_("due on"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["enrolled_at"]
        constraints = [models.UniqueConstraint(fields=["person", "module"], name="one_enrolment_per_module")]
        indexes = [models.Index(fields=["person", "completed_at"])]

    def __str__(self):
        return f"{self.person} · {self.module}"


class LessonCompletion(models.Model):
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="lesson_completions")
    lesson = models.ForeignKey(LessonPage, verbose_name=_("lesson"), on_delete=models.CASCADE,
                               related_name="completions")
    completed_at = models.DateTimeField(_("completed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lesson completion")
        verbose_name_plural = _("lesson completions")
        constraints = [models.UniqueConstraint(fields=["person", "lesson"], name="one_completion_per_lesson")]

    def __str__(self):
        return f"{self.person} · {self.lesson}"


class LessonProgress(models.Model):
    """What a learner has shown of studying a lesson, merged from the reports their browser sends: the seconds
    they had it open and the parts of its main video or audio actually played (merged [start, end] seconds).
    ``report_keys`` holds the idempotency keys of recent reports, so a report sent again (an offline queue
    retrying) counts once."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="lesson_progress")
    lesson = models.ForeignKey(LessonPage, verbose_name=_("lesson"), on_delete=models.CASCADE,
                               related_name="progress")
    read_seconds = models.PositiveIntegerField(_("seconds read"), default=0)
    watched = models.JSONField(_("parts played (seconds)"), default=list, blank=True)
    report_keys = models.JSONField(_("recent report keys"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [models.UniqueConstraint(fields=["person", "lesson"], name="one_progress_per_lesson")]

    def __str__(self):
        return f"{self.person} · {self.lesson}"


class PrivateHandout(models.Model):
    """The file of a handout marked "enrolled people only", kept in private storage (``people.files``) instead
    of public media. The Wagtail document keeps its title and place in the library; its own file name is set to
    this file's (which public media never holds), so neither ``/media/`` nor Wagtail's document view (see
    ``courses.wagtail_hooks.private_handouts_stay_private``) serves it. Written by ``services.handout_protect``."""

    document = models.OneToOneField("wagtaildocs.Document", verbose_name=_("document"), on_delete=models.CASCADE,
                                    related_name="private_handout")
    file = models.FileField(_("file"), storage=private_storage, max_length=200)
    filename = models.CharField(_("file name"), max_length=200, help_text=_("The name it downloads under."))
    protected_at = models.DateTimeField(_("protected at"), auto_now=True)

    class Meta:
        verbose_name = _("private handout")
        verbose_name_plural = _("private handouts")

    def __str__(self):
        return self.filename


class ScenarioRun(models.Model):
    """One play of a scenario. At most one unfinished run per person and scenario; replays are new runs."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="scenario_runs")
    scenario = models.ForeignKey(ScenarioPage, verbose_name=_("scenario"), on_delete=models.CASCADE,
                                 related_name="runs")
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    current_key = models.CharField(_("current step"), max_length=40)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    ending_key = models.CharField(_("ending"), max_length=40, blank=True)
    score_percent = models.PositiveSmallIntegerField(_("score (%)"), null=True, blank=True)
    competency_percent = models.JSONField(_("score by competency (%)"), default=dict, blank=True)

    class Meta:
        verbose_name = _("scenario run")
        verbose_name_plural = _("scenario runs")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "scenario"], condition=Q(finished_at__isnull=True),
                                    name="one_open_run_per_scenario"),
            models.CheckConstraint(condition=Q(score_percent__isnull=True) | Q(score_percent__lte=100),
                                   name="run_score_is_a_percent"),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True, score_percent__isnull=True)
                | Q(finished_at__isnull=False, score_percent__isnull=False),
                name="run_scored_when_finished"),
        ]

    def __str__(self):
        return f"{self.person} · {self.scenario}"

    def choice_order(self, step_key: str, count: int) -> list[int]:
        """The order this run shows a step's ``count`` choices in (indexes into the step's authored list).
        Authors tend to write the best choice first; shuffled per run and step by a keyed hash, the order says
        nothing, and stays the same when the page is reloaded."""
        order = list(range(count))
        seed = salted_hmac("courses.scenario-choice-order", f"{self.pk}:{step_key}").digest()
        random.Random(seed).shuffle(order)  # noqa: S311  (unpredictable through the keyed seed)
        return order


class ScenarioRunChoice(models.Model):
    """A choice made in a run, with what it earned and what could have been earned at that step (so the result
    stays right even if the scenario is edited later)."""

    run = models.ForeignKey(ScenarioRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(_("position"))
    step_key = models.CharField(_("step"), max_length=40)
    step_title = models.CharField(_("step title"), max_length=100)
    choice_text = models.CharField(_("choice"), max_length=300)
    feedback = models.TextField(_("feedback"))
    points = models.JSONField(_("points"), default=dict)
    best_points = models.JSONField(_("best points at this step"), default=dict)
    best_total = models.IntegerField(_("best total at this step"), default=0)
    chosen_at = models.DateTimeField(_("chosen at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scenario choice")
        verbose_name_plural = _("scenario choices")
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "position"], name="one_choice_per_run_position")]

    def __str__(self):
        return f"{self.run} · {self.position}"

    @property
    def quality(self) -> str:
        """A ``scenario_graph.ChoiceQuality`` value: this choice against the best at its step when it was made."""
        return choice_quality(sum(self.points.values()), self.best_total)


# --- Rotation training (菜单式轮训): offline sessions in the townships.

def _checkin_code() -> str:
    return secrets.token_urlsafe(16)


class RotationSession(models.Model):
    """A lecturer's visit to a township teaching modules from the menu. Attending credits the modules' hours."""

    title = models.CharField(_("title"), max_length=150)
    township = models.ForeignKey("people.Region", verbose_name=_("township"), on_delete=models.PROTECT,
                                 related_name="rotation_sessions")
    venue = models.CharField(_("venue"), max_length=150)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    modules = models.ManyToManyField(CourseModulePage, verbose_name=_("modules"), related_name="rotation_sessions")
    lecturers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("lecturers"), blank=True,
                                       related_name="taught_sessions")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("scheduled by"),
                                   on_delete=models.PROTECT, related_name="+")
    # The secret in the QR code: knowing the session's id is not enough to check in.
    checkin_code = models.CharField(max_length=32, unique=True, default=_checkin_code, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rotation session")
        verbose_name_plural = _("rotation sessions")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="session_capacity_positive"),
        ]
        indexes = [models.Index(fields=["starts_at"])]

    def __str__(self):
        return self.title


class SessionSignup(models.Model):
    session = models.ForeignKey(RotationSession, verbose_name=_("session"), on_delete=models.CASCADE,
                                related_name="signups")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="session_signups")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("signed up at"), auto_now_add=True)

    class Meta:
        verbose_name = _("session sign-up")
        verbose_name_plural = _("session sign-ups")
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="one_signup_per_session")]

    def __str__(self):
        return f"{self.person} · {self.session}"


class SessionAttendance(models.Model):
    class Method(models.TextChoices):
        # How the person checked in, shown next to each attendee (not the roster section's own heading).
        QR = "qr", _("Scanned the QR code")
        ROSTER = "roster", _("Ticked on the roster")
        SHEET = "sheet", _("Printed sign-in sheet")  # ticked afterwards from the paper sheet (rotation app)
        # The lecturer's phone scanned the attendee's code (or ticked them) at a venue without network, synced later.
        OFFLINE = "offline", _("Recorded offline by the lecturer")

    session = models.ForeignKey(RotationSession, verbose_name=_("session"), on_delete=models.CASCADE,
                                related_name="attendances")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="session_attendances")
    method = models.CharField(_("recorded by"), max_length=8, choices=Method.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("ticked by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("session attendance")
        verbose_name_plural = _("session attendances")
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="one_attendance_per_session")]

    def __str__(self):
        return f"{self.person} · {self.session}"


def attendee_code(person_id: int) -> str:
    """The code on a learner's own check-in QR (``/learn/sessions/``), which a lecturer's phone scans or the
    lecturer types: the person's id and a keyed check, so a typo or a made-up code names nobody. Not a
    secret from the lecturer, who can tick anyone on the roster anyway."""
    check = salted_hmac("courses.attendee-code", str(person_id)).hexdigest()[:6].upper()
    return f"{person_id}-{check}"


def attendee_from_code(code: str) -> int | None:
    """The person id a typed or scanned attendee code names, or None."""
    person_id, _dash, _check = code.strip().upper().partition("-")
    if not person_id.isdigit():
        return None
    return int(person_id) if constant_time_compare(attendee_code(int(person_id)), code.strip().upper()) else None
