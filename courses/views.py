"""Learner and bureau actions around the Wagtail pages: enrol, complete, play, sign up, check in, roster, report.

Thin: each view checks who may act (``people.decorators``, ``courses.permissions``), calls one service or selector
and redirects or renders. Domain refusals (``CoursesError``) come back to the user as a message in their language."""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from people import permissions as people_permissions
from people.decorators import bureau_staff_required, learner_required, role_required
from people.exceptions import PeopleError
from people.files import private_file_response
from people.models import User
from people.qr import qr_svg

from . import selectors, services
from .choices import Competency, Outcome
from .exceptions import CoursesError
from .forms import AssignModuleForm, ReportPeriodForm, SessionAssignForm, SessionForm
from .media import ranged_file_response
from .models import (
    CourseModulePage,
    LessonPage,
    PrivateHandout,
    RotationSession,
    ScenarioPage,
    ScenarioRun,
    attendee_code,
)
from .permissions import can_manage_session, may_change_document, may_download_handout
from .progress import parse_read_seconds, parse_watched
from .scenario_graph import Ending, steps_to_end


def _refused(request, error: CoursesError):
    messages.error(request, str(error))


def _sent_from_queue(request) -> bool:
    """A write replayed by the offline queue (site/static/js/offline.js) asks for JSON, not a page."""
    return "application/json" in request.headers.get("Accept", "")


def _queue_answer(error: Exception | None = None, **result) -> JsonResponse:
    # 400 tells the queue to drop the write and show why; a network failure or a 5xx keeps it queued.
    if error:
        return JsonResponse({"ok": False, "error": str(error)}, status=400)
    return JsonResponse({"ok": True, **result})


@require_POST
@learner_required
def module_enrol(request, module_id):
    module = get_object_or_404(CourseModulePage.objects.live(), pk=module_id)
    try:
        services.enrolment_create(person=request.user, module=module)
        messages.success(request, _("You are enrolled in %(module)s.") % {"module": module.title})
    except CoursesError as error:
        _refused(request, error)
    return redirect(module.url)


def _study_report(request) -> dict:
    """The fields a lesson page (or the offline queue resending it) reports studying with: ``read_seconds``
    (seconds the lesson was open since the last report), ``watched`` (JSON list of [start, end] seconds of the
    main recording played) and ``idempotency_key`` (the same report sent again counts once)."""
    return {"read_seconds": parse_read_seconds(request.POST.get("read_seconds", "").strip()),
            "watched": parse_watched(request.POST.get("watched", "").strip()),
            "idempotency_key": request.POST.get("idempotency_key", "").strip()}


@require_POST
@learner_required
def lesson_complete(request, lesson_id):
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    try:
        completion = services.lesson_complete(person=request.user, lesson=lesson, **_study_report(request))
    except (CoursesError, PeopleError) as error:
        if _sent_from_queue(request):
            return _queue_answer(error)
        _refused(request, error)
        return redirect(lesson.url)
    if _sent_from_queue(request):
        return _queue_answer(completion=completion.pk)
    following = LessonPage.objects.live().sibling_of(lesson, inclusive=False).filter(path__gt=lesson.path).first()
    messages.success(request, _("Lesson completed."))
    return redirect(following.url if following else lesson.get_parent().url)


@require_POST
@learner_required
def lesson_progress(request, lesson_id):
    """What a lesson page sends when it is left (``navigator.sendBeacon``), so played parts are not lost."""
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    try:
        services.lesson_progress_record(person=request.user, lesson=lesson, **_study_report(request))
    except CoursesError as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse({"saved": True})


def lesson_media(request, lesson_id, block_id):
    """A live lesson's video or audio, with range requests (``courses.media``). As public as the lesson page."""
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    block = next((b for b in lesson.media_blocks() if b.id == block_id), None)
    document = block.value.get("file") if block else None
    if document is None:
        raise Http404
    return ranged_file_response(request, document.file, filename=document.filename)


def lesson_handout(request, lesson_id, document_id):
    """A handout marked "enrolled people only" of a live lesson, from private storage, to those who may have it
    (``permissions.may_download_handout``): others get 403, anonymous visitors the sign-in page."""
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    document = lesson.private_handouts().get(document_id)
    if document is None:
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    module = CourseModulePage.objects.get(path=lesson.path[: -LessonPage.steplen])
    if not may_download_handout(request.user, lesson, module):
        raise PermissionDenied
    try:
        handout = services.handout_protect(document=document)  # already done when the lesson was saved
    except CoursesError:
        raise Http404 from None
    return _handout_response(handout)


@login_required
def handout_for_editors(request, document_id):
    """A protected handout for the library's editors (``permissions.may_change_document``): where Wagtail's
    document view sends them (``wagtail_hooks.private_handouts_stay_private``). 404 for everyone else."""
    handout = get_object_or_404(PrivateHandout.objects.select_related("document"), document_id=document_id)
    if not may_change_document(request.user, handout.document):
        raise Http404
    return _handout_response(handout)


