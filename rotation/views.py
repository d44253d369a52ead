"""Order → dispatch → rate. Thin: each view checks who may act (``rotation.permissions``), calls one service or
selector and redirects or renders. Refusals (``RotationError``) come back as a message in the user's language."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certificates.services import site_setting
from courses import selectors as course_selectors
from courses.models import RotationSession, SessionAttendance
from courses.permissions import can_manage_session
from dashboard.exports import FORMATS, table_export
from people import permissions as people_permissions
from people.decorators import bureau_staff_required, learner_required, role_required
from people.models import User
from people.replica import heavy_reads

from . import permissions, selectors, services
from .exceptions import RotationError
from .forms import DeclineForm, LecturerProfileForm, OrderForm, RatingForm, ScheduleForm, UnavailableForm
from .models import Dispatch, RotationSettings, TrainingOrder
from .pdf import render_sign_in_sheet
from .tables import GROUPINGS, report_table, report_tables


def rules() -> RotationSettings:
    return site_setting(RotationSettings)


def _may_order(user) -> bool:
    return bool(permissions.order_places(user, committee_heads_may_order=rules().committee_heads_may_order))


dispatcher_required = role_required(permissions.is_dispatcher)
lecturer_required = role_required(people_permissions.is_lecturer)


# --- Ordering

@role_required(_may_order)
def order(request):
    current = rules()
    places = permissions.order_places(request.user, committee_heads_may_order=current.committee_heads_may_order)
    form = OrderForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.order_place(by=request.user, township=data["township"], committee=data["committee"],
                                 modules=list(data["modules"]), headcount=data["headcount"],
                                 preferred_from=data["preferred_from"], preferred_to=data["preferred_to"],
                                 note=data["note"], rules=current)
        except RotationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your order is sent to the bureau."))
            return redirect("rotation:order")
    return render(request, "rotation/order.html", {
        "form": form, "orders": selectors.orders_placed_by(user=request.user)[:50]})


@learner_required
def want(request):
    if request.method == "POST":
        module = get_object_or_404(selectors.menu_modules(), pk=request.POST.get("module"))
        try:
            wanted = services.module_vote(person=request.user, module=module, wanted=request.POST.get("want") == "1")
            messages.success(request, _("Noted: the bureau sees that you want %(module)s.") % {"module": module.title}
                             if wanted else _("Your wish is withdrawn."))
        except RotationError as error:
            messages.error(request, str(error))
        return redirect("rotation:want")
    return render(request, "rotation/want.html", {
        "modules": selectors.menu_modules(), "wanted": selectors.wanted_module_ids(user=request.user),
        "townships": selectors.learner_townships(user=request.user)})


# --- The bureau's queue and dispatch

@dispatcher_required
def orders(request):
    status = request.GET.get("status", TrainingOrder.Status.NEW)
    if status not in TrainingOrder.Status.values:
        status = TrainingOrder.Status.NEW
    queue = selectors.order_queue(user=request.user, status=status)
    # Scheduled sessions whose lecturer declined: the bureau sends someone else, from the suggestions.
    redispatch = []
    if status == TrainingOrder.Status.SCHEDULED:
        gap = rules().travel_gap_days
        for session in selectors.sessions_without_lecturer(orders=[o for q in queue for o in q.orders]):
            redispatch.append((session, selectors.lecturer_suggestions(
                township=session.township, modules=list(session.modules.all()),
                day=timezone.localdate(session.starts_at), gap_days=gap)))
    return render(request, "rotation/orders.html", {
        "queue": queue, "status": status, "statuses": TrainingOrder.Status.choices, "decline_form": DeclineForm(),
        "redispatch": redispatch})


@require_POST
@dispatcher_required
def order_decline(request, order_id):
    order = get_object_or_404(TrainingOrder.objects.filter(
        people_permissions.region_filter(request.user, "township__")), pk=order_id)
    form = DeclineForm(request.POST)
    try:
        services.order_decline(by=request.user, order=order, reason=form.data.get("reason", ""))
        messages.success(request, _("Order declined; the township is told why."))
    except RotationError as error:
        messages.error(request, str(error))
    return redirect("rotation:orders")


def _schedule_initial(orders_: list[TrainingOrder]) -> dict:
    modules = {m.pk: m for order in orders_ for m in order.modules.all()}
    township = orders_[0].township
    first_day = max(min(o.preferred_from for o in orders_), timezone.localdate() + datetime.timedelta(days=1))
    names = "与".join(m.title for m in list(modules.values())[:2])
    return {"title": f"{township.name}菜单式轮训：{names}"[:150], "venue": f"{township.name}司法所会议室",
            "day": first_day, "capacity": sum(o.headcount for o in orders_), "modules": list(modules)}


@dispatcher_required
def schedule(request):
    ids = request.POST.getlist("order") or request.GET.getlist("order")
    orders_ = selectors.orders_for_scheduling(user=request.user, order_ids=[i for i in ids if i.isdigit()])
    if not orders_:
        messages.error(request, _("Choose at least one order."))
        return redirect("rotation:orders")
    township = orders_[0].township
    form = ScheduleForm(request.POST or None, initial=_schedule_initial(orders_))
    suggestions, lecturer = [], None
    day = form.initial["day"]
    if form.is_bound and form.is_valid():
        day = form.cleaned_data["day"]
    modules = list(form.cleaned_data["modules"]) if form.is_bound and form.is_valid() else list(
        form.fields["modules"].queryset.filter(pk__in=form.initial["modules"]))
    suggestions = selectors.lecturer_suggestions(township=township, modules=modules, day=day,
                                                 gap_days=rules().travel_gap_days)
    if request.method == "POST" and "schedule" in request.POST and form.is_valid():
        lecturer = User.objects.filter(pk=request.POST.get("lecturer") or 0).first()
        if lecturer is None:
            form.add_error(None, _("Choose a lecturer."))
        else:
            data = form.cleaned_data
            try:
                session = services.session_schedule_from_orders(
                    by=request.user, orders=orders_, lecturer=lecturer, title=data["title"], venue=data["venue"],
                    starts_at=data["starts_at"], ends_at=data["ends_at"], capacity=data["capacity"],
                    modules=list(data["modules"]))
            except RotationError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Session scheduled; %(name)s is asked to confirm.") % {
                    "name": lecturer.name})
                return redirect("courses:session", session_id=session.pk)
    return render(request, "rotation/schedule.html", {
        "form": form, "orders": orders_, "township": township, "suggestions": suggestions, "day": day,
        "chosen": request.POST.get("lecturer", "")})


@require_POST
@dispatcher_required
def session_dispatch(request, session_id):
    """Send another lecturer after one declined."""
    session = get_object_or_404(RotationSession.objects.filter(
        people_permissions.region_filter(request.user, "township__")), pk=session_id)
    lecturer = get_object_or_404(User, pk=request.POST.get("lecturer") or 0)
    try:
        services.session_dispatch(by=request.user, session=session, lecturer=lecturer)
        messages.success(request, _("Session scheduled; %(name)s is asked to confirm.") % {"name": lecturer.name})
    except RotationError as error:
        messages.error(request, str(error))
    return redirect(f"{reverse('rotation:orders')}?status=scheduled")


@dispatcher_required
def lecturers(request):
    today = timezone.localdate()
    report = selectors.rotation_report(user=request.user, start=today.replace(month=1, day=1), end=today)
    workload = {line.key: line for line in report.by_lecturer}
    return render(request, "rotation/lecturers.html", {
        "pool": [(profile, workload.get(profile.lecturer_id)) for profile in selectors.lecturer_pool()],
        "year": today.year})


# --- The lecturer

@lecturer_required
def lecturer_home(request):
    return render(request, "rotation/lecturer_home.html", {
        "home": selectors.lecturer_home(user=request.user), "unavailable_form": UnavailableForm()})


@lecturer_required
def lecturer_profile(request):
    profile = getattr(request.user, "lecturer_profile", None)
    form = LecturerProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.lecturer_profile_save(lecturer=request.user, **{
                key: form.cleaned_data[key] for key in ("background", "organisation", "bio")},
                modules=list(form.cleaned_data["modules"]), townships=list(form.cleaned_data["townships"]))
        except RotationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your entry in the lecturer pool is saved."))
            return redirect("rotation:lecturer_home")
    return render(request, "rotation/lecturer_profile.html", {"form": form})


@require_POST
@lecturer_required
def lecturer_unavailable(request):
    form = UnavailableForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a day."))
        return redirect("rotation:lecturer_home")
    try:
        services.lecturer_unavailable(lecturer=request.user, day=form.cleaned_data["day"],
                                      note=form.cleaned_data["note"], unavailable="clear" not in request.POST)
    except RotationError as error:
        messages.error(request, str(error))
    return redirect("rotation:lecturer_home")


@require_POST
@lecturer_required
def dispatch_respond(request, dispatch_id):
    dispatch = get_object_or_404(Dispatch, pk=dispatch_id, lecturer=request.user)
    accept = request.POST.get("answer") == "confirm"
    try:
        services.dispatch_respond(by=request.user, dispatch=dispatch, accept=accept,
                                  reason=request.POST.get("reason", ""))
        messages.success(request, _("Confirmed. The township is told.") if accept else
                         _("Declined. The bureau is told and will send someone else."))
    except RotationError as error:
        messages.error(request, str(error))
    return redirect("rotation:lecturer_home")


def _managed_session(request, session_id) -> RotationSession:
    session = get_object_or_404(RotationSession.objects.select_related("township"), pk=session_id)
    if not can_manage_session(request.user, session):
        raise PermissionDenied
    return session


@login_required
def sign_in_sheet(request, session_id):
    session = _managed_session(request, session_id)
    url = request.build_absolute_uri(reverse("courses:check_in", args=[session.checkin_code]))
    response = HttpResponse(render_sign_in_sheet(session=session, checkin_url=url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="sign-in-{session.pk}.pdf"'
    return response


@login_required
def attendance(request, session_id):
    """After the session: tick who signed the paper sheet (people who scanned are already recorded)."""
    session = _managed_session(request, session_id)
    if request.method == "POST":
        people = list(User.objects.filter(pk__in=request.POST.getlist("person"), session_signups__session=session))
        try:
            count = services.attendance_confirm(by=request.user, session=session, people=people)
            messages.success(request, _("%(count)d attendances recorded.") % {"count": count})
            return redirect("rotation:attendance", session_id=session.pk)
        except RotationError as error:
            messages.error(request, str(error))
    return render(request, "rotation/attendance.html", {
        "session": session, "roster": course_selectors.session_roster(session=session),
        "methods": SessionAttendance.Method})


# --- Rating

@learner_required
def rate(request, session_id):
    session = get_object_or_404(RotationSession.objects.filter(attendances__person=request.user), pk=session_id)
    modules = list(session.modules.order_by("path"))
    existing = session.ratings.filter(person=request.user).prefetch_related("modules").first()
    initial = {}
    if existing:
        initial = {"overall": existing.overall, "lecturer_score": existing.lecturer_score, "comment": existing.comment,
                   **{f"module_{r.module_id}": r.score for r in existing.modules.all()}}
    form = RatingForm(request.POST or None, modules=modules, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.rating_submit(person=request.user, session=session, overall=form.cleaned_data["overall"],
                                   lecturer_score=form.cleaned_data["lecturer_score"],
                                   module_scores=form.module_scores(), comment=form.cleaned_data["comment"],
                                   rules=rules())
        except RotationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Thank you for rating the session."))
            return redirect("people:learner_home")
    current = rules()
    return render(request, "rotation/rate.html", {
        "session": session, "form": form, "existing": existing, "lecturers": list(session.lecturers.all()),
        "open_until": session.ends_at + datetime.timedelta(days=current.rating_days)})


# --- Reports (bureau staff, their jurisdiction)

def _period(request) -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    start, end = today.replace(month=1, day=1), today
    try:
        start = datetime.date.fromisoformat(request.GET.get("start") or start.isoformat())
        end = datetime.date.fromisoformat(request.GET.get("end") or end.isoformat())
    except ValueError:
        pass
    return start, max(start, end)


@bureau_staff_required
@heavy_reads
def report(request):
    start, end = _period(request)
    result = selectors.rotation_report(user=request.user, start=start, end=end)
    export, file_format = request.GET.get("export"), request.GET.get("format", "csv")
    if export:
        if export not in GROUPINGS or file_format not in FORMATS:
            raise Http404
        content, content_type = table_export(table=report_table(result, export), file_format=file_format)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="rotation-{export}-{start}-{end}.{file_format}"'
        return response
    return render(request, "rotation/report.html", {
        "report": result, "tables": report_tables(result), "start": start, "end": end})


@bureau_staff_required
def session_ratings(request, session_id):
    """Ratings with names, for the bureau."""
    session = get_object_or_404(RotationSession.objects.filter(
        people_permissions.region_filter(request.user, "township__")), pk=session_id)
    return render(request, "rotation/session_ratings.html", {
        "session": session, "ratings": selectors.session_ratings(session=session)})
