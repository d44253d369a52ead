"""Issue 17: the self-check at the end of a lesson. The key never reaches the browser before the answer (not in
the HTML, not in the values or order of the choices); each answer is a POST answered with its feedback; a lesson
with a self-check completes only when it was answered; an answer queued offline and replayed lands once."""

import json
import re

import pytest
from django.urls import reverse

from assessments import self_check_selectors, self_check_services
from assessments.exceptions import AssessmentError
from assessments.models import Choice, LessonSelfCheckQuestion, Question, Quiz, QuizDrawRule, SelfCheckAnswer
from assessments.models import self_check_token as token_of
from courses import services as course_services
from courses.exceptions import LessonNotEarned
from courses.models import LessonCompletion
from people.models import IdempotencyKey
from tests import factories
from tests.assessments import factories as af

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}
KEY = "5e0c2a9e4b7d4e61a2c5d8f0b1e3a7c9"
CHOICE = re.compile(r'name="choice" value="([^"]+)"')


def _lesson_with_check(questions, **fields):
    lesson = factories.lesson(module=factories.course_module(), **fields)
    for i, question in enumerate(questions):
        LessonSelfCheckQuestion.objects.create(lesson=lesson, question=question, sort_order=i)
    return lesson


def _key_second(n):
    """Written as authors tend to: the right answer second (so second-lowest id)."""
    return [af.question(choices=[("甲", False), ("乙", True), ("丙", False), ("丁", False)]) for _ in range(n)]


def _shown(client, lesson) -> tuple[str, list[list[str]]]:
    page = client.get(lesson.url).content.decode()
    start = page.index('id="self-check"')
    section = page[start:page.index("</section>", start)]
    forms = section.split("<form")[1:]
    return section, [CHOICE.findall(form) for form in forms]


@pytest.fixture
def checked():
    questions = _key_second(3)
    return questions, _lesson_with_check(questions)


def test_the_page_carries_opaque_tokens_and_no_key_feedback_or_explanation(client, checked):
    questions, lesson = checked
    learner = factories.mediator()
    client.force_login(learner)
    section, shown = _shown(client, lesson)
    assert len(shown) == 3 and all(len(values) == 4 for values in shown)
    ids = {str(pk) for pk in Choice.objects.values_list("pk", flat=True)}
    for question, values in zip(questions, shown, strict=True):
        assert not set(values) & ids
        assert values == sorted(values)  # sorted by the token itself: the order is the hash's, not the author's
        assert {token_of(learner.pk, lesson.pk, c.pk) for c in question.choices.all()} == set(values)
    for leak in ("is_correct", "correct", "反馈:", "解析", "第九条", "data-key", "data-answer"):
        assert leak not in section


def test_neither_the_order_nor_the_values_of_the_choices_say_which_is_right(client):
    """Over many learners and questions (the key always authored second), no rule on position or value finds
    the key much more often than chance (1 in 4)."""
    questions = _key_second(10)
    lesson = _lesson_with_check(questions)
    right = {c.pk for c in Choice.objects.filter(is_correct=True)}
    hits = {"first": 0, "second": 0, "second_lowest": 0}
    total = 0
    for _n in range(8):
        learner = factories.mediator()
        client.force_login(learner)
        _section, shown = _shown(client, lesson)
        for question, values in zip(questions, shown, strict=True):
            tokens = {token_of(learner.pk, lesson.pk, c.pk): c.pk for c in question.choices.all()}
            key = next(v for v in values if tokens[v] in right)
            hits["first"] += values[0] == key
            hits["second"] += values[1] == key
            hits["second_lowest"] += sorted(values)[1] == key
            total += 1
    assert all(count <= 0.45 * total for count in hits.values()), hits


