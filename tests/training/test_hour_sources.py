"""Hours from scenarios and exams (courses' one definition of training hours, with assessments' exam source through
the ``training_hour_sources`` hook): a finished run of a scenario and a passed attempt at an exam earn the hours the
lecturer set (0 by default: nothing changes unless they say so), once per person, item and period, typed by the
module's category; duties, the learner's hours and the archive count them."""

import datetime
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments.models import Quiz
from courses.models import ModuleCategory, ScenarioRun
from courses.selectors import training_credits_by_person, training_hours
from grading import selectors as grading_selectors
from tests import factories
from training import selectors

from .conftest import complete, duty, sat

YEAR = (date(2026, 1, 1), date(2026, 12, 31))


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), timezone.get_current_timezone())


def run(person, scenario, at: datetime.datetime, score: int = 80) -> ScenarioRun:
    """A finished run of ``scenario`` (an unfinished one when ``at`` is None)."""
    return ScenarioRun.objects.create(person=person, scenario=scenario, current_key="agreed", finished_at=at,
                                      score_percent=None if at is None else score)


@pytest.fixture
def practice(db):
    return ModuleCategory.objects.get_or_create(code="E", defaults={"name": "实践"})[0]


@pytest.fixture
def practice_module(practice):
    return factories.course_module(title="模拟调解", credit_hours=4, category=practice)


def _hours(person, start=YEAR[0], end=YEAR[1]):
    return selectors.hours_by_category(person_ids=[person.pk], start=start, end=end)[person.pk]


def test_a_scenario_counts_once_however_often_it_is_played_typed_by_its_module(person, practice_module):
    scenario = factories.scenario(module=practice_module, credit_hours=Decimal("1.5"))
    for day in (date(2026, 3, 1), date(2026, 3, 2), date(2026, 9, 9)):
        run(person, scenario, _at(day))
    run(person, factories.scenario(module=practice_module, title="未完成的模拟"), None)  # unfinished: nothing
    assert _hours(person) == {"E": Decimal("1.5")}
    credits = training_credits_by_person(person_ids=[person.pk], start=YEAR[0], end=YEAR[1])[person.pk]
    assert credits[("scenario", scenario.pk)].completed_on == date(2026, 3, 1)  # the first run counts


def test_scenarios_and_exams_earn_nothing_unless_the_lecturer_says_so(person, practice_module):
    run(person, factories.scenario(module=practice_module), _at(date(2026, 3, 1)))
    sat(person, Quiz.objects.create(title="练习", module=practice_module), _at(date(2026, 3, 1)))
    assert _hours(person) == {}


def test_an_exam_counts_once_when_passed_and_never_when_failed(person, practice_module, law):
    exam = Quiz.objects.create(title="年度考试", kind=Quiz.Kind.CERTIFICATION, credit_hours=2)
    quiz = Quiz.objects.create(title="法律练习", module=factories.course_module(credit_hours=0, category=law),
                               credit_hours=Decimal("0.5"))
    sat(person, exam, _at(date(2026, 4, 1)), passed=False)
    assert _hours(person) == {}
    sat(person, exam, _at(date(2026, 4, 8)))
    sat(person, exam, _at(date(2026, 5, 8)))  # passed again: still once
    sat(person, quiz, _at(date(2026, 5, 9)))
    # A stand-alone certification exam has no module: uncategorised; a practice quiz takes its module's category.
    assert _hours(person) == {"": Decimal(2), "B": Decimal("0.5")}
    assert training_hours(user=person, start=YEAR[0], end=YEAR[1]) == Decimal("2.5")


def test_the_period_edges_hold_for_scenarios_and_exams(person, practice_module):
    scenario = factories.scenario(module=practice_module, credit_hours=1)
    exam = Quiz.objects.create(title="年度考试", kind=Quiz.Kind.CERTIFICATION, credit_hours=2)
    run(person, scenario, _at(date(2025, 12, 31), 23, 59))
    sat(person, exam, _at(date(2027, 1, 1), 0, 0))
    assert _hours(person) == {}
    assert _hours(person, date(2025, 12, 31), date(2025, 12, 31)) == {"E": Decimal(1)}
    assert _hours(person, date(2027, 1, 1), date(2027, 1, 1)) == {"": Decimal(2)}
    # Each period counts the item once: 2025 and 2026 both count a scenario played in each.
    run(person, scenario, _at(date(2026, 1, 1), 0, 0))
    assert _hours(person, date(2025, 1, 1), date(2026, 12, 31)) == {"E": Decimal(1)}
    assert _hours(person) == {"E": Decimal(1)}


def test_duties_count_scenario_and_exam_hours_by_category(county, person, practice_module, law):
    duty(region=county, name="实践3学时", hours=3, categories=[practice_module.category])
    duty(region=county, name="年度5学时", hours=5)
    complete(person, factories.course_module(credit_hours=2, category=law), date(2026, 2, 1))
    run(person, factories.scenario(module=practice_module, credit_hours=1), _at(date(2026, 3, 1)))
    sat(person, Quiz.objects.create(title="实践考核", module=practice_module, credit_hours=2), _at(date(2026, 3, 2)))
    progress = {p.duty.name: p for p in selectors.duty_progress(person_ids=[person.pk],
                                                                 on=date(2026, 6, 1))[person.pk]}
    assert progress["实践3学时"].met and progress["实践3学时"].hours_done == 3
    assert progress["年度5学时"].met and progress["年度5学时"].hours_done == 5


def test_the_archive_shows_the_hours_each_scenario_and_exam_earned(person, practice, practice_module):
    scenario = factories.scenario(module=practice_module, credit_hours=1)
    exam = Quiz.objects.create(title="年度考试", kind=Quiz.Kind.CERTIFICATION, credit_hours=2)
    first, again = run(person, scenario, _at(date(2026, 3, 1))), run(person, scenario, _at(date(2026, 3, 5)))
    failed = sat(person, exam, _at(date(2026, 4, 1), 9), passed=False)
    passed = sat(person, exam, _at(date(2026, 4, 1), 15))  # the same day: the passed one earns the hours
    year = grading_selectors.archive(person=person).years[0]
    assert year.year == 2026 and year.total_hours == 3 and year.hours == {practice.name: Decimal(1), "": Decimal(2)}
    assert {r.pk: r.counted_hours for r in year.runs} == {first.pk: 1, again.pk: None}
    assert {a.pk: a.counted_hours for a in year.attempts} == {failed.pk: None, passed.pk: 2}
