from io import StringIO

import pytest

from assessments import demo as assessments_demo
from certificates import demo
from certificates.models import Certificate, Program
from certificates.requirements import requirements_report
from courses import demo as courses_demo
from people import demo as people_demo
from people.models import User

pytestmark = pytest.mark.django_db


def _seed_all():
    for app in (people_demo, courses_demo, assessments_demo, demo):
        app.seed(StringIO())


def test_the_demo_mediator_meets_everything_but_the_exam_and_a_rerun_changes_nothing(
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the evaluations the seeding's events queue
        _seed_all()
    mediator_program = Program.objects.get(slug="mediator")
    assert mediator_program.required_quizzes.get().title == demo.MEDIATOR_EXAM
    assert set(mediator_program.required_modules.values_list("slug", flat=True)) == {
        "mediation-law", "ethics-discipline", "fengqiao-model"}
    assert Program.objects.get(slug="informant").required_modules.get().slug == "informant-practice"
    mediator = User.objects.get(username="mediator")
    unmet = requirements_report(holder=mediator, program=mediator_program).unmet
    assert [r.description for r in unmet] == [f"已通过考试：{demo.MEDIATOR_EXAM}"]
    assert not Certificate.objects.filter(holder=mediator).exists()
    informant = User.objects.get(username="informant")
    assert Certificate.objects.get(holder=informant).public_status() == "valid"
    assert Certificate.objects.filter(issued_by=None).count() == 0  # seeding issued nothing by itself

    assert Certificate.objects.filter(status="suspended").count() == 1  # the suspension bit has something to show
    states = sorted(Certificate.objects.values_list("serial_number", "status"))
    with django_capture_on_commit_callbacks(execute=True):
        _seed_all()
    assert sorted(Certificate.objects.values_list("serial_number", "status")) == states


def test_the_demo_credentials_meet_open_badges_3_in_every_program_and_status():
    from certificates import credentials
    from tests.certificates.test_credentials import assert_open_badges_3

    _seed_all()
    seen = set()
    for certificate in Certificate.objects.select_related("program", "holder").order_by("pk"):
        if (certificate.program_id, certificate.status) in seen:
            continue
        seen.add((certificate.program_id, certificate.status))
        assert_open_badges_3(credentials.credential_json(certificate), proof=True)
        assert credentials.credential_verify(credentials.credential_jwt(certificate)).proof_valid
    assert {status for _program, status in seen} == set(Certificate.Status.values)
