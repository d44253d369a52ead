import pytest
from django.core import mail
from django.urls import reverse

from people import services
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_notice_is_listed_emailed_and_marked_read(client, django_capture_on_commit_callbacks):
    person = factories.mediator(email="zhang@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_send(person=person, title="您的证书已签发", body="请查看。", url="/me/learning/")
    assert mail.outbox[0].subject == "您的证书已签发" and "/me/learning/" in mail.outbox[0].body
    client.force_login(person)
    home = client.get(reverse("people:learner_home")).content.decode()
    assert "通知（1）" in home
    page = client.get(reverse("people:notices")).content.decode()
    assert "您的证书已签发" in page
    client.post(reverse("people:notices_read"))
    assert "通知（1）" not in client.get(reverse("people:learner_home")).content.decode()


def test_notices_are_private(client):
    owner, other = factories.mediator(), factories.mediator()
    services.notice_send(person=owner, title="仅本人可见", email=False)
    client.force_login(other)
    assert "仅本人可见" not in client.get(reverse("people:notices")).content.decode()


def test_module_factory_builds_pages_under_the_menu():
    module = factories.course_module(credit_hours=3)
    assert module.get_parent().specific.__class__.__name__ == "CourseMenuPage" and module.live
