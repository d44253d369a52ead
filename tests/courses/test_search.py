"""Learner search across modules, lessons and case reviews (issue 17): Chinese words inside a text are found."""

import pytest
from django.urls import reverse

from courses import selectors
from courses.search import han_bigrams, search_terms
from tests import factories

pytestmark = pytest.mark.django_db

HOMESTEAD_BODY = [{"type": "text", "value": "<p>农村村民因宅基地使用权发生纠纷的，应当先行调解。</p>"}]


def test_han_text_is_split_into_overlapping_pairs():
    assert han_bigrams("宅基地，纠纷") == ["宅基", "基地", "纠纷"]
    assert han_bigrams("地") == []
    assert search_terms("宅基地 Open 宅基") == ["宅基", "基地", "Open"]


def test_a_word_inside_a_lesson_body_is_found():
    module = factories.course_module(title="土地纠纷调解")
    wanted = factories.lesson(module=module, title="第一课", body=HOMESTEAD_BODY)
    factories.lesson(module=module, title="第二课")
    results = selectors.learning_search(q="宅基地")
    assert [page.pk for page in results.lessons] == [wanted.pk]


def test_every_pair_must_match_so_a_neighbouring_word_is_not_enough():
    module = factories.course_module()
    factories.lesson(module=module, body=[{"type": "text", "value": "<p>基地建设与住宅无关。</p>"}])
    assert selectors.learning_search(q="宅基地").lessons == []


def test_modules_and_case_reviews_are_found_too():
    module = factories.course_module(title="农村土地", summary="讲解宅基地纠纷的调解方法。")
    case = factories.case_review()  # its facts mention 宅基地
    results = selectors.learning_search(q="宅基地")
    assert [m.pk for m in results.modules] == [module.pk]
    assert [c.pk for c in results.cases] == [case.pk]


def test_drafts_are_never_found():
    module = factories.course_module()
    draft = factories.lesson(module=module, body=HOMESTEAD_BODY)
    draft.unpublish()
    assert selectors.learning_search(q="宅基地").lessons == []


def test_search_runs_one_query_per_kind_whatever_the_matches(count_queries):
    module = factories.course_module()
    factories.lesson(module=module, body=HOMESTEAD_BODY)
    few = count_queries(lambda: selectors.learning_search(q="宅基地"))
    for n in range(5):
        factories.lesson(module=module, title=f"课{n}", body=HOMESTEAD_BODY)
    factories.case_review()
    assert count_queries(lambda: selectors.learning_search(q="宅基地")) == few <= 3


def test_search_page_lists_results_and_needs_a_login(client):
    url = reverse("courses:search")
    assert client.get(url, {"q": "宅基地"}).status_code == 302
    module = factories.course_module()
    lesson = factories.lesson(module=module, title="相邻关系", body=HOMESTEAD_BODY)
    client.force_login(factories.mediator())
    page = client.get(url, {"q": "宅基地"}).content.decode()
    assert lesson.url in page and 'data-testid="result-lesson"' in page
    assert "没有找到" in client.get(url, {"q": "离婚"}).content.decode()
    assert "请至少输入" in client.get(url, {"q": "地"}).content.decode()


def test_search_box_is_in_the_menu_and_on_the_learner_home(client):
    client.force_login(factories.mediator())
    page = client.get(reverse("people:learner_home")).content.decode()
    assert 'id="q-menu"' in page and 'id="q-home"' in page
