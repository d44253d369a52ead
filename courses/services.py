"""Every write of the training site. Keyword-only, typed, atomic, named <entity>_<action>.

Permission checks that depend on the acting user happen here too when a service takes ``by``; services acting for
the learner themselves (``person``) are called by views that already checked the learner's role."""

import datetime
from pathlib import PurePath

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail import hooks

from people import permissions as people_permissions
from people.files import private_name, private_storage
from people.models import Committee, Membership, Region, User
from people.services.idempotency import idempotency_key_apply, idempotency_key_check
from people.services.notices import notice_send

from . import selectors, signals
from .exceptions import CoursesError, LessonNotEarned
from .models import (
    CourseModulePage,
    Enrolment,
    LessonCompletion,
    LessonPage,
    LessonProgress,
    ModuleAssignment,
    PrivateHandout,
    RotationSession,
    ScenarioPage,
    ScenarioRun,
    ScenarioRunChoice,
    SessionAttendance,
    SessionSignup,
    attendee_from_code,
)
from .permissions import can_manage_session
from .progress import MAX_READ_SECONDS_PER_REPORT, WATCHED_SHARE, covered_seconds, merge_ranges
from .scenario_graph import Ending, score_path

# --- Enrolment and lessons

REPORT_KEYS_KEPT = 50  # an offline queue resends within days, not after fifty newer reports


@transaction.atomic
def enrolment_create(*, person: User, module: CourseModulePage, assignment: ModuleAssignment | None = None,
                     due_on: datetime.date | None = None) -> Enrolment:
    """Enrol a person in a live module. Idempotent: an existing enrolment is returned; an assignment with an
    earlier due date than the one recorded moves the due date forward."""
    if not module.live:
        raise CoursesError(_("This module is not published."))
    enrolment, created = Enrolment.objects.select_for_update().get_or_create(
        person=person, module=module, defaults={"assignment": assignment, "due_on": due_on})
    if not created and due_on and (enrolment.due_on is None or due_on < enrolment.due_on):
        enrolment.due_on, enrolment.assignment = due_on, assignment
        enrolment.save(update_fields=["due_on", "assignment"])
    return enrolment


@transaction.atomic
def lesson_progress_record(*, person: User, lesson: LessonPage, read_seconds: int = 0, watched=(),
                           idempotency_key: str = "") -> LessonProgress:
    """Add a report of studying (seconds the lesson was open, [start, end] seconds of its main recording played)
    to what the person has shown before: seconds add up, played parts are merged (clipped to the recording's
    length). Idempotent per ``idempotency_key``: a report sent again counts once."""
    idempotency_key = idempotency_key[:64]
    progress, _created = LessonProgress.objects.select_for_update().get_or_create(person=person, lesson=lesson)
    if idempotency_key and idempotency_key in progress.report_keys:
        return progress  # this report was counted when it first arrived
    media = lesson.main_media()
    duration = media.value.get("duration") if media else None
    progress.read_seconds += max(0, min(int(read_seconds), MAX_READ_SECONDS_PER_REPORT))
    progress.watched = merge_ranges([*progress.watched, *watched], limit=duration)
    if idempotency_key:
        progress.report_keys = [*progress.report_keys, idempotency_key][-REPORT_KEYS_KEPT:]
    progress.save()
    return progress


def lesson_shortfall(*, lesson: LessonPage, progress: LessonProgress | None, person: User) -> str:
    """Why ``person`` has not yet earned ``lesson`` (``progress`` is what they have shown of studying it), as
    sentences for the learner; "" when they have.

    The one rule of "done": a lesson whose first video or audio has a length needs WATCHED_SHARE of it played
    (the union of the parts played, so replaying or skipping ahead does not count); any other lesson needs the
    lecturer's minimum reading time. And whatever else higher apps require through the
    ``lesson_completion_shortfall`` hook (assessments: the lesson's self-check answered)."""
    missing = [_study_shortfall(lesson=lesson, progress=progress)]
    missing += [fn(person, lesson) for fn in hooks.get_hooks("lesson_completion_shortfall")]
    return " ".join(reason for reason in missing if reason)


