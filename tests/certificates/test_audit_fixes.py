"""Issue #18's small fixes around certificates: the QR image, what a certification exam also needs."""

import pytest
from django.urls import reverse
from django.utils import translation

from certificates import services
from people.qr import qr_svg
from tests import factories
from tests.assessments import factories as af

pytestmark = pytest.mark.django_db


def test_the_bureaus_certificate_page_shows_the_qr_code(client, holder, program, county):
    certificate = services.certificate_issue(holder=holder, program=program, announce=False)[0]
    client.force_login(factories.bureau_staff(jurisdiction=county))
    page = client.get(reverse("certificates:bureau_certificate", args=[certificate.pk])).content.decode()
    qr = page[page.index('data-testid="qr"'):page.index('data-testid="qr-url"')]
    assert "<svg" in qr and "<path" in qr
    # The code encodes the certificate's public check (the same drawing as one made from that address).
    assert qr_svg(certificate.verification_url()).split("<path", 1)[1] in qr


def test_a_certification_exam_names_the_modules_the_certificate_also_needs(client, holder, program):
    exam = af.quiz(title="人民调解员合格考试", kind="certification", audience="mediator")
    done, todo = factories.course_module(title="人民调解法解读"), factories.course_module(title="调解文书制作")
    program.required_quizzes.set([exam])
    program.required_modules.set([done, todo])
    from courses.models import Enrolment

    Enrolment.objects.create(person=holder, module=done, completed_at="2026-01-05T10:00+08:00")
    client.force_login(holder)
    with translation.override("zh-hans"):
        page = client.get(reverse("assessments:quiz_detail", args=[exam.pk])).content.decode()
    panel = page[page.index('data-testid="exam-prerequisites"'):]
    assert "人民调解员培训合格证书" in panel
    assert panel.index("已学完") < panel.index("人民调解法解读") < panel.index("尚未学完") < panel.index("调解文书制作")
    practice = af.quiz(title="练习")
    page = client.get(reverse("assessments:quiz_detail", args=[practice.pk])).content.decode()
    assert 'data-testid="exam-prerequisites"' not in page
