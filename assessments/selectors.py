"""Reads of the assessment engine. Selectors take the acting user and filter through ``people.permissions``.

What a learner's browser may receive is decided here: ``attempt_sheet`` carries no key, score or feedback, and
``attempt_review`` carries only what the quiz's review policy allows, and only once the attempt is submitted."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Avg, Count, Exists, F, FloatField, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.selectors import HourSource
from people import permissions
from people.models import Membership

from .models import Attempt, AttemptQuestion, Choice, Question, Quiz, QuizDrawRule
from .scoring import CENT, picked_ids

# --- Who may do what


def quiz_start_refusal(*, user, quiz: Quiz, attempts_used: int, now=None) -> str | None:
    """Why this learner may not start an attempt now, in words for them; None when they may."""
    now = now or timezone.now()
    if not quiz.is_published:
        return _("This quiz is not open to learners.")
    roles = permissions.learner_roles(user)
    if not roles or (quiz.audience != Quiz.Audience.ALL and quiz.audience not in roles):
        return _("This exam is for %(audience)s only.") % {"audience": quiz.get_audience_display()}
    if quiz.opens_at and now < quiz.opens_at:
        return _("This quiz opens on %(date)s.") % {
            "date": timezone.localtime(quiz.opens_at).strftime("%Y-%m-%d %H:%M")}
    if quiz.closes_at and now >= quiz.closes_at:
        return _("This quiz closed on %(date)s.") % {
            "date": timezone.localtime(quiz.closes_at).strftime("%Y-%m-%d %H:%M")}
    if quiz.max_attempts is not None and attempts_used >= quiz.max_attempts:
        return _("You have used all %(n)d attempts at this quiz.") % {"n": quiz.max_attempts}
    return None


def may_grade(user) -> bool:
    """Lecturers grade the quizzes they are responsible for; administrators any."""
    return permissions.is_administrator(user) or permissions.is_lecturer(user)


def may_see_results(user) -> bool:
    return permissions.is_bureau_staff(user) or permissions.is_lecturer(user)


def quizzes_with_results_for(user) -> QuerySet[Quiz]:
    """Quizzes whose results a user may see: bureau staff and administrators all (their learners only, see
    ``attempts_visible_to``); lecturers the quizzes they are responsible for."""
    if permissions.is_bureau_staff(user):
        return Quiz.objects.all()
    if permissions.is_lecturer(user):
        return Quiz.objects.filter(owner=user)
    return Quiz.objects.none()


def attempts_visible_to(user, quiz: Quiz) -> QuerySet[Attempt]:
    """A quiz's attempts a staff member may see. Bureau staff: learners with a committee membership in their
    jurisdiction; lecturers: all attempts at quizzes they are responsible for."""
    attempts = Attempt.objects.filter(quiz=quiz)
    if permissions.is_administrator(user):
        return attempts
    if permissions.is_bureau_staff(user):
        in_region = Membership.objects.filter(person=OuterRef("user_id")).filter(
            permissions.region_filter(user, "committee__region__"))
        return attempts.filter(Exists(in_region))
    if permissions.is_lecturer(user) and quiz.owner_id == user.pk:
        return attempts
    return attempts.none()


# --- Training hours and the yearly exam

def _exam_credits(person_ids, since, until) -> list[tuple]:
    return list(Attempt.objects.filter(user_id__in=person_ids, passed=True, submitted_at__gte=since,
                                       submitted_at__lt=until, quiz__credit_hours__gt=0)
                .values_list("user_id", "quiz_id", "submitted_at", "quiz__credit_hours", "quiz__module__category_id"))


def _exam_credits_sql(people_sql: str) -> str:
    quote = connection.ops.quote_name
    return f"""
        SELECT t.user_id, 'exam' AS kind, t.quiz_id AS item_id, t.submitted_at AS done_at, q.credit_hours AS hours
        FROM {quote(Attempt._meta.db_table)} t JOIN {quote(Quiz._meta.db_table)} q ON q.id = t.quiz_id
        WHERE t.passed AND q.credit_hours > 0 AND t.user_id IN ({people_sql})"""  # noqa: S608  (names only)


# Exams as a source of training hours (registered with courses by the ``training_hour_sources`` hook): a passed
# attempt, dated when it was submitted (the sitting, even if an essay was graded later), earns the quiz's
# ``credit_hours`` once per person in a period, typed by the category of the quiz's module (none for a stand-alone
# certification exam).
EXAM_HOURS = HourSource("exam", _exam_credits, _exam_credits_sql)


def passed_on_by_person(*, quiz: Quiz, person_ids, start: date, end: date) -> dict[int, date]:
    """Person id → the day (local) of their first passed attempt at ``quiz`` submitted between ``start`` and
    ``end`` inclusive; people without one are left out. An attempt passes by itself (its ``passed``), whatever
    the quiz's grading method makes of the others: a yearly exam asks whether the person passed it that year."""
    zone = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, zone)
    until = datetime.combine(end + timedelta(days=1), time.min, zone)
    found: dict[int, date] = {}
    for person_id, submitted_at in (Attempt.objects.filter(quiz=quiz, user_id__in=list(person_ids), passed=True,
                                                           submitted_at__gte=since, submitted_at__lt=until)
                                    .order_by("submitted_at").values_list("user_id", "submitted_at")):
        found.setdefault(person_id, timezone.localdate(submitted_at))
    return found


