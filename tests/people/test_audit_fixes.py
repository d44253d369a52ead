"""Issue #18's fixes in the site shell: the header's menu, the sender's name, the language of admin strings."""

from email.header import decode_header, make_header

import pytest
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from wagtail.models import Site

from people.models import BureauSettings
from people.navigation import MAX_TOP_LEVEL, MenuGroup, menu_entries, menu_for
from people.services.notices import notice_send
from tests import factories

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_a_bureau_officers_menu_folds_training_entries_under_one_group(county):
    staff = factories.bureau_staff(jurisdiction=county)
    flat = menu_for(_request(staff))
    entries = menu_entries(_request(staff))
    assert len(flat) > MAX_TOP_LEVEL >= len(entries)
    group = next(e for e in entries if isinstance(e, MenuGroup))
    assert {item.name for item in group.items} >= {"menu", "cases", "sessions", "exam-results"}
    assert {e.name for e in entries} >= {"bureau", "coverage", "bureau-certificates", "training"}


def test_a_learners_shorter_menu_stays_flat():
    entries = menu_entries(_request(factories.mediator()))
    assert not any(isinstance(e, MenuGroup) for e in entries)


def test_the_header_is_rendered_folded_with_a_link_that_works_without_javascript(client, county):
    client.force_login(factories.bureau_staff(jurisdiction=county))
    with translation.override("zh-hans"):
        page = client.get(reverse("people:bureau_home")).content.decode()
    assert '<a class="menu-toggle" href="#site-nav"' in page and 'aria-expanded="false"' in page
    assert '<details class="nav-group"><summary data-menu-group="training">培训</summary>' in page


def test_mail_is_sent_in_the_bureaus_name(django_capture_on_commit_callbacks):
    settings = BureauSettings.for_site(Site.objects.get(is_default_site=True))
    settings.bureau_name = "达拉特旗司法局"
    settings.save()
    person = factories.mediator(email="li@example.com")
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        notice_send(person=person, title="您的证书已签发")
    sender = mail.outbox[0].message()["From"]
    assert "Mediator Academy" not in mail.outbox[0].from_email
    assert "达拉特旗司法局 · 调解员学院" in str(make_header(decode_header(sender)))
    assert mail.outbox[0].from_email.endswith("<noreply@localhost>")


def test_wagtail_strings_the_admin_shows_are_in_chinese():
    with translation.override("zh-hans"):
        assert gettext("Search all pages…") == "搜索全部页面…"
        assert gettext("Exploring") == "浏览"
        assert ngettext("Referenced %(count)s time", "Referenced %(count)s times", 0) % {"count": 0} == "被引用 0 次"
        # Wagtail's page-type column, no longer overridden with the question bank's 题型.
        assert gettext("Type") == "类型" and gettext("Question type") == "题型"


def test_module_subtitles_show_only_in_english(client):
    module = factories.course_module(title="人民调解法解读")
    module.title_en = "The People's Mediation Law"
    module.save_revision().publish()
    client.force_login(factories.mediator())
    zh = client.get(module.url).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    en = client.get(module.url).content.decode()
    assert "The People&#x27;s Mediation Law" not in zh and "The People&#x27;s Mediation Law" in en
