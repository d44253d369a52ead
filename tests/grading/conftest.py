"""A city (测试市) above a county (测试旗) with two townships; four grades; the county's grade rules (grades 3–4 rated
by the county, 1–2 by the city); staff at every level; and a mediator who has served five years."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from certificates.models import Certificate, Program
from grading.models import CaseFigures, GradeRule
from people.models import Grade, Region
from tests import factories
from training.models import AnnualReview, ExternalTraining

YEAR = 2026
AS_OF = datetime.date(YEAR, 3, 1)


@dataclass
class World:
    city: Region
    county: Region
    townships: list
    committee: object
    other_committee: object
    grades: dict
    rules: dict
    city_staff: object
    county_staff: object
    township_staff: object
    outside_staff: object
    mediator: object


def passed_review(person, year=YEAR - 1, outcome=AnnualReview.Outcome.PASSED):
    program, _created = Program.objects.get_or_create(slug="work-card", defaults={
        "name": "人民调解员工作证", "validity_months": 36})
    certificate = Certificate.objects.create(
        holder=person, program=program, issuing_region=factories.region(), issuer_name="测试旗司法局",
        serial_number=f"W-{person.pk}", issued_on=datetime.date(year - 2, 1, 1),
        expires_on=datetime.date(year + 2, 1, 1))
    return AnnualReview.objects.create(certificate=certificate, year=year, outcome=outcome,
                                       decided_at=datetime.datetime(year, 12, 1, tzinfo=datetime.UTC))


def train(person, hours, on=datetime.date(YEAR - 1, 6, 1)):
    ExternalTraining.objects.create(person=person, title="外部培训", hours=Decimal(hours), completed_on=on,
                                    status=ExternalTraining.Status.APPROVED, recorded_by=person)


def cases(person, mediated, settled, years=(YEAR - 1, YEAR)):
    for year in years:
        CaseFigures.objects.create(person=person, year=year, cases_mediated=mediated, cases_successful=settled,
                                   source=CaseFigures.Source.MANUAL)


@pytest.fixture
def world(db) -> World:
    city = factories.region(name="测试市", level=Region.Level.CITY)
    county = factories.region(parent=city, name="测试旗", level=Region.Level.COUNTY)
    townships = [factories.region(parent=county, name=name, level=Region.Level.TOWNSHIP) for name in ("甲镇", "乙镇")]
    villages = [factories.region(parent=t, name=f"{t.name}一村", level=Region.Level.VILLAGE) for t in townships]
    committee = factories.CommitteeFactory(region=villages[0], name="甲镇一村人民调解委员会")
    other_committee = factories.CommitteeFactory(region=villages[1], name="乙镇一村人民调解委员会")
    grades = {rank: Grade.objects.create(name=f"{'一二三四'[rank - 1]}级人民调解员", rank=rank)
              for rank in (1, 2, 3, 4)}
    rules = {rank: GradeRule.objects.create(
        region=county, grade=grade, rated_by=Region.Level.COUNTY if rank >= 3 else Region.Level.CITY,
        min_years_of_service=2, period_years=2, min_cases=50, min_success_percent=85,
        min_training_hours=Decimal(20), requires_review_passed=True, years_in_grade_below=2)
        for rank, grade in grades.items()}
    mediator = factories.mediator(committee=committee, name="王秀兰", phone="13904771234")
    mediator.memberships.update(joined_on=datetime.date(YEAR - 5, 1, 1))
    other = factories.region(name="别的旗", level=Region.Level.COUNTY)
    return World(
        city=city, county=county, townships=townships, committee=committee, other_committee=other_committee,
        grades=grades, rules=rules,
        city_staff=factories.bureau_staff(jurisdiction=city, name="市局干部"),
        county_staff=factories.bureau_staff(jurisdiction=county, name="旗局干部"),
        township_staff=factories.bureau_staff(jurisdiction=townships[0], name="甲镇司法所干部"),
        outside_staff=factories.bureau_staff(jurisdiction=other, name="别旗干部"),
        mediator=mediator)


def qualify(person):
    """Everything the rules ask for the next grade, with nothing to spare."""
    cases(person, 25, 22)  # 50 cases over two years, 88 % settled
    train(person, 20)
    passed_review(person)
