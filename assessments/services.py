"""Every write of the assessment engine. Keyword-only, atomic, named <entity>_<action>.

Concurrency: every service that changes an attempt first locks the attempt's row (``SELECT … FOR UPDATE``; on
SQLite the IMMEDIATE transaction mode takes the database write lock instead), and database constraints catch what
locks cannot (one open attempt per learner and quiz, one row per position). So a double-clicked submit, two tabs or
racing requests end in exactly one scored result."""

import random
import secrets
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.db import IntegrityError, connections, transaction
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people import fast_sql, permissions
from people.services.notices import notice_send
from people.status import StatusMachine, status_change

from . import selectors
from .exceptions import LATE_ANSWERS, AssessmentError, AttemptClosed, InvalidResponse
from .models import (
    Attempt,
    AttemptQuestion,
    AttemptStatusChange,
    Choice,
    Question,
    QuestionCategory,
    Quiz,
    answer_token_choices,
)
from .scoring import Key, percent_of, plain, score_response
from .signals import attempt_passed

ESSAY_MAX_LENGTH = 5000
_random = secrets.SystemRandom()  # draws and shuffles must not be predictable


# --- Status: the one function that moves an attempt, and records who, when and why.

ATTEMPT_MACHINE = StatusMachine(
    transitions=Attempt.TRANSITIONS, history=AttemptStatusChange, subject="attempt", error=AssessmentError,
    refusal=gettext_lazy("An attempt cannot go from “%(old)s” to “%(new)s”."),
    save_all=True,  # the submit and grading services set the result fields just before the move
)


def attempt_set_status(*, attempt: Attempt, status: str, by=None, reason: str = "", now=None) -> Attempt:
    """Move an attempt to ``status`` if ``Attempt.TRANSITIONS`` allows it (``people.status.status_change``),
    saving the attempt's other changed fields with it and writing an ``AttemptStatusChange`` row. Call inside the
    transaction holding the attempt's lock (every caller does: see the module's docstring)."""
    return status_change(attempt, machine=ATTEMPT_MACHINE, to=status, by=by, reason=reason, at=now, locked=True)


# --- Starting

def _draw_questions(quiz: Quiz, rng: random.Random) -> list[Question]:
    """The questions of a new attempt. A practice quiz never gets a question of an exam-only pool (its answers
    would be shown in the practice review before the exam)."""
    bank = Question.objects.all()
    if quiz.kind == Quiz.Kind.PRACTICE:
        bank = bank.exclude(pk__in=selectors.exam_only_questions().values("pk"))
    fixed = list(quiz.fixed_questions.select_related("question").order_by("sort_order"))
    allowed = set(bank.filter(pk__in=[row.question_id for row in fixed]).values_list("pk", flat=True))
    drawn = [row.question for row in fixed if row.question_id in allowed]
    taken = {q.pk for q in drawn}
    for rule in quiz.draw_rules.select_related("category").order_by("sort_order"):
        pool = bank.exclude(pk__in=taken)
        if rule.category_id:
            pool = pool.filter(category__path__startswith=rule.category.path)
        if rule.tag:
            pool = pool.filter(tags__name=rule.tag)
        # The pool's rows carry what an attempt keeps of a question (kind, points), so the drawn ones need no
        # second query: one round trip less per rule, paid by every taker of an exam-start burst (issue #19).
        rows = {question.pk: question for question in pool.only("id", "kind", "points")}
        ids = sorted(rows)
        picked = rng.sample(ids, min(rule.count, len(ids)))
        taken.update(picked)
        drawn += [rows[pk] for pk in sorted(picked)]  # in the bank's order, as the query gave them before
    if quiz.shuffle_questions:
        rng.shuffle(drawn)
    return drawn


def _choice_orders(questions: list[Question], shuffle: bool, rng: random.Random) -> dict[int, list[int]]:
    orders: dict[int, list[int]] = defaultdict(list)
    for question_id, choice_id in (Choice.objects.filter(question__in=questions).order_by("sort_order", "pk")
                                   .values_list("question_id", "id")):
        orders[question_id].append(choice_id)
    for question in questions:
        # True/false keeps its natural order (正确 before 错误); shuffling it would only confuse.
        if shuffle and question.kind != Question.Kind.TRUE_FALSE:
            rng.shuffle(orders[question.pk])
    return orders


