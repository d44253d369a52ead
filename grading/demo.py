"""Demo grading for Dalad Banner: the banner's grade rules (for grade 3 Guangdong's figures: two years, 50 cases,
85 %; training hours low enough for the demo's few months of records),
two years of case figures for every mediator, and this year's grading round in its publication period (公示).
Training archives need no seeding: each is computed from the records when it is opened.

Deterministic (fixed random seed) and idempotent: figures already recorded are left alone, and the round is
opened only once."""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from people.models import Grade, Membership, Region, User

from . import services
from .models import CaseFigures, GradeRule, GradingRound

COUNTY_CODE = "150621"
# rank → (rated by, years of service, cases in the period, success %, training hours, review passed, years below)
RULES = {
    4: (Region.Level.COUNTY, 1, 20, 80, Decimal(4), False, 0),
    3: (Region.Level.COUNTY, 2, 50, 85, Decimal(6), False, 2),
    2: (Region.Level.CITY, 4, 80, 90, Decimal(20), True, 2),
    1: (Region.Level.CITY, 6, 120, 92, Decimal(30), True, 3),
}
REJECTION = "近两年调解卷宗抽查发现协议书不规范，建议下一轮再评。"


def seed(out) -> list[tuple[str, str, str]]:
    county = Region.objects.filter(code=COUNTY_CODE).first()
    if county is None:
        return []
    rng = random.Random(14)  # noqa: S311  (deterministic demo data)
    today = timezone.localdate()
    for grade in Grade.objects.all():
        rated_by, service, cases, success, hours, review, below = RULES.get(grade.rank, RULES[1])
        GradeRule.objects.get_or_create(region=county, grade=grade, defaults={
            "rated_by": rated_by, "min_years_of_service": service, "period_years": 2, "min_cases": cases,
            "min_success_percent": success, "min_training_hours": hours, "requires_review_passed": review,
            "years_in_grade_below": below})
    _case_figures(rng, county, today.year)
    if not GradingRound.objects.filter(region=county).exists():
        _round_in_publication(county, today)
    out.write(f"  grading: {CaseFigures.objects.count()} case figures, "
              f"{GradingRound.objects.filter(region=county).count()} round(s)\n")
    return []


def _case_figures(rng: random.Random, county: Region, year: int) -> None:
    mediators = (Membership.objects.active().filter(role=Membership.Role.MEDIATOR,
                                                   committee__region__path__startswith=county.path)
                 .values_list("person_id", flat=True).distinct().order_by("person_id"))
    recorded = set(CaseFigures.objects.values_list("person_id", "year"))
    rows = []
    for person_id in mediators:
        for figure_year in (year - 1, year):
            mediated = rng.randint(8, 48)
            settled = min(mediated, round(mediated * rng.uniform(0.78, 0.99)))
            if (person_id, figure_year) not in recorded:
                rows.append(CaseFigures(person_id=person_id, year=figure_year, cases_mediated=mediated,
                                        cases_successful=settled, source=CaseFigures.Source.IMPORT))
    CaseFigures.objects.bulk_create(rows)


def _round_in_publication(county: Region, today) -> None:
    bureau = User.objects.get(username="bureau")
    admin = User.objects.get(username="admin")  # the demo has no city staff: the administrator rates grades 1–2
    grading_round = services.round_open(
        region=county, year=today.year, title=f"{county.name}{today.year}年度人民调解员等级评定", opened_by=bureau,
        as_of=today - timedelta(days=10))
    candidates = list(grading_round.candidates.select_related("membership__committee__region").order_by("pk"))
    for index, candidate in enumerate(candidates):
        by = bureau if candidate.rated_by == Region.Level.COUNTY else admin
        rejected = index % 7 == 6
        services.candidate_decide(candidate=candidate, decided_by=by, approve=not rejected,
                                  reason=REJECTION if rejected else "")
    services.round_publish(grading_round=grading_round, published_by=bureau, days=10,
                           starts_on=today - timedelta(days=3))
