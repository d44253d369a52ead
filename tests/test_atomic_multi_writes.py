"""Services that write several rows write all of them or none: a failure in the middle leaves nothing behind."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from assessments import services as assessment_services
from assessments.models import Choice, Question, QuestionCategory
from certificates import services as certificate_services
from certificates.models import Certificate, CertificateStatusChange, Program
from people.roles import StaffRole
from people.services import staff as staff_services
from tests import factories

pytestmark = pytest.mark.django_db


class Boom(Exception):
    """The failure injected between two writes."""


def _fail(*args, **kwargs):
    raise Boom


def test_a_revocation_whose_notice_fails_is_not_recorded(monkeypatch, townships):
    committee = factories.CommitteeFactory(region=townships[0].get_children().first())
    holder = factories.mediator(committee=committee)
    program = Program.objects.create(name="人民调解员培训合格证书", slug="mediator", validity_months=36)
    certificate, _created = certificate_services.certificate_issue(holder=holder, program=program,
                                                                  issued_by=factories.administrator(), reason="测试")
    staff = factories.bureau_staff(jurisdiction=townships[0])
    monkeypatch.setattr(certificate_services, "notice_send", _fail)  # after the status and the audit entry
    with pytest.raises(Boom):
        certificate_services.certificate_revoke(certificate=certificate, revoked_by=staff, reason="弄虚作假")
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.ISSUED
    assert not CertificateStatusChange.objects.filter(certificate=certificate, new_status="revoked").exists()


def test_a_role_revocation_whose_audit_fails_keeps_the_role_and_the_jurisdiction(monkeypatch, townships):
    staff = factories.bureau_staff(jurisdiction=townships[0])
    monkeypatch.setattr(staff_services, "audit", _fail)  # after the group and the jurisdiction
    with pytest.raises(Boom):
        staff_services.staff_role_revoke(user=staff, role=StaffRole.BUREAU_STAFF)
    staff.refresh_from_db()
    assert staff.jurisdiction == townships[0]
    assert staff.groups.filter(pk=Group.objects.get(name=StaffRole.BUREAU_STAFF).pk).exists()


def test_a_question_whose_choices_fail_leaves_no_question_or_category(monkeypatch):
    draft = assessment_services.QuestionDraft(
        category=["原子性", "测试"], kind=Question.Kind.SINGLE, text="调解协议的效力？",
        choices=[("有合同效力", True, ""), ("没有效力", False, "")], points=Decimal(1))
    monkeypatch.setattr(Choice.objects, "bulk_create", _fail)  # after the category path and the question
    with pytest.raises(Boom):
        assessment_services.question_create(draft=draft)
    assert not Question.objects.filter(text=draft.text).exists()
    assert not QuestionCategory.objects.filter(name="原子性").exists()
