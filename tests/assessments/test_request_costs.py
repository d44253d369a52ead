"""Queries per request on the exam-day path (login page and POST, the exam page, start attempt, the first question
page, save answer): each taker pays them, 2,000 takers at once on two cores (issues #12, #19, #21). Pinned exactly,
so a change that adds one is seen and argued for; the load test (`benchmark_load`) shows what they cost."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from assessments.models import Attempt, QuestionCategory, Quiz, answer_token
from tests import factories
from tests.assessments import factories as af

pytestmark = pytest.mark.django_db

PASSWORD = "Load@2026"  # noqa: S105


@pytest.fixture
def exam():
    """The load test's exam: 20 questions drawn from a category of 30, one per page."""
    for _ in range(30):
        af.question(category=("人民调解法",))
    return af.quiz(draw=[(QuestionCategory.objects.get(name="人民调解法"), "", 20)], layout=Quiz.Layout.ONE_PER_PAGE,
                   kind=Quiz.Kind.CERTIFICATION, audience=Quiz.Audience.MEDIATORS, time_limit_minutes=60)


@pytest.fixture
def taker():
    user = factories.mediator(username="loadtest-0001", phone="17000000001")
    user.set_password(PASSWORD)
    user.save()
    return user


def queries(client, method: str, url: str, **kwargs):
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, **kwargs)
    return response, [q["sql"] for q in captured.captured_queries]


def explain(sql: list[str]) -> str:
    return "\n".join(f"{n}. {statement[:160]}" for n, statement in enumerate(sql, 1))


def test_the_exam_day_path_runs_a_fixed_number_of_queries(client, exam, taker):
    costs = {}
    client.get(reverse("login"))  # warm: the menu's section URLs come from the cache after the first page
    page, costs["login page"] = queries(client, "get", reverse("login"))
    assert page.status_code == 200
    signed_in, costs["log in"] = queries(client, "post", reverse("login"), data={
        "username": "17000000001", "password": PASSWORD})
    assert signed_in.status_code == 302
    client.get(reverse("assessments:quiz_detail", args=[exam.pk]))  # warm: the site's per-process caches
    page, costs["open exam"] = queries(client, "get", reverse("assessments:quiz_detail", args=[exam.pk]))
    assert page.status_code == 200
    started, costs["start attempt"] = queries(client, "post", reverse("assessments:attempt_start", args=[exam.pk]))
    attempt = Attempt.objects.get()
    assert started["Location"] == reverse("assessments:attempt_take", args=[attempt.pk])
    page, costs["question page"] = queries(client, "get", started["Location"])
    assert page.status_code == 200
    row = attempt.questions.get(position=1)
    saved, costs["save answer"] = queries(
        client, "post", reverse("assessments:attempt_answer", args=[attempt.pk]), content_type="application/json",
        data=json.dumps({"position": 1, "choices": [answer_token(attempt.pk, 1, row.choice_order[0])],
                         "flagged": False}))
    assert saved.json()["saved"] is True
    row = attempt.questions.get(position=2)
    saved, costs["save answer (next)"] = queries(
        client, "post", reverse("assessments:attempt_answer", args=[attempt.pk]), content_type="application/json",
        data=json.dumps({"position": 2, "choices": [answer_token(attempt.pk, 2, row.choice_order[0])],
                         "flagged": False}))
    counts = {name: len(sql) for name, sql in costs.items()}
    # Issue #21 took these from 0/12/9/20/8/6/7: the menu's unread-notice badge comes from the cache; the learner
    # check, the exam's audience and the menu's staff checks share one query (roles and groups together); starting
    # reads the earlier attempts once and draws from the pool's rows (no second query for the drawn questions).
    # Every signed-in request reads its session from the database (sessions stay out of the cache:
    # config/settings/base.py says why), with its user in the same statement (people/sessions.py). A save is the
    # session with its user and one UPDATE that writes only while the attempt is the learner's and open and the
    # question's kind takes the answer (no read first: the page's tokens carry the choices; no transaction).
    # Signing in (axes off in tests): the account, the session's writes, the audit entry.
    assert counts == {"login page": 0, "log in": 12, "open exam": 5, "start attempt": 14, "question page": 5,
                      "save answer": 2, "save answer (next)": 2}, \
        "\n\n".join(f"{name}: {len(sql)}\n{explain(sql)}" for name, sql in costs.items())


def test_the_menu_badge_follows_notices_although_it_is_cached(client, taker):
    from people.services.notices import notice_send, notices_mark_read

    client.force_login(taker)
    assert "data-menu=\"notices\"" in client.get(reverse("people:learner_home")).content.decode()
    notice_send(person=taker, title="考试安排", email=False)
    notice_send(person=taker, title="证书已颁发", email=False)
    page = client.get(reverse("people:learner_home")).content.decode()
    assert "通知（2）" in page
    notices_mark_read(person=taker)
    page = client.get(reverse("people:learner_home")).content.decode()
    assert "通知（" not in page


@pytest.mark.parametrize("name, args", [("attempt_answer", [7]), ("attempt_take", [7]), ("attempt_start", [3]),
                                        ("quiz_detail", [3]), ("attempt_submit", [7])])
def test_the_exam_day_urls_are_found_before_the_rest_of_the_site(name, args):
    """Django tries the URL patterns in order; an answer's URL must not walk the API's and the certificates'
    includes first (config/urls.py)."""
    match = resolve(reverse(f"assessments:{name}", args=args))
    assert match.url_name == name
    top_level = [str(chain[0].pattern) for chain in match.tried]
    assert list(dict.fromkeys(top_level)) == ["health/", "exams/"], top_level
