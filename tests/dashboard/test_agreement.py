"""One rule, one home: the coverage dashboard's SQL and the lower apps' selectors agree on the same people.

Certificates own valid / expiring / expired (``certificates.validity``), courses own training hours
(``courses.selectors``: modules, scenarios and, through assessments' hook, exams). The dashboard computes both inside
one grouped SQL statement; these tests fail when either side of a rule changes alone (a boundary, the expiring window,
a status, how a module taken twice counts)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from wagtail.models import Site

from assessments.models import Attempt, Quiz
from certificates import selectors as certificate_selectors
from certificates.models import Certificate
from certificates.validity import expiring_within_days
from courses.models import Enrolment, ScenarioRun, SessionAttendance
from courses.selectors import training_hours_by_person
from dashboard import selectors
from dashboard.selectors import Filters, Targets
from people.models import BureauSettings
from tests import factories

from .conftest import certificate

pytestmark = pytest.mark.django_db


def _moment(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def committee(townships):
    village = factories.region(parent=townships[0], name="一致村")
    return factories.CommitteeFactory(region=village, name="一致村人民调解委员会")


@pytest.fixture
def staff(county):
    return factories.bureau_staff(jurisdiction=county)


def _certificate_people(committee, program, today):
    """One member per case at the rule's edges: each holds at most one certificate of the program."""
    cases = {
        "ends today": (Certificate.Status.ISSUED, 0),
        "ends on the window's last day (60)": (Certificate.Status.ISSUED, 60),
        "ends the day after the window": (Certificate.Status.ISSUED, 61),
        "ends within 90 days, not 60": (Certificate.Status.ISSUED, 75),
        "ends in two years": (Certificate.Status.ISSUED, 700),
        "issued but ended yesterday (not yet swept)": (Certificate.Status.ISSUED, -1),
        "expired": (Certificate.Status.EXPIRED, -30),
        "revoked": (Certificate.Status.REVOKED, 300),
        "suspended": (Certificate.Status.SUSPENDED, 300),
        "superseded": (Certificate.Status.SUPERSEDED, 300),
    }
    for name, (status, days) in cases.items():
        person = factories.mediator(committee=committee, name=name)
        certificate(holder=person, program=program, issued_on=today - datetime.timedelta(days=800),
                    expires_on=today + datetime.timedelta(days=days), status=status)
    factories.mediator(committee=committee, name="never certified")


def _holders(staff, program, status) -> set[int]:
    return set(certificate_selectors.certificate_list(user=staff, program=program, status=status)
               .values_list("holder_id", flat=True))


@pytest.mark.parametrize("window", [None, 75])
def test_the_dashboards_certified_expiring_and_expired_equal_the_certificate_registers(
        committee, staff, program, today, window):
    if window is not None:  # the bureau's setting, read by both sides as the views do
        settings = BureauSettings.for_site(Site.objects.get(is_default_site=True))
        settings.expiring_within_days = window
        settings.save()
    _certificate_people(committee, program, today)
    days = expiring_within_days()
    assert days == (window or 60)
    targets = Targets(annual_hours=20, prejob_hours=10, expiring_days=days)
    for filters in (Filters(), Filters(program=program)):
        level = selectors.committee_level(user=staff, committee=committee, filters=filters, targets=targets,
                                          today=today)
        valid = _holders(staff, program, "valid")
        expiring = _holders(staff, program, "expiring")
        expired = _holders(staff, program, "expired") - valid
        assert (level.total.certified, level.total.expiring, level.total.expired) == (
            len(valid), len(expiring), len(expired))
        assert {row.person.pk for row in level.rows if row.figures.certified} == valid
        assert {row.person.pk for row in level.rows if row.figures.expiring} == expiring
        assert {row.person.pk for row in level.rows if row.figures.expired} == expired
    # The edges are what the rule says (so both sides cannot drift together unnoticed either).
    names = {certificate_selectors.certificate_list(user=staff, status="expiring").get(
        holder__name=name).holder.name for name in ["ends today", "ends on the window's last day (60)"]}
    assert len(names) == 2
    assert (level.total.certified, level.total.expiring, level.total.expired) == (
        (5, 2, 2) if window is None else (5, 4, 2))


