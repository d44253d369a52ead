"""The rules of the training year: who a duty applies to, its period, what counts and when it is met."""

import datetime
from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile

from people.models import Committee, Membership
from tests import factories
from training import selectors
from training.models import ExternalTraining, TrainingDuty

from .conftest import complete, duty


def _progress(person, on):
    return {p.duty.name: p for p in selectors.duty_progress(person_ids=[person.pk], on=on)[person.pk]}


def test_annual_period_boundaries_are_inclusive_and_follow_the_bureau_year(county, person):
    calendar = duty(region=county, name="历年", hours=4)
    bureau_year = duty(region=county, name="七月起", hours=4, year_starts_month=7)
    module = factories.course_module(credit_hours=4)
    complete(person, module, date(2026, 6, 30))  # last day of the July-June year, inside the calendar year
    on_new_year = _progress(person, date(2026, 12, 31))
    assert on_new_year["历年"].met and (on_new_year["历年"].period_start, on_new_year["历年"].due) == (
        date(2026, 1, 1), date(2026, 12, 31))
    assert not on_new_year["七月起"].met and on_new_year["七月起"].period_start == date(2026, 7, 1)
    before = _progress(person, date(2026, 6, 30))
    assert before["七月起"].met and before["七月起"].due == date(2026, 6, 30)
    assert not _progress(person, date(2027, 1, 1))["历年"].met  # a new year starts from nothing
    assert calendar.pk and bureau_year.pk


def test_hours_count_once_whether_online_or_attended(county, townships, person):
    duty(region=county, hours=6)
    module = factories.course_module(credit_hours=4)
    complete(person, module, date(2026, 3, 1))
    session = factories.rotation_session(township=townships[0], modules=[module],
                                         starts_at=datetime.datetime(2026, 5, 1, 9, tzinfo=datetime.UTC))
    session.attendances.create(person=person, method="sheet")
    progress = _progress(person, date(2026, 8, 1))["年度培训"]
    assert progress.hours_done == Decimal(4) and not progress.met
    assert selectors.hours_by_category(person_ids=[person.pk], start=date(2026, 1, 1),
                                       end=date(2026, 12, 31)) == {person.pk: {"": Decimal(4)}}


def test_a_module_counts_in_two_duties_and_categories_limit_what_counts(county, person, law, skills):
    duty(region=county, name="年度20学时", hours=20)
    duty(region=county, name="其中法律6学时", hours=6, categories=[law])
    complete(person, factories.course_module(credit_hours=6, category=law), date(2026, 2, 1))
    complete(person, factories.course_module(credit_hours=14, category=skills), date(2026, 3, 1))
    progress = _progress(person, date(2026, 4, 1))
    assert progress["年度20学时"].met and progress["年度20学时"].hours_done == 20
    assert progress["其中法律6学时"].met and progress["其中法律6学时"].hours_done == 6
    assert selectors.hours_by_category(person_ids=[person.pk], start=date(2026, 1, 1), end=date(2026, 12, 31))[
        person.pk] == {"B": 6, "C": 14}


def test_prejob_runs_from_joining_and_a_missed_deadline_stays_missed(county, committee):
    duty(region=county, kind=TrainingDuty.Kind.PREJOB, name="岗前", hours=10, within_days=90,
         in_force_from=date(2026, 1, 1))
    veteran = factories.mediator(committee=committee)  # joined 2024: before the duty was in force
    newcomer = factories.UserFactory()
    factories.MembershipFactory(person=newcomer, committee=committee, joined_on=date(2026, 3, 1))
    assert _progress(veteran, date(2026, 6, 1)) == {}
    assert _progress(newcomer, date(2026, 2, 1)) == {}  # not joined yet
    module = factories.course_module(credit_hours=10)
    complete(newcomer, module, date(2026, 5, 31))  # day 91: one day late
    late = _progress(newcomer, date(2026, 6, 1))["岗前"]
    assert late.due == date(2026, 5, 30) and late.overdue and not late.met and late.hours_done == 0


def test_prejob_met_on_the_due_date(county, committee):
    duty(region=county, kind=TrainingDuty.Kind.PREJOB, name="岗前", hours=10, within_days=90)
    newcomer = factories.UserFactory()
    factories.MembershipFactory(person=newcomer, committee=committee, joined_on=date(2026, 3, 1))
    complete(newcomer, factories.course_module(credit_hours=10), date(2026, 5, 30))
    assert _progress(newcomer, date(2026, 7, 1))["岗前"].met


def test_triggered_duty_needs_its_modules_by_the_deadline(county, person):
    new_law = factories.course_module(title="新法解读", credit_hours=2)
    duty(region=county, kind=TrainingDuty.Kind.TRIGGERED, name="新法", modules=[new_law],
         triggered_on=date(2026, 9, 1), within_days=90)
    assert _progress(person, date(2026, 8, 31)) == {}  # not triggered yet
    waiting = _progress(person, date(2026, 10, 1))["新法"]
    assert (waiting.due, waiting.hours_required, waiting.met, waiting.overdue) == (
        date(2026, 11, 30), 2, False, False)
    assert _progress(person, date(2026, 12, 1))["新法"].overdue  # missed
    complete(person, new_law, date(2026, 11, 30))
    assert _progress(person, date(2026, 12, 1))["新法"].met


def test_who_a_duty_applies_to(county, townships, committee, person):
    other_county = factories.region(name="别的旗")
    full_time = factories.UserFactory()
    factories.MembershipFactory(person=full_time, committee=committee, employment=Membership.Employment.FULL_TIME)
    informant = factories.informant(committee=committee)
    industry = factories.mediator(committee=factories.CommitteeFactory(region=townships[1],
                                                                       kind=Committee.Kind.STATIONED))
    duty(region=county, name="专职", employment=Membership.Employment.FULL_TIME)
    duty(region=county, name="调解员", role=Membership.Role.MEDIATOR)
    duty(region=county, name="行业", committee_kind=Committee.Kind.STATIONED)
    duty(region=townships[1], name="乙镇")
    duty(region=other_county, name="别处")
    on = date(2026, 6, 1)
    names = {pid: {p.duty.name for p in rows} for pid, rows in selectors.duty_progress(
        person_ids=[person.pk, full_time.pk, informant.pk, industry.pk], on=on).items()}
    assert names == {person.pk: {"调解员"}, full_time.pk: {"专职", "调解员"}, informant.pk: set(),
                     industry.pk: {"调解员", "行业", "乙镇"}}


def test_external_training_counts_only_once_approved(county, person, law):
    duty(region=county, name="法律", hours=3, categories=[law])
    record = ExternalTraining.objects.create(
        person=person, title="自治区调解员培训班", hours=3, completed_on=date(2026, 4, 1), category=law,
        document=ContentFile(b"%PDF", name="x.pdf"), recorded_by=person)
    assert not _progress(person, date(2026, 5, 1))["法律"].met
    ExternalTraining.objects.filter(pk=record.pk).update(status=ExternalTraining.Status.APPROVED)
    assert _progress(person, date(2026, 5, 1))["法律"].met


def test_duties_met_for_year(county, committee, person):
    duty(region=county, name="年度", hours=4)
    done = factories.mediator(committee=committee)
    complete(done, factories.course_module(credit_hours=4), date(2025, 12, 31))
    assert selectors.duties_met_for_year(person_ids=[person.pk, done.pk], year=2025) == {
        person.pk: False, done.pk: True}
    assert selectors.duties_met_for_year(person_ids=[done.pk], year=2026) == {done.pk: False}
    assert selectors.duties_met_for_year(person_ids=[factories.UserFactory().pk], year=2026)  # no duty: met
