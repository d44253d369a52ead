import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Attempt, Question, Quiz, answer_tokens
from tests import factories
from tests.assessments import factories as af

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner():
    return factories.mediator(name="李桂英")


def tokens(attempt, ids, position) -> list[str]:
    """What the answer page would have sent for these choices of the question at ``position``: its opaque tokens."""
    return answer_tokens(attempt.pk, position, ids)


def post_answer(client, attempt, **payload):
    if "choices" in payload:
        payload["choices"] = tokens(attempt, payload["choices"], payload.get("position", 0))
    return client.post(reverse("assessments:attempt_answer", args=[attempt.pk]), json.dumps(payload),
                       content_type="application/json")


def test_my_exams_lists_quizzes_for_my_role_only(client, learner):
    af.quiz(title="人民调解员培训合格考试", kind=Quiz.Kind.CERTIFICATION, audience=Quiz.Audience.MEDIATORS,
            questions=[af.question()])
    af.quiz(title="矛盾纠纷信息员合格考试", kind=Quiz.Kind.CERTIFICATION, audience=Quiz.Audience.INFORMANTS,
            questions=[af.question()])
    af.quiz(title="未发布的考试", is_published=False)
    client.force_login(learner)
    page = client.get(reverse("assessments:my_exams")).content.decode()
    assert "人民调解员培训合格考试" in page and "信息员合格考试" not in page and "未发布" not in page
    home = client.get(reverse("people:learner_home")).content.decode()
    assert "我的考试" in home and "人民调解员培训合格考试" in home


def test_exam_pages_need_a_learner(client, county):
    quiz = af.quiz(questions=[af.question()])
    client.force_login(factories.bureau_staff(jurisdiction=county))
    assert client.get(reverse("assessments:quiz_detail", args=[quiz.pk])).status_code == 403
    assert client.post(reverse("assessments:attempt_start", args=[quiz.pk])).status_code == 403


@pytest.mark.parametrize("layout", Quiz.Layout.values)
def test_the_exam_page_never_carries_keys_or_feedback(client, learner, layout):
    questions = [af.question(), af.question(kind=Question.Kind.MULTIPLE), af.question(kind=Question.Kind.TRUE_FALSE)]
    quiz = af.quiz(questions=questions, time_limit_minutes=30, layout=layout)
    client.force_login(learner)
    response = client.post(reverse("assessments:attempt_start", args=[quiz.pk]))
    attempt = Attempt.objects.get()
    assert response["Location"] == reverse("assessments:attempt_take", args=[attempt.pk])
    page = client.get(response["Location"]).content.decode()
    assert "人民调解委员会委员每届任期几年" in page and "偏袒一方" in page and "剩余时间" in page
    for secret in ("反馈:", "解析：", "is_correct", "《人民调解法》第九条", "correct"):
        assert secret not in page, secret
    # The review (where keys may be shown, by the quiz's policy) is closed while the attempt is open.
    review = client.get(reverse("assessments:attempt_review", args=[attempt.pk]))
    assert review.status_code == 302 and review["Location"] == reverse("assessments:attempt_take", args=[attempt.pk])


def test_answers_are_saved_one_by_one_and_shown_again_after_a_reload(client, learner):
    q1, q2 = af.question(), af.question(kind=Question.Kind.MULTIPLE)
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=[q1, q2]))
    client.force_login(learner)
    response = post_answer(client, attempt, position=1, choices=af.correct_ids(q1))
    assert response.json() == {"saved": True, "position": 1, "answered": True, "flagged": False}
    assert post_answer(client, attempt, position=2, choices=af.correct_ids(q2)[:1], flagged=True).json()["flagged"]
    page = client.get(reverse("assessments:attempt_take", args=[attempt.pk])).content.decode()
    assert page.count(" checked") == 3  # two picked choices and one flag
    assert 'data-nav="2" class="answered flagged"' in page


