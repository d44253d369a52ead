"""Who is eligible for which grade: each requirement of the bureau's rule, at its boundary."""

import datetime

import pytest

from grading import selectors, services
from grading.models import GradeAward

from .conftest import AS_OF, YEAR, cases, passed_review, qualify, train

pytestmark = pytest.mark.django_db


def found(world):
    return {e.membership.person_id: e for e in selectors.eligibility(region=world.county, year=YEAR, as_of=AS_OF)}


def test_a_mediator_meeting_every_requirement_is_eligible_for_the_lowest_grade(world):
    qualify(world.mediator)
    result = found(world)[world.mediator.pk]
    assert result.eligible and result.grade == world.grades[4]
    checks = {c["key"]: c for c in result.evidence["checks"]}
    assert checks["cases"]["actual"] == "50" and checks["success_percent"]["actual"] == "88.0"
    assert checks["training_hours"]["ok"] and checks["annual_review"]["ok"]
    assert "years_in_grade_below" not in checks  # no grade below the lowest
    assert result.evidence["period"] == [YEAR - 1, YEAR]


@pytest.mark.parametrize(("mediated", "settled", "eligible"), [
    (50, 43, True),    # 86 %
    (100, 85, True),   # exactly 85 %
    (100, 84, False),  # 84 %
    (49, 49, False),   # one case short
])
def test_cases_and_success_rate_at_their_boundaries(world, mediated, settled, eligible):
    cases(world.mediator, mediated, settled, years=(YEAR,))
    train(world.mediator, 20)
    passed_review(world.mediator)
    assert found(world)[world.mediator.pk].eligible is eligible


def test_cases_outside_the_period_do_not_count(world):
    cases(world.mediator, 60, 60, years=(YEAR - 2, YEAR + 1))  # before the period, and after the round's year
    train(world.mediator, 20)
    passed_review(world.mediator)
    checks = {c["key"]: c for c in found(world)[world.mediator.pk].evidence["checks"]}
    assert checks["cases"]["actual"] == "0" and not checks["cases"]["ok"]


def test_training_hours_short_by_half_an_hour_is_not_enough(world):
    cases(world.mediator, 25, 22)
    train(world.mediator, "19.5")
    passed_review(world.mediator)
    assert not found(world)[world.mediator.pk].eligible


@pytest.mark.parametrize(("outcome", "eligible"), [("passed", True), ("suspended", False)])
def test_the_last_annual_review_must_have_passed(world, outcome, eligible):
    cases(world.mediator, 25, 22)
    train(world.mediator, 20)
    passed_review(world.mediator, outcome=outcome)
    assert found(world)[world.mediator.pk].eligible is eligible


def test_without_any_review_the_rule_is_not_met_unless_the_bureau_waives_it(world):
    cases(world.mediator, 25, 22)
    train(world.mediator, 20)
    assert not found(world)[world.mediator.pk].eligible
    world.rules[4].requires_review_passed = False
    world.rules[4].save()
    assert found(world)[world.mediator.pk].eligible


def test_years_of_service_at_the_boundary(world):
    qualify(world.mediator)
    membership = world.mediator.memberships.get()
    membership.joined_on = datetime.date(YEAR - 2, 3, 2)  # two years on the day after the round's date
    membership.save()
    assert not found(world)[world.mediator.pk].eligible
    membership.joined_on = datetime.date(YEAR - 2, 3, 1)
    membership.save()
    assert found(world)[world.mediator.pk].eligible


def test_the_grade_below_must_have_been_held_for_the_rules_years(world):
    qualify(world.mediator)
    membership = world.mediator.memberships.get()
    services.membership_grade_apply(membership=membership, grade=world.grades[4], awarded_by=world.county_staff,
                                    on=AS_OF - datetime.timedelta(days=365))
    result = found(world)[world.mediator.pk]
    assert result.grade == world.grades[3] and not result.eligible
    GradeAward.objects.update(awarded_on=AS_OF - datetime.timedelta(days=800))
    assert found(world)[world.mediator.pk].eligible


def test_the_nearest_rule_applies_and_no_rule_means_no_candidacy(world):
    qualify(world.mediator)
    township_rule = world.rules[4]
    township_rule.pk = None
    township_rule.region = world.townships[0]
    township_rule.min_cases = 200
    township_rule.save()
    assert not found(world)[world.mediator.pk].eligible  # the township's stricter rule
    world.rules[4].grade.rules.all().delete()
    assert world.mediator.pk not in found(world)
