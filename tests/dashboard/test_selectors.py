import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from certificates.models import Certificate, CertificateStatusChange
from courses.models import Enrolment, LessonCompletion, SessionAttendance
from dashboard import selectors
from dashboard.selectors import Filters, Targets
from people.models import Committee, Membership
from tests import factories

from .conftest import certificate, populate

pytestmark = pytest.mark.django_db
TARGETS = Targets(annual_hours=6, prejob_hours=4)


def test_county_rows_are_townships_and_county_committees(world, today):
    staff = factories.bureau_staff(jurisdiction=world["county"])
    level = selectors.region_level(user=staff, region=world["county"], filters=Filters(), targets=TARGETS)
    assert [row.label for row in level.rows] == ["甲镇", "乙镇", "测试旗劳动争议人民调解委员会"]
    jia, yi, labor = (row.figures for row in level.rows)
    assert (jia.headcount, jia.mediators, jia.informants) == (6, 4, 2)
    assert (jia.certified, jia.expiring, jia.expired) == (2, 1, 2)
    assert (jia.full_time, jia.part_time, jia.women, jia.never_trained) == (1, 5, 2, 6)
    assert (yi.headcount, yi.certified, yi.certified_percent) == (3, 1, 33)
    assert (labor.headcount, labor.certified) == (1, 0)
    total = level.total
    assert (total.headcount, total.certified, total.expired, total.certified_percent) == (10, 3, 3, 30)


def test_township_rows_are_committees_and_township_staff_see_only_theirs(world):
    staff = factories.bureau_staff(jurisdiction=world["jia"])
    assert selectors.region_for(user=staff, code=world["yi"].code) is None
    assert selectors.region_for(user=staff, code=world["county"].code) is None
    level = selectors.region_level(user=staff, region=world["jia"], filters=Filters(), targets=TARGETS)
    assert [row.committee for row in level.rows] == world["committees"][:2]
    assert level.total.headcount == 6


def test_filters_narrow_role_kind_and_program(world, program, today):
    staff = factories.bureau_staff(jurisdiction=world["county"])
    county = world["county"]
    informants = selectors.region_level(user=staff, region=county, filters=Filters(role="informant"), targets=TARGETS)
    assert (informants.total.headcount, informants.total.mediators) == (3, 0)
    industry = selectors.region_level(user=staff, region=county, filters=Filters(kind="industry"), targets=TARGETS)
    assert industry.total.headcount == 1
    assert [row.label for row in industry.rows][-1] == "测试旗劳动争议人民调解委员会"
    from certificates.models import Program

    other = Program.objects.create(name="矛盾纠纷信息员合格证", slug="informant", for_informants=True)
    none = selectors.region_level(user=staff, region=county, filters=Filters(program=other), targets=TARGETS)
    assert none.total.certified == 0


def test_training_hours_never_trained_and_prejob(world, today):
    staff = factories.bureau_staff(jurisdiction=world["county"])
    committee = world["committees"][0]
    person = committee.memberships.get(person__name__endswith="调解员甲").person
    law = factories.course_module(title="人民调解法", credit_hours=4)
    skills = factories.course_module(title="调解技巧", credit_hours=3)
    now = timezone.now()
    Enrolment.objects.create(person=person, module=law, completed_at=now)
    session = factories.rotation_session(township=world["jia"], modules=[law, skills], starts_at=now)
    SessionAttendance.objects.create(session=session, person=person, method=SessionAttendance.Method.ROSTER)
    level = selectors.committee_level(user=staff, committee=committee, filters=Filters(), targets=TARGETS)
    row = next(r for r in level.rows if r.person == person)
    # Law counts once although completed online and at the session.
    assert row.figures.hours == Decimal("7.0")
    assert (row.figures.hours_met, row.figures.prejob_done, row.figures.never_trained) == (1, 1, 0)
    assert level.total.never_trained == 2
    lesson = factories.lesson(module=law)
    informant = committee.memberships.get(role="informant").person
    LessonCompletion.objects.create(person=informant, lesson=lesson)
    level = selectors.committee_level(user=staff, committee=committee, filters=Filters(), targets=TARGETS)
    assert level.total.never_trained == 1
    assert level.total.hours_met == 1


def test_red_flags(world, today):
    staff = factories.bureau_staff(jurisdiction=world["county"])
    flags = selectors.red_flags(user=staff, region=world["county"], filters=Filters())
    assert list(flags.no_certified_mediator) == [world["labor"]]
    assert list(flags.no_woman) == [world["labor"]]
    assert len(flags.uncertified_members) == 7  # two per village committee, one at the labor committee
    assert sorted(m.person.name for m in flags.renewals_overdue) == sorted(
        m.person.name for m in Membership.objects.filter(person__name__endswith="调解员乙"))
    assert {m.lapsed_on for m in flags.renewals_overdue} == {today - datetime.timedelta(days=10)}


def test_trend_uses_issue_dates_and_status_history(county, townships, program, today):
    committee = populate(townships[0], program, committees=1, today=today)[0]
    late = factories.mediator(committee=committee, name="新证调解员")
    certificate(holder=late, program=program, issued_on=today.replace(day=1), expires_on=today + datetime.timedelta(
        days=1000))
    revoked = certificate(holder=factories.mediator(committee=committee, name="被撤销"), program=program,
                          issued_on=today - datetime.timedelta(days=700),
                          expires_on=today + datetime.timedelta(days=400))
    revoked.status = Certificate.Status.REVOKED
    revoked.save()
    CertificateStatusChange.objects.create(certificate=revoked, old_status="issued", new_status="revoked",
                                           changed_at=timezone.now() - datetime.timedelta(days=100))
    points = selectors.coverage_trend(region=county, filters=Filters())
    assert len(points) == 12 and points[-1].month == today
    assert (points[-1].members, points[-1].certified) == (5, 2)  # woman + the new certificate
    assert points[0].certified == 3  # woman, the man (not yet expired), the one revoked later
    assert points[-2].certified in (1, 2)  # the new certificate came this month


def test_constant_queries_at_two_sizes(county, townships, program, today, count_queries):
    staff = factories.bureau_staff(jurisdiction=county)
    jia = townships[0]

    def run():
        for region in (county, jia):
            selectors.region_level(user=staff, region=region, filters=Filters(kind=Committee.Kind.VILLAGE),
                                   targets=TARGETS)
            selectors.coverage_trend(region=region, filters=Filters())
            selectors.activity(region=region, filters=Filters())

    populate(jia, program, committees=1, today=today)
    run()  # the user's staff groups are read once and cached on the user
    small = count_queries(run)
    populate(jia, program, committees=4, today=today)
    populate(townships[1], program, committees=3, today=today)
    assert count_queries(run) == small