def test_saving_an_answer_over_http_stays_within_the_bound(client, learner, django_assert_max_num_queries):
    q = af.question()
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=[q]))
    client.force_login(learner)
    right = af.correct_ids(q)
    # The service's two (the read, the update that writes while the attempt is open) plus the session and the user.
    with django_assert_max_num_queries(4):
        assert post_answer(client, attempt, position=1, choices=right).status_code == 200


def test_the_exam_page_and_submit_take_the_same_queries_for_2_or_12_questions(client, learner):
    """No query per question (the load test found one per row: a deferred attempt_id read by the related
    manager)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (2, 12):
        attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=[af.question() for _ in range(size)]))
        client.force_login(learner)
        client.get(reverse("assessments:attempt_take", args=[attempt.pk]))  # warm: the site's per-process caches
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("assessments:attempt_take", args=[attempt.pk])).status_code == 200
        with CaptureQueriesContext(connection) as submit:
            client.post(reverse("assessments:attempt_submit", args=[attempt.pk]), {"q1-present": "1"})
        counts.append((len(page), len(submit)))
    assert counts[0] == counts[1]


def test_submitting_the_whole_page_writes_only_the_answers_that_changed(client, learner):
    """The one-per-page form holds every question: what the script already saved is not written again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    questions = [af.question() for _ in range(3)]
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=questions, layout=Quiz.Layout.ONE_PER_PAGE))
    client.force_login(learner)
    right = [af.correct_ids(q) for q in questions]
    for position in (1, 2):
        post_answer(client, attempt, position=position, choices=right[position - 1])
    form = {"position": "3"}
    for position in (1, 2, 3):
        form |= {f"q{position}-present": "1", f"f{position}-present": "1",
                 f"q{position}": tokens(attempt, right[position - 1], position)}
    with CaptureQueriesContext(connection) as captured:
        client.post(reverse("assessments:attempt_submit", args=[attempt.pk]), form)
    saves = [q["sql"] for q in captured.captured_queries
             if q["sql"].startswith('UPDATE "assessments_attemptquestion" SET "response"')]
    assert len(saves) == 1  # question 3, answered only in the form
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.COMPLETED and attempt.percent == 100


def test_bad_and_late_answers_get_clear_chinese_errors(client, learner):
    q = af.question()
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=[q], time_limit_minutes=5))
    client.force_login(learner)
    for forged in (tokens(attempt, [q.choices.first().pk], position=2), ["0" * 32], [7], "甲"):
        bad = client.post(reverse("assessments:attempt_answer", args=[attempt.pk]), content_type="application/json",
                          data=json.dumps({"position": 1, "choices": forged}))
        assert bad.status_code == 400 and "不符" in bad.json()["error"], forged
    assert post_answer(client, attempt, choices=[]).status_code == 400
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    late = post_answer(client, attempt, position=1, choices=af.correct_ids(q))
    assert late.status_code == 409 and late.json() == {"error": late.json()["error"], "closed": True}
    assert "考试时间已到" in late.json()["error"]
    # Opening the page after the deadline closes the attempt and shows the result.
    response = client.get(reverse("assessments:attempt_take", args=[attempt.pk]), follow=True)
    assert "超时自动交卷" in response.content.decode()


def test_a_full_form_submitted_after_the_deadline_drops_the_late_answers_and_says_so(client, learner):
    """Without JavaScript nothing is saved as the learner goes: the whole form arrives with the submit."""
    questions = [af.question() for _ in range(2)]
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=questions, time_limit_minutes=5))
    client.force_login(learner)
    assert post_answer(client, attempt, position=1, choices=af.correct_ids(questions[0])).status_code == 200
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    form = {}
    for position, question in enumerate(questions, start=1):
        form |= {f"q{position}-present": "1", f"q{position}": af.correct_ids(question)}
    response = client.post(reverse("assessments:attempt_submit", args=[attempt.pk]), form, follow=True)
    assert "考试时间已到" in response.content.decode()
    attempt.refresh_from_db()
    assert not attempt.is_open and attempt.percent == 50  # the answer saved in time counts, the late one does not
    assert attempt.questions.get(position=2).response in (None, {})