def _handout_response(handout: PrivateHandout):
    content_type = mimetypes.guess_type(handout.filename)[0] or "application/octet-stream"
    return private_file_response(handout.file, filename=handout.filename, content_type=content_type)


# --- Scenario player: the browser only ever sees the current step's situation and the texts of its choices.

@require_POST
@learner_required
def scenario_start(request, scenario_id):
    scenario = get_object_or_404(ScenarioPage.objects.live(), pk=scenario_id)
    try:
        run = services.scenario_run_start(person=request.user, scenario=scenario)
    except CoursesError as error:
        _refused(request, error)
        return redirect(scenario.url)
    return redirect("courses:run", run_id=run.pk)


@learner_required
def run(request, run_id):
    run = get_object_or_404(ScenarioRun.objects.select_related("scenario"), pk=run_id, person=request.user)
    if request.method == "POST":
        try:
            # The page numbers the choices in the run's shuffled order; the service wants the authored index.
            step_key = request.POST.get("step", "")
            step = run.scenario.parsed_graph().step(step_key)
            shown = int(request.POST.get("choice", "-1"))
            order = run.choice_order(step_key, len(step.choices)) if step else []
            choice_index = order[shown] if 0 <= shown < len(order) else -1
            services.scenario_run_choose(run=run, step_key=step_key, choice_index=choice_index,
                                         idempotency_key=request.POST.get("idempotency_key", ""))
        except (CoursesError, PeopleError, ValueError) as error:
            if _sent_from_queue(request):
                return _queue_answer(error if not isinstance(error, ValueError) else CoursesError(
                    _("Choose one of the options.")))
            if not isinstance(error, ValueError):
                _refused(request, error)
        else:
            if _sent_from_queue(request):
                return _queue_answer()
        return redirect("courses:run", run_id=run.pk)
    choices = list(run.choices.all())
    graph = run.scenario.parsed_graph()
    context = {"run": run, "scenario": run.scenario, "last": choices[-1] if choices else None}
    if run.finished_at:
        ending = graph.nodes.get(run.ending_key)
        if isinstance(ending, Ending):
            context.update(ending=ending, ending_outcome=ending.outcome_label or Outcome(ending.outcome).label)
        context.update(debrief=selectors.scenario_debrief(run=run, graph=graph),
                       competencies=_competency_lines(run))
        return render(request, "courses/run_result.html", context)
    step = graph.step(run.current_key)
    if step is None:
        raise Http404(_("This scenario was changed while you played it. Please start again."))
    order = run.choice_order(step.key, len(step.choices))
    number = len(choices) + 1
    context.update(step=step, number=number, total=number - 1 + steps_to_end(graph, step.key),
                   options=[(shown, step.choices[index].text) for shown, index in enumerate(order)])
    return render(request, "courses/run_step.html", context)


def _competency_lines(run: ScenarioRun) -> list[tuple[str, int]]:
    return [(Competency(key).label, value) for key, value in run.competency_percent.items()
            if key in Competency.values]


# --- Bureau: assignments

@bureau_staff_required
def assign_module(request):
    form = AssignModuleForm(request.POST or None, user=request.user,
                            initial={"module": request.GET.get("module")})
    if request.method == "POST" and form.is_valid():
        try:
            assignment = services.assignment_create(
                by=request.user, module=form.cleaned_data["module"], due_on=form.cleaned_data["due_on"],
                committees=list(form.cleaned_data["committees"]), townships=list(form.cleaned_data["townships"]),
                people=form.cleaned_data["people"] or [])
        except CoursesError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Assigned to %(count)d people.") % {
                "count": assignment.enrolments.count()})
            return redirect("people:bureau_home")
    return render(request, "courses/assign_module.html", {"form": form})


# --- Rotation sessions

def _can_see_sessions(user) -> bool:
    return (people_permissions.is_bureau_staff(user) or people_permissions.is_lecturer(user)
            or people_permissions.is_learner(user))


@role_required(_can_see_sessions)
def sessions(request):
    visible = selectors.sessions_visible_to(user=request.user)
    now = timezone.now()
    upcoming = list(visible.filter(ends_at__gte=now).order_by("starts_at")[:50])
    past = list(visible.filter(ends_at__lt=now).order_by("-starts_at")[:50])
    selectors.my_session_records(user=request.user, sessions=upcoming + past)
    return render(request, "courses/sessions.html", {
        "upcoming": upcoming,
        "past": past,
        "now": now,
        "can_schedule": people_permissions.is_bureau_staff(request.user),
        "is_learner": people_permissions.is_learner(request.user),
    } | (_my_checkin_code(request.user) if people_permissions.is_learner(request.user) else {}))


def _my_checkin_code(user) -> dict:
    code = attendee_code(user.pk)
    return {"my_code": code, "my_code_qr": qr_svg(code)}


@bureau_staff_required
def session_new(request):
    form = SessionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_schedule(by=request.user, **form.cleaned_data)
        except CoursesError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Session scheduled."))
            return redirect("courses:session", session_id=session.pk)
    return render(request, "courses/session_form.html", {"form": form})


