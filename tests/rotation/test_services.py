"""Every rule of order → dispatch → rate, at the service level."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from courses import services as course_services
from courses.models import SessionAttendance
from people.models import Notice
from rotation import selectors, services
from rotation.exceptions import RotationError
from rotation.models import Dispatch, ModuleVote, SessionRating, TrainingOrder
from tests import factories

from .conftest import next_week, place_order, schedule

pytestmark = pytest.mark.django_db


# --- Ordering rights by role and jurisdiction

def test_a_township_officer_orders_for_their_township(world, rules):
    order = place_order(world, rules)
    assert order.status == TrainingOrder.Status.NEW
    assert set(order.modules.all()) == {world.law, world.skills}
    assert [h["status"] for h in order.history] == ["new"]


@pytest.mark.parametrize("who", ["officer_other_township", "county_bureau", "mediator", "lecturer", "chair"])
def test_others_may_not_order(world, rules, who):
    township, committee = world.jia, None
    by = {"officer_other_township": factories.bureau_staff(jurisdiction=world.yi),
          "county_bureau": world.bureau, "mediator": world.mediator, "lecturer": world.lecturers[0],
          "chair": world.chair}[who]
    if who == "chair":
        committee = world.committee  # committee heads order only where the bureau allows it
    with pytest.raises(RotationError):
        place_order(world, rules, by=by, township=township, committee=committee)
    assert not TrainingOrder.objects.exists()


def test_committee_heads_order_when_the_bureau_allows_it_and_only_for_their_township(world, rules):
    rules.committee_heads_may_order = True
    order = place_order(world, rules, by=world.chair, committee=world.committee)
    assert (order.township, order.committee) == (world.jia, world.committee)
    with pytest.raises(RotationError):
        place_order(world, rules, by=world.chair, township=world.yi, committee=world.committee)
    with pytest.raises(RotationError):  # a committee they do not head
        place_order(world, rules, by=world.chair, township=world.yi, committee=world.other_committee)
    # An ordinary member is not a head.
    with pytest.raises(RotationError):
        place_order(world, rules, by=world.mediator, committee=world.committee)


def test_order_input_is_checked(world, rules):
    today = timezone.localdate()
    for first, last in ((today - datetime.timedelta(days=1), today), (today + datetime.timedelta(days=9),
                                                                     today + datetime.timedelta(days=3))):
        with pytest.raises(RotationError):
            services.order_place(by=world.officer, township=world.jia, modules=[world.law], headcount=10,
                                 preferred_from=first, preferred_to=last, rules=rules)
    with pytest.raises(RotationError):
        place_order(world, rules, modules=[], headcount=10)
    with pytest.raises(RotationError):
        place_order(world, rules, headcount=0)
    world.law.unpublish()
    world.law.refresh_from_db()
    with pytest.raises(RotationError):
        place_order(world, rules, modules=[world.law])


# --- The queue

def test_decline_needs_a_reason_and_a_dispatcher_of_the_county(world, rules):
    order = place_order(world, rules)
    with pytest.raises(RotationError):
        services.order_decline(by=world.bureau, order=order, reason="  ")
    with pytest.raises(RotationError):  # the township office does not handle its own orders
        services.order_decline(by=world.officer, order=order, reason="重复")
    other_county = factories.bureau_staff(jurisdiction=factories.region(name="别旗"))
    with pytest.raises(RotationError):
        services.order_decline(by=other_county, order=order, reason="重复")
    services.order_decline(by=world.bureau, order=order, reason="本月讲师已排满")
    order.refresh_from_db()
    assert (order.status, order.decline_reason) == (TrainingOrder.Status.DECLINED, "本月讲师已排满")
    assert order.history[-1]["by"] == world.bureau.pk
    assert Notice.objects.filter(person=world.officer, body="本月讲师已排满").exists()


def test_a_scheduled_order_cannot_be_declined_or_scheduled_again(world, rules):
    order = place_order(world, rules)
    schedule(world, [order])
    with pytest.raises(RotationError):
        services.order_decline(by=world.bureau, order=order, reason="x")
    with pytest.raises(RotationError):
        schedule(world, [order], lecturer=world.lecturers[1], days=9)


def test_queue_groups_by_township_with_demand_counts_and_wishes(world, rules):
    place_order(world, rules, headcount=30)
    place_order(world, rules, modules=[world.law], headcount=12)
    services.module_vote(person=world.mediator, module=world.law)
    services.module_vote(person=world.mediator, module=world.law)  # idempotent
    services.module_vote(person=world.chair, module=world.skills)
    declined = place_order(world, rules)
    services.order_decline(by=world.bureau, order=declined, reason="重复")
    [queue] = selectors.order_queue(user=world.bureau)
    assert queue.township == world.jia and len(queue.orders) == 2
    demand = {d.module.pk: (d.orders, d.headcount, d.votes) for d in queue.demand}
    assert demand == {world.law.pk: (2, 42, 1), world.skills.pk: (1, 30, 1)}
    assert [o.pk for q in selectors.order_queue(user=world.bureau, status="declined") for o in q.orders] == [
        declined.pk]
    # Another county's bureau sees none of it.
    assert selectors.order_queue(user=factories.bureau_staff(jurisdiction=factories.region())) == []


def test_wishes_without_an_order_still_show_as_demand(world, rules):
    services.module_vote(person=world.mediator, module=world.skills)
    [queue] = selectors.order_queue(user=world.bureau)
    assert queue.orders == [] and [(d.module, d.votes) for d in queue.demand] == [(world.skills, 1)]


def test_only_committee_members_wish_and_can_withdraw(world):
    with pytest.raises(RotationError):
        services.module_vote(person=world.lecturers[0], module=world.law)
    services.module_vote(person=world.mediator, module=world.law)
    assert ModuleVote.objects.get().township == world.jia
    services.module_vote(person=world.mediator, module=world.law, wanted=False)
    assert not ModuleVote.objects.exists()


# --- Suggestions

def _suggested(world, day, gap=1, modules=None, township=None):
    return [s.lecturer for s in selectors.lecturer_suggestions(
        township=township or world.jia, modules=modules or [world.law, world.skills], day=day, gap_days=gap)]


def test_suggestions_need_the_modules_the_township_and_a_free_day(world, rules):
    wang, liu = world.lecturers
    day = next_week().date()
    assert set(_suggested(world, day)) == {wang, liu}
    third = factories.course_module(title="医疗纠纷")
    services.lecturer_profile_save(lecturer=liu, background="retired_judge", modules=[world.law, third],
                                   townships=[world.jia])
    assert _suggested(world, day) == [wang]  # liu no longer teaches 调解技巧
    assert _suggested(world, day, modules=[world.law, third]) == [liu]
    assert _suggested(world, day, township=world.yi) == []  # nobody covers 乙镇
    services.lecturer_unavailable(lecturer=wang, day=day)
    assert _suggested(world, day) == []


def test_suggestions_keep_the_travel_gap_and_share_the_work(world, rules):
    wang, liu = world.lecturers
    schedule(world, [place_order(world, rules)], lecturer=wang, days=7)
    day7, day8, day10 = (next_week(d).date() for d in (7, 8, 10))
    assert _suggested(world, day7) == [liu]
    assert _suggested(world, day8, gap=1) == [liu]  # the day after: too close to travel
    assert _suggested(world, day8, gap=0) == [liu, wang]  # no gap: free, but busier this year, so last
    assert _suggested(world, day10, gap=2) == [liu, wang]


def test_a_declined_dispatch_frees_the_lecturer(world, rules):
    wang, liu = world.lecturers
    session = schedule(world, [place_order(world, rules)], lecturer=wang)
    services.dispatch_respond(by=wang, dispatch=session.dispatches.get(), accept=False, reason="开庭")
    assert wang in _suggested(world, next_week().date())
    assert wang not in session.lecturers.all()


# --- Scheduling and dispatch

def test_scheduling_from_orders_writes_session_dispatch_and_statuses_and_tells_everyone(world, rules):
    first, second = place_order(world, rules), place_order(world, rules, modules=[world.law], headcount=10)
    session = schedule(world, [first, second])
    assert session.township == world.jia and list(session.lecturers.all()) == [world.lecturers[0]]
    dispatch = session.dispatches.get()
    assert (dispatch.lecturer, dispatch.status, dispatch.day) == (
        world.lecturers[0], Dispatch.Status.PROPOSED, next_week().date())
    assert set(TrainingOrder.objects.values_list("status", "session")) == {("scheduled", session.pk)}
    assert Notice.objects.filter(person=world.lecturers[0], title__contains=session.title).exists()
    assert Notice.objects.filter(person=world.officer).count() == 2  # one per order


def test_orders_of_two_townships_make_no_session(world, rules):
    officer_yi = factories.bureau_staff(jurisdiction=world.yi)
    orders = [place_order(world, rules), place_order(world, rules, by=officer_yi, township=world.yi)]
    with pytest.raises(RotationError):
        schedule(world, orders)
    assert not Dispatch.objects.exists()


def test_only_dispatchers_of_the_county_schedule(world, rules):
    order = place_order(world, rules)
    starts = next_week()
    for by in (world.officer, factories.bureau_staff(jurisdiction=factories.region())):
        with pytest.raises(RotationError):
            services.session_schedule_from_orders(
                by=by, orders=[order], lecturer=world.lecturers[0], title="x", venue="y", starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=3), capacity=10, modules=[world.law])


def test_no_double_booking_and_nothing_left_behind(world, rules):
    wang = world.lecturers[0]
    schedule(world, [place_order(world, rules)], lecturer=wang, days=7)
    second = place_order(world, rules)
    with pytest.raises(RotationError, match="已有|already"):
        schedule(world, [second], lecturer=wang, days=7, title="第二场")
    second.refresh_from_db()
    assert second.status == TrainingOrder.Status.NEW
    from courses.models import RotationSession
    assert not RotationSession.objects.filter(title="第二场").exists()


def test_an_unavailable_lecturer_cannot_be_sent(world, rules):
    wang = world.lecturers[0]
    services.lecturer_unavailable(lecturer=wang, day=next_week().date(), note="出差")
    with pytest.raises(RotationError):
        schedule(world, [place_order(world, rules)], lecturer=wang)
    # And a lecturer cannot mark a day they already teach.
    schedule(world, [place_order(world, rules)], lecturer=wang, days=9)
    with pytest.raises(RotationError):
        services.lecturer_unavailable(lecturer=wang, day=next_week(9).date())


def test_the_lecturer_confirms_and_the_ordering_office_is_told(world, rules):
    session = schedule(world, [place_order(world, rules)])
    dispatch = session.dispatches.get()
    with pytest.raises(RotationError):  # only the lecturer asked
        services.dispatch_respond(by=world.lecturers[1], dispatch=dispatch, accept=True)
    before = {p.pk: Notice.objects.filter(person=p).count() for p in (world.officer, world.bureau)}
    services.dispatch_respond(by=world.lecturers[0], dispatch=dispatch, accept=True)
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.CONFIRMED and dispatch.responded_at
    for person in (world.officer, world.bureau):  # the ordering office and the dispatcher
        assert Notice.objects.filter(person=person).count() == before[person.pk] + 1
        assert "王讲师" in Notice.objects.filter(person=person).first().body
    with pytest.raises(RotationError):
        services.dispatch_respond(by=world.lecturers[0], dispatch=dispatch, accept=False, reason="x")


def test_declining_needs_a_reason_and_the_bureau_can_send_another(world, rules):
    session = schedule(world, [place_order(world, rules)])
    dispatch = session.dispatches.get()
    with pytest.raises(RotationError):
        services.dispatch_respond(by=world.lecturers[0], dispatch=dispatch, accept=False)
    services.dispatch_respond(by=world.lecturers[0], dispatch=dispatch, accept=False, reason="开庭")
    assert Notice.objects.filter(person=world.bureau, body__contains="开庭").exists()
    assert Notice.objects.filter(person=world.officer, body__contains="开庭").exists()
    assert [s.pk for s in selectors.sessions_without_lecturer(orders=list(TrainingOrder.objects.all()))] == [
        session.pk]
    services.session_dispatch(by=world.bureau, session=session, lecturer=world.lecturers[1])
    with pytest.raises(RotationError):  # one live lecturer per session
        services.session_dispatch(by=world.bureau, session=session, lecturer=world.lecturers[0])
    assert list(session.lecturers.all()) == [world.lecturers[1]]


# --- Attendance from the sheet

def _held_session(world, rules, *, attendees=2):
    session = schedule(world, [place_order(world, rules)])
    services.dispatch_respond(by=world.lecturers[0], dispatch=session.dispatches.get(), accept=True)
    people = [world.mediator] + [factories.mediator(committee=world.committee) for _ in range(attendees - 1)]
    course_services.session_assign(by=world.bureau, session=session, people=people)
    start = timezone.now() - datetime.timedelta(hours=5)
    type(session).objects.filter(pk=session.pk).update(starts_at=start, ends_at=start + datetime.timedelta(hours=4))
    session.refresh_from_db()
    return session, people


def test_ticks_from_the_sheet_are_recorded_with_their_method(world, rules):
    session, people = _held_session(world, rules, attendees=3)
    course_services.attendance_record(session=session, person=people[0], method=SessionAttendance.Method.QR,
                                      at=session.starts_at + datetime.timedelta(minutes=5))
    outsider = factories.mediator(committee=world.committee)
    with pytest.raises(RotationError):
        services.attendance_confirm(by=world.lecturers[0], session=session, people=[outsider])
    assert services.attendance_confirm(by=world.lecturers[0], session=session, people=people) == 2
    methods = dict(session.attendances.values_list("person_id", "method"))
    assert methods == {people[0].pk: "qr", people[1].pk: "sheet", people[2].pk: "sheet"}
    assert session.dispatches.get().attendance_confirmed_at is not None
    with pytest.raises(RotationError):  # not the session's lecturer
        services.attendance_confirm(by=world.lecturers[1], session=session, people=people)


def test_attendance_is_not_confirmed_before_the_session(world, rules):
    session = schedule(world, [place_order(world, rules)])
    with pytest.raises(RotationError):
        services.attendance_confirm(by=world.lecturers[0], session=session, people=[])


# --- Rating

def _rate(world, session, person, rules, overall=5, at=None, **kw):
    return services.rating_submit(person=person, session=session, overall=overall, lecturer_score=4,
                                  module_scores=kw.pop("module_scores", {world.law.pk: 5, world.skills.pk: 3}),
                                  comment=kw.pop("comment", "讲得好"), rules=rules, at=at)


def test_one_rating_per_attendee_editable_for_seven_days(world, rules):
    session, people = _held_session(world, rules)
    services.attendance_confirm(by=world.lecturers[0], session=session, people=people)
    _rate(world, session, people[0], rules, overall=3)
    rating = _rate(world, session, people[0], rules, overall=5, module_scores={world.law.pk: 2, world.skills.pk: 2})
    assert SessionRating.objects.count() == 1 and rating.overall == 5
    assert sorted(rating.modules.values_list("score", flat=True)) == [2, 2]
    assert rating.lecturer == world.lecturers[0]
    late = session.ends_at + datetime.timedelta(days=7, minutes=1)
    with pytest.raises(RotationError):
        _rate(world, session, people[0], rules, at=late)
    _rate(world, session, people[1], rules, at=late - datetime.timedelta(minutes=2))


def test_only_attendees_rate_and_scores_are_checked(world, rules):
    session, people = _held_session(world, rules)
    with pytest.raises(RotationError):  # signed up, but no attendance recorded
        _rate(world, session, people[0], rules)
    services.attendance_confirm(by=world.lecturers[0], session=session, people=people[:1])
    for bad in ({"overall": 6}, {"overall": 0}, {"module_scores": {world.law.pk: 5}},
                {"module_scores": {world.law.pk: 5, world.skills.pk: 9}}):
        with pytest.raises(RotationError):
            _rate(world, session, people[0], rules, **bad)
    assert not SessionRating.objects.exists()


def test_ratings_are_anonymous_to_the_lecturer(world, rules):
    session, people = _held_session(world, rules)
    services.attendance_confirm(by=world.lecturers[0], session=session, people=people)
    _rate(world, session, people[0], rules, comment="案例很实用")
    home = selectors.lecturer_home(user=world.lecturers[0])
    assert home.ratings.count == 1 and home.ratings.comments == ["案例很实用"]
    assert home.ratings.lecturer == Decimal("4.0")
    assert [r.person for r in selectors.session_ratings(session=session)] == [people[0]]


# --- Report figures equal the raw records

def test_report_figures_equal_the_raw_records(world, rules):
    wang, liu = world.lecturers
    first, people = _held_session(world, rules, attendees=3)
    services.attendance_confirm(by=wang, session=first, people=people)
    _rate(world, first, people[0], rules, overall=5)
    _rate(world, first, people[1], rules, overall=2)
    second = schedule(world, [place_order(world, rules, modules=[world.law])], lecturer=liu, days=12, title="二")
    second.modules.set([world.law])
    services.dispatch_respond(by=liu, dispatch=second.dispatches.get(), accept=True)
    course_services.session_assign(by=world.bureau, session=second, people=people[:2])
    start = timezone.now() - datetime.timedelta(days=1)
    type(second).objects.filter(pk=second.pk).update(starts_at=start, ends_at=start + datetime.timedelta(hours=3))
    second.refresh_from_db()
    services.attendance_confirm(by=liu, session=second, people=people[:2])
    factories.rotation_session(township=world.jia, modules=[world.law])  # upcoming: not held yet

    today = timezone.localdate()
    report = selectors.rotation_report(user=world.bureau, start=today.replace(month=1, day=1), end=today)
    held = [s for s in (first, second) if s.starts_at.date().year == today.year]
    attendances = list(SessionAttendance.objects.filter(session__in=held))
    assert len(report.sessions) == len(held)
    assert report.attendances == len(attendances)
    assert report.participants == len({a.person_id for a in attendances})
    hours = {first.pk: Decimal(7), second.pk: Decimal(4)}
    assert report.person_hours == sum(hours[a.session_id] for a in attendances)
    ratings = list(SessionRating.objects.filter(session__in=held))
    assert report.ratings == len(ratings)
    assert report.rating == (Decimal(sum(r.overall for r in ratings)) / len(ratings)).quantize(Decimal("0.1"))
    by_lecturer = {line.key: line for line in report.by_lecturer}
    assert by_lecturer[wang.pk].hours_taught == 7 and by_lecturer[wang.pk].participants == 3
    assert by_lecturer[liu.pk].hours_taught == 4 and by_lecturer[liu.pk].rating is None
    by_module = {line.key: line for line in report.by_module}
    assert by_module[world.law.pk].person_hours == 4 * 5  # 3 + 2 attendances × 4 h
    assert by_module[world.skills.pk].person_hours == 3 * 3
    assert [line.label for line in report.by_township] == ["甲镇"]
    orders = TrainingOrder.objects.filter(session__in=held)
    waits = [(o.session.starts_at - o.created_at).total_seconds() / 86400 for o in orders]
    assert report.orders_served == len(waits)
    assert report.order_days == Decimal(str(sum(waits) / len(waits))).quantize(Decimal("0.1"))
    # Township staff see only their township; another county sees nothing.
    assert len(selectors.rotation_report(user=world.officer, start=report.start, end=today).sessions) == len(held)
    assert selectors.rotation_report(user=factories.bureau_staff(jurisdiction=factories.region()),
                                     start=report.start, end=today).sessions == []