def attempt_start(*, user, quiz: Quiz, now=None, rng: random.Random | None = None) -> Attempt:
    """Start an attempt, or return the learner's open one (resume). Draws the questions once and stores them as
    rows with the shuffled choice order, in one transaction with the attempt (never an attempt without its
    questions). Refuses with ``AssessmentError`` when the learner may not start.
    Safe under races: the ``one_open_attempt_per_quiz`` constraint lets exactly one of two racing starts win;
    the other returns the winner's attempt. ``rng`` makes the draw reproducible (demo data); by default draws
    use the system's unpredictable source."""
    now = now or timezone.now()
    rng = rng or _random
    # One query says both whether an attempt is open (resume it) and how many were used (the exam-start burst:
    # every query here is paid by each of hundreds of takers within seconds).
    earlier = list(Attempt.objects.filter(quiz=quiz, user=user).values_list("pk", "status"))
    open_ids = [pk for pk, status in earlier if status == Attempt.Status.IN_PROGRESS]
    if open_ids:
        return Attempt.objects.get(pk=open_ids[0])
    used = len(earlier)
    refusal = selectors.quiz_start_refusal(user=user, quiz=quiz, attempts_used=used, now=now)
    if refusal:
        raise AssessmentError(refusal)
    questions = _draw_questions(quiz, rng)
    if not questions:
        raise AssessmentError(_("This quiz has no questions yet."))
    deadline = None
    if quiz.time_limit_minutes:
        deadline = now + timezone.timedelta(minutes=quiz.time_limit_minutes)
    if quiz.closes_at and (deadline is None or quiz.closes_at < deadline):
        deadline = quiz.closes_at
    orders = _choice_orders(questions, quiz.shuffle_choices, rng)
    # The reads above need no transaction (the constraint settles a race); the attempt and its rows are written in
    # one (a savepoint only when a caller holds a transaction): a lost race rolls the whole of it back, and the
    # winner's attempt is returned.
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                quiz=quiz, user=user, number=used + 1, started_at=now, deadline=deadline,
                max_score=sum((q.points for q in questions), Decimal(0)))
            AttemptQuestion.objects.bulk_create([
                AttemptQuestion(attempt=attempt, question=q, position=i, choice_order=orders.get(q.pk, []),
                                max_score=q.points)
                for i, q in enumerate(questions, start=1)
            ])
    except IntegrityError:
        # Another request started this attempt first; it has committed, so it is visible now.
        return Attempt.objects.get(quiz=quiz, user=user, status=Attempt.Status.IN_PROGRESS)
    return attempt


# --- Answering

def _clean_response(kind: str, choice_order: list[int], choices: list[int] | None, text: str | None) -> dict:
    """What an answer stores for a question of ``kind`` whose choices are ``choice_order``: the one rule, read by
    both ways of saving an answer (``attempt_answer``) and by the submit."""
    if kind == Question.Kind.ESSAY:
        text = (text or "").strip()
        if len(text) > ESSAY_MAX_LENGTH:
            raise InvalidResponse(_("An answer may be at most %(n)d characters long.") % {"n": ESSAY_MAX_LENGTH})
        return {"text": text}
    try:
        picked = sorted({int(c) for c in choices or ()})
    except (TypeError, ValueError):
        raise InvalidResponse(_("That answer does not fit this question.")) from None
    if not set(picked) <= set(choice_order):
        raise InvalidResponse(_("That answer does not fit this question."))
    if kind != Question.Kind.MULTIPLE and len(picked) > 1:
        raise InvalidResponse(_("Pick only one answer for this question."))
    return {"choices": picked}


def ensure_accepting_answers(attempt: Attempt, now) -> None:
    if attempt.status != Attempt.Status.IN_PROGRESS:
        raise AttemptClosed(_("This attempt has been submitted; its answers can no longer change."))
    if attempt.deadline is not None and now >= attempt.deadline:
        raise AttemptClosed(str(LATE_ANSWERS))