def test_an_answer_is_a_post_answered_with_its_feedback_and_the_page_then_shows_it(client, checked):
    questions, lesson = checked
    learner = factories.mediator()
    client.force_login(learner)
    wrong = token_of(learner.pk, lesson.pk, af.wrong_ids(questions[0])[0])
    url = reverse("assessments:self_check_answer", args=[lesson.pk])
    answer = client.post(url, {"question": questions[0].pk, "choice": wrong}, **JSON)
    assert answer.status_code == 200
    assert answer.json() == {"ok": True, "correct": False, "right": ["乙"], "explanation": "解析：依据人民调解法。",
                             "legal_reference": "《人民调解法》第九条"}
    right = token_of(learner.pk, lesson.pk, af.correct_ids(questions[1])[0])
    plain = client.post(url, {"question": questions[1].pk, "choice": right})  # no JavaScript: a plain form
    assert plain.status_code == 302 and plain.url.endswith("#self-check")
    page = client.get(lesson.url).content.decode()
    assert page.count('data-testid="self-check-feedback"') == 2 and "解析：依据人民调解法。" in page
    assert "反馈:甲" in page  # the picked wrong choice's own feedback
    # The first answer stands: answering again (even rightly) changes nothing.
    again = client.post(url, {"question": questions[0].pk,
                              "choice": token_of(learner.pk, lesson.pk, af.correct_ids(questions[0])[0])}, **JSON)
    assert again.json()["correct"] is False
    assert SelfCheckAnswer.objects.filter(person=learner).count() == 2


def test_raw_ids_other_people_s_tokens_and_other_questions_are_refused(client, checked):
    questions, lesson = checked
    learner, other = factories.mediator(), factories.mediator()
    client.force_login(learner)
    url = reverse("assessments:self_check_answer", args=[lesson.pk])
    right = af.correct_ids(questions[0])[0]
    for choice in (str(right), token_of(other.pk, lesson.pk, right),
                   token_of(learner.pk, lesson.pk, af.correct_ids(questions[1])[0]), ""):
        response = client.post(url, {"question": questions[0].pk, "choice": choice}, **JSON)
        assert response.status_code == 400, choice
    stray = af.question()
    response = client.post(url, {"question": stray.pk, "choice": token_of(learner.pk, lesson.pk,
                                                                           af.correct_ids(stray)[0])}, **JSON)
    assert response.status_code == 400
    assert not SelfCheckAnswer.objects.exists()


def test_the_lesson_completes_only_when_every_question_was_answered_right_or_wrong(checked):
    questions, lesson = checked
    learner = factories.mediator()
    with pytest.raises(LessonNotEarned) as refused:
        course_services.lesson_complete(person=learner, lesson=lesson)
    assert "自测" in str(refused.value) and "3" in str(refused.value)
    for question in questions[:2]:
        self_check_services.self_check_answer(person=learner, lesson=lesson, question_id=question.pk, choice_tokens=[
            token_of(learner.pk, lesson.pk, af.wrong_ids(question)[0])])
    with pytest.raises(LessonNotEarned, match="1"):
        course_services.lesson_complete(person=learner, lesson=lesson)
    self_check_services.self_check_answer(person=learner, lesson=lesson, question_id=questions[2].pk, choice_tokens=[
        token_of(learner.pk, lesson.pk, af.correct_ids(questions[2])[0])])
    assert course_services.lesson_complete(person=learner, lesson=lesson)


def test_both_shortfalls_are_named_when_reading_and_the_check_are_missing():
    question = af.question()
    lesson = _lesson_with_check([question], min_read_seconds=120)
    with pytest.raises(LessonNotEarned) as refused:
        course_services.lesson_complete(person=factories.mediator(), lesson=lesson)
    assert "120" in str(refused.value) and "自测" in str(refused.value)


