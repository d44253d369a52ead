"""The load test's preparation (loadtest_prepare) and the runner's reading of locust's statistics (benchmark_load).
The load itself needs PostgreSQL, Redis and minutes: it is run by hand (loadtest/README.md), not here."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from assessments.management.commands.benchmark_load import Command as BenchmarkLoad
from assessments.models import Quiz
from people.models import Membership, User
from tests import factories
from tests.assessments import factories as af

pytestmark = pytest.mark.django_db


def prepare(*args) -> dict:
    out = StringIO()
    call_command("loadtest_prepare", "--json", *args, stdout=out)
    return json.loads(out.getvalue().splitlines()[-1])


def test_takers_and_their_exam_are_made_once_and_can_sit_it(tmp_path):
    assert prepare("--check") == {"seeded": False}
    factories.CommitteeFactory()
    for _ in range(6):
        af.question(category=("人民调解法",))
    first = prepare("--takers", "3")
    again = prepare("--takers", "4", "--sessions", str(tmp_path / "sessions.txt"))
    assert (first["created"], again["created"], again["quiz_id"]) == (3, 1, first["quiz_id"])
    takers = User.objects.filter(username__startswith="loadtest-").order_by("username")
    assert [u.username for u in takers] == ["loadtest-0001", "loadtest-0002", "loadtest-0003", "loadtest-0004"]
    assert len({u.password for u in takers}) == 2 and takers[0].check_password("Load@2026")  # one hash a call
    assert Membership.objects.active().filter(person__in=takers, role=Membership.Role.MEDIATOR).count() == 4
    quiz = Quiz.objects.get(pk=first["quiz_id"])
    assert (quiz.layout, quiz.max_attempts, quiz.draw_rules.get().count) == (Quiz.Layout.ONE_PER_PAGE, None, 20)

    # A stored session is a signed-in taker: the exam opens and an attempt starts.
    keys = (tmp_path / "sessions.txt").read_text().split()
    browser = Client()
    browser.cookies["sessionid"] = keys[3]
    assert browser.get(f"/exams/{quiz.pk}/").status_code == 200
    started = browser.post(f"/exams/{quiz.pk}/start/")
    assert "/exams/attempt/" in started["Location"]
    assert takers[3].attempts.count() == 1
    assert prepare("--takers", "4", "--fresh")["closed"] == 1  # a new run starts every taker anew
    assert not takers[3].attempts.filter(status="in_progress").exists()


def test_the_runner_reads_locusts_statistics_per_endpoint(tmp_path):
    stats = tmp_path / "locust_stats.csv"
    stats.write_text(
        "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
        "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,"
        "99.99%,100%\n"
        "POST,save answer,550,2,13,17.4,5.0,139.2,66.0,12.4696,0.0,13,17,20,23,33,46,69,84,140,140,140\n"
        "GET,review,0,0,0,0,0,0,0,0,0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A\n"
        ",Aggregated,550,2,13,17.4,5.0,139.2,66.0,12.4696,0.0,13,17,20,23,33,46,69,84,140,140,140\n")
    options = {"users": 10, "spawn_rate": 5, "run_time": "30s", "think": 30, "questions": 20, "burst": 0,
               "signed_in": True, "workers": 3, "threads": 4}
    figures = BenchmarkLoad._figures(stats, options, (1.0, 0, 0), (2.0, 0, 0))
    assert figures[0] == {"label": "save answer", "n": 550, "median_ms": 13.0, "p95_ms": 46.0, "p99_ms": 84.0,
                          "rps": 12.47, "errors": 2}
    assert [f["label"] for f in figures] == ["save answer", "all requests"]  # endpoints never called are left out
    assert figures[-1]["gunicorn"] == "3x4" and figures[-1]["load_before"] == 1.0
