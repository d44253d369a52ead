import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments.models import Attempt
from certificates.models import Program
from courses.models import Enrolment, ModuleCategory
from tests import factories
from training.models import TrainingDuty


@pytest.fixture
def law(db):
    return ModuleCategory.objects.get_or_create(code="B", defaults={"name": "实体法律"})[0]


@pytest.fixture
def skills(db):
    return ModuleCategory.objects.get_or_create(code="C", defaults={"name": "调解技能"})[0]


@pytest.fixture
def village(townships):
    return townships[0].get_children().get()


@pytest.fixture
def committee(village):
    return factories.CommitteeFactory(region=village, name="一村人民调解委员会")


@pytest.fixture
def person(committee):
    return factories.mediator(committee=committee, name="张晓明")


@pytest.fixture
def program(db):
    return Program.objects.create(name="人民调解员工作证", slug="work-card", for_mediators=True, validity_months=36)


def duty(*, region, kind=TrainingDuty.Kind.ANNUAL, categories=(), modules=(), **fields):
    fields.setdefault("name", "年度培训")
    fields.setdefault("in_force_from", datetime.date(2020, 1, 1))
    made = TrainingDuty.objects.create(region=region, kind=kind, **fields)
    made.categories.set(categories)
    made.modules.set(modules)
    return made


def complete(person, module, on: datetime.date):
    """``person`` completed ``module`` online at noon on ``on``."""
    at = datetime.datetime.combine(on, datetime.time(12), timezone.get_current_timezone())
    return Enrolment.objects.create(person=person, module=module, completed_at=at)


def sat(person, quiz, at: datetime.datetime, *, passed: bool = True):
    """``person`` sat ``quiz`` and submitted at ``at``: a completed attempt, passed or failed."""
    number = Attempt.objects.filter(quiz=quiz, user=person).count() + 1
    return Attempt.objects.create(
        quiz=quiz, user=person, number=number, status=Attempt.Status.COMPLETED, started_at=at, submitted_at=at,
        score=Decimal(8 if passed else 4), max_score=Decimal(10), percent=Decimal(80 if passed else 40),
        passed=passed)