def test_another_learners_attempt_is_out_of_reach(client, learner):
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=[af.question()]))
    client.force_login(factories.mediator())
    assert client.get(reverse("assessments:attempt_take", args=[attempt.pk])).status_code == 404
    assert client.get(reverse("assessments:attempt_review", args=[attempt.pk])).status_code == 404
    assert post_answer(client, attempt, position=1, choices=[]).status_code == 400
    assert client.post(reverse("assessments:attempt_submit", args=[attempt.pk])).status_code == 404


def test_one_question_per_page_works_without_javascript(client, learner):
    questions = [af.question() for _ in range(3)]
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=questions, layout=Quiz.Layout.ONE_PER_PAGE))
    client.force_login(learner)
    page = client.get(reverse("assessments:attempt_take", args=[attempt.pk]) + "?q=2").content.decode()
    # Every question is in the page (JavaScript moves between them); all but the current one are hidden.
    assert 'id="q2">' in page and 'id="q1" hidden>' in page and 'id="q3" hidden>' in page
    response = client.post(reverse("assessments:attempt_answer", args=[attempt.pk]), {
        "position": 2, "q2-present": "1", "q2": tokens(attempt, af.correct_ids(questions[1]), 2), "f2-present": "1",
        "f2": "on", "go": "next"})
    assert response["Location"].endswith("?q=3")
    row = attempt.questions.get(position=2)
    assert row.response == {"choices": af.correct_ids(questions[1])} and row.flagged
    # Showing a question writes nothing (issue #13: a GET never writes); resuming opens the question answered last.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as shown:
        assert 'id="q3">' in client.get(
            reverse("assessments:attempt_take", args=[attempt.pk]) + "?q=3").content.decode()
    assert not [q for q in shown.captured_queries if q["sql"].startswith(("UPDATE", "INSERT", "DELETE"))]
    assert 'id="q2">' in client.get(reverse("assessments:attempt_take", args=[attempt.pk])).content.decode()
    # Answering a question (as the page's script does, moving without a reload) makes it the place to resume.
    assert post_answer(client, attempt, position=1, choices=af.correct_ids(questions[0])).status_code == 200
    assert 'id="q1">' in client.get(reverse("assessments:attempt_take", args=[attempt.pk])).content.decode()


@pytest.mark.parametrize(("policy", "shown", "hidden"), [
    (Quiz.ReviewPolicy.SCORE, ["50%", "只公布分数"], ["任期几年", "反馈:", "解析："]),
    (Quiz.ReviewPolicy.CORRECTNESS, ["任期几年", "您的答案", "答错"], ["反馈:", "解析：", "正确答案"]),
    (Quiz.ReviewPolicy.FULL, ["任期几年", "正确答案", "反馈:五年", "解析：", "第九条"], []),
])
def test_review_follows_the_policy(client, learner, policy, shown, hidden):
    q1, q2 = af.question(), af.question()
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=[q1, q2], review_policy=policy))
    client.force_login(learner)
    five_years = q2.choices.get(text="五年").pk
    client.post(reverse("assessments:attempt_submit", args=[attempt.pk]), {
        "q1-present": "1", "q1": tokens(attempt, af.correct_ids(q1), 1), "q2-present": "1",
        "q2": tokens(attempt, [five_years], 2)})
    page = client.get(reverse("assessments:attempt_review", args=[attempt.pk])).content.decode()
    for text in shown:
        assert text in page, text
    for text in hidden:
        assert text not in page, text


