"""What the multi-node test does inside Django, in a process of its own that uses the topology's settings (the
pytest process never connects to the topology's databases): ``python -m tests.scale.actions <name> <json>``
prints one JSON line. Writes go through pgbouncer like the app nodes'."""

import json
import os
import sys


def seed(takers: int, questions: int, holders: int) -> dict:
    """A county with one committee: quiz takers, an exam, a program, people to certify, a bureau officer."""
    from certificates.models import Program
    from tests import factories
    from tests.assessments import factories as quiz_factories

    county = factories.region(name="规模旗")
    committee = factories.CommitteeFactory(
        region=factories.region(parent=factories.region(parent=county, name="规模镇"), name="规模村"))
    exam = quiz_factories.quiz(
        questions=[quiz_factories.question() for _ in range(questions)], title="多节点考试",
        kind="certification", audience="mediator", layout="per_page", time_limit_minutes=60, pass_mark=60)
    program = Program.objects.create(name="人民调解员培训合格证书", slug="mediator", validity_months=36)
    people = {
        "takers": [factories.mediator(committee=committee, username=f"taker{i}").username for i in range(takers)],
        "holders": [factories.mediator(committee=committee, username=f"holder{i}", phone=f"1390000{i:04d}").pk
                    for i in range(holders)],
    }
    people["spare"] = factories.mediator(committee=committee, username="spare").pk  # certified by hand in a test
    officer = factories.bureau_staff(jurisdiction=county, username="officer")
    factories.bureau_staff(jurisdiction=county, username="colleague")
    return {"quiz": exam.pk, "program": program.pk, "officer": officer.username, "password": factories.PASSWORD,
            "county": county.code, **people}


def flood_then_sms(program: int, holders: list[int], phone: str) -> dict:
    """Issue certificates to every holder (one PDF job each on the pdf queue), then queue one SMS."""
    import time

    from django.db import transaction

    from certificates import services
    from certificates.models import Program
    from people.models import User
    from people.services.notices import sms_queue

    program = Program.objects.get(pk=program)
    with transaction.atomic():  # the PDF jobs are all published at commit, ahead of the SMS
        for holder in User.objects.filter(pk__in=holders):
            services.certificate_issue(holder=holder, program=program)
    queued_at = time.time()
    sms_queue(phone=phone, text="您的验证码是 424242")  # outside a transaction: published at once
    return {"queued": len(holders), "sms_queued_at": queued_at}


def certificates_rendered(program: int) -> dict:
    from certificates.models import Certificate

    issued = Certificate.objects.filter(program_id=program)
    return {"issued": issued.count(), "rendered": issued.exclude(pdf="").count(),
            "certificates": {str(c.holder_id): [c.pk, c.pdf.name] for c in issued}}


def answers_stored(acknowledged: list[list]) -> dict:
    """For each acknowledged save ``[username, attempt, position, tokens]``: is it stored, exactly as sent?"""
    from assessments.models import Attempt, AttemptQuestion
    from assessments.services import _clean_response

    problems = []
    for username, attempt, position, tokens in acknowledged:
        row = AttemptQuestion.objects.select_related("question").get(
            attempt_id=attempt, attempt__user__username=username, position=position)
        known = row.choice_tokens()
        stored_as_sent = _clean_response(row.question.kind, row.choice_order, [known[t] for t in tokens], None)
        if row.response != stored_as_sent or row.answered_at is None:
            problems.append([username, attempt, position, row.response])
    usernames = sorted({a[0] for a in acknowledged})
    attempts = {name: Attempt.objects.filter(user__username=name).count() for name in usernames}
    return {"problems": problems, "attempts": attempts,
            "answered": AttemptQuestion.objects.filter(attempt__user__username__in=usernames,
                                                       answered_at__isnull=False).count()}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    name, arguments = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps(globals()[name](**arguments)))  # noqa: T201