def _study_shortfall(*, lesson: LessonPage, progress: LessonProgress | None) -> str:
    media = lesson.main_media()
    duration = media.value.get("duration") if media else None
    if duration:
        played = covered_seconds(progress.watched) if progress else 0
        if played < WATCHED_SHARE * duration:
            return _("Watch or listen to most of the recording first: %(played)d%% played, %(needed)d%% needed.") % {
                "played": int(100 * played / duration), "needed": int(100 * WATCHED_SHARE)}
        return ""
    read = progress.read_seconds if progress else 0
    if read < lesson.min_read_seconds:
        return _("Study the lesson a little longer first: %(read)d of %(needed)d seconds.") % {
            "read": read, "needed": lesson.min_read_seconds}
    return ""


def lesson_complete(*, person: User, lesson: LessonPage, read_seconds: int = 0, watched=(),
                    idempotency_key: str = "") -> LessonCompletion:
    """Record that a person studied a lesson (enrolling them in its module if needed), once what they have shown
    (this report added to earlier ones, see ``lesson_progress_record``) meets ``lesson_shortfall``; refused with
    the shortfall otherwise. Idempotent: completing again, or the same ``idempotency_key`` again, changes nothing
    and announces nothing. When the module's last live lesson is done the enrolment is marked complete and
    ``module_completed`` is sent. Atomic: a refused completion keeps the report's progress (it is worth keeping),
    nothing else."""
    if not lesson.live:
        raise CoursesError(_("This lesson is not published."))
    if idempotency_key:
        idempotency_key_check(idempotency_key)
    existing = LessonCompletion.objects.filter(person=person, lesson=lesson).first()
    if existing:
        return existing
    progress = lesson_progress_record(person=person, lesson=lesson, read_seconds=read_seconds, watched=watched,
                                      idempotency_key=idempotency_key)
    shortfall = lesson_shortfall(lesson=lesson, progress=progress, person=person)
    if shortfall:
        raise LessonNotEarned(shortfall)
    if not idempotency_key:
        return _lesson_completion_record(person=person, lesson=lesson)
    # A completion queued offline (or a double tap) is one write per key, answered with the first result
    # (people's one idempotency rule); the report's progress above is counted once by its own key list.
    result = idempotency_key_apply(person=person, key=idempotency_key, action="lesson_complete",
                                   write=lambda: {"completion": _lesson_completion_record(person=person,
                                                                                          lesson=lesson).pk})
    return LessonCompletion.objects.get(pk=result["completion"])


@transaction.atomic
def _lesson_completion_record(*, person: User, lesson: LessonPage) -> LessonCompletion:
    module = CourseModulePage.objects.get(path=lesson.path[: -LessonPage.steplen])
    enrolment = enrolment_create(person=person, module=module)
    completion, created = LessonCompletion.objects.get_or_create(person=person, lesson=lesson)
    if not created:
        return completion
    signals.lesson_completed.send(sender=LessonPage, user=person, lesson=lesson)
    remaining = LessonPage.objects.live().child_of(module).exclude(completions__person=person).exists()
    if not remaining and enrolment.completed_at is None:
        already = module.pk in selectors.completed_module_ids(user=person)
        enrolment.completed_at = timezone.now()
        enrolment.save(update_fields=["completed_at"])
        if not already:
            signals.module_completed.send(sender=CourseModulePage, user=person, module=module)
    return completion


def _people_for_assignment(*, by: User, committees, townships, people) -> set[User]:
    committees, townships, people = list(committees), list(townships), list(people)
    visible_committees = set(people_permissions.committees_visible_to(by).filter(
        pk__in=[c.pk for c in committees]).values_list("pk", flat=True))
    refused = [c.name for c in committees if c.pk not in visible_committees]
    refused += [r.name for r in townships if not people_permissions.can_see_region(by, r)]
    visible_people = set(people_permissions.people_visible_to(by).filter(
        pk__in=[p.pk for p in people]).values_list("pk", flat=True))
    refused += [p.name for p in people if p.pk not in visible_people]
    if refused:
        raise CoursesError(_("Outside your jurisdiction: %(names)s.") % {"names": "、".join(refused)})
    region_q = Q(pk__in=[])
    for township in townships:
        region_q |= Q(committee__region__path__startswith=township.path)
    members = Membership.objects.active().filter(Q(committee__in=committees) | region_q).values_list(
        "person_id", flat=True)
    return set(User.objects.filter(Q(pk__in=members) | Q(pk__in=[p.pk for p in people])))


