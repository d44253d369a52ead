import datetime
import itertools

import pytest
from django.utils import timezone

from certificates.models import Certificate, CertificateStatusChange, Program
from people.models import Committee, Membership, User
from tests import factories

_serials = itertools.count(1)


def certificate(*, holder, program, issued_on, expires_on, status=Certificate.Status.ISSUED):
    """A certificate row as issuance would leave it (tests build coverage data directly)."""
    cert = Certificate.objects.create(
        holder=holder, program=program, issuing_region=factories.region(), issuer_name="测试旗司法局",
        serial_number=f"T-{next(_serials)}", issued_on=issued_on, expires_on=expires_on, status=status)
    CertificateStatusChange.objects.create(certificate=cert, old_status="", new_status=Certificate.Status.ISSUED,
                                           changed_at=timezone.make_aware(datetime.datetime.combine(
                                               issued_on, datetime.time(9))))
    return cert


@pytest.fixture
def program(db):
    return Program.objects.create(name="人民调解员培训合格证书", slug="mediator", validity_months=36)


def populate(township, program, *, committees: int, today: datetime.date):
    """``committees`` village committees in ``township``, each with a certified woman mediator, an uncertified man
    (his certificate expired), and an informant who never trained."""
    made = []
    for i in range(committees):
        village = factories.region(parent=township, name=f"{township.name}{i}村")
        committee = factories.CommitteeFactory(region=village, name=f"{village.name}人民调解委员会")
        woman = factories.mediator(committee=committee, name=f"{village.name}调解员甲", gender=User.Gender.FEMALE)
        man = factories.mediator(committee=committee, name=f"{village.name}调解员乙", gender=User.Gender.MALE)
        factories.informant(committee=committee, name=f"{village.name}信息员", gender=User.Gender.MALE)
        certificate(holder=woman, program=program, issued_on=today - datetime.timedelta(days=400),
                    expires_on=today + datetime.timedelta(days=30 if i == 0 else 700))
        certificate(holder=man, program=program, issued_on=today - datetime.timedelta(days=1200),
                    expires_on=today - datetime.timedelta(days=10), status=Certificate.Status.EXPIRED)
        made.append(committee)
    return made


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def world(county, townships, program, today):
    """测试旗: 甲镇 with two village committees, 乙镇 with one, and a county-level labor committee with one
    uncertified man (no woman, no certified mediator)."""
    jia, yi = townships
    committees = populate(jia, program, committees=2, today=today) + populate(yi, program, committees=1, today=today)
    labor = factories.CommitteeFactory(region=county, name="测试旗劳动争议人民调解委员会",
                                       kind=Committee.Kind.INDUSTRY, specialty=Committee.Specialty.LABOR)
    factories.mediator(committee=labor, name="劳动调解员", gender=User.Gender.MALE)
    Membership.objects.filter(committee=committees[0], person__gender=User.Gender.FEMALE).update(
        employment=Membership.Employment.FULL_TIME)
    return {"county": county, "jia": jia, "yi": yi, "committees": committees, "labor": labor}
