"""The question bank in the Wagtail admin: spreadsheet import (all or nothing) and key corrections re-scoring."""

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from assessments import importing, services
from assessments.models import Question
from tests import factories
from tests.assessments import factories as af

pytestmark = pytest.mark.django_db
IMPORT = reverse("assessments_question_import")


@pytest.fixture
def lecturer_client(client):
    client.force_login(factories.lecturer())
    return client


def _csv(rows, headers=None) -> SimpleUploadedFile:
    data = tablib.Dataset(headers=headers or [h for _k, h in importing.COLUMNS])
    for row in rows:
        data.append(row)
    return SimpleUploadedFile("questions.csv", data.export("csv").encode("gb18030"), content_type="text/csv")


def test_the_template_downloads_with_chinese_headers_and_imports_as_is(lecturer_client):
    response = lecturer_client.get(IMPORT + "?template=xlsx")
    assert response.content[:2] == b"PK"
    csv = lecturer_client.get(IMPORT + "?template=csv").content
    assert "分类,题型,题目,选项A" in csv.decode("utf-8-sig")
    upload = SimpleUploadedFile("t.xlsx", response.content)
    response = lecturer_client.post(IMPORT, {"file": upload})
    assert response.status_code == 302
    assert Question.objects.count() == len(importing.EXAMPLES)
    multiple = Question.objects.get(kind=Question.Kind.MULTIPLE)
    assert multiple.category.full_name == "人民调解法 / 纪律" and list(multiple.tags.names()) == ["第十五条"]
    assert [c.is_correct for c in multiple.choices.all()] == [True, True, True, False]
    assert Question.objects.get(kind=Question.Kind.TRUE_FALSE).choices.get(is_correct=True).text == "正确"


def test_a_file_with_any_bad_row_imports_nothing_and_says_where(lecturer_client):
    good = importing.EXAMPLES[0]
    bad_kind = ["人民调解法", "填空", "题干"] + [""] * 13
    bad_answer = ["人民调解法", "单选", "题干", "甲", "乙", "", "", "", "", "D", "1", "易", "", "", "", ""]
    bad_points = ["人民调解法", "判断", "题干", "", "", "", "", "", "", "对", "很多", "极难", "", "", "", ""]
    response = lecturer_client.post(IMPORT, {"file": _csv([good, bad_kind, bad_answer, bad_points])})
    page = response.content.decode()
    assert Question.objects.count() == 0
    expected = [(3, "题型", "单选、多选"), (4, "答案", "D 不是本题已填写的选项"), (5, "分值", "0.5 至 100"),
                (5, "难度", "易、中或难")]
    for row, column, words in expected:
        assert f"<td>{row}</td><td>{column}</td><td>" in page and words in page, (row, column)


def test_import_needs_the_required_columns_and_a_spreadsheet(lecturer_client):
    response = lecturer_client.post(IMPORT, {"file": _csv([["x"]], headers=["题目"])})
    assert "缺少此列" in response.content.decode()
    text = lecturer_client.post(IMPORT, {"file": SimpleUploadedFile("q.txt", b"x")}).content.decode()
    assert "请上传 .csv 或 .xlsx 文件" in text


def test_learners_cannot_import(client):
    client.force_login(factories.mediator())
    assert client.get(IMPORT).status_code in (302, 403)


def _question_post(question, *, correct_text):
    choices = list(question.choices.all())
    return nested_form_data({
        "category": question.category_id, "kind": question.kind, "difficulty": question.difficulty,
        "points": "1", "text": question.text, "rubric": "", "legal_reference": "", "explanation": "", "tags": "",
        "choices": inline_formset([
            {"id": c.pk, "text": c.text, "is_correct": c.text == correct_text, "feedback": c.feedback, "ORDER": i}
            for i, c in enumerate(choices)], initial=len(choices)),
    })


def test_correcting_a_key_in_the_admin_rescores_and_reports(client):
    admin = factories.administrator()
    q = af.question()
    quiz = af.quiz(questions=[q])
    five_years = q.choices.get(text="五年").pk
    for pick in (five_years, af.correct_ids(q)[0]):
        learner = factories.mediator()
        attempt = services.attempt_start(user=learner, quiz=quiz)
        services.attempt_answer(attempt_id=attempt.pk, user=learner, position=1, choices=[pick])
        services.attempt_submit(attempt_id=attempt.pk)
    client.force_login(admin)
    url = reverse("wagtailsnippets_assessments_question:edit", args=[q.pk])
    response = client.post(url, _question_post(q, correct_text="五年"), follow=True)
    assert "已对含此题的 2 份已交答卷重新评分，其中 2 份成绩发生变化" in response.content.decode()
    assert q.choices.get(is_correct=True).pk == five_years


def test_the_admin_refuses_a_single_choice_question_with_two_keys(client):
    client.force_login(factories.administrator())
    q = af.question()
    data = _question_post(q, correct_text="五年")
    data["choices-0-is_correct"] = "on"
    data["choices-1-is_correct"] = "on"
    response = client.post(reverse("wagtailsnippets_assessments_question:edit", args=[q.pk]), data)
    assert "单选题必须恰有一个正确选项" in response.content.decode()
    assert q.choices.filter(is_correct=True).count() == 1


def test_categories_are_added_under_their_parent_in_the_admin(lecturer_client):
    root = services.category_path_ensure(names=["民法典"])
    url = reverse("wagtailsnippets_assessments_questioncategory:add")
    assert lecturer_client.post(url, {"parent": root.pk, "name": "物权编"}).status_code == 302
    assert lecturer_client.post(url, {"name": "调解技巧"}).status_code == 302
    root.refresh_from_db()
    assert [c.full_name for c in root.get_children()] == ["民法典 / 物权编"]
    assert services.category_path_ensure(names=["民法典", "物权编"]).get_parent() == root