def attempt_answer(*, attempt_id: int, user, position: int, choices: list[int] | None = None,
                   choice_tokens: list[str] | None = None, text: str | None = None, flagged: bool | None = None,
                   now=None) -> AttemptQuestion:
    """Save one answer (and/or the review flag) exactly as given, on the server, at once.

    A browser answers with ``choice_tokens``, the opaque values its page showed (``models.answer_tokens``, sealed
    for that one drawn question); ``choices`` are choice ids, for callers inside the server (demo data).

    Every answer of an exam day is saved here, so the usual save is one statement with no transaction around it
    (issue #21): ``_answer_unread``, an UPDATE that writes only if the attempt is the user's and still open and the
    question is of a kind that stores this answer as it came. Otherwise — a refusal to explain, or an answer that
    path does not take — the drawn question is read with its attempt and type, the answer checked against it, and
    written by an UPDATE under the same open-attempt condition (two statements). That condition locks the
    attempt's row for the statement, so a save arriving while the attempt is being submitted waits for the submit,
    then finds the attempt closed and writes nothing: an answer cannot slip in after the scoring.
    Its ``answered_at`` is also where a return to the attempt resumes (``selectors.resume_position``), so moving
    on to the next question writes nothing more.
    Refuses with ``AttemptClosed`` after submission or the deadline, ``InvalidResponse`` for an answer that does
    not fit. Only the attempt's owner may answer (another user's attempt is simply not found)."""
    now = now or timezone.now()
    if choices is None:
        saved = _answer_unread(attempt_id=attempt_id, user_id=user.pk, position=position,
                               choice_tokens=choice_tokens, text=text, flagged=flagged, now=now)
        if saved is not None:
            return saved
    row = answer_row(attempt_id=attempt_id, user_id=user.pk, position=position)
    if row is None:
        raise AssessmentError(_("There is no such question in this attempt."))
    ensure_accepting_answers(row.attempt, now)
    fields = _answer_fields(row, choices=choices, choice_tokens=choice_tokens, text=text, flagged=flagged, now=now)
    if fields:
        if not fast_sql.update_row(AttemptQuestion, row.pk, fields, only_if=_attempt_open(row.attempt_id, now)):
            # Closed between the read and the write (a submit, the clock): say which, as a save after it would.
            ensure_accepting_answers(Attempt.objects.only("status", "deadline").get(pk=row.attempt_id), now)
            raise AttemptClosed(_("This attempt has been submitted; its answers can no longer change."))
        for name, value in fields.items():
            setattr(row, name, value)
    return row


# What the one-statement save gives back: enough for the page's reply and for a caller's later look.
ANSWER_SAVED_FIELDS = ("id", "attempt", "question", "position", "response", "answered_at", "flagged")


def _answer_unread(*, attempt_id: int, user_id: int, position: int, choice_tokens, text, flagged,
                   now) -> AttemptQuestion | None:
    """Save an answer in one UPDATE, reading nothing first; None when it wrote nothing (the caller then reads and
    checks: a refusal and its reason, or an answer this way does not take).

    What the read would be needed for is known without it: the choices, opened from the page's tokens
    (``models.answer_token_choices``), can only be the question's own; the question's kind is not known, so the
    rule (``_clean_response``) is asked for every kind and the UPDATE writes only where the question is of a kind
    under which the rule stores this answer as it came — an answer given as choices stored as those choices, as
    text stored as that text. So it writes exactly what the read-and-check way would, or nothing
    (tests/assessments/test_answer_sql.py runs both over every kind and answer)."""
    fields, kinds = {}, None
    if choice_tokens is not None and text is not None:
        return None  # not what a page sends: let the checks decide
    if choice_tokens is not None or text is not None:
        picked = None
        if choice_tokens is not None:
            picked = answer_token_choices(attempt_id, position, choice_tokens)
            if picked is None:
                return None
        stored_as = "choices" if picked is not None else "text"
        responses = {}
        for kind in Question.Kind.values:
            try:
                responses[kind] = _clean_response(kind, picked or [], picked, text)
            except InvalidResponse:
                continue
        stored = [(kind, response) for kind, response in responses.items() if stored_as in response]
        if not stored:
            return None
        response = stored[0][1]
        kinds = [kind for kind, other in stored if other == response]
        fields.update(response=response, answered_at=now)
    if flagged is not None:
        fields["flagged"] = bool(flagged)
    if not fields:
        return None
    condition, params = _attempt_open(attempt_id, now, user_id=user_id)
    where = f"{_answer_at_sql('default')} AND {condition}"
    params = [attempt_id, position, *params]
    if kinds is not None:
        where += f" AND {_question_kind_in_sql('default', len(kinds))}"
        params += kinds
    return fast_sql.update_returning(AttemptQuestion, fields, (where, params), ANSWER_SAVED_FIELDS)