# --- A learner's quizzes and results


def final_percent(quiz: Quiz, attempts: list[Attempt]) -> Decimal | None:
    """The learner's result at a quiz by its grading method, over completed attempts (in attempt order)."""
    done = [a.percent for a in sorted(attempts, key=lambda a: a.number) if a.status == Attempt.Status.COMPLETED]
    if not done:
        return None
    method = quiz.grading_method
    if method == Quiz.GradingMethod.FIRST:
        return done[0]
    if method == Quiz.GradingMethod.LAST:
        return done[-1]
    if method == Quiz.GradingMethod.AVERAGE:
        return (sum(done) / len(done)).quantize(CENT, rounding=ROUND_HALF_UP)
    return max(done)


def _attempts_by_quiz(user, quiz_ids=None) -> dict[int, list[Attempt]]:
    attempts = Attempt.objects.filter(user=user).select_related("quiz")
    if quiz_ids is not None:
        attempts = attempts.filter(quiz_id__in=quiz_ids)
    by_quiz: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        by_quiz[attempt.quiz_id].append(attempt)
    return by_quiz


def passed_quiz_ids(*, user) -> set[int]:
    """Quizzes the user has passed: their result by the quiz's grading method (highest / last / first / average
    of completed attempts) reaches the pass mark. One query."""
    passed = set()
    for attempts in _attempts_by_quiz(user).values():
        quiz = attempts[0].quiz
        result = final_percent(quiz, attempts)
        if result is not None and result >= quiz.pass_mark:
            passed.add(quiz.pk)
    return passed


@dataclass
class QuizCard:
    quiz: Quiz
    attempts: list[Attempt]
    refusal: str | None
    open_attempt: Attempt | None = None
    result: Decimal | None = None

    @property
    def passed(self) -> bool:
        return self.result is not None and self.result >= self.quiz.pass_mark

    @property
    def awaiting_grading(self) -> bool:
        return any(a.status == Attempt.Status.AWAITING_GRADING for a in self.attempts)


def quiz_card(*, user, quiz: Quiz, attempts: list[Attempt], now=None) -> QuizCard:
    open_attempt = next((a for a in attempts if a.is_open), None)
    return QuizCard(
        quiz=quiz, attempts=sorted(attempts, key=lambda a: -a.number), open_attempt=open_attempt,
        refusal=None if open_attempt else quiz_start_refusal(user=user, quiz=quiz, attempts_used=len(attempts),
                                                             now=now),
        result=final_percent(quiz, attempts))


