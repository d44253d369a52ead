"""Rejecting several candidates at once with one reason (all or none, each by the grade's level and the person's
jurisdiction), and withdrawing a round (with its reason, recorded through people.status, the candidates told, the
list off the public 公示 page)."""

import datetime

import pytest
from django.urls import reverse

from grading import selectors, services
from grading.exceptions import GradingError, NotAllowed
from grading.models import GradingCandidate, GradingRound
from people.models import Notice
from tests import factories

from .conftest import AS_OF, YEAR, qualify

pytestmark = pytest.mark.django_db

Decision = GradingCandidate.Decision
REASON = "卷宗抽查发现调解协议书不规范，建议下一轮再评。"


def _qualified(world, committee, name, grade_rank=None):
    person = factories.mediator(committee=committee, name=name)
    person.memberships.update(joined_on=datetime.date(YEAR - 5, 1, 1))
    qualify(person)
    if grade_rank:
        services.membership_grade_apply(membership=person.memberships.get(), grade=world.grades[grade_rank],
                                        awarded_by=None, on=AS_OF - datetime.timedelta(days=1000))
    return person


@pytest.fixture
def grading_round(world):
    """Four candidates: three for grade 4 (rated by the county; two in 甲镇, one in 乙镇), one for grade 2 (the
    city's)."""
    qualify(world.mediator)
    _qualified(world, world.committee, "李春梅")
    _qualified(world, world.other_committee, "赵建国")
    _qualified(world, world.committee, "孙玉芬", grade_rank=3)
    return services.round_open(region=world.county, year=YEAR, title="2026年度等级评定", opened_by=world.county_staff,
                               as_of=AS_OF)


def _candidates(grading_round, **filters):
    return list(grading_round.candidates.filter(**filters).order_by("pk"))


def test_several_candidates_are_rejected_at_once_with_one_reason(world, grading_round):
    county_level = _candidates(grading_round, grade__rank=4)
    assert len(county_level) == 3
    assert services.candidates_reject(grading_round=grading_round, candidates=county_level,
                                      decided_by=world.county_staff, reason=f"  {REASON} ") == 3
    rejected = _candidates(grading_round, decision=Decision.REJECTED)
    assert [c.pk for c in rejected] == [c.pk for c in county_level]
    assert {(c.reason, c.decided_by_id) for c in rejected} == {(REASON, world.county_staff.pk)}
    assert _candidates(grading_round, grade__rank=2)[0].decision == Decision.PENDING


def test_one_candidate_above_the_users_level_refuses_the_whole_batch(world, grading_round):
    everyone = _candidates(grading_round)
    with pytest.raises(NotAllowed):
        services.candidates_reject(grading_round=grading_round, candidates=everyone, decided_by=world.county_staff,
                                   reason=REASON)
    assert not grading_round.candidates.exclude(decision=Decision.PENDING).exists()
    # A township office sees the county's round but rates nobody; the city may reject every grade.
    with pytest.raises(NotAllowed):
        services.candidates_reject(grading_round=grading_round, candidates=everyone[:1],
                                   decided_by=world.township_staff, reason=REASON)
    assert services.candidates_reject(grading_round=grading_round, candidates=everyone,
                                      decided_by=world.city_staff, reason=REASON) == 4


def test_a_batch_needs_a_reason_candidates_of_this_round_and_a_round_under_review(world, grading_round):
    candidates = _candidates(grading_round, grade__rank=4)
    for reason, chosen in ((" ", candidates), (REASON, [])):
        with pytest.raises(GradingError):
            services.candidates_reject(grading_round=grading_round, candidates=chosen,
                                       decided_by=world.county_staff, reason=reason)
    other = GradingRound.objects.create(region=world.county, title="另一轮", year=YEAR,
                                        created_by=world.county_staff)
    with pytest.raises(GradingError):
        services.candidates_reject(grading_round=other, candidates=candidates, decided_by=world.county_staff,
                                   reason=REASON)
    for candidate in _candidates(grading_round):
        services.candidate_decide(candidate=candidate, decided_by=world.city_staff, approve=True)
    services.round_publish(grading_round=grading_round, published_by=world.county_staff, days=7)
    with pytest.raises(GradingError):
        services.candidates_reject(grading_round=grading_round, candidates=candidates,
                                   decided_by=world.county_staff, reason=REASON)
    assert not grading_round.candidates.filter(decision=Decision.REJECTED).exists()