@transaction.atomic
def assignment_create(*, by: User, module: CourseModulePage, due_on: datetime.date,
                      committees: list[Committee] = (), townships: list[Region] = (),
                      people: list[User] = ()) -> ModuleAssignment:
    """Bureau staff assign a module, with a due date, to the active members of committees, of every committee in
    townships, and/or to listed people — all inside their jurisdiction (refused otherwise, nothing written).
    Each person is enrolled (or their due date brought forward) and gets a notice. Atomic."""
    if not people_permissions.is_bureau_staff(by):
        raise CoursesError(_("Only bureau staff assign modules."))
    if due_on < timezone.localdate():
        raise CoursesError(_("The due date is in the past."))
    persons = _people_for_assignment(by=by, committees=committees, townships=townships, people=people)
    if not persons:
        raise CoursesError(_("Nobody matches: choose committees, townships or people with active members."))
    names = [c.name for c in committees] + [t.name for t in townships]
    if people:
        names.append(ngettext("%(count)d person", "%(count)d people", len(people)) % {"count": len(people)})
    assignment = ModuleAssignment.objects.create(module=module, assigned_by=by, due_on=due_on,
                                                 audience="、".join(names)[:300])
    for person in sorted(persons, key=lambda p: p.pk):
        enrolment_create(person=person, module=module, assignment=assignment, due_on=due_on)
        notice_send(person=person, title=_("New training assigned: %(module)s") % {"module": module.title},
                    body=_("Please complete it by %(date)s.") % {"date": due_on.isoformat()}, url=module.url or "")
    return assignment


# --- Handouts for enrolled people only


@transaction.atomic
def handout_protect(*, document) -> PrivateHandout:
    """Keep a handout marked "enrolled people only" out of public media: its bytes move into private storage
    (``people.files``) under a random name, the document's own file name becomes that name (public media never
    holds it, so its /media/ address and Wagtail's document view find nothing), and the public copy is deleted
    once this is committed. Idempotent: a protected document is left alone, unless its file was replaced in the
    library since (a new public file), which is moved in turn."""
    # Read again under a lock: block values and signal senders carry copies that may predate a move.
    document = type(document).objects.select_for_update().get(pk=document.pk)
    public = document.file.storage
    name = document.file.name
    handout = PrivateHandout.objects.select_for_update().filter(document=document).first()
    if not name or not public.exists(name):
        if handout:
            return handout
        raise CoursesError(_("The handout's file is missing: upload it again."))
    with public.open(name, "rb") as source:
        stored = private_storage().save(private_name("handouts", PurePath(name).suffix.lower()), source)
    if handout:
        stale = handout.file.name
        transaction.on_commit(lambda: private_storage().delete(stale))
        handout.file.name, handout.filename = stored, PurePath(name).name
        handout.save()
    else:
        handout = PrivateHandout.objects.create(document=document, file=stored, filename=PurePath(name).name)
    type(document).objects.filter(pk=document.pk).update(file=stored)  # no save(): no signal, no metadata pass
    transaction.on_commit(lambda: public.delete(name))
    return handout


def lesson_handouts_protect(*, lesson: LessonPage) -> list[PrivateHandout]:
    """Protect every handout of ``lesson`` (a saved draft or the published page) marked "enrolled people only"
    (``handout_protect``): called when a lesson is saved in the admin and when it is published. A document whose
    file is missing is skipped (there is nothing to leak; its download answers 404)."""
    protected = []
    for document in lesson.private_handouts().values():
        try:
            protected.append(handout_protect(document=document))
        except CoursesError:
            continue
    return protected


# --- Simulated mediation


@transaction.atomic
def scenario_run_start(*, person: User, scenario: ScenarioPage) -> ScenarioRun:
    """Start a run at the scenario's first step, or return the run the person left unfinished."""
    if not scenario.live:
        raise CoursesError(_("This scenario is not published."))
    User.objects.select_for_update().filter(pk=person.pk).first()  # one start at a time per person
    run = ScenarioRun.objects.filter(person=person, scenario=scenario, finished_at__isnull=True).first()
    if run:
        return run
    graph = scenario.parsed_graph()
    if graph.start is None:
        raise CoursesError(_("This scenario has no steps yet."))
    return ScenarioRun.objects.create(person=person, scenario=scenario, current_key=graph.start)


