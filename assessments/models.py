"""The assessment engine: a question bank, quizzes and exams, attempts (one row per drawn question) and grading.

An attempt is never deleted. Its drawn questions are rows of ``AttemptQuestion`` with their position, the order the
choices were shown in, the learner's response as JSON and the score. Every write goes through ``services.py``."""

import hashlib
import hmac
from decimal import Decimal
from functools import cache

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from treebeard.mp_tree import MP_Node
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable
from wagtail.search import index

from people.spreadsheets import refuse_formula


class QuestionCategory(MP_Node):
    """A topic of the question bank, in a tree (人民调解法 → 调解协议). Random draws take a category's subtree."""

    name = models.CharField(_("name"), validators=[refuse_formula], max_length=100)

    node_order_by = ["name"]

    class Meta:
        verbose_name = _("question category")
        verbose_name_plural = _("question categories")

    def __str__(self):
        return self.name

    @property
    def full_name(self) -> str:
        return " / ".join(node.name for node in [*self.get_ancestors(), self])


class QuestionTag(TaggedItemBase):
    content_object = ParentalKey("assessments.Question", related_name="tagged_items", on_delete=models.CASCADE)


class Question(index.Indexed, ClusterableModel):
    """One question of the bank. Choice questions hold their choices (with the key and per-choice feedback);
    essays hold a rubric and are graded by a person."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True / false")
        ESSAY = "essay", _("Short essay")

    class Difficulty(models.IntegerChoices):
        EASY = 1, _("Easy")
        MEDIUM = 2, _("Medium")
        HARD = 3, _("Hard")

    category = models.ForeignKey(
        QuestionCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="questions")
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.SINGLE)
    text = models.TextField(_("question"))
    points = models.DecimalField(
        _("points"), max_digits=5, decimal_places=2, default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.5"))])
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"), choices=Difficulty.choices, default=Difficulty.MEDIUM)
    legal_reference = models.CharField(
        _("legal reference"), max_length=200, blank=True, help_text=_("E.g. People's Mediation Law, art. 15."))
    explanation = models.TextField(_("explanation"), blank=True, help_text=_("Shown after submission, if the "
                                                                             "quiz's review policy allows."))
    negative_marking = models.BooleanField(
        _("negative marking"), default=False,
        help_text=_("Multiple choice only: each wrong choice picked takes away as much as a right one earns "
                    "(never below zero). Without it, any wrong choice scores zero and missing right choices "
                    "earn partial credit."))
    rubric = models.TextField(_("grading rubric"), blank=True, help_text=_("Essays only: what earns the points."))
    tags = ClusterTaggableManager(through=QuestionTag, blank=True, verbose_name=_("tags"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    panels = [
        FieldPanel("category"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("difficulty"), FieldPanel("points")]),
        FieldPanel("text"),
        InlinePanel("choices", label=_("Choices"), heading=_("Choices (not for essays)")),
        FieldPanel("negative_marking"),
        FieldPanel("rubric"),
        MultiFieldPanel([FieldPanel("legal_reference"), FieldPanel("explanation"), FieldPanel("tags")],
                        heading=_("Explanation and tags")),
    ]
    search_fields = [index.SearchField("text"), index.AutocompleteField("text"), index.SearchField("legal_reference")]

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["category__path", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="question_points_positive"),
            models.CheckConstraint(
                condition=Q(negative_marking=False) | Q(kind="multiple"), name="negative_marking_only_multiple"),
        ]

    def __str__(self):
        return self.text if len(self.text) <= 60 else f"{self.text[:60]}…"

    @property
    def is_essay(self) -> bool:
        return self.kind == self.Kind.ESSAY


class Choice(Orderable):
    question = ParentalKey(Question, related_name="choices", on_delete=models.CASCADE)
    text = models.CharField(_("choice"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)
    feedback = models.CharField(
        _("feedback"), max_length=500, blank=True, help_text=_("Shown after submission to those who picked it."))

    panels = [FieldPanel("text"), FieldPanel("is_correct"), FieldPanel("feedback")]

    class Meta(Orderable.Meta):
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self):
        return self.text


class QuizQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Quiz(ClusterableModel):
    """A practice quiz on a course module, or a stand-alone certification exam."""

    class Kind(models.TextChoices):
        PRACTICE = "practice", _("Practice quiz")
        CERTIFICATION = "certification", _("Certification exam")

    class Audience(models.TextChoices):
        ALL = "all", _("Mediators and informants")
        MEDIATORS = "mediator", _("Mediators")
        INFORMANTS = "informant", _("Informants")

    class GradingMethod(models.TextChoices):
        HIGHEST = "highest", _("Highest attempt")
        LAST = "last", _("Last attempt")
        FIRST = "first", _("First attempt")
        AVERAGE = "average", _("Average of attempts")

    class ReviewPolicy(models.TextChoices):
        SCORE = "score", _("Score only")
        CORRECTNESS = "correctness", _("Which answers were right")
        FULL = "full", _("Correct answers and feedback")

    class Layout(models.TextChoices):
        ALL_ON_ONE_PAGE = "one_page", _("All questions on one page")
        ONE_PER_PAGE = "per_page", _("One question per page")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PRACTICE)
    audience = models.CharField(_("who may take it"), max_length=16, choices=Audience.choices, default=Audience.ALL)
    module = models.ForeignKey(
        "courses.CourseModulePage", verbose_name=_("course module"), null=True, blank=True,
        related_name="quizzes", on_delete=models.PROTECT, help_text=_("Practice quizzes belong to a module."))
    description = models.TextField(_("instructions"), blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=60, validators=[MinValueValidator(1), MaxValueValidator(100)])
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"), null=True, blank=True, help_text=_("Leave empty for no time limit."))
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    max_attempts = models.PositiveSmallIntegerField(
        _("maximum attempts"), null=True, blank=True, help_text=_("Leave empty for unlimited attempts."))
    grading_method = models.CharField(
        _("grading method"), max_length=16, choices=GradingMethod.choices, default=GradingMethod.HIGHEST)
    review_policy = models.CharField(
        _("after submission the learner sees"), max_length=16, choices=ReviewPolicy.choices,
        default=ReviewPolicy.FULL)
    layout = models.CharField(_("layout"), max_length=16, choices=Layout.choices, default=Layout.ALL_ON_ONE_PAGE)
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=True)
    shuffle_choices = models.BooleanField(_("shuffle choices"), default=True)
    is_published = models.BooleanField(_("published"), default=False)
    # Training hours (courses.selectors.training_credits_by_person, through assessments.selectors.EXAM_HOURS): a
    # passed attempt earns these once per person in a period, typed by the module's category. 0 adds nothing.
    credit_hours = models.DecimalField(
        _("credit hours"), max_digits=4, decimal_places=1, default=0,
        help_text=_("Training hours a passed attempt earns, counted once per person in a year however often it is "
                    "passed. 0: none."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("responsible lecturer"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="owned_quizzes",
        help_text=_("Grades the essays and sees the results of this quiz."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = QuizQuerySet.as_manager()

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("audience")]),
        FieldPanel("module"),
        FieldPanel("description"),
        MultiFieldPanel([
            FieldRowPanel([FieldPanel("pass_mark"), FieldPanel("time_limit_minutes"), FieldPanel("max_attempts")]),
            FieldPanel("credit_hours"),
            FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
            FieldRowPanel([FieldPanel("grading_method"), FieldPanel("review_policy")]),
            FieldRowPanel([FieldPanel("layout"), FieldPanel("shuffle_questions"), FieldPanel("shuffle_choices")]),
        ], heading=_("Rules")),
        InlinePanel("fixed_questions", label=_("Fixed questions"), heading=_("Fixed questions")),
        InlinePanel("draw_rules", label=_("Random draw"), heading=_("Random questions per category or tag")),
        FieldRowPanel([FieldPanel("owner"), FieldPanel("is_published")]),
    ]

    class Meta:
        verbose_name = _("quiz or exam")
        verbose_name_plural = _("quizzes and exams")
        ordering = ["kind", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(pass_mark__gte=1, pass_mark__lte=100), name="quiz_pass_mark_1_100"),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True) | Q(closes_at__isnull=True) | Q(closes_at__gt=F("opens_at")),
                name="quiz_closes_after_opening"),
            models.CheckConstraint(
                condition=Q(max_attempts__isnull=True) | Q(max_attempts__gte=1), name="quiz_max_attempts_positive"),
            models.CheckConstraint(
                condition=Q(time_limit_minutes__isnull=True) | Q(time_limit_minutes__gte=1),
                name="quiz_time_limit_positive"),
            models.CheckConstraint(condition=Q(credit_hours__gte=0), name="quiz_hours_not_negative"),
        ]

    def __str__(self):
        return self.title

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return (self.opens_at is None or self.opens_at <= at) and (self.closes_at is None or at < self.closes_at)


class QuizQuestion(Orderable):
    """A question every attempt of the quiz gets."""

    quiz = ParentalKey(Quiz, related_name="fixed_questions", on_delete=models.CASCADE)
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+")

    panels = [FieldPanel("question")]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["quiz", "question"], name="unique_fixed_question_per_quiz")]


class QuizDrawRule(Orderable):
    """Draw ``count`` random questions from a category's subtree, optionally only those with a tag."""

    quiz = ParentalKey(Quiz, related_name="draw_rules", on_delete=models.CASCADE)
    category = models.ForeignKey(
        QuestionCategory, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("Includes its subcategories. Leave empty for the whole bank."))
    tag = models.CharField(_("tag"), max_length=100, blank=True)
    count = models.PositiveSmallIntegerField(_("number of questions"), validators=[MinValueValidator(1)])
    exam_only = models.BooleanField(
        _("exam only"), default=False,
        help_text=_("For certification exams: the questions of this pool are never used by practice quizzes, so "
                    "their answers are never shown before the exam."))

    panels = [FieldRowPanel([FieldPanel("category"), FieldPanel("tag"), FieldPanel("count"),
                             FieldPanel("exam_only")])]

    class Meta(Orderable.Meta):
        constraints = [models.CheckConstraint(condition=Q(count__gte=1), name="draw_rule_count_positive")]


