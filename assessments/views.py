"""Thin views over the assessment services and selectors. Learners reach only their own attempts (looked up
with ``user=request.user``); staff pages check role and scope through ``people.permissions`` and the selectors."""

import contextlib
import json
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail import hooks

from people.decorators import learner_required, role_required
from people.replica import heavy_reads

from . import exports, selectors, services
from .exceptions import LATE_ANSWERS, AssessmentError, AttemptClosed
from .models import Attempt, Quiz

grader_required = role_required(selectors.may_grade)
results_viewer_required = role_required(selectors.may_see_results)


# --- Learners


@learner_required
def my_exams(request):
    cards = selectors.learner_quizzes(user=request.user)
    return render(request, "assessments/my_exams.html", {
        "certification": [c for c in cards if c.quiz.kind == Quiz.Kind.CERTIFICATION],
        "practice": [c for c in cards if c.quiz.kind == Quiz.Kind.PRACTICE],
    })


@learner_required
def quiz_detail(request, quiz_id):
    quiz = get_object_or_404(Quiz.objects.published().select_related("module"), pk=quiz_id)
    attempts = list(Attempt.objects.filter(quiz=quiz, user=request.user))
    card = selectors.quiz_card(user=request.user, quiz=quiz, attempts=attempts)
    # Higher apps say what else the quiz leads to (certificates: the modules a certificate also needs).
    panels = [html for fn in hooks.get_hooks("quiz_detail_panels") if (html := fn(request, quiz))]
    return render(request, "assessments/quiz_detail.html", {"card": card, "quiz": quiz, "panels": panels})


@require_POST
@learner_required
def attempt_start(request, quiz_id):
    quiz = get_object_or_404(Quiz.objects.published(), pk=quiz_id)
    try:
        attempt = services.attempt_start(user=request.user, quiz=quiz)
    except AssessmentError as error:
        messages.error(request, str(error))
        return redirect("assessments:quiz_detail", quiz_id=quiz.pk)
    return redirect("assessments:attempt_take", attempt_id=attempt.pk)


def _own_attempt(request, attempt_id) -> Attempt:
    return get_object_or_404(Attempt.objects.select_related("quiz"), pk=attempt_id, user=request.user)


@never_cache
@learner_required
def attempt_take(request, attempt_id):
    attempt = _own_attempt(request, attempt_id)
    if attempt.is_open and attempt.deadline and timezone.now() >= attempt.deadline:
        attempt = services.attempt_submit(attempt_id=attempt.pk, by_timeout=True)
        messages.warning(request, _("Time ran out: your attempt was submitted with the answers saved before the "
                                    "deadline."))
    if not attempt.is_open:
        return redirect("assessments:attempt_review", attempt_id=attempt.pk)
    items = selectors.attempt_sheet(attempt=attempt)
    one_per_page = attempt.quiz.layout == Quiz.Layout.ONE_PER_PAGE
    # Showing a question writes nothing (a GET): without ``?q=`` the page opens where the learner last answered.
    position = selectors.resume_position(items)
    if one_per_page:
        with contextlib.suppress(ValueError):
            position = int(request.GET.get("q", position))
        position = min(max(position, 1), len(items))
    # Every question is in the page; one per page hides all but the current one. With JavaScript the learner moves
    # between them without a page load (one request per answer, not three); without, the pager posts and reloads.
    return render(request, "assessments/attempt_take.html", {
        "attempt": attempt, "quiz": attempt.quiz, "sheet": items, "one_per_page": one_per_page,
        "position": position, "answered": sum(item.answered for item in items),
        "seconds_left": attempt.seconds_left(),
    })


def _answer_from_post(data, position: int) -> dict:
    """The answer to one position from form fields (``q<position>``, ``t<position>``, ``f<position>``)."""
    answer = {}
    if f"t{position}" in data:
        answer["text"] = data.get(f"t{position}", "")
    elif f"q{position}" in data or f"q{position}-present" in data:
        answer["choice_tokens"] = data.getlist(f"q{position}")
    if f"f{position}-present" in data:
        answer["flagged"] = f"f{position}" in data
    return answer