def test_the_dashboards_hours_equal_the_training_hours_selector_on_a_mixed_record(committee, staff, today):
    """Module hours online, session hours (a session teaching two modules), a module taken twice (online and at a
    session, and online in two periods), a session with no module, and completions either side of the year."""
    law = factories.course_module(title="人民调解法", credit_hours=Decimal("4"))
    skills = factories.course_module(title="调解技巧", credit_hours=Decimal("3"))
    ethics = factories.course_module(title="职业道德", credit_hours=Decimal("1.5"))
    year_start = datetime.date(today.year, 1, 1)
    last_year = year_start - datetime.timedelta(days=1)
    both = factories.mediator(committee=committee, name="线上又到场")
    twice = factories.mediator(committee=committee, name="两年各学一次")
    edges = factories.mediator(committee=committee, name="年初年末")
    empty = factories.mediator(committee=committee, name="无模块的培训")
    none = factories.informant(committee=committee, name="没有学时")

    Enrolment.objects.create(person=both, module=law, completed_at=_moment(today, 9))
    session = factories.rotation_session(township=committee.region.get_parent(), modules=[law, skills],
                                         starts_at=_moment(today, 8))
    SessionAttendance.objects.create(session=session, person=both, method=SessionAttendance.Method.ROSTER)
    SessionAttendance.objects.create(session=session, person=twice, method=SessionAttendance.Method.ROSTER)
    earlier = factories.rotation_session(township=committee.region.get_parent(), modules=[skills, ethics],
                                         starts_at=_moment(last_year, 15))
    SessionAttendance.objects.create(session=earlier, person=twice, method=SessionAttendance.Method.ROSTER)
    Enrolment.objects.create(person=edges, module=ethics, completed_at=_moment(year_start, 0, 0))
    Enrolment.objects.create(person=edges, module=skills, completed_at=_moment(last_year, 23, 59))
    bare = factories.rotation_session(township=committee.region.get_parent(), modules=[],
                                      starts_at=_moment(today, 7))
    SessionAttendance.objects.create(session=bare, person=empty, method=SessionAttendance.Method.ROSTER)

    level = selectors.committee_level(user=staff, committee=committee, filters=Filters(),
                                      targets=Targets(annual_hours=5, prejob_hours=99), today=today)
    dashboard = {row.person.pk: row.figures.hours for row in level.rows}
    people = [both, twice, edges, empty, none]
    for start, end in [(year_start, datetime.date(today.year, 12, 31)), (last_year, today)]:
        ours = training_hours_by_person(person_ids=[p.pk for p in people], start=start, end=end)
        if start == year_start:
            assert ours == {pk: dashboard[pk] for pk in ours}
            assert level.total.hours == sum(ours.values())
            assert level.total.hours_met == sum(1 for hours in ours.values() if hours >= 5)
    assert [dashboard[p.pk] for p in people] == [Decimal("7.0"), Decimal("7.0"), Decimal("1.5"), 0, 0]
    assert ours[twice.pk] == Decimal("8.5")  # over both periods: skills once, law, ethics


def test_the_dashboards_hours_count_scenarios_and_exams_as_the_training_hours_selector_does(committee, staff, today):
    """Scenarios (a finished run, once per scenario however often played; unfinished and zero-hour scenarios earn
    nothing) and exams (a passed attempt, once per exam; failed attempts earn nothing), either side of the year,
    next to a module: the dashboard's SQL and ``training_hours_by_person`` agree person by person, and on
    pre-job training since joining."""
    module = factories.course_module(title="模拟调解", credit_hours=Decimal("2"))
    scenario = factories.scenario(module=module, credit_hours=Decimal("1.5"))
    free = factories.scenario(module=module, title="不计学时的模拟")
    exam = Quiz.objects.create(title="年度考试", kind=Quiz.Kind.CERTIFICATION, credit_hours=Decimal("2"))
    year_start = datetime.date(today.year, 1, 1)
    last_year = year_start - datetime.timedelta(days=1)
    player = factories.mediator(committee=committee, name="演练三次")
    examinee = factories.mediator(committee=committee, name="考了三次")
    edges = factories.mediator(committee=committee, name="跨年")
    nothing = factories.mediator(committee=committee, name="未完成")

    def play(person, game, at):
        ScenarioRun.objects.create(person=person, scenario=game, current_key="agreed", finished_at=at,
                                   score_percent=None if at is None else 90)

    def sit(person, at, passed):
        number = Attempt.objects.filter(user=person, quiz=exam).count() + 1
        Attempt.objects.create(quiz=exam, user=person, number=number, status=Attempt.Status.COMPLETED,
                               started_at=at, submitted_at=at, max_score=10, score=8 if passed else 3,
                               percent=80 if passed else 30, passed=passed)

    for hour in (8, 9, 10):
        play(player, scenario, _moment(today, hour))
    play(player, free, _moment(today, 11))
    Enrolment.objects.create(person=player, module=module, completed_at=_moment(today, 12))
    sit(examinee, _moment(today, 8), passed=False)
    sit(examinee, _moment(today, 9), passed=True)
    sit(examinee, _moment(today, 10), passed=True)
    play(edges, scenario, _moment(last_year, 23, 59))
    sit(edges, _moment(year_start, 0, 0), passed=True)
    play(nothing, scenario, None)
    sit(nothing, _moment(today, 8), passed=False)

    level = selectors.committee_level(user=staff, committee=committee, filters=Filters(),
                                      targets=Targets(annual_hours=2, prejob_hours=3), today=today)
    dashboard = {row.person.pk: row.figures for row in level.rows}
    people = [player, examinee, edges, nothing]
    ours = training_hours_by_person(person_ids=[p.pk for p in people], start=year_start,
                                    end=datetime.date(today.year, 12, 31))
    assert ours == {pk: dashboard[pk].hours for pk in ours}
    assert [ours[p.pk] for p in people] == [Decimal("3.5"), Decimal("2"), Decimal("2"), 0]
    assert level.total.hours == sum(ours.values())
    assert level.total.hours_met == sum(1 for hours in ours.values() if hours >= 2)
    # Pre-job: every hour since joining (the factories' members joined before last year).
    since_joining = training_hours_by_person(person_ids=[p.pk for p in people], start=datetime.date(2000, 1, 1),
                                             end=today)
    assert {p.pk: dashboard[p.pk].prejob_done for p in people} == {
        pk: int(hours >= 3) for pk, hours in since_joining.items()}
    assert since_joining[edges.pk] == Decimal("3.5")