class Attempt(models.Model):
    """One sitting of a quiz by a learner. Status moves only through ``services.attempt_set_status``."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        AWAITING_GRADING = "awaiting_grading", _("Awaiting grading")
        COMPLETED = "completed", _("Completed")

    # Allowed moves, as data: an in-progress attempt is submitted (to grading if it holds essays).
    TRANSITIONS = {
        Status.IN_PROGRESS: {Status.AWAITING_GRADING, Status.COMPLETED},
        Status.AWAITING_GRADING: {Status.COMPLETED},
        Status.COMPLETED: set(),
    }

    quiz = models.ForeignKey(Quiz, verbose_name=_("quiz"), on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("learner"), on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveSmallIntegerField(_("attempt number"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    closed_by_timeout = models.BooleanField(_("closed when time ran out"), default=False)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(_("maximum score"), max_digits=7, decimal_places=2, default=Decimal(0))
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    pass_announced_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "user", "number"], name="unique_attempt_number"),
            # Two tabs or a double click on "start" cannot open two attempts at once.
            models.UniqueConstraint(
                fields=["quiz", "user"], condition=Q(status="in_progress"), name="one_open_attempt_per_quiz"),
            models.CheckConstraint(
                condition=Q(status="in_progress", submitted_at__isnull=True, passed__isnull=True)
                | (~Q(status="in_progress") & Q(submitted_at__isnull=False)),
                name="attempt_submitted_iff_closed"),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(percent__isnull=False, passed__isnull=False),
                name="completed_attempt_has_result"),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["quiz", "status"]),
            models.Index(fields=["user", "quiz"]),
        ]

    def __str__(self):
        return f"{self.user} · {self.quiz} #{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.IN_PROGRESS

    def seconds_left(self, now=None) -> int | None:
        if self.deadline is None:
            return None
        return max(0, int((self.deadline - (now or timezone.now())).total_seconds()))


def choice_token(attempt_id: int | str, choice_id: int) -> str:
    """A lesson self-check's choice as the browser gets it (``self_check_token``): a keyed hash of the check and
    the choice, so neither the values nor their sorting hint at the key (ids follow authoring order, and authors
    tend to write the right answer early). Exam pages made before ``answer_token`` carried these too, and a save
    from such a page is still taken (``AttemptQuestion.choices_from_tokens``)."""
    return salted_hmac("assessments.choice-token", f"{attempt_id}:{choice_id}").hexdigest()[:20]


# An exam's choices are sealed, not hashed: the token is one AES block holding the drawn question's tag (its attempt
# and position) and the choice's id, under a key derived from SECRET_KEY. Only the server makes tokens, and one opens
# only for the question it was made for (a wrong or forged one opens to a tag that does not match: a 2⁻⁶⁴ chance),
# so a choice read out of a token is a choice of that question's ``choice_order``, and saving an answer needs no
# read of the question's choices first (issue #21: one statement of the exam day's commonest request).
_ANSWER_TOKEN_SALT = b"mediator-academy.assessments.answer-token"


@cache
def _answer_token_cipher(secret: str) -> Cipher:
    key = hmac.new(secret.encode(), _ANSWER_TOKEN_SALT, hashlib.sha256).digest()[:16]
    # ECB on single blocks that never repeat within a question is AES used as the keyed permutation it is; no mode
    # of several blocks is involved.
    return Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305


def _answer_tag(attempt_id: int, position: int) -> bytes:
    return hashlib.blake2b(f"{attempt_id}:{position}".encode(), digest_size=8).digest()


def answer_tokens(attempt_id: int, position: int, choice_ids) -> list[str]:
    """The tokens of ``choice_ids`` for the question at ``position`` of an attempt, in that order (32 hex digits
    each). The same on every render of that question, different in every other question and attempt, and in no
    order: neither the values nor their sorting say which choice is right."""
    choice_ids = list(choice_ids)
    tag = _answer_tag(attempt_id, position)
    sealed = _answer_token_cipher(settings.SECRET_KEY).encryptor().update(
        b"".join(tag + int(choice_id).to_bytes(8, "big") for choice_id in choice_ids))
    return [sealed[i:i + 16].hex() for i in range(0, len(sealed), 16)]


def answer_token(attempt_id: int, position: int, choice_id: int) -> str:
    return answer_tokens(attempt_id, position, [choice_id])[0]


def answer_token_choices(attempt_id: int, position: int, tokens) -> list[int] | None:
    """The choice ids sealed in ``tokens`` for the question at ``position`` of an attempt, in their order; None
    unless every token is one of this question's (``answer_tokens``)."""
    if not isinstance(tokens, list) or not all(isinstance(token, str) and len(token) == 32 for token in tokens):
        return None
    try:
        blocks = b"".join(bytes.fromhex(token) for token in tokens)
    except ValueError:
        return None
    opened = _answer_token_cipher(settings.SECRET_KEY).decryptor().update(blocks)
    tag, choices = _answer_tag(attempt_id, position), []
    for start in range(0, len(opened), 16):
        if not hmac.compare_digest(opened[start:start + 8], tag):
            return None
        choices.append(int.from_bytes(opened[start + 8:start + 16], "big"))
    return choices