def test_an_answer_queued_offline_and_sent_twice_lands_once_with_the_first_feedback(client, checked):
    questions, lesson = checked
    learner = factories.mediator()
    client.force_login(learner)
    url = reverse("assessments:self_check_answer", args=[lesson.pk])
    data = {"question": questions[0].pk, "idempotency_key": KEY,
            "choice": token_of(learner.pk, lesson.pk, af.correct_ids(questions[0])[0])}
    first = client.post(url, data, **JSON)
    again = client.post(url, data, **JSON)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and first.json()["correct"] is True
    assert SelfCheckAnswer.objects.filter(person=learner).count() == 1
    assert IdempotencyKey.objects.filter(person=learner, key=KEY, action="self_check_answer").count() == 1
    # At the unit level: the service with the same key returns the same row and writes nothing.
    row = self_check_services.self_check_answer(person=learner, lesson=lesson, question_id=questions[0].pk,
                                                choice_tokens=data["choice"].split(), idempotency_key=KEY)
    assert row == SelfCheckAnswer.objects.get()
    refused = client.post(url, {**data, "idempotency_key": "not a key"}, **JSON)
    assert refused.status_code == 400 and refused.json()["ok"] is False


def test_the_form_is_marked_for_the_offline_queue_and_works_without_javascript(client, checked):
    _questions, lesson = checked
    client.force_login(factories.mediator())
    page = client.get(lesson.url).content.decode()
    assert page.count('data-offline-queue="self_check_answer"') == 3
    assert f'action="{reverse("assessments:self_check_answer", args=[lesson.pk])}"' in page
    assert 'type="radio" name="choice"' in page


def test_essays_and_exam_only_questions_are_never_asked_and_visitors_see_no_check(client):
    exam_pool = af.question(category=("人民调解法",), tags=("考试题库",))
    QuizDrawRule.objects.create(quiz=af.quiz(kind=Quiz.Kind.CERTIFICATION), tag="考试题库", count=1,
                                exam_only=True)
    essay = af.question(kind=Question.Kind.ESSAY)
    asked = af.question(kind=Question.Kind.TRUE_FALSE)
    lesson = _lesson_with_check([exam_pool, essay, asked])
    assert self_check_selectors.self_check_questions(lesson) == [asked]
    assert 'id="self-check"' not in client.get(lesson.url).content.decode()  # anonymous visitors
    client.force_login(factories.mediator())
    page = client.get(lesson.url).content.decode()
    assert asked.text in page and exam_pool.text not in page and essay.text not in page
    with pytest.raises(AssessmentError):
        self_check_services.self_check_answer(person=factories.mediator(), lesson=lesson, question_id=exam_pool.pk,
                                              choice_tokens=["x"])


def test_a_lesson_without_a_check_completes_as_before(client):
    lesson = factories.lesson(module=factories.course_module())
    learner = factories.mediator()
    assert course_services.lesson_complete(person=learner, lesson=lesson)
    assert LessonCompletion.objects.filter(person=learner).exists()


def test_the_demo_study_answers_the_self_check(checked):
    from courses.demo import study_lesson

    _questions, lesson = checked
    learner = factories.mediator()
    study_lesson(learner, lesson)
    assert LessonCompletion.objects.filter(person=learner, lesson=lesson).exists()
    assert SelfCheckAnswer.objects.filter(person=learner, correct=True).count() == 3


def test_the_lecturer_picks_the_questions_in_the_lesson_s_edit_form():
    from courses.models import LessonPage

    panel_names = [getattr(panel, "relation_name", None) for panel in LessonPage.content_panels]
    assert "self_check_questions" in panel_names
    form_class = LessonPage.get_edit_handler().get_form_class()
    assert "self_check_questions" in form_class.formsets


def test_the_json_answer_never_carries_a_choice_id(client, checked):
    questions, lesson = checked
    learner = factories.mediator()
    client.force_login(learner)
    answer = client.post(reverse("assessments:self_check_answer", args=[lesson.pk]), {
        "question": questions[0].pk, "choice": token_of(learner.pk, lesson.pk, af.correct_ids(questions[0])[0])},
        **JSON).json()
    assert set(answer) == {"ok", "correct", "right", "explanation", "legal_reference"}
    assert "乙" in json.dumps(answer, ensure_ascii=False)  # the key comes back only after the answer