@cache
def _answer_at_sql(using: str) -> str:
    quote = connections[using].ops.quote_name
    table = quote(AttemptQuestion._meta.db_table)
    return f"{table}.{quote('attempt_id')} = %s AND {table}.{quote('position')} = %s"


@cache
def _question_kind_in_sql(using: str, count: int) -> str:
    """The answered row's question is of one of ``count`` kinds (given as parameters)."""
    quote = connections[using].ops.quote_name
    question, answer = quote(Question._meta.db_table), quote(AttemptQuestion._meta.db_table)
    return (f"EXISTS (SELECT 1 FROM {question} WHERE {question}.{quote('id')} = {answer}.{quote('question_id')}"  # noqa: S608  (our own names)
            f" AND {question}.{quote('kind')} IN ({', '.join(['%s'] * count)}))")


# What the read of an answer reads: the drawn question, its attempt and its question's type.
ANSWER_ROW_FIELDS = ((AttemptQuestion, "aq", ("id", "attempt", "question", "choice_order", "response", "flagged")),
                     (Attempt, "a", ("id", "user", "status", "deadline")),
                     (Question, "q", ("id", "kind")))


@cache
def _answer_row_sql(using: str) -> str:
    """The read of ``attempt_answer`` as SQL built once: every answer saved on an exam day runs it, and the ORM
    spent ~0.7 ms of CPU compiling it each time (``people.fast_sql``). It is the ORM's
    ``AttemptQuestion.objects.select_related("attempt", "question").filter(attempt_id=…, attempt__user_id=…,
    position=…)``; tests/assessments/test_answer_sql.py proves the two agree."""
    quote = connections[using].ops.quote_name
    columns = ", ".join(fast_sql.columns_sql(model, names, alias, using=using)
                        for model, alias, names in ANSWER_ROW_FIELDS)

    def column(alias: str, name: str) -> str:
        return f"{quote(alias)}.{quote(name)}"

    return (f"SELECT {columns} FROM {quote(AttemptQuestion._meta.db_table)} {quote('aq')}"  # noqa: S608  (our own names)
            f" INNER JOIN {quote(Attempt._meta.db_table)} {quote('a')}"
            f" ON {column('aq', 'attempt_id')} = {column('a', 'id')}"
            f" INNER JOIN {quote(Question._meta.db_table)} {quote('q')}"
            f" ON {column('aq', 'question_id')} = {column('q', 'id')}"
            f" WHERE {column('aq', 'attempt_id')} = %s AND {column('a', 'user_id')} = %s"
            f" AND {column('aq', 'position')} = %s")


def answer_row(*, attempt_id: int, user_id: int, position: int, using: str = "default") -> AttemptQuestion | None:
    """The drawn question at ``position`` of the user's attempt with ``.attempt`` and ``.question`` filled in;
    None when there is no such question in the user's attempt."""
    with fast_sql.prepared_cursor(using) as cursor:
        cursor.execute(_answer_row_sql(using), [attempt_id, user_id, position])
        values = cursor.fetchone()
    if values is None:
        return None
    instances, start = [], 0
    for model, _alias, names in ANSWER_ROW_FIELDS:
        instances.append(fast_sql.instance(model, names, values[start:start + len(names)], using=using))
        start += len(names)
    row, attempt, question = instances
    row.attempt, row.question = attempt, question
    return row