class AttemptQuestion(models.Model):
    """One drawn question of an attempt: where it stands, how its choices were shuffled, what was answered, and
    what it scored. ``response`` is ``{"choices": [ids]}`` or ``{"text": "..."}``; null while unanswered."""

    attempt = models.ForeignKey(Attempt, on_delete=models.PROTECT, related_name="questions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="attempt_questions")
    position = models.PositiveSmallIntegerField(_("position"))
    choice_order = models.JSONField(_("choice order"), default=list)
    response = models.JSONField(_("response"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    flagged = models.BooleanField(_("flagged for review"), default=False)
    max_score = models.DecimalField(_("maximum score"), max_digits=5, decimal_places=2)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    grader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("grader"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+")
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)
    grader_comment = models.TextField(_("grader's comment"), blank=True)

    class Meta:
        verbose_name = _("attempt question")
        verbose_name_plural = _("attempt questions")
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="unique_position_in_attempt"),
            models.UniqueConstraint(fields=["attempt", "question"], name="unique_question_in_attempt"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=F("max_score")),
                name="attempt_question_score_in_range"),
        ]
        indexes = [models.Index(fields=["question", "attempt"])]

    def __str__(self):
        return f"{self.attempt} · {self.position}"

    def choice_tokens(self) -> dict[str, int]:
        """Token → choice id for this drawn question, in the attempt's own (shuffled) order (``answer_tokens``)."""
        return dict(zip(answer_tokens(self.attempt_id, self.position, self.choice_order), self.choice_order,
                        strict=True))

    def choices_from_tokens(self, tokens) -> list[int] | None:
        """The choice ids a page's tokens stand for (``answer_token_choices``), or None when one is not this
        question's. A page shown before exam tokens were sealed (a sitting under way across the upgrade) sent
        ``choice_token`` hashes: those are still taken, so no answer given on it is lost."""
        choices = answer_token_choices(self.attempt_id, self.position, tokens)
        if choices is None and isinstance(tokens, list):
            earlier = {choice_token(self.attempt_id, choice_id): choice_id for choice_id in self.choice_order}
            if all(isinstance(token, str) and token in earlier for token in tokens):
                choices = [earlier[token] for token in tokens]
        return choices


