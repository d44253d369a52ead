import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from courses import selectors, services, signals
from courses.exceptions import CoursesError
from courses.models import Enrolment, ScenarioRun, SessionAttendance
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    """Records every courses signal sent during the test as (name, kwargs)."""
    log = []
    handlers = {}
    for name in ("lesson_completed", "module_completed", "scenario_run_finished", "session_attended"):
        def handler(sender, name=name, **kwargs):
            log.append((name, kwargs))
        handlers[name] = handler
        getattr(signals, name).connect(handler)
    yield log
    for name, handler in handlers.items():
        getattr(signals, name).disconnect(handler)


def test_completing_every_lesson_completes_the_module_once(received):
    person = factories.mediator()
    module = factories.course_module(credit_hours=3)
    first, second = factories.lesson(module=module), factories.lesson(module=module, title="第二课")
    services.lesson_complete(person=person, lesson=first)
    assert Enrolment.objects.get(person=person, module=module).completed_at is None
    services.lesson_complete(person=person, lesson=second)
    services.lesson_complete(person=person, lesson=second)  # again: nothing new
    assert [name for name, _kw in received] == ["lesson_completed", "lesson_completed", "module_completed"]
    assert received[-1][1] == {"user": person, "module": module, "signal": signals.module_completed}
    assert selectors.completed_module_ids(user=person) == {module.pk}
    today = timezone.localdate()
    assert selectors.training_hours(user=person, start=today, end=today) == Decimal(3)


def test_an_unpublished_lesson_cannot_be_completed():
    module = factories.course_module()
    lesson = factories.lesson(module=module)
    lesson.unpublish()
    with pytest.raises(CoursesError):
        services.lesson_complete(person=factories.mediator(), lesson=lesson)


def test_a_scenario_run_scores_by_competency_and_announces_the_end(received):
    person = factories.mediator()
    scenario = factories.scenario(module=factories.course_module())
    run = services.scenario_run_start(person=person, scenario=scenario)
    assert services.scenario_run_start(person=person, scenario=scenario) == run  # resumes the open run
    services.scenario_run_choose(run=run, step_key="opening", choice_index=0)
    with pytest.raises(CoursesError):  # a double click on the same step records nothing
        services.scenario_run_choose(run=run, step_key="opening", choice_index=1)
    services.scenario_run_choose(run=run, step_key="talk", choice_index=0)
    run.refresh_from_db()
    assert run.finished_at and run.ending_key == "agreed" and run.score_percent == 100
    assert run.competency_percent == {"listening": 100, "deescalation": 100, "method": 100}
    assert received[-1][0] == "scenario_run_finished" and received[-1][1]["run"] == run
    replay = services.scenario_run_start(person=person, scenario=scenario)
    assert replay != run
    services.scenario_run_choose(run=replay, step_key="opening", choice_index=1)
    replay.refresh_from_db()
    assert replay.score_percent == 0 and replay.ending_key == "failed"
    assert selectors.best_scenario_percent(user=person) == {scenario.pk: 100}
    assert ScenarioRun.objects.filter(person=person).count() == 2


def test_qr_check_in_only_in_the_window_and_once(received, townships):
    person = factories.mediator()
    module = factories.course_module(credit_hours=2)
    start = timezone.now() - datetime.timedelta(hours=1)
    session = factories.rotation_session(township=townships[0], modules=[module], starts_at=start)
    with pytest.raises(CoursesError):
        services.attendance_check_in(code=session.checkin_code, person=person,
                                     at=start - datetime.timedelta(minutes=5))
    services.attendance_check_in(code=session.checkin_code, person=person)
    with pytest.raises(CoursesError):
        services.attendance_check_in(code=session.checkin_code, person=person)
    assert SessionAttendance.objects.filter(session=session, person=person).count() == 1
    assert [name for name, _kw in received] == ["session_attended", "module_completed"]
    assert selectors.completed_module_ids(user=person) == {module.pk}
    today = timezone.localdate()
    assert selectors.training_hours(user=person, start=today.replace(month=1, day=1), end=today) == Decimal(2)
    with pytest.raises(CoursesError):
        services.attendance_check_in(code="not-a-code", person=person)


def test_a_module_counts_once_whether_studied_online_or_attended(townships):
    person = factories.mediator()
    module = factories.course_module(credit_hours=4)
    other = factories.course_module(credit_hours=2)
    services.lesson_complete(person=person, lesson=factories.lesson(module=module))
    session = factories.rotation_session(township=townships[0], modules=[module, other],
                                         starts_at=timezone.now() - datetime.timedelta(hours=1))
    services.attendance_record(session=session, person=person, method=SessionAttendance.Method.ROSTER)
    today = timezone.localdate()
    # From yesterday: just after midnight the session (an hour ago) began the day before.
    hours = selectors.training_hours_by_person(person_ids=[person.pk, factories.mediator().pk],
                                               start=today - datetime.timedelta(days=1), end=today)
    assert hours[person.pk] == Decimal(6) and list(hours.values())[1] == 0


def test_capacity_is_enforced_and_sign_up_is_idempotent(townships):
    session = factories.rotation_session(township=townships[0], modules=[factories.course_module()], capacity=1)
    first = factories.mediator()
    services.session_sign_up(session=session, person=first)
    services.session_sign_up(session=session, person=first)
    with pytest.raises(CoursesError):
        services.session_sign_up(session=session, person=factories.mediator())
    assert session.signups.count() == 1


def test_bureau_staff_assign_a_module_inside_their_jurisdiction_only(county, townships):
    staff = factories.bureau_staff(jurisdiction=townships[0])
    inside = factories.CommitteeFactory(region=townships[0])
    outside = factories.CommitteeFactory(region=townships[1])
    members = [factories.mediator(committee=inside) for _n in range(3)]
    module = factories.course_module()
    due = timezone.localdate() + datetime.timedelta(days=30)
    with pytest.raises(CoursesError):
        services.assignment_create(by=staff, module=module, due_on=due, committees=[inside, outside])
    assert not Enrolment.objects.exists()
    assignment = services.assignment_create(by=staff, module=module, due_on=due, townships=[townships[0]])
    assert {e.person for e in assignment.enrolments.all()} == set(members)
    assert all(e.due_on == due for e in assignment.enrolments.all())
    assert members[0].notices.count() == 1


def test_only_the_sessions_lecturers_and_bureau_staff_keep_the_roster(townships):
    lecturer, stranger = factories.lecturer(), factories.lecturer()
    session = factories.rotation_session(township=townships[0], modules=[factories.course_module()])
    session.lecturers.add(lecturer)
    person = factories.mediator()
    services.session_sign_up(session=session, person=person)
    with pytest.raises(CoursesError):
        services.roster_tick(by=stranger, session=session, people=[person])
    assert services.roster_tick(by=lecturer, session=session, people=[person]) == 1
    assert services.roster_tick(by=lecturer, session=session, people=[person]) == 0


def test_scheduling_outside_the_jurisdiction_is_refused(townships):
    staff = factories.bureau_staff(jurisdiction=townships[0])
    start = timezone.now() + datetime.timedelta(days=3)
    kwargs = {"title": "轮训", "venue": "会议室", "starts_at": start, "ends_at": start + datetime.timedelta(hours=2),
              "capacity": 40, "modules": [factories.course_module()]}
    with pytest.raises(CoursesError):
        services.session_schedule(by=staff, township=townships[1], **kwargs)
    assert services.session_schedule(by=staff, township=townships[0], **kwargs).capacity == 40