@cache
def _attempt_open_sql(using: str, owned: bool = False) -> str:
    """The condition under which an answer's UPDATE writes: its attempt is in progress and before its deadline
    (``ensure_accepting_answers``, the same rule in SQL; tests/assessments/test_answer_sql.py proves they agree),
    and, ``owned``, the attempt is the user's. On PostgreSQL it locks the attempt's row for the statement (as the
    submit's ``select_for_update`` does), so it waits for a submit under way and then reads the attempt as the
    submit left it. SQLite writes one at a time: the submit's transaction holds the write lock until it commits."""
    connection = connections[using]
    quote = connection.ops.quote_name
    lock = ""
    if connection.features.has_select_for_update:
        lock = " FOR NO KEY UPDATE" if connection.features.has_select_for_no_key_update else " FOR UPDATE"
    # Columns named with their table: inside the UPDATE of the answers, a bare "id" would puzzle a reader.
    table = quote(Attempt._meta.db_table)
    deadline = f"{table}.{quote('deadline')}"
    owner = f" AND {table}.{quote('user_id')} = %s" if owned else ""
    return (f"EXISTS (SELECT 1 FROM {table} WHERE {table}.{quote('id')} = %s{owner}"  # noqa: S608  (our own names)
            f" AND {table}.{quote('status')} = %s AND ({deadline} IS NULL OR {deadline} > %s){lock})")


def _attempt_open(attempt_id: int, now, using: str = "default", *, user_id: int | None = None) -> tuple[str, list]:
    connection = connections[using]
    owner = [] if user_id is None else [user_id]
    return _attempt_open_sql(using, user_id is not None), [
        attempt_id, *owner, Attempt.Status.IN_PROGRESS.value, connection.ops.adapt_datetimefield_value(now)]


def _answer_fields(row: AttemptQuestion, *, choices=None, choice_tokens=None, text=None, flagged=None,
                   now) -> dict:
    """The fields an answer changes on its row, checked against the question (``InvalidResponse`` otherwise).
    Any answer given (even the same again, or none picked) moves ``answered_at``: the learner was on it."""
    if choice_tokens is not None:
        choices = row.choices_from_tokens(choice_tokens)
        if choices is None:
            raise InvalidResponse(_("That answer does not fit this question."))
    fields = {}
    if choices is not None or text is not None:
        fields.update(response=_clean_response(row.question.kind, row.choice_order, choices, text), answered_at=now)
    if flagged is not None:
        fields["flagged"] = bool(flagged)
    return fields


# --- Submitting and scoring

def _apply_totals(attempt: Attempt, score: Decimal, essays_pending: bool) -> None:
    attempt.score = score
    if essays_pending:
        attempt.percent = attempt.passed = None
    else:
        attempt.percent = percent_of(score, attempt.max_score)
        attempt.passed = attempt.percent >= attempt.quiz.pass_mark


def _announce_if_passed(attempt: Attempt, now) -> None:
    """Send ``attempt_passed`` the first time the attempt's final result is a pass (never twice)."""
    if attempt.status == Attempt.Status.COMPLETED and attempt.passed and attempt.pass_announced_at is None:
        attempt.pass_announced_at = now
        Attempt.objects.filter(pk=attempt.pk).update(pass_announced_at=now)
        attempt_passed.send(sender=Attempt, user=attempt.user, attempt=attempt)


def _right_choices(question_ids) -> dict[int, set[int]]:
    """The ids of each question's right choices (plain values: a submit needs no Choice objects)."""
    right: dict[int, set[int]] = defaultdict(set)
    for question_id, choice_id in (Choice.objects.filter(question_id__in=question_ids, is_correct=True)
                                   .values_list("question_id", "id")):
        right[question_id].add(choice_id)
    return right