@transaction.atomic
def scenario_run_choose(*, run: ScenarioRun, step_key: str, choice_index: int,
                        idempotency_key: str = "") -> ScenarioRunChoice:
    """Record the learner's choice at the run's current step and move on. Refuses a choice for a step the run is
    no longer on (a double click or an old tab), so nothing is recorded twice. Reaching an ending finishes the
    run, scores it by competency and sends ``scenario_run_finished``. With an ``idempotency_key`` (a choice
    queued offline and sent again) a repeat is answered with the first choice instead of the refusal."""
    if idempotency_key:
        result = idempotency_key_apply(
            person=run.person, key=idempotency_key, action="scenario_run_choose",
            write=lambda: {"choice": scenario_run_choose(run=run, step_key=step_key, choice_index=choice_index).pk})
        return ScenarioRunChoice.objects.get(pk=result["choice"])
    run = ScenarioRun.objects.select_for_update().select_related("scenario", "person").get(pk=run.pk)
    if run.finished_at is not None or run.current_key != step_key:
        raise CoursesError(_("This step has already been answered."))
    graph = run.scenario.parsed_graph()
    step = graph.step(run.current_key)
    if step is None:
        raise CoursesError(_("This scenario was changed while you played it. Please start again."))
    if not 0 <= choice_index < len(step.choices):
        raise CoursesError(_("Choose one of the options."))
    choice = step.choices[choice_index]
    recorded = ScenarioRunChoice.objects.create(
        run=run, position=run.choices.count(), step_key=step.key, step_title=step.title,
        choice_text=choice.text, feedback=choice.feedback, points=choice.points,
        best_points=step.best_points(), best_total=step.best_total())
    run.current_key = choice.leads_to
    if isinstance(graph.nodes.get(choice.leads_to), Ending):
        taken = [(c.points, c.best_points, c.best_total) for c in run.choices.order_by("position")]
        run.score_percent, run.competency_percent = score_path(taken)
        run.ending_key = choice.leads_to
        run.finished_at = timezone.now()
    run.save()
    if run.finished_at:
        signals.scenario_run_finished.send(sender=ScenarioRun, user=run.person, run=run)
    return recorded


# --- Rotation sessions


@transaction.atomic
def session_schedule(*, by: User, title: str, township: Region, venue: str, starts_at: datetime.datetime,
                     ends_at: datetime.datetime, capacity: int, modules: list[CourseModulePage],
                     lecturers: list[User] = ()) -> RotationSession:
    """Bureau staff schedule a rotation session in a township of their jurisdiction."""
    if not people_permissions.is_bureau_staff(by) or not people_permissions.can_see_region(by, township):
        raise CoursesError(_("You can only schedule sessions in your jurisdiction."))
    if ends_at <= starts_at:
        raise CoursesError(_("A session must end after it starts."))
    if not modules:
        raise CoursesError(_("Choose at least one module from the menu."))
    session = RotationSession.objects.create(title=title, township=township, venue=venue, starts_at=starts_at,
                                             ends_at=ends_at, capacity=capacity, created_by=by)
    session.modules.set(modules)
    session.lecturers.set(lecturers)
    return session


def _signup(session: RotationSession, person: User, assigned_by: User | None) -> tuple[SessionSignup, bool]:
    existing = SessionSignup.objects.filter(session=session, person=person).first()
    if existing:
        return existing, False
    if session.signups.count() >= session.capacity:
        raise CoursesError(_("This session is full."))
    return SessionSignup.objects.create(session=session, person=person, assigned_by=assigned_by), True


@transaction.atomic
def session_sign_up(*, session: RotationSession, person: User) -> SessionSignup:
    """A learner signs up for an upcoming session. Idempotent; refused when the session is full or over."""
    session = RotationSession.objects.select_for_update().get(pk=session.pk)
    if session.ends_at <= timezone.now():
        raise CoursesError(_("This session is over."))
    return _signup(session, person, None)[0]