@require_POST
@login_required
def attempt_answer(request, attempt_id):
    """Save one answer. JavaScript posts JSON ``{position, choices | text, flagged}`` (choices as the page's opaque
    tokens) and gets JSON back; without
    JavaScript the one-per-page form posts here and moves on to the next question.

    Only the attempt's owner reaches it (the service looks the attempt up with the user), so the learner role
    check is not repeated here: two statements in all, as a rule (the session with its user, the answer's UPDATE:
    ``services.attempt_answer``)."""
    is_json = request.content_type == "application/json"
    try:
        if is_json:
            data = json.loads(request.body or b"{}")
            position = int(data["position"])
            answer = {key: data[key] for key in ("text", "flagged") if key in data}
            if "choices" in data:  # the page's opaque choice tokens
                answer["choice_tokens"] = data["choices"]
        else:
            position = int(request.POST["position"])
            answer = _answer_from_post(request.POST, position)
    except (KeyError, TypeError, ValueError):
        return JsonResponse({"error": _("The answer could not be read. Please try again.")}, status=400)
    try:
        row = services.attempt_answer(attempt_id=attempt_id, user=request.user, position=position, **answer)
    except AssessmentError as error:
        if is_json:
            return JsonResponse({"error": str(error), "closed": isinstance(error, AttemptClosed)},
                                status=409 if isinstance(error, AttemptClosed) else 400)
        messages.error(request, str(error))
        return redirect("assessments:attempt_take", attempt_id=attempt_id)
    if is_json:
        return JsonResponse({"saved": True, "position": position, "answered": selectors.is_answered(row.response),
                             "flagged": row.flagged})
    step = request.POST.get("go")
    target = position + 1 if step == "next" else position - 1 if step == "previous" else position
    return redirect(f"{reverse('assessments:attempt_take', args=[attempt_id])}?q={max(target, 1)}")


def _answers_from_post(data) -> dict[int, dict]:
    """Every question's answer in a submitted form, by position (the form names its fields by position)."""
    positions = {int(name[1:].removesuffix("-present")) for name in data
                 if name[:1] in "qtf" and name[1:].removesuffix("-present").isdigit()}
    return {position: answer for position in sorted(positions) if (answer := _answer_from_post(data, position))}


@require_POST
@learner_required
def attempt_submit(request, attempt_id):
    """Submit, with the answers still in the form (when JavaScript did not save them): one service call."""
    attempt = _own_attempt(request, attempt_id)
    try:
        attempt = services.attempt_submit(attempt_id=attempt.pk, user=request.user,
                                          answers=_answers_from_post(request.POST) if attempt.is_open else None)
    except AssessmentError as error:
        messages.error(request, str(error))
        return redirect("assessments:attempt_take", attempt_id=attempt.pk)
    if attempt.late_answers_dropped:
        messages.warning(request, str(LATE_ANSWERS))
    return redirect("assessments:attempt_review", attempt_id=attempt.pk)


@never_cache
@learner_required
def attempt_review(request, attempt_id):
    attempt = _own_attempt(request, attempt_id)
    if attempt.is_open:
        return redirect("assessments:attempt_take", attempt_id=attempt.pk)
    return render(request, "assessments/attempt_review.html", {
        "review": selectors.attempt_review(attempt=attempt), "attempt": attempt, "quiz": attempt.quiz})


@learner_required
def attempt_history(request):
    page = Paginator(selectors.learner_attempts(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "assessments/attempt_history.html", {"page": page})


# --- Grading


@grader_required
def grading_queue(request):
    rows = selectors.grading_queue(user=request.user)
    return render(request, "assessments/grading_queue.html", {"rows": rows[:200], "total": rows.count()})


@grader_required
def essay_grade(request, row_id):
    row = get_object_or_404(selectors.grading_queue(user=request.user), pk=row_id)
    error = None
    if request.method == "POST":
        try:
            points = Decimal(request.POST.get("points", ""))
            services.essay_grade(attempt_question_id=row.pk, grader=request.user, points=points,
                                 comment=request.POST.get("comment", ""))
        except InvalidOperation:
            error = _("Enter the points as a number.")
        except AssessmentError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Grade saved."))
            return redirect("assessments:grading_queue")
    return render(request, "assessments/essay_grade.html", {"row": row, "error": error, "data": request.POST})


# --- Results and item analysis


@results_viewer_required
def results_index(request):
    quizzes = selectors.quizzes_with_results_for(request.user).select_related("module").order_by("kind", "title")
    return render(request, "assessments/results_index.html", {"quizzes": quizzes})


@results_viewer_required
@heavy_reads
def quiz_results(request, quiz_id):
    quiz = get_object_or_404(selectors.quizzes_with_results_for(request.user), pk=quiz_id)
    items = selectors.item_analysis(user=request.user, quiz=quiz)
    export = request.GET.get("export")
    if export in exports.FORMATS:
        content, content_type = exports.item_analysis_export(quiz=quiz, items=items, file_format=export)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="quiz-{quiz.pk}-items.{export}"'
        return response
    return render(request, "assessments/quiz_results.html", {
        "quiz": quiz, "results": selectors.quiz_results(user=request.user, quiz=quiz), "item_stats": items})
