"""Issue #18: the quiz list in the admin speaks Chinese (no "True"/"False" cells)."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests import factories
from tests.assessments import factories as af

pytestmark = pytest.mark.django_db


def test_the_admins_quiz_list_shows_published_as_a_tick_not_true(client):
    af.quiz(title="已发布的测验")
    client.force_login(factories.UserFactory(is_superuser=True, is_staff=True))
    with translation.override("zh-hans"):
        page = client.get(reverse("wagtailsnippets_assessments_quiz:list")).content.decode()
    assert "已发布的测验" in page
    assert "True" not in page and "False" not in page
    assert "<td >是</td>" in page.replace("\n", "").replace("  ", "") or ">是<" in page


def test_the_published_filters_chip_reads_yes_not_true(client):
    """Filtering the quiz list by 已发布 shows the chip "已发布: 是" (Wagtail would print Python's True)."""
    af.quiz(title="已发布的测验")
    client.force_login(factories.UserFactory(is_superuser=True, is_staff=True))
    with translation.override("zh-hans"):
        page = client.get(reverse("wagtailsnippets_assessments_quiz:list"), {"is_published": "true"}).content.decode()
    assert "已发布的测验" in page
    assert "True" not in page
    assert '<b class="w-ml-1">是</b>' in page
