import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from people.models import Notice
from people.services.notices import notice_send
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_notice_is_listed_emailed_and_marked_read(client, django_capture_on_commit_callbacks):
    person = factories.mediator(email="zhang@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notice_send(person=person, title="您的证书已签发", body="请查看。", url="/me/learning/")
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
    notice_send(person=owner, title="仅本人可见", email=False)
    client.force_login(other)
    assert "仅本人可见" not in client.get(reverse("people:notices")).content.decode()


def test_marking_read_touches_only_ones_own_unread_notices(client, django_capture_on_commit_callbacks):
    owner, other = factories.mediator(email="owner@example.com"), factories.mediator(email="")
    with django_capture_on_commit_callbacks(execute=True):
        notice_send(person=owner, title="新课程上线", body="第一行\n第二行", url="/learn/")
        mine = notice_send(person=other, title="他人的通知")
    # Only a person with an email address is emailed, and the link in it is a full address.
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    assert f"{settings.WAGTAILADMIN_BASE_URL}/learn/" in mail.outbox[0].body
    client.force_login(owner)
    page = client.get(reverse("people:notices")).content.decode()
    assert '<a href="/learn/">新课程上线</a>' in page and "第一行<br>第二行" in page and page.count("unread") == 1
    assert client.get(reverse("people:notices_read")).status_code == 405  # a link cannot mark them read
    assert Notice.objects.filter(person=owner, read_at__isnull=True).exists()
    client.post(reverse("people:notices_read"))
    assert not Notice.objects.filter(person=owner, read_at__isnull=True).exists()
    mine.refresh_from_db()
    assert mine.read_at is None  # someone else's notice stays unread
    page = client.get(reverse("people:notices")).content.decode()
    assert "新课程上线" in page and 'class="card unread"' not in page
