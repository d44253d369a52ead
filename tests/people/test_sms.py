"""SMS: the HTTP gateway backend against a fake gateway on loopback, outages (broker and gateway) lose nothing,
and password reset by SMS code."""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from people.models import AccessCode, OutboxJob
from people.services.accounts import password_reset_code_redeem, password_reset_code_send
from people.services.notices import sms_queue, sms_send
from people.tasks import outbox_flush
from tests import factories
from tests.people.test_outbox import broker_down  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Tiaojie@2026ok"  # noqa: S105


class FakeGateway:
    """A tiny SMS gateway on 127.0.0.1: records what it is sent; ``fail_next`` answers 503 that many times."""

    def __init__(self):
        self.received: list[dict] = []
        self.headers: list[dict] = []
        self.fail_next = 0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if gateway.fail_next:
                    gateway.fail_next -= 1
                    self.send_response(503)
                else:
                    gateway.received.append(json.loads(body))
                    gateway.headers.append(dict(self.headers))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    fake = FakeGateway()
    settings.SMS_BACKEND = "people.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = fake.url
    settings.SMS_GATEWAY_TOKEN = "gateway-token"  # noqa: S105
    settings.SMS_GATEWAY_TIMEOUT = 2
    yield fake
    fake.close()


@pytest.fixture
def person():
    return factories.mediator(phone="13800004444", email="")


def code_in(message: dict) -> str:
    return re.search(r"\d{6}", message["text"]).group()