def attempt_submit(*, attempt_id: int, user=None, answers: dict[int, dict] | None = None, by_timeout: bool = False,
                   now=None) -> Attempt:
    """Close an attempt and score it, once. Idempotent: submitting a closed attempt returns it unchanged, so a
    double click, a second tab or the background task racing the learner yields exactly one scored result.

    ``answers`` are those still in the submitted form, ``{position: {"choice_tokens" | "choices" | "text",
    "flagged"}}`` (without JavaScript nothing was saved as the learner went): each is checked as
    ``attempt_answer`` checks it and saved where it differs from what is stored, in the same transaction as the
    scoring, so an answer that does not fit refuses the whole submit (``InvalidResponse``) and nothing is written.
    Answers that arrive after the deadline are not taken (the attempt was closed by the clock):
    ``attempt.late_answers_dropped`` says how many differed from what was saved in time.

    A constant number of queries whatever the number of questions: lock the attempt, read its rows, read the keys,
    one bulk update of the changed answers and one of the scores, save the attempt and its status change. Attempts
    holding essays go to "awaiting grading"; the others are completed and, if passed, announce ``attempt_passed``.
    ``user`` limits the call to the attempt's owner; the background task passes ``by_timeout=True`` instead,
    and then only closes attempts whose deadline has passed."""
    return _attempt_close(attempt_id=attempt_id, user=user, answers=answers or {}, by_timeout=by_timeout,
                          now=now or timezone.now())[0]


@transaction.atomic
def _attempt_close(*, attempt_id: int, user, by_timeout: bool, now, answers: dict[int, dict] | None = None,
                   ) -> tuple[Attempt, bool]:
    """``attempt_submit``'s work; also says whether this call closed the attempt."""
    lookup = {"pk": attempt_id} if user is None else {"pk": attempt_id, "user": user}
    attempt = Attempt.objects.select_for_update(of=("self",)).select_related("quiz", "user").filter(**lookup).first()
    if attempt is None:
        raise AssessmentError(_("There is no such attempt."))
    attempt.late_answers_dropped = 0
    if not attempt.is_open or (by_timeout and (attempt.deadline is None or now < attempt.deadline)):
        return attempt, False
    rows = list(attempt.questions.select_related("question").only(
        "id", "attempt_id", "question_id", "position", "choice_order", "response", "flagged", "max_score", "score",
        "question__kind", "question__points", "question__negative_marking"))
    late = attempt.deadline is not None and now >= attempt.deadline
    if late:
        attempt.late_answers_dropped = _late_answers(rows, answers or {})
    elif changed := _apply_answers(rows, answers or {}, now=now):
        AttemptQuestion.objects.bulk_update(changed, ["response", "answered_at", "flagged"], batch_size=1000)
    right = _right_choices([row.question_id for row in rows])
    total, essays_pending = Decimal(0), False
    for row in rows:
        row.score = score_response(Key.of(row.question, right[row.question_id]), row.response)
        if row.score is None:
            # An unanswered essay has nothing to grade: it scores zero at once.
            if row.response and row.response.get("text"):
                essays_pending = True
            else:
                row.score = Decimal(0)
        total += row.score or 0
    # One UPDATE as bulk_update(rows, ["score"]) makes, without compiling its CASE of every row (~2 ms of CPU).
    fast_sql.update_each(AttemptQuestion, "score", {row.pk: row.score for row in rows})
    # A submit that arrives after the deadline (a tab left open, a late click) did not beat the clock: the attempt
    # was closed by the deadline, at the deadline, whoever pressed the button.
    closed_at = attempt.deadline if late else now
    attempt.submitted_at = closed_at
    attempt.closed_by_timeout = by_timeout or late
    _apply_totals(attempt, total, essays_pending)
    status = Attempt.Status.AWAITING_GRADING if essays_pending else Attempt.Status.COMPLETED
    attempt_set_status(attempt=attempt, status=status, by=None if attempt.closed_by_timeout else attempt.user,
                       now=closed_at, reason="timeout" if attempt.closed_by_timeout else "submitted")
    _announce_if_passed(attempt, now)
    return attempt, True


def _apply_answers(rows: list[AttemptQuestion], answers: dict[int, dict], *, now) -> list[AttemptQuestion]:
    """Set the submitted form's answers on their rows (checked as ``attempt_answer`` checks them); the rows whose
    answer or flag changed."""
    by_position = {row.position: row for row in rows}
    changed = []
    for position, answer in answers.items():
        row = by_position.get(position)
        if row is None:
            raise InvalidResponse(_("There is no such question in this attempt."))
        fields = _answer_fields(row, **answer, now=now)
        if _unchanged(row, fields):
            continue
        for name, value in fields.items():
            setattr(row, name, value)
        changed.append(row)
    return changed