def test_a_lecturer_grades_an_essay_and_the_learner_is_told(client, learner):
    lecturer = factories.lecturer()
    essay = af.question(kind=Question.Kind.ESSAY, points=5, text="简述背靠背调解的适用情形。")
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=[essay], owner=lecturer))
    services.attempt_answer(attempt_id=attempt.pk, user=learner, position=1, text="双方情绪激烈时分别谈话。")
    services.attempt_submit(attempt_id=attempt.pk, user=learner)
    client.force_login(lecturer)
    queue = client.get(reverse("assessments:grading_queue")).content.decode()
    assert "李桂英" in queue and "1 道简答题等待评分" in queue
    row = attempt.questions.get()
    url = reverse("assessments:essay_grade", args=[row.pk])
    assert "双方情绪激烈时分别谈话" in client.get(url).content.decode()
    assert "0 至 5" in client.post(url, {"points": "7"}).content.decode()
    assert client.post(url, {"points": "4", "comment": "要点齐全。"}).status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.COMPLETED and attempt.percent == 80
    client.force_login(factories.lecturer())
    assert client.get(url).status_code == 404
    client.force_login(learner)
    assert client.get(reverse("assessments:grading_queue")).status_code == 403
    assert "要点齐全" in client.get(reverse("assessments:attempt_review", args=[attempt.pk])).content.decode()


def test_bureau_staff_see_results_of_their_region_only(client, townships):
    q = af.question()
    quiz = af.quiz(questions=[q], title="人民调解员培训合格考试")
    here = factories.CommitteeFactory(region=townships[0])
    there = factories.CommitteeFactory(region=townships[1])
    for committee, right in ((here, True), (here, False), (there, True)):
        person = factories.mediator(committee=committee)
        attempt = services.attempt_start(user=person, quiz=quiz)
        services.attempt_answer(attempt_id=attempt.pk, user=person, position=1,
                                choices=af.correct_ids(q) if right else af.wrong_ids(q)[:1])
        services.attempt_submit(attempt_id=attempt.pk)
    client.force_login(factories.bureau_staff(jurisdiction=townships[0]))
    page = client.get(reverse("assessments:quiz_results", args=[quiz.pk])).content.decode()
    assert "人民调解员培训合格考试" in page and "50.0%" in page and "三年：1" in page
    csv = client.get(reverse("assessments:quiz_results", args=[quiz.pk]) + "?export=csv")
    text = csv.content.decode("utf-8-sig")
    assert csv["Content-Type"].startswith("text/csv") and "难度系数" in text and "✓三年: 1" in text
    xlsx = client.get(reverse("assessments:quiz_results", args=[quiz.pk]) + "?export=xlsx")
    assert xlsx.content[:2] == b"PK"
    client.force_login(factories.lecturer())
    assert client.get(reverse("assessments:quiz_results", args=[quiz.pk])).status_code == 404


def test_the_exam_and_review_pages_escape_what_lecturers_wrote(client, learner):
    """The question sheet and the review are built from escaped pieces (assessments/templatetags/exam_pages.py,
    for speed): a lecturer's text is shown as text, never as markup, and line breaks still show."""
    tricky = af.question(text="第一行<script>alert(1)</script>\n第二行 & 其他",
                         choices=[("<b>三年</b>", True), ("五年\" onmouseover=\"x", False)])
    essay = af.question(kind=Question.Kind.ESSAY, text="<i>简述</i>")
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=[tricky, essay],
                                                                 review_policy=Quiz.ReviewPolicy.FULL))
    client.force_login(learner)
    page = client.get(reverse("assessments:attempt_take", args=[attempt.pk])).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;<br>第二行 &amp; 其他" in page
    assert "&lt;b&gt;三年&lt;/b&gt;" in page and 'onmouseover="x' not in page and "&lt;i&gt;简述&lt;/i&gt;" in page
    assert '<input type="radio" name="q1" value="' in page and 'data-nav="2"' in page
    client.post(reverse("assessments:attempt_submit", args=[attempt.pk]), {
        "q1-present": "1", "q1": tokens(attempt, af.correct_ids(tricky), 1), "t2": "<img src=x>答案"})
    review = client.get(reverse("assessments:attempt_review", args=[attempt.pk])).content.decode()
    assert "<script>alert" not in review and "&lt;b&gt;三年&lt;/b&gt;" in review
    assert "&lt;img src=x&gt;答案" in review and "<img src=x>" not in review
    assert "正确答案" in review and "您的答案" in review