def test_the_gateway_backend_posts_json_with_the_token(gateway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sms_queue(phone="13800004444", text="测试短信")
    assert gateway.received == [{"phone": "13800004444", "text": "测试短信", "sign": "调解员学院"}]
    assert gateway.headers[0]["Authorization"] == "Bearer gateway-token"


def test_a_gateway_outage_keeps_the_message_until_the_gateway_is_back(gateway, django_capture_on_commit_callbacks):
    gateway.fail_next = 2
    with django_capture_on_commit_callbacks(execute=True):
        sms_queue(phone="13800004444", text="重试")
    assert gateway.received == []
    job = OutboxJob.objects.get(sent_at__isnull=True)
    assert job.task == "people.tasks.sms_send" and "503" in job.last_error
    outbox_flush()  # the gateway still fails once: the message goes back to the outbox
    assert gateway.received == [] and OutboxJob.objects.filter(sent_at__isnull=True).count() == 1
    outbox_flush()
    assert [m["text"] for m in gateway.received] == ["重试"]
    assert not OutboxJob.objects.filter(sent_at__isnull=True).exists()


def test_a_worker_retries_the_gateway_then_keeps_the_message(gateway, monkeypatch):
    from people.tasks import sms_send

    gateway.fail_next = 1
    retried = []
    monkeypatch.setattr(sms_send, "retry", lambda exc, countdown: retried.append(countdown) or RuntimeError())
    sms_send.push_request(is_eager=False, retries=0)
    try:
        with pytest.raises(RuntimeError):
            sms_send.run("13800004444", "重试")
    finally:
        sms_send.pop_request()
    assert retried == [30] and not OutboxJob.objects.exists()


def test_a_broker_outage_keeps_the_message_in_the_outbox_until_sent(
        gateway, person, broker_down, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        password_reset_code_send(identifier="13800004444")
    job = OutboxJob.objects.get()
    assert job.task == "people.tasks.sms_send" and gateway.received == []
    broker_down()  # the broker is back
    assert outbox_flush() == 1
    assert len(gateway.received) == 1 and gateway.received[0]["phone"] == "13800004444"


def test_reset_by_sms_code(client, gateway, person, django_capture_on_commit_callbacks):
    page = client.get(reverse("password_forgotten")).content.decode()
    assert reverse("password_reset_sms") in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset_sms"), {"identifier": "13800004444"})
    assert response.status_code == 302
    code = code_in(gateway.received[0])
    assert code not in str(list(AccessCode.objects.values()))
    form = client.get(reverse("password_reset_sms_confirm")).content.decode()
    assert 'value="13800004444"' in form
    response = client.post(reverse("password_reset_sms_confirm"), {
        "identifier": "13800004444", "code": code, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(person.pk)
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert ModelLogEntry.objects.for_instance(person).filter(action="academy.password_reset_sms").exists()


def test_unknown_numbers_get_the_same_answer_and_no_message(client, gateway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset_sms"), {"identifier": "13900000000"})
    assert response.status_code == 302 and response.url == reverse("password_reset_sms_confirm")
    assert gateway.received == [] and not AccessCode.objects.exists()


def test_a_reset_code_dies_after_five_wrong_tries(gateway, person, django_capture_on_commit_callbacks):
    from people.exceptions import PeopleError

    with django_capture_on_commit_callbacks(execute=True):
        password_reset_code_send(identifier="13800004444")
    code = code_in(gateway.received[0])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        with pytest.raises(PeopleError):
            password_reset_code_redeem(identifier="13800004444", code=wrong, password=NEW_PASSWORD)
    with pytest.raises(PeopleError):
        password_reset_code_redeem(identifier="13800004444", code=code, password=NEW_PASSWORD)
    person.refresh_from_db()
    assert not person.check_password(NEW_PASSWORD)


def test_one_code_a_minute(gateway, person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        password_reset_code_send(identifier="13800004444")
        password_reset_code_send(identifier="13800004444")
    assert len(gateway.received) == 1


def test_without_sms_the_page_offers_email_and_the_justice_offices(client, settings):
    from people.selectors import bureau_settings

    settings.SMS_BACKEND = ""
    row = bureau_settings()
    row.justice_office_phones = "树林召镇司法所 0477-5123456\n\n吉格斯太镇司法所 0477-5234567"
    row.save()
    page = client.get(reverse("password_forgotten")).content.decode()
    assert reverse("password_reset_sms") not in page and reverse("password_reset") in page
    assert '树林召镇司法所 <a href="tel:0477-5123456"' in page and '吉格斯太镇司法所 <a href="tel:0477-5234567"' in page
    assert client.get(reverse("password_reset_sms")).status_code == 404


def test_the_console_backend_prints(capsys, settings):
    settings.SMS_BACKEND = "people.sms.ConsoleBackend"
    sms_send(phone="13800004444", text="你好")
    assert "SMS to 13800004444: 你好" in capsys.readouterr().out


def test_activation_codes_can_be_texted_instead_of_printed(client, gateway, county, townships,
                                                           django_capture_on_commit_callbacks):
    committee = factories.CommitteeFactory(region=townships[0])
    with_phone = factories.mediator(committee=committee, phone="13800005555", name="有手机")
    without = factories.mediator(committee=committee, phone="", name="无手机")
    for person in (with_phone, without):
        person.set_unusable_password()
        person.save()
    officer = factories.bureau_staff(jurisdiction=county)
    client.force_login(officer)
    url = f"{reverse('people:login_slips')}?committee={committee.pk}"
    assert 'data-testid="slips-sms"' in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"days": 30, "action": "sms"}, follow=True)
    assert "已向 1 人发送激活码短信" in response.content.decode()
    assert [m["phone"] for m in gateway.received] == ["13800005555"]
    code = re.search(r"code=([A-Z0-9]+)", gateway.received[0]["text"]).group(1)
    assert "有手机" in gateway.received[0]["text"] and AccessCode.objects.count() == 1
    client.logout()
    assert client.post(reverse("activate"), {"code": code, "new_password1": NEW_PASSWORD,
                                             "new_password2": NEW_PASSWORD}).status_code == 302


def test_the_person_page_texts_a_code_only_where_sms_works(client, gateway, county, settings,
                                                           django_capture_on_commit_callbacks):
    person = factories.mediator(committee=factories.CommitteeFactory(region=county), phone="13800006666")
    client.force_login(factories.bureau_staff(jurisdiction=county))
    url = reverse("people:person_sign_in", args=[person.pk])
    assert 'value="sms"' in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "sms", "days": 30})
    assert len(gateway.received) == 1 and "academy.activation_code_issue" in [
        e.action for e in ModelLogEntry.objects.for_instance(person)]
    settings.SMS_BACKEND = ""
    assert 'value="sms"' not in client.get(url).content.decode()
    response = client.post(url, {"action": "sms", "days": 30}, follow=True)
    assert "本站未配置短信" in response.content.decode() and AccessCode.objects.count() == 1
