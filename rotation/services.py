"""Every write of rotation training. Keyword-only, typed, atomic, named <entity>_<action>; each checks who acts
(``rotation.permissions``) and refuses with a ``RotationError`` whose message the user reads."""

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses import services as course_services
from courses.exceptions import CoursesError
from courses.models import CourseModulePage, RotationSession, SessionAttendance
from people import permissions as people_permissions
from people.models import Committee, Region, User
from people.services.notices import notice_send
from people.status import StatusMachine, status_change

from . import permissions, selectors
from .exceptions import RotationError
from .models import (
    Dispatch,
    LecturerProfile,
    LecturerUnavailability,
    ModuleRating,
    ModuleVote,
    RotationSettings,
    SessionRating,
    TrainingOrder,
)


def _when(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- Ordering (点单)

@transaction.atomic
def order_place(*, by: User, township: Region, modules: list[CourseModulePage], headcount: int,
                preferred_from: datetime.date, preferred_to: datetime.date, note: str = "",
                committee: Committee | None = None, rules: RotationSettings) -> TrainingOrder:
    """A township justice office (or a committee head, where the bureau allows it) orders modules from the menu.
    Refused outside the orderer's township, for unpublished modules, past or reversed dates."""
    if not permissions.can_order(by, township, committee, committee_heads_may_order=rules.committee_heads_may_order):
        raise RotationError(_("You may order training only for your own township or committee."))
    if not modules:
        raise RotationError(_("Choose at least one module from the menu."))
    if any(not module.live for module in modules):
        raise RotationError(_("This module is not published."))
    if headcount < 1:
        raise RotationError(_("Say how many people will attend."))
    if preferred_from < timezone.localdate():
        raise RotationError(_("The preferred dates are in the past."))
    if preferred_to < preferred_from:
        raise RotationError(_("The last preferred day is before the first."))
    order = order_set_status(
        order=TrainingOrder(township=township, committee=committee, ordered_by=by, headcount=headcount,
                            preferred_from=preferred_from, preferred_to=preferred_to, note=note),
        status=TrainingOrder.Status.NEW, by=by)
    order.modules.set(modules)
    return order


# The order's lifecycle as data ("" is an order being placed). A declined order can be reopened.
ORDER_MACHINE = StatusMachine(
    transitions={
        "": {TrainingOrder.Status.NEW},
        TrainingOrder.Status.NEW: {TrainingOrder.Status.SCHEDULED, TrainingOrder.Status.DECLINED},
        TrainingOrder.Status.DECLINED: {TrainingOrder.Status.NEW},
        TrainingOrder.Status.SCHEDULED: set(),
    },
    history="rotation.TrainingOrderStatusChange", subject="order", error=RotationError,
    refusal=gettext_lazy("This order is already %(old)s."), reason_required={TrainingOrder.Status.DECLINED},
)


def order_set_status(*, order: TrainingOrder, status: str, by: User, reason: str = "",
                     session: RotationSession | None = None) -> TrainingOrder:
    """The one way an order's status changes (``people.status.status_change`` with ``ORDER_MACHINE``): refuses
    moves the machine does not list and records who, when and why."""
    fields = {"decline_reason": reason.strip() if status == TrainingOrder.Status.DECLINED else ""}
    if session is not None:
        fields["session"] = session
    return status_change(order, machine=ORDER_MACHINE, to=status, by=by, reason=reason, **fields)


@transaction.atomic
def order_decline(*, by: User, order: TrainingOrder, reason: str) -> TrainingOrder:
    """The bureau declines an order, with a reason the ordering office is told."""
    order = TrainingOrder.objects.select_for_update().select_related("township", "ordered_by").get(pk=order.pk)
    if not permissions.can_dispatch(by, order.township):
        raise RotationError(_("Only bureau staff of this township's county handle its orders."))
    reason = reason.strip()
    if not reason:
        raise RotationError(_("Give a reason for declining."))
    order_set_status(order=order, status=TrainingOrder.Status.DECLINED, by=by, reason=reason[:300])
    notice_send(person=order.ordered_by, title=_("Your training order was declined"), body=reason,
                url=reverse("rotation:order"))
    return order


@transaction.atomic
def module_vote(*, person: User, module: CourseModulePage, wanted: bool = True) -> bool:
    """A mediator says "I want this module in my township" (or takes it back). The township is that of the
    person's committee(s). Idempotent. Returns whether the wish now stands."""
    townships = selectors.learner_townships(user=person)
    if not townships:
        raise RotationError(_("Only members of a committee in a township can ask for training there."))
    if not module.live:
        raise RotationError(_("This module is not published."))
    if wanted:
        for township in townships:
            ModuleVote.objects.get_or_create(person=person, module=module, township=township)
    else:
        ModuleVote.objects.filter(person=person, module=module).delete()
    return wanted


# --- The lecturer pool

@transaction.atomic
def lecturer_profile_save(*, lecturer: User, background: str, organisation: str = "", bio: str = "",
                          modules: list[CourseModulePage], townships: list[Region]) -> LecturerProfile:
    """A lecturer keeps their own entry in the pool (bureau staff may also edit it for them)."""
    if not people_permissions.is_lecturer(lecturer):
        raise RotationError(_("Only lecturers are in the lecturer pool."))
    if any(t.level != Region.Level.TOWNSHIP for t in townships):
        raise RotationError(_("Choose townships."))
    profile, _created = LecturerProfile.objects.update_or_create(
        lecturer=lecturer, defaults={"background": background, "organisation": organisation, "bio": bio})
    profile.modules.set(modules)
    profile.townships.set(townships)
    return profile


@transaction.atomic
def lecturer_unavailable(*, lecturer: User, day: datetime.date, note: str = "",
                         unavailable: bool = True) -> None:
    """Mark (or clear) a day the lecturer cannot teach. Refused for a day they are already dispatched."""
    if not people_permissions.is_lecturer(lecturer):
        raise RotationError(_("Only lecturers are in the lecturer pool."))
    if not unavailable:
        LecturerUnavailability.objects.filter(lecturer=lecturer, day=day).delete()
        return
    if day < timezone.localdate():
        raise RotationError(_("That day is in the past."))
    if Dispatch.objects.filter(lecturer=lecturer, day=day).exclude(status=Dispatch.Status.DECLINED).exists():
        raise RotationError(_("You are already teaching that day; decline the session instead."))
    LecturerUnavailability.objects.update_or_create(lecturer=lecturer, day=day, defaults={"note": note[:100]})


# --- Dispatch (派单)

def _session_day(session: RotationSession) -> datetime.date:
    return timezone.localdate(session.starts_at)


@transaction.atomic
def session_dispatch(*, by: User, session: RotationSession, lecturer: User) -> Dispatch:
    """Send a lecturer to a session and tell them. Refused when the lecturer is unavailable that day or already
    teaches that day (a database constraint, so simultaneous dispatches cannot double-book), or when the session
    already has a lecturer who has not declined."""
    if not permissions.can_dispatch(by, session.township):
        raise RotationError(_("You can only dispatch lecturers in your jurisdiction."))
    if not people_permissions.is_lecturer(lecturer):
        raise RotationError(_("%(name)s is not a lecturer.") % {"name": lecturer.name})
    day = _session_day(session)
    if LecturerUnavailability.objects.filter(lecturer=lecturer, day=day).exists():
        raise RotationError(_("%(name)s is not available on %(day)s.") % {"name": lecturer.name, "day": day})
    try:
        with transaction.atomic():
            dispatch = Dispatch.objects.create(session=session, lecturer=lecturer, day=day, dispatched_by=by)
    except IntegrityError:
        if Dispatch.objects.filter(session=session).exclude(status=Dispatch.Status.DECLINED).exists():
            raise RotationError(_("This session already has a lecturer.")) from None
        raise RotationError(_("%(name)s already teaches a session on %(day)s.") % {
            "name": lecturer.name, "day": day}) from None
    session.lecturers.add(lecturer)
    notice_send(person=lecturer, title=_("You are asked to teach: %(title)s") % {"title": session.title},
                body=_("%(when)s, %(venue)s. Please confirm or decline.") % {
                    "when": _when(session.starts_at), "venue": session.venue},
                url=reverse("rotation:lecturer_home"))
    return dispatch


@transaction.atomic
def session_schedule_from_orders(*, by: User, orders: list[TrainingOrder], lecturer: User, title: str,
                                 venue: str, starts_at: datetime.datetime, ends_at: datetime.datetime,
                                 capacity: int, modules: list[CourseModulePage]) -> RotationSession:
    """Schedule one session for one or more new orders of the same township and dispatch a lecturer to it.
    All or nothing: the session, the dispatch and the orders' new status are written together, or none is
    (a double-booked lecturer leaves no session behind). Each ordering office is told."""
    if not orders:
        raise RotationError(_("Choose at least one order."))
    orders = list(TrainingOrder.objects.select_for_update().filter(pk__in=[o.pk for o in orders])
                  .select_related("township", "ordered_by").order_by("pk"))
    townships = {order.township_id for order in orders}
    if len(townships) != 1:
        raise RotationError(_("One session serves one township: choose orders from the same township."))
    township = orders[0].township
    if not permissions.can_dispatch(by, township):
        raise RotationError(_("You can only dispatch lecturers in your jurisdiction."))
    if any(order.status != TrainingOrder.Status.NEW for order in orders):
        raise RotationError(_("Only new orders can be scheduled."))
    if starts_at < timezone.now():
        raise RotationError(_("A session cannot start in the past."))
    try:
        session = course_services.session_schedule(
            by=by, title=title, township=township, venue=venue, starts_at=starts_at, ends_at=ends_at,
            capacity=capacity, modules=modules)
    except CoursesError as error:
        raise RotationError(str(error)) from None
    session_dispatch(by=by, session=session, lecturer=lecturer)
    for order in orders:
        order_set_status(order=order, status=TrainingOrder.Status.SCHEDULED, by=by, session=session)
        notice_send(person=order.ordered_by, title=_("Your training order is scheduled: %(title)s") % {
            "title": session.title}, body=_("%(when)s, %(venue)s. Lecturer: %(lecturer)s.") % {
            "when": _when(session.starts_at), "venue": session.venue, "lecturer": lecturer.name},
            url=reverse("rotation:order"))
    return session


def _tell_ordering_office(session: RotationSession, title: str, body: str) -> None:
    told = set()
    for order in session.orders.select_related("ordered_by"):
        if order.ordered_by_id not in told:
            told.add(order.ordered_by_id)
            notice_send(person=order.ordered_by, title=title, body=body, url=reverse("rotation:order"))
    if session.created_by_id not in told:
        notice_send(person=session.created_by, title=title, body=body, url=reverse("rotation:orders"))


@transaction.atomic
def dispatch_respond(*, by: User, dispatch: Dispatch, accept: bool, reason: str = "") -> Dispatch:
    """The lecturer confirms or declines (with a reason). Declining frees the day and takes the lecturer off the
    session, so the bureau can send someone else. The ordering office and the dispatcher are told."""
    dispatch = Dispatch.objects.select_for_update().select_related("session", "lecturer").get(pk=dispatch.pk)
    if dispatch.lecturer_id != by.pk:
        raise RotationError(_("Only the lecturer asked can answer."))
    if dispatch.status != Dispatch.Status.PROPOSED:
        raise RotationError(_("You have already answered."))
    session = dispatch.session
    if not accept:
        reason = reason.strip()
        if not reason:
            raise RotationError(_("Give a reason for declining."))
        dispatch.decline_reason = reason[:300]
        session.lecturers.remove(by)
    dispatch.status = Dispatch.Status.CONFIRMED if accept else Dispatch.Status.DECLINED
    dispatch.responded_at = timezone.now()
    dispatch.save()
    values = {"name": by.name, "title": session.title, "when": _when(session.starts_at)}
    if accept:
        _tell_ordering_office(session, _("Lecturer confirmed: %(title)s") % values,
                              _("%(name)s will teach on %(when)s.") % values)
    else:
        _tell_ordering_office(session, _("Lecturer declined: %(title)s") % values,
                              _("%(name)s cannot teach on %(when)s: %(reason)s") % {**values,
                                                                                   "reason": dispatch.decline_reason})
    return dispatch


@transaction.atomic
def attendance_confirm(*, by: User, session: RotationSession, people: list[User]) -> int:
    """After the session the lecturer (or bureau staff) confirms attendance: people ticked on the printed sheet
    are recorded with that method (QR check-ins stay as they are). Returns how many were newly recorded."""
    if session.starts_at > timezone.now():
        raise RotationError(_("Attendance is confirmed once the session has started."))
    signed = set(session.signups.values_list("person_id", flat=True))
    if any(person.pk not in signed for person in people):
        raise RotationError(_("Only people signed up for the session can be ticked."))
    try:
        count = course_services.roster_tick(by=by, session=session, people=people,
                                            method=SessionAttendance.Method.SHEET)
    except CoursesError as error:
        raise RotationError(str(error)) from None
    Dispatch.objects.filter(session=session, lecturer=by, attendance_confirmed_at__isnull=True).exclude(
        status=Dispatch.Status.DECLINED).update(attendance_confirmed_at=timezone.now())
    return count


# --- Rating (评单)

@transaction.atomic
def rating_submit(*, person: User, session: RotationSession, overall: int, lecturer_score: int,
                  module_scores: dict[int, int], comment: str = "", rules: RotationSettings,
                  at: datetime.datetime | None = None) -> SessionRating:
    """An attendee rates a session: overall, the lecturer, each module (1-5) and a comment. One rating per
    attendee, changeable until ``rules.rating_days`` after the session ends; only people whose attendance is
    recorded may rate, from the session's start (ratings are often given before people leave)."""
    at = at or timezone.now()
    if not SessionAttendance.objects.filter(session=session, person=person).exists():
        raise RotationError(_("Only people who attended the session can rate it."))
    if at < session.starts_at:
        raise RotationError(_("The session has not started yet."))
    if at > session.ends_at + datetime.timedelta(days=rules.rating_days):
        raise RotationError(_("Ratings close %(days)d days after the session.") % {"days": rules.rating_days})
    module_ids = set(session.modules.values_list("pk", flat=True))
    scores = [overall, lecturer_score, *module_scores.values()]
    if set(module_scores) != module_ids or any(not isinstance(s, int) or not 1 <= s <= 5 for s in scores):
        raise RotationError(_("Give every item a score from 1 to 5."))
    lecturer = session.lecturers.order_by("pk").first()
    rating, _created = SessionRating.objects.update_or_create(
        session=session, person=person, defaults={"overall": overall, "lecturer_score": lecturer_score,
                                                  "comment": comment.strip()[:1000], "lecturer": lecturer})
    rating.modules.all().delete()
    ModuleRating.objects.bulk_create([ModuleRating(rating=rating, module_id=module_id, score=score)
                                      for module_id, score in sorted(module_scores.items())])
    return rating