def learner_quizzes(*, user) -> list[QuizCard]:
    """The published quizzes meant for this learner (by role), with their attempts and result. Three queries."""
    audiences = {Quiz.Audience.ALL, *permissions.learner_roles(user)}
    quizzes = list(Quiz.objects.published().filter(audience__in=audiences).select_related("module")
                   .order_by("-kind", "title"))
    by_quiz = _attempts_by_quiz(user, [q.pk for q in quizzes])
    now = timezone.now()
    return [quiz_card(user=user, quiz=q, attempts=by_quiz.get(q.pk, []), now=now) for q in quizzes]


def learner_attempts(*, user) -> QuerySet[Attempt]:
    return Attempt.objects.filter(user=user).select_related("quiz").order_by("-started_at", "-pk")


def exam_only_questions() -> QuerySet[Question]:
    """The questions of every exam-only pool (a certification exam's draw rule marked "exam only"): practice
    quizzes never draw them."""
    rules = QuizDrawRule.objects.filter(exam_only=True, quiz__kind=Quiz.Kind.CERTIFICATION).select_related("category")
    pools = Q(pk__in=[])
    for rule in rules:
        pool = Q()
        if rule.category_id:
            pool &= Q(category__path__startswith=rule.category.path)
        if rule.tag:
            pool &= Q(pk__in=Question.objects.filter(tags__name=rule.tag).values("pk"))
        pools |= pool
    return Question.objects.filter(pools)


# --- Taking an attempt: what the browser may see before submission


LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass
class SheetChoice:
    token: str  # opaque, per attempt (AttemptQuestion.choice_tokens): never the database id
    letter: str
    text: str
    picked: bool


@dataclass
class SheetItem:
    position: int
    text: str
    kind: str
    points: Decimal
    choices: list[SheetChoice]
    essay_text: str
    answered: bool
    flagged: bool
    answered_at: datetime | None = None

    @property
    def input_type(self) -> str:
        return "checkbox" if self.kind == Question.Kind.MULTIPLE else "radio"

    @property
    def kind_label(self) -> str:
        return Question.Kind(self.kind).label


def _choice_texts(question_ids) -> dict[int, str]:
    return dict(Choice.objects.filter(question_id__in=question_ids).values_list("pk", "text"))


def attempt_sheet(*, attempt: Attempt) -> list[SheetItem]:
    """The attempt's questions as the learner sees them while answering: text, choices in the shuffled order, and
    their own answers and flags. No key, no feedback, no explanation. Two queries."""
    # "attempt" stays loaded: the related manager reads each row's attempt_id, one query per row if deferred.
    rows = list(attempt.questions.select_related("question").only(
        "attempt", "position", "choice_order", "response", "answered_at", "flagged", "question__text",
        "question__kind", "question__points"))
    texts = _choice_texts([row.question_id for row in rows])
    items = []
    for row in rows:
        picked = picked_ids(row.response)
        tokens = {choice_id: token for token, choice_id in row.choice_tokens().items()}
        items.append(SheetItem(
            position=row.position, text=row.question.text, kind=row.question.kind, points=row.question.points,
            choices=[SheetChoice(token=tokens[cid], letter=letter, text=texts[cid], picked=cid in picked)
                     for letter, cid in zip(LETTERS, [c for c in row.choice_order if c in texts], strict=False)],
            essay_text=(row.response or {}).get("text", ""), answered=is_answered(row.response),
            flagged=row.flagged, answered_at=row.answered_at))
    return items


def resume_position(sheet: list[SheetItem]) -> int:
    """Where a return to an open attempt resumes: the question answered last (every save moves its
    ``answered_at``), or the first."""
    answered = [item for item in sheet if item.answered_at]
    return max(answered, key=lambda item: item.answered_at).position if answered else 1


def is_answered(response) -> bool:
    return bool(response and (response.get("choices") or response.get("text")))


