"""The self-check at the end of a lesson: one POST per answer, answered with its feedback.

A plain form (works without JavaScript): the answer is saved and the lesson page shows the feedback where the
question was. Sent by the offline queue (``Accept: application/json``, ``idempotency_key``) it gets JSON: the
feedback, or 400 with the reason (the queue drops it and shows why)."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from courses.models import LessonPage
from people.decorators import learner_required
from people.exceptions import PeopleError

from . import self_check_services
from .exceptions import AssessmentError
from .models import Choice


def _feedback(answer) -> dict:
    question = answer.question
    right = Choice.objects.filter(question=question, is_correct=True).order_by("sort_order")
    return {"ok": True, "correct": answer.correct, "right": [choice.text for choice in right],
            "explanation": question.explanation, "legal_reference": question.legal_reference}


@require_POST
@learner_required
def self_check_answer(request, lesson_id):
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    as_json = "application/json" in request.headers.get("Accept", "")
    question = request.POST.get("question", "")
    try:
        answer = self_check_services.self_check_answer(
            person=request.user, lesson=lesson, question_id=int(question) if question.isdigit() else 0,
            choice_tokens=request.POST.getlist("choice"),
            idempotency_key=request.POST.get("idempotency_key", "").strip())
    except (AssessmentError, PeopleError) as error:
        if as_json:
            return JsonResponse({"ok": False, "error": str(error)}, status=400)
        messages.error(request, str(error))
    else:
        if as_json:
            return JsonResponse(_feedback(answer))
    return redirect(f"{lesson.url}#self-check")
