"""Issue 11, item 7: a late submit is closed by the deadline; a withdrawn certificate's credential is not signed
afresh; a demo's absolute URLs follow the port it serves on."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services as exams
from certificates import services
from certificates.models import Certificate, Program
from config.settings.base import served_base_url
from tests import factories
from tests.assessments import factories as af

pytestmark = pytest.mark.django_db


def test_a_submit_after_the_deadline_is_recorded_as_closed_by_the_deadline():
    learner = factories.mediator()
    start = timezone.now() - timedelta(hours=2)
    attempt = exams.attempt_start(user=learner, quiz=af.quiz(questions=[af.question()], time_limit_minutes=30),
                                  now=start)
    closed = exams.attempt_submit(attempt_id=attempt.pk, user=learner)  # the learner clicks 90 minutes late
    assert closed.closed_by_timeout is True and closed.submitted_at == attempt.deadline
    change = closed.status_changes.order_by("-pk").first()
    assert change.reason == "timeout" and change.changed_by is None


def test_a_submit_in_time_is_an_ordinary_submission():
    learner = factories.mediator()
    attempt = exams.attempt_start(user=learner, quiz=af.quiz(questions=[af.question()], time_limit_minutes=30))
    closed = exams.attempt_submit(attempt_id=attempt.pk, user=learner)
    assert closed.closed_by_timeout is False and closed.submitted_at < attempt.deadline


@pytest.fixture
def certificate(townships):
    holder = factories.mediator(committee=factories.CommitteeFactory(region=townships[0]))
    program = Program.objects.create(name="人民调解员培训合格证书", slug="mediator", validity_months=36)
    return services.certificate_issue(holder=holder, program=program, announce=False)[0]


@pytest.mark.parametrize("withdraw", ["revoke", "renew"])
def test_a_revoked_or_superseded_certificate_s_credential_is_refused(client, certificate, withdraw):
    client.force_login(certificate.holder)
    # The JWT and JSON downloads and the wallet page with its pickup link.
    urls = [reverse(name, args=[certificate.pk]) for name in
            ("certificates:credential", "certificates:credential_json", "certificates:credential_wallet")]
    assert client.get(urls[0])["Content-Type"] == "application/jwt"  # while it stands
    assert all(client.get(url).status_code == 200 for url in urls)
    admin = factories.administrator()
    if withdraw == "revoke":
        services.certificate_revoke(certificate=certificate, revoked_by=admin, reason="违纪")
    else:
        services.certificate_renew(certificate=certificate, renewed_by=admin, reason="换发")
    assert Certificate.objects.get(pk=certificate.pk).status in ("revoked", "superseded")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == certificate.verification_path(), url
    pickup = reverse("certificates:credential_pickup", args=[certificate.verification_code])
    assert client.get(pickup).status_code == 410


@pytest.mark.parametrize(("argv", "expected"), [
    (["manage.py", "runserver", "127.0.0.1:8101"], "http://127.0.0.1:8101"),
    (["manage.py", "runserver", "8102"], "http://127.0.0.1:8102"),
    (["manage.py", "runserver", "--noreload", "0.0.0.0:8103"], "http://127.0.0.1:8103"),
    (["manage.py", "runserver", "192.168.1.5:9000"], "http://192.168.1.5:9000"),
    (["manage.py", "migrate"], "http://127.0.0.1:8000"),
])
def test_the_demo_s_base_url_follows_the_port_it_serves_on(argv, expected, monkeypatch):
    monkeypatch.delenv("PORT", raising=False)
    assert served_base_url(argv) == expected


def test_bin_demo_s_port_reaches_commands_other_than_runserver(monkeypatch):
    monkeypatch.setenv("PORT", "8104")
    assert served_base_url(["manage.py", "seed_demo"]) == "http://127.0.0.1:8104"