# --- Review after submission, as the quiz's policy allows


@dataclass
class ReviewChoice:
    letter: str
    text: str
    picked: bool
    correct: bool | None  # None: the policy does not reveal it
    feedback: str


@dataclass
class ReviewItem:
    position: int
    text: str
    kind: str
    choices: list[ReviewChoice]
    essay_text: str
    score: Decimal | None
    max_score: Decimal
    outcome: str  # right / partial / wrong / pending
    explanation: str = ""
    legal_reference: str = ""
    grader_comment: str = ""

    @property
    def kind_label(self) -> str:
        return Question.Kind(self.kind).label


@dataclass
class Review:
    attempt: Attempt
    items: list[ReviewItem] = field(default_factory=list)
    shows_answers: bool = False
    withheld: int = 0  # practice questions since moved into an exam-only pool: not shown


def _outcome(score: Decimal | None, max_score: Decimal) -> str:
    if score is None:
        return "pending"
    if score >= max_score:
        return "right"
    return "partial" if score > 0 else "wrong"


def attempt_review(*, attempt: Attempt) -> Review:
    """What the learner may see of a submitted attempt: the score only, which answers were right, or the
    correct answers with feedback and explanations (the quiz's review policy). Nothing while it is open."""
    policy = attempt.quiz.review_policy
    if attempt.is_open or policy == Quiz.ReviewPolicy.SCORE:
        return Review(attempt=attempt)
    full = policy == Quiz.ReviewPolicy.FULL
    rows = list(attempt.questions.select_related("question"))
    withheld = set()
    if attempt.quiz.kind == Quiz.Kind.PRACTICE:
        # Drawn before its pool became exam only: a practice review must not show the exam's answers.
        withheld = set(exam_only_questions().filter(pk__in=[r.question_id for r in rows])
                       .values_list("pk", flat=True))
        rows = [row for row in rows if row.question_id not in withheld]
    choices = {c.pk: c for c in Choice.objects.filter(question_id__in=[r.question_id for r in rows])}
    items = []
    for row in rows:
        picked = picked_ids(row.response)
        question = row.question
        items.append(ReviewItem(
            position=row.position, text=question.text, kind=question.kind,
            choices=[ReviewChoice(letter=letter, text=choices[cid].text, picked=cid in picked,
                                  correct=choices[cid].is_correct if full else None,
                                  feedback=choices[cid].feedback if full and cid in picked else "")
                     for letter, cid in zip(LETTERS, [c for c in row.choice_order if c in choices], strict=False)],
            essay_text=(row.response or {}).get("text", ""), score=row.score, max_score=row.max_score,
            outcome=_outcome(row.score, row.max_score),
            explanation=question.explanation if full else "",
            legal_reference=question.legal_reference if full else "",
            grader_comment=row.grader_comment))
    return Review(attempt=attempt, items=items, shows_answers=full, withheld=len(withheld))


# --- Grading


def grading_queue(*, user) -> QuerySet[AttemptQuestion]:
    """Essays awaiting a grade in quizzes the user grades, oldest submission first."""
    rows = AttemptQuestion.objects.filter(
        question__kind=Question.Kind.ESSAY, score__isnull=True,
        attempt__status=Attempt.Status.AWAITING_GRADING,
    ).select_related("attempt__quiz", "attempt__user", "question").order_by("attempt__submitted_at", "position")
    if permissions.is_administrator(user):
        return rows
    if permissions.is_lecturer(user):
        return rows.filter(attempt__quiz__owner=user)
    return rows.none()


# --- Results and item analysis


BUCKETS = [(low, low + 10) for low in range(0, 100, 10)]


@dataclass
class QuizResults:
    quiz: Quiz
    attempts: int
    learners: int
    passed: int
    mean_percent: float | None
    distribution: list[tuple[str, int]]

    @property
    def pass_rate(self) -> float | None:
        return round(self.passed * 100 / self.attempts, 1) if self.attempts else None

    @property
    def widest_bucket(self) -> int:
        return max((n for _label, n in self.distribution), default=0) or 1