def _late_answers(rows: list[AttemptQuestion], answers: dict[int, dict]) -> int:
    """How many of a late form's answers differ from what was saved in time (they are not taken). Unchecked input:
    an answer that does not read as one of the question's is simply not what was saved."""
    by_position = {row.position: row for row in rows}
    late = 0
    for position, answer in answers.items():
        row = by_position.get(position)
        try:
            same = row is not None and _unchanged(row, _answer_fields(row, **answer, now=None))
        except (AssessmentError, TypeError):
            same = False
        late += 0 if same or row is None else 1
    return late


def _unchanged(row: AttemptQuestion, fields: dict) -> bool:
    return (fields.get("response", row.response) == row.response
            and fields.get("flagged", row.flagged) == row.flagged)


def attempts_close_overdue(*, now=None) -> int:
    """Close and score every open attempt whose deadline has passed (the learner never came back). Each attempt
    is closed in its own transaction, under its own lock; returns how many this call closed."""
    now = now or timezone.now()
    overdue = Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS, deadline__lte=now).values_list("pk", flat=True)
    return sum(_attempt_close(attempt_id=attempt_id, user=None, by_timeout=True, now=now)[1]
               for attempt_id in list(overdue))


# --- Grading essays

@transaction.atomic
def essay_grade(*, attempt_question_id: int, grader, points: Decimal, comment: str = "", now=None) -> AttemptQuestion:
    """Record rubric points and a comment for one essay. When it was the attempt's last ungraded essay the
    attempt completes, the learner gets a notice and, on a pass, ``attempt_passed`` is sent.
    Only the quiz's responsible lecturer or an administrator may grade (``people.permissions.can_grade``)."""
    now = now or timezone.now()
    row = AttemptQuestion.objects.select_related("question").filter(pk=attempt_question_id).first()
    if row is None or row.question.kind != Question.Kind.ESSAY:
        raise AssessmentError(_("There is no such essay."))
    attempt = Attempt.objects.select_for_update(of=("self",)).select_related("quiz", "user").get(pk=row.attempt_id)
    if not permissions.can_grade(grader, attempt.quiz):
        raise AssessmentError(_("You may not grade this quiz."))
    if attempt.status != Attempt.Status.AWAITING_GRADING:
        raise AssessmentError(_("This attempt is not awaiting grading."))
    points = Decimal(points)
    if not Decimal(0) <= points <= row.max_score:
        raise AssessmentError(_("Give between 0 and %(max)s points.") % {"max": plain(row.max_score)})
    row.score, row.grader, row.graded_at, row.grader_comment = points, grader, now, comment.strip()
    row.save(update_fields=["score", "grader", "graded_at", "grader_comment"])
    totals = attempt.questions.aggregate(total=Sum("score"), ungraded=Count("pk", filter=Q(score__isnull=True)))
    _apply_totals(attempt, totals["total"] or Decimal(0), essays_pending=bool(totals["ungraded"]))
    if totals["ungraded"]:
        attempt.save(update_fields=["score", "percent", "passed"])
        return row
    attempt_set_status(attempt=attempt, status=Attempt.Status.COMPLETED, by=grader, now=now, reason="graded")
    result = _("passed") if attempt.passed else _("not passed")
    notice_send(
        person=attempt.user,
        title=_("Your attempt at “%(quiz)s” has been graded") % {"quiz": attempt.quiz.title},
        body=_("Score: %(percent)s%% (%(result)s).") % {"percent": plain(attempt.percent), "result": result},
        url=reverse("assessments:attempt_review", args=[attempt.pk]),
    )
    _announce_if_passed(attempt, now)
    return row


# --- Correcting a key

@dataclass(frozen=True)
class RescoreReport:
    attempts_checked: int
    attempts_changed: int