@transaction.atomic
def session_assign(*, by: User, session: RotationSession, people: list[User]) -> int:
    """Bureau staff sign people up for a session. All or nothing: refused if it would exceed the capacity or
    if anyone is outside their jurisdiction. Returns how many were newly signed up; each gets a notice."""
    if not people_permissions.can_see_region(by, session.township):
        raise CoursesError(_("You can only assign people to sessions in your jurisdiction."))
    visible = set(people_permissions.people_visible_to(by).filter(pk__in=[p.pk for p in people])
                  .values_list("pk", flat=True))
    outside = [p.name for p in people if p.pk not in visible]
    if outside:
        raise CoursesError(_("Outside your jurisdiction: %(names)s.") % {"names": "、".join(outside)})
    session = RotationSession.objects.select_for_update().get(pk=session.pk)
    added = 0
    for person in people:
        _signup_row, created = _signup(session, person, by)
        if created:
            added += 1
            notice_send(person=person, title=_("You are signed up for a rotation session: %(title)s") % {
                "title": session.title}, body=_("%(when)s, %(venue)s") % {
                "when": timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M"), "venue": session.venue})
    return added


@transaction.atomic
def attendance_record(*, session: RotationSession, person: User, method: str, recorded_by: User | None = None,
                      at: datetime.datetime | None = None) -> SessionAttendance:
    """Record that a person attended. By QR code: only between the session's start and end, and only once (a
    second scan is refused). On the roster: idempotent. Credits the session's modules: ``session_attended`` is
    sent, and ``module_completed`` for each module that was not complete for the person before."""
    at = at or timezone.now()
    session = RotationSession.objects.select_for_update().get(pk=session.pk)
    if method == SessionAttendance.Method.QR and not session.starts_at <= at <= session.ends_at:
        raise CoursesError(_("Check-in is open only while the session runs (%(start)s–%(end)s).") % {
            "start": timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M"),
            "end": timezone.localtime(session.ends_at).strftime("%H:%M")})
    existing = SessionAttendance.objects.filter(session=session, person=person).first()
    if existing:
        if method == SessionAttendance.Method.QR:
            raise CoursesError(_("You have already checked in to this session."))
        return existing
    before = selectors.completed_module_ids(user=person)
    try:
        with transaction.atomic():
            attendance = SessionAttendance.objects.create(session=session, person=person, method=method,
                                                          recorded_by=recorded_by)
    except IntegrityError:
        raise CoursesError(_("You have already checked in to this session.")) from None
    signals.session_attended.send(sender=SessionAttendance, user=person, attendance=attendance)
    for module in session.modules.exclude(pk__in=before):
        signals.module_completed.send(sender=CourseModulePage, user=person, module=module)
    return attendance


def attendance_check_in(*, code: str, person: User, at: datetime.datetime | None = None) -> SessionAttendance:
    """A learner scanned a session's QR code."""
    session = RotationSession.objects.filter(checkin_code=code).first()
    if session is None:
        raise CoursesError(_("This check-in code is not valid."))
    return attendance_record(session=session, person=person, method=SessionAttendance.Method.QR, at=at)


@transaction.atomic
def roster_tick(*, by: User, session: RotationSession, people: list[User],
                method: str = SessionAttendance.Method.ROSTER) -> int:
    """A lecturer (or bureau staff) ticks attendance on the roster (or, afterwards, from the printed sign-in
    sheet: ``method`` records which). Returns how many were newly recorded."""
    if method == SessionAttendance.Method.QR:
        raise CoursesError(_("Only the attendee's own scan records a QR check-in."))
    if not can_manage_session(by, session):
        raise CoursesError(_("Only the session's lecturers and bureau staff keep its roster."))
    already = set(session.attendances.values_list("person_id", flat=True))
    for person in people:
        attendance_record(session=session, person=person, method=method, recorded_by=by)
    return len({p.pk for p in people} - already)


@transaction.atomic
def attendance_sync_offline(*, by: User, session: RotationSession, codes: list[str],
                            idempotency_key: str) -> dict:
    """Check-ins a lecturer's phone recorded at a venue without network (attendee codes scanned, typed or ticked),
    sent when it is back online. Each code names a person signed up for the session; the attendance is recorded
    once whatever the number of scans or sendings (``one_attendance_per_session``; a replayed key writes nothing).
    Returns ``{"recorded": newly recorded, "unknown": codes naming nobody on the roster}``."""
    if not can_manage_session(by, session):
        raise CoursesError(_("Only the session's lecturers and bureau staff keep its roster."))

    def write() -> dict:
        wanted = {code: attendee_from_code(code) for code in codes}
        signed_up = set(session.signups.filter(person_id__in=[pk for pk in wanted.values() if pk])
                        .values_list("person_id", flat=True))
        people = list(User.objects.filter(pk__in=signed_up))
        recorded = roster_tick(by=by, session=session, people=people, method=SessionAttendance.Method.OFFLINE)
        return {"recorded": recorded, "unknown": sorted(code for code, pk in wanted.items() if pk not in signed_up)}

    return idempotency_key_apply(person=by, key=idempotency_key, action="attendance_sync_offline", write=write)