def quiz_results(*, user, quiz: Quiz) -> QuizResults:
    """Completed attempts the user may see: how many, mean, passes and the score distribution in tens.
    One aggregate query."""
    done = attempts_visible_to(user, quiz).filter(status=Attempt.Status.COMPLETED)
    buckets = {
        f"b{low}": Count("pk", filter=Q(percent__gte=low) & (Q(percent__lt=high) if high < 100 else Q()))
        for low, high in BUCKETS
    }
    row = done.aggregate(n=Count("pk"), learners=Count("user", distinct=True),
                         passed=Count("pk", filter=Q(passed=True)), mean=Avg(Cast("percent", FloatField())), **buckets)
    return QuizResults(
        quiz=quiz, attempts=row["n"], learners=row["learners"], passed=row["passed"],
        mean_percent=round(row["mean"], 1) if row["mean"] is not None else None,
        distribution=[(f"{low}–{high}", row[f"b{low}"]) for low, high in BUCKETS])


@dataclass
class ItemStats:
    question: Question
    drawn: int
    facility: float | None  # mean share of the points earned, 0-100
    discrimination: float | None  # upper-group facility minus lower-group facility, -1..1
    choice_counts: list[tuple[str, bool, int]]  # (choice text, correct, times picked)


def _group_cuts(done: QuerySet[Attempt]) -> tuple[Decimal, Decimal] | None:
    """Percent thresholds of the top and bottom 27% of attempts (Kelley's groups); None with too few."""
    percents = list(done.order_by("-percent").values_list("percent", flat=True))
    size = round(len(percents) * 0.27)
    if size < 1 or len(percents) < 4:
        return None
    return percents[size - 1], percents[-size]


def item_analysis(*, user, quiz: Quiz) -> list[ItemStats]:
    """Per question of the quiz's completed attempts the user may see: how often it was drawn, facility index,
    discrimination index and how often each choice was picked. Facility and discrimination are computed by the
    database (one aggregate query); choice picks are counted from the stored responses (one query), as JSON
    arrays do not aggregate portably across SQLite and PostgreSQL."""
    done = attempts_visible_to(user, quiz).filter(status=Attempt.Status.COMPLETED)
    rows = AttemptQuestion.objects.filter(attempt__in=done, score__isnull=False)
    share = Cast(F("score"), FloatField()) * 100 / Cast(F("max_score"), FloatField())
    aggregates = {"drawn": Count("pk"), "facility": Avg(share)}
    cuts = _group_cuts(done)
    if cuts:
        aggregates["upper"] = Avg(share, filter=Q(attempt__percent__gte=cuts[0]))
        aggregates["lower"] = Avg(share, filter=Q(attempt__percent__lte=cuts[1]))
    stats = {row["question_id"]: row for row in rows.values("question_id").annotate(**aggregates)}
    questions = Question.objects.filter(pk__in=stats).select_related("category").prefetch_related("choices")
    picks: dict[int, Counter] = defaultdict(Counter)
    for question_id, response in rows.exclude(question__kind=Question.Kind.ESSAY).values_list(
            "question_id", "response"):
        picks[question_id].update(picked_ids(response))
    result = []
    for question in questions:
        row = stats[question.pk]
        discrimination = None
        if cuts and row.get("upper") is not None and row.get("lower") is not None:
            discrimination = round((row["upper"] - row["lower"]) / 100, 2)
        result.append(ItemStats(
            question=question, drawn=row["drawn"],
            facility=round(row["facility"], 1) if row["facility"] is not None else None,
            discrimination=discrimination,
            choice_counts=[(c.text, c.is_correct, picks[question.pk][c.pk]) for c in question.choices.all()]))
    return sorted(result, key=lambda s: (s.facility if s.facility is not None else 101, s.question.pk))