@transaction.atomic
def question_rescore(*, question: Question, now=None) -> RescoreReport:
    """After a question's key was corrected, score it again in every submitted attempt that drew it, update
    those attempts' totals and results, and report how many attempts changed. An attempt that now passes
    announces ``attempt_passed`` (once, as ever). Essays are graded by people and are left alone."""
    now = now or timezone.now()
    if question.is_essay:
        return RescoreReport(0, 0)
    closed = ~Q(attempt__status=Attempt.Status.IN_PROGRESS)
    attempt_ids = AttemptQuestion.objects.filter(closed, question=question).values("attempt_id")
    attempts = {a.pk: a for a in Attempt.objects.select_for_update(of=("self",)).select_related("quiz", "user")
                .filter(pk__in=attempt_ids)}
    key = Key.of(question, question.choices.filter(is_correct=True).values_list("id", flat=True))
    rows = list(AttemptQuestion.objects.filter(question=question, attempt_id__in=attempts).only(
        "id", "attempt_id", "response", "score"))
    changed_rows = []
    for row in rows:
        new = score_response(key, row.response)
        if new != row.score:
            row.score = new
            changed_rows.append(row)
    AttemptQuestion.objects.bulk_update(changed_rows, ["score"], batch_size=1000)
    changed_ids = {row.attempt_id for row in changed_rows}
    totals = (AttemptQuestion.objects.filter(attempt_id__in=changed_ids).values("attempt_id")
              .annotate(total=Sum("score"), ungraded=Count("pk", filter=Q(score__isnull=True))))
    for total in totals:
        attempt = attempts[total["attempt_id"]]
        _apply_totals(attempt, total["total"] or Decimal(0), essays_pending=bool(total["ungraded"]))
        attempt.save(update_fields=["score", "percent", "passed"])
        _announce_if_passed(attempt, now)
    return RescoreReport(attempts_checked=len(attempts), attempts_changed=len(changed_ids))


# --- The question bank

def category_add(*, parent: QuestionCategory | None, name: str) -> QuestionCategory:
    """Add a category under ``parent`` (or at the top)."""
    if parent is None:
        return QuestionCategory.add_root(name=name)
    # treebeard places the child by the parent's child count; a stale parent object would collide.
    parent.refresh_from_db(fields=["numchild", "path", "depth"])
    return parent.add_child(name=name)


def category_path_ensure(*, names: list[str]) -> QuestionCategory:
    """The category at a path of names (人民调解法 / 调解协议), creating the missing ones. Idempotent."""
    parent = None
    for name in names:
        siblings = parent.get_children() if parent else QuestionCategory.get_root_nodes()
        parent = siblings.filter(name=name).first() or category_add(parent=parent, name=name)
    return parent


@dataclass
class QuestionDraft:
    """A validated question, ready to be saved (from an import row or the demo)."""

    category: list[str]
    kind: str
    text: str
    choices: list[tuple[str, bool, str]]  # (text, correct, feedback)
    points: Decimal = Decimal(1)
    difficulty: int = Question.Difficulty.MEDIUM
    legal_reference: str = ""
    explanation: str = ""
    negative_marking: bool = False
    rubric: str = ""
    tags: tuple[str, ...] = ()


@transaction.atomic
def question_create(*, draft: QuestionDraft, author=None) -> Question:
    """Save one validated question with its category path, tags and choices, all or none."""
    category = category_path_ensure(names=draft.category)
    question = Question(
        category=category, kind=draft.kind, text=draft.text, points=draft.points, difficulty=draft.difficulty,
        legal_reference=draft.legal_reference, explanation=draft.explanation,
        negative_marking=draft.negative_marking, rubric=draft.rubric, created_by=author)
    # Cluster tags are held in memory and written by save(), so they are set first.
    question.tags.add(*draft.tags)
    question.save()
    Choice.objects.bulk_create([
        Choice(question=question, text=text, is_correct=correct, feedback=feedback, sort_order=i)
        for i, (text, correct, feedback) in enumerate(draft.choices)])
    return question


@transaction.atomic
def questions_import(*, drafts: list[QuestionDraft], author) -> list[Question]:
    """Save already validated questions, all or none (see ``importing.parse_questions`` for validation)."""
    return [question_create(draft=draft, author=author) for draft in drafts]
