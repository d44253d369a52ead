"""Grading rounds: authority by level, decisions with reasons, 公示, 备案, applying, and the grade history."""

import datetime

import pytest

from grading import services
from grading.exceptions import GradingError, NotAllowed
from grading.models import GradeAward, GradingCandidate, GradingRound, GradingRoundStatusChange
from tests import factories

from .conftest import AS_OF, YEAR, qualify

pytestmark = pytest.mark.django_db


def open_round(world, by=None):
    return services.round_open(region=world.county, year=YEAR, title=f"{YEAR}年度调解员等级评定",
                               opened_by=by or world.county_staff, as_of=AS_OF)


def candidate_for_grade(world, rank):
    """The mediator, holding the grade below ``rank`` for long enough, as a candidate for ``rank``."""
    qualify(world.mediator)
    if rank < 4:
        services.membership_grade_apply(membership=world.mediator.memberships.get(), grade=world.grades[rank + 1],
                                        awarded_by=None, on=AS_OF - datetime.timedelta(days=1000))
    grading_round = open_round(world)
    return grading_round.candidates.get()


@pytest.mark.parametrize(("rank", "allowed"), [
    (4, {"county_staff", "city_staff"}),
    (3, {"county_staff", "city_staff"}),
    (2, {"city_staff"}),
    (1, {"city_staff"}),
])
def test_grades_three_and_four_are_rated_by_the_county_one_and_two_by_the_city(world, rank, allowed):
    candidate = candidate_for_grade(world, rank)
    assert candidate.grade == world.grades[rank]
    for who in ("township_staff", "outside_staff", "county_staff", "city_staff"):
        if who in allowed:
            services.candidate_decide(candidate=candidate, decided_by=getattr(world, who), approve=True)
            assert GradingCandidate.objects.get().decided_by == getattr(world, who)
        else:
            with pytest.raises(NotAllowed):
                services.candidate_decide(candidate=candidate, decided_by=getattr(world, who), approve=True)
            assert GradingCandidate.objects.get().decided_by != getattr(world, who), who


def test_the_level_is_configurable_per_rule(world):
    world.rules[4].rated_by = "city"
    world.rules[4].save()
    candidate = candidate_for_grade(world, 4)
    with pytest.raises(NotAllowed):
        services.candidate_decide(candidate=candidate, decided_by=world.county_staff, approve=True)


def test_a_township_office_cannot_open_a_round(world):
    with pytest.raises(NotAllowed):
        open_round(world, by=world.township_staff)


def test_only_the_eligible_become_candidates(world):
    qualify(world.mediator)
    factories.mediator(committee=world.committee, name="李新人")  # joined 2024, no cases
    assert [c.membership.person for c in open_round(world).candidates.all()] == [world.mediator]


def test_a_rejection_needs_its_reason(world):
    candidate = candidate_for_grade(world, 4)
    with pytest.raises(GradingError):
        services.candidate_decide(candidate=candidate, decided_by=world.county_staff, approve=False, reason=" ")
    services.candidate_decide(candidate=candidate, decided_by=world.county_staff, approve=False,
                              reason="群众反映有偏袒一方的情况，待核实")
    assert GradingCandidate.objects.get().decision == GradingCandidate.Decision.REJECTED


def test_publish_waits_for_every_decision_then_file_after_the_period_then_apply(world):
    candidate = candidate_for_grade(world, 4)
    grading_round = candidate.round
    with pytest.raises(GradingError):
        services.round_publish(grading_round=grading_round, published_by=world.county_staff, days=7)
    services.candidate_decide(candidate=candidate, decided_by=world.county_staff, approve=True)
    services.round_publish(grading_round=grading_round, published_by=world.county_staff, days=7)
    assert grading_round.status == GradingRound.Status.PUBLISHED
    assert grading_round.publicity_ends_on - grading_round.publicity_starts_on == datetime.timedelta(days=7)
    with pytest.raises(GradingError):  # still published
        services.round_file(grading_round=grading_round, filed_by=world.county_staff)
    with pytest.raises(GradingError):  # not filed yet
        services.round_apply(grading_round=grading_round, applied_by=world.county_staff)
    GradingRound.objects.filter(pk=grading_round.pk).update(
        publicity_starts_on=datetime.date(2020, 1, 1), publicity_ends_on=datetime.date(2020, 1, 8))
    grading_round.refresh_from_db()
    services.round_file(grading_round=grading_round, filed_by=world.county_staff)
    services.round_apply(grading_round=grading_round, applied_by=world.county_staff)
    membership = world.mediator.memberships.get()
    assert membership.grade == world.grades[4]
    award = GradeAward.objects.get()
    assert (award.old_grade, award.new_grade, award.round) == (None, world.grades[4], grading_round)
    assert list(GradingRoundStatusChange.objects.filter(round=grading_round).values_list("new_status", flat=True)) \
        == ["reviewing", "published", "filed", "applied"]
    with pytest.raises(GradingError):  # forward only
        services.round_set_status(grading_round=grading_round, new_status="reviewing", changed_by=None)


def test_applying_the_same_grade_again_records_nothing(world):
    membership = world.mediator.memberships.get()
    assert services.membership_grade_apply(membership=membership, grade=world.grades[4], awarded_by=None)
    assert services.membership_grade_apply(membership=membership, grade=world.grades[4], awarded_by=None) is None
    assert GradeAward.objects.count() == 1


def test_decisions_end_with_the_review(world):
    candidate = candidate_for_grade(world, 4)
    services.candidate_decide(candidate=candidate, decided_by=world.county_staff, approve=True)
    services.round_publish(grading_round=candidate.round, published_by=world.county_staff, days=7)
    with pytest.raises(GradingError):
        services.candidate_decide(candidate=candidate, decided_by=world.county_staff, approve=False, reason="晚了")