class AttemptStatusChange(models.Model):
    """Who moved an attempt from one status to another, when and why (history is kept)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.PROTECT, related_name="status_changes")
    old_status = models.CharField(max_length=20, choices=Attempt.Status.choices)
    new_status = models.CharField(max_length=20, choices=Attempt.Status.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.attempt}: {self.old_status} → {self.new_status}"


# --- Lesson self-checks: two or three questions of the bank at the end of a lesson, answered with instant feedback.


class LessonSelfCheckQuestion(Orderable):
    """A question of a lesson's self-check, picked by the lecturer in the lesson's edit form (the panel is added
    to ``courses.LessonPage`` by ``AssessmentsConfig.ready``: courses does not know of the question bank).
    Essays and questions of an exam-only pool are never shown (``self_check_selectors.self_check_questions``)."""

    lesson = ParentalKey("courses.LessonPage", related_name="self_check_questions", on_delete=models.CASCADE)
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+",
        limit_choices_to=~Q(kind="essay"),
        help_text=_("A choice or true/false question; not from an exam-only pool (its answer is shown here)."))

    panels = [FieldPanel("question")]

    class Meta(Orderable.Meta):
        verbose_name = _("self-check question")
        verbose_name_plural = _("self-check questions")
        constraints = [models.UniqueConstraint(fields=["lesson", "question"], name="unique_self_check_question")]


def self_check_token(person_id: int, lesson_id: int, choice_id: int) -> str:
    """A self-check choice's opaque value: the exam's per-attempt token, the "attempt" being this person's check of
    this lesson. The same on every render (a page saved for offline study still answers), different for everyone
    else, and the choices are shown sorted by it, so neither values nor order say which is right."""
    return choice_token(f"self-check:{person_id}:{lesson_id}", choice_id)


class SelfCheckAnswer(models.Model):
    """A learner's answer to one question of a lesson's self-check. The first answer is the answer (one row per
    person, lesson and question): the feedback shows the key, so a second try would prove nothing."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="self_check_answers")
    lesson = models.ForeignKey("courses.LessonPage", verbose_name=_("lesson"), on_delete=models.CASCADE,
                               related_name="self_check_answers")
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+")
    choices = models.JSONField(_("choices picked"), default=list)
    correct = models.BooleanField(_("correct"))
    answered_at = models.DateTimeField(_("answered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("self-check answer")
        verbose_name_plural = _("self-check answers")
        constraints = [models.UniqueConstraint(fields=["person", "lesson", "question"],
                                               name="one_self_check_answer_per_question")]

    def __str__(self):
        return f"{self.person} · {self.lesson} · {self.question_id}"