@login_required
def session_detail(request, session_id):
    session = get_object_or_404(RotationSession.objects.select_related("township"), pk=session_id)
    if not can_manage_session(request.user, session):
        raise PermissionDenied
    assign_form = SessionAssignForm(user=request.user)
    if request.method == "POST":
        if "tick" in request.POST:
            people = list(User.objects.filter(pk__in=request.POST.getlist("person"),
                                              session_signups__session=session))
            try:
                count = services.roster_tick(by=request.user, session=session, people=people)
                messages.success(request, _("%(count)d attendances recorded.") % {"count": count})
            except CoursesError as error:
                _refused(request, error)
            return redirect("courses:session", session_id=session.pk)
        assign_form = SessionAssignForm(request.POST, user=request.user)
        if assign_form.is_valid():
            try:
                count = services.session_assign(by=request.user, session=session,
                                                people=assign_form.cleaned_data["people"])
                messages.success(request, _("%(count)d people signed up.") % {"count": count})
                return redirect("courses:session", session_id=session.pk)
            except CoursesError as error:
                assign_form.add_error(None, str(error))
    checkin_url = request.build_absolute_uri(reverse("courses:check_in", args=[session.checkin_code]))
    roster = selectors.session_roster(session=session)
    response = render(request, "courses/session_detail.html", {
        "session": session,
        "modules": list(session.modules.order_by("path")),
        "lecturers": list(session.lecturers.all()),
        "hours": selectors.session_hours([session.pk]).get(session.pk),
        "roster": roster,
        "attended_count": sum(1 for line in roster if line.attendance),
        "qr": qr_svg(checkin_url),
        "checkin_url": checkin_url,
        "assign_form": assign_form if people_permissions.can_see_region(request.user, session.township) else None,
        "now": timezone.now(),
        # For the offline check-in (site/static/js/offline-checkin.js): who is on the roster, by attendee code.
        "offline_roster": {attendee_code(line.person.pk): {"id": line.person.pk, "name": line.person.name,
                                                           "done": bool(line.attendance)}
                           for line in roster if line.signed_up},
    })
    response["X-Offline-Keep"] = "1"  # the service worker keeps a copy: the venue may have no network
    return response


@require_POST
@login_required
def session_offline_sync(request, session_id):
    """Where the lecturer's phone sends the check-ins it recorded offline (JSON answer for the queue)."""
    session = get_object_or_404(RotationSession.objects.select_related("township"), pk=session_id)
    if not can_manage_session(request.user, session):
        raise PermissionDenied
    try:
        result = services.attendance_sync_offline(by=request.user, session=session,
                                                  codes=request.POST.getlist("code")[:1000],
                                                  idempotency_key=request.POST.get("idempotency_key", ""))
    except (CoursesError, PeopleError) as error:
        return _queue_answer(error)
    return _queue_answer(**result)


@login_required
def module_offline(request, module_id):
    """What "download for offline study" saves of a module: its page and its live lessons' pages (the browser
    then saves the pictures, handouts and, up to ``offline_media_mb``, the media those pages show)."""
    module = get_object_or_404(CourseModulePage.objects.live(), pk=module_id)
    lessons = LessonPage.objects.live().child_of(module)
    return JsonResponse({"module": module.pk, "pages": [module.url] + [lesson.url for lesson in lessons],
                         "media_bytes": module.offline_media_mb * 1024 * 1024})


@require_POST
@learner_required
def session_sign_up(request, session_id):
    session = get_object_or_404(selectors.sessions_visible_to(user=request.user), pk=session_id)
    try:
        services.session_sign_up(session=session, person=request.user)
        messages.success(request, _("You are signed up for %(title)s.") % {"title": session.title})
    except CoursesError as error:
        _refused(request, error)
    return redirect("courses:sessions")


@login_required
def search(request):
    q = request.GET.get("q", "").strip()[:100]
    results = selectors.learning_search(q=q) if q else None
    return render(request, "courses/search.html", {"q": q, "results": results})


@learner_required
def check_in(request, code):
    """Where a session's QR code leads. Showing the page records nothing; the learner confirms with a button."""
    session = get_object_or_404(RotationSession.objects.select_related("township"), checkin_code=code)
    if request.method == "POST":
        try:
            services.attendance_check_in(code=code, person=request.user)
            messages.success(request, _("Checked in. The session's hours are credited to you."))
            return redirect("people:learner_home")
        except CoursesError as error:
            _refused(request, error)
    return render(request, "courses/check_in.html", {"session": session, "now": timezone.now()})


@bureau_staff_required
def session_report(request):
    today = timezone.localdate()
    form = ReportPeriodForm(request.GET or None, initial={"start": today.replace(month=1, day=1), "end": today})
    start, end = today.replace(month=1, day=1), today
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    elif not request.GET:
        form = ReportPeriodForm(initial={"start": start, "end": end})
    report = selectors.session_report(user=request.user, start=start, end=end or today)
    return render(request, "courses/session_report.html", {"form": form, "report": report})