def test_the_page_rejects_the_ticked_candidates_inside_the_jurisdiction_only(client, world, grading_round):
    url = reverse("grading:reject_selected", args=[grading_round.pk])
    jia = [c for c in _candidates(grading_round, grade__rank=4)
           if c.membership.committee_id == world.committee.pk]
    yi = _candidates(grading_round, membership__committee=world.other_committee)
    client.force_login(world.county_staff)
    page = client.get(grading_round.get_absolute_url()).content.decode()
    assert page.count('data-testid="bulk-pick"') == 3  # not the city's candidate
    assert 'class="choice" data-testid="bulk-pick"' in page and 'form="reject-selected"' in page
    client.force_login(world.outside_staff)
    assert client.post(url, {"candidates": [jia[0].pk], "reason": REASON}).status_code == 404
    # 甲镇's office sees only 甲镇's people: 乙镇's candidate is not a choice it has, and nothing changes.
    client.force_login(world.township_staff)
    client.post(url, {"candidates": [yi[0].pk], "reason": REASON})
    assert not grading_round.candidates.exclude(decision=Decision.PENDING).exists()
    client.force_login(world.county_staff)
    response = client.post(url, {"candidates": [c.pk for c in jia], "reason": ""})
    assert response.status_code == 302 and not grading_round.candidates.exclude(decision=Decision.PENDING).exists()
    client.post(url, {"candidates": [c.pk for c in jia], "reason": REASON})
    assert {c.pk for c in _candidates(grading_round, decision=Decision.REJECTED)} == {c.pk for c in jia}


@pytest.fixture
def published(world, grading_round):
    for candidate in _candidates(grading_round):
        services.candidate_decide(candidate=candidate, decided_by=world.city_staff, approve=True)
    return services.round_publish(grading_round=grading_round, published_by=world.county_staff, days=7)


def test_withdrawing_a_published_round_records_why_tells_the_candidates_and_leaves_the_public_page(
        client, world, published):
    assert client.get(published.public_url()).status_code == 200
    with pytest.raises(GradingError):
        services.round_withdraw(grading_round=published, withdrawn_by=world.county_staff, reason="  ")
    with pytest.raises(NotAllowed):
        services.round_withdraw(grading_round=published, withdrawn_by=world.township_staff, reason=REASON)
    published.refresh_from_db()
    assert published.status == GradingRound.Status.PUBLISHED and not Notice.objects.exists()
    services.round_withdraw(grading_round=published, withdrawn_by=world.county_staff, reason=REASON)
    published.refresh_from_db()
    assert published.status == GradingRound.Status.WITHDRAWN
    change = published.status_changes.order_by("pk").last()
    assert (change.old_status, change.new_status, change.reason, change.changed_by_id) == (
        "published", "withdrawn", REASON, world.county_staff.pk)
    assert published not in selectors.public_rounds()
    assert client.get(published.public_url()).status_code == 404
    assert published.public_url() not in client.get(reverse("grading:public_index")).content.decode()
    notices = Notice.objects.order_by("person__name")
    assert notices.count() == 4 and {n.person_id for n in notices} == set(
        published.candidates.values_list("membership__person_id", flat=True))
    assert all(published.title in n.title and REASON in n.body for n in notices)
    assert "撤回" in notices[0].title  # in Chinese
    # Nothing moves a withdrawn round on.
    with pytest.raises(GradingError):
        services.round_file(grading_round=published, filed_by=world.county_staff)
    with pytest.raises(GradingError):
        services.round_withdraw(grading_round=published, withdrawn_by=world.county_staff, reason=REASON)


def test_an_applied_round_cannot_be_withdrawn(world, published):
    services.round_set_status(grading_round=published, new_status=GradingRound.Status.FILED,
                              changed_by=world.county_staff)
    services.round_apply(grading_round=published, applied_by=world.county_staff)
    with pytest.raises(GradingError):
        services.round_withdraw(grading_round=published, withdrawn_by=world.county_staff, reason=REASON)


def test_the_page_withdraws_a_round_for_the_runners_of_its_region_only(client, world, published):
    url = reverse("grading:round_withdraw", args=[published.pk])
    client.force_login(world.outside_staff)
    assert client.post(url, {"reason": REASON}).status_code == 404
    client.force_login(world.township_staff)  # sees the round, may not run it
    assert 'data-testid="withdraw"' not in client.get(published.get_absolute_url()).content.decode()
    client.post(url, {"reason": REASON})
    published.refresh_from_db()
    assert published.status == GradingRound.Status.PUBLISHED
    client.force_login(world.county_staff)
    assert 'data-testid="withdraw"' in client.get(published.get_absolute_url()).content.decode()
    client.post(url, {"reason": REASON})
    published.refresh_from_db()
    assert published.status == GradingRound.Status.WITHDRAWN
    page = client.get(published.get_absolute_url()).content.decode()
    assert REASON in page and 'data-testid="withdraw"' not in page
