"""Issue 11, item 6: one client-address rule (``CLIENT_IP_HEADER`` or ``REMOTE_ADDR``, nothing else) for the pages'
rate limit, the API throttle, login throttling and the audit log. A spoofed X-Forwarded-For buys nothing."""

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.throttling import AnonRateThrottle
from wagtail.models import ModelLogEntry

from certificates.models import VerificationCheck
from people.network import client_ip
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("header", "meta", "expected"), [
    ("", {"HTTP_X_FORWARDED_FOR": "1.2.3.4", "HTTP_X_REAL_IP": "5.6.7.8"}, "10.0.0.1"),
    ("HTTP_X_REAL_IP", {"HTTP_X_REAL_IP": "5.6.7.8", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "5.6.7.8"),
    ("HTTP_X_REAL_IP", {"HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "10.0.0.1"),  # header missing: the socket
    ("HTTP_X_REAL_IP", {"HTTP_X_REAL_IP": "not-an-address"}, "10.0.0.1"),
    ("HTTP_X_FORWARDED_FOR", {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9"}, "203.0.113.9"),  # proxy's entry
])
def test_the_one_rule(settings, header, meta, expected):
    settings.CLIENT_IP_HEADER = header
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", **meta)) == expected


def test_a_spoofed_x_forwarded_for_does_not_bypass_the_api_throttle(client, monkeypatch):
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "anon", "3/minute")
    url = reverse("api:certificate-verify", args=["no-such-code"])
    statuses = [client.get(url, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(6)]
    assert statuses == [404, 404, 404, 429, 429, 429]
    assert VerificationCheck.objects.count() == 3  # throttled calls write nothing
    assert set(VerificationCheck.objects.values_list("client_ip", flat=True)) == {"127.0.0.1"}


def test_behind_the_proxy_the_configured_header_is_the_client(client, monkeypatch, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "anon", "2/minute")
    url = reverse("api:certificate-verify", args=["no-such-code"])
    first = [client.get(url, HTTP_X_REAL_IP="203.0.113.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
             for i in range(3)]
    other = client.get(url, HTTP_X_REAL_IP="203.0.113.2").status_code
    assert first == [404, 404, 429] and other == 404
    assert set(VerificationCheck.objects.values_list("client_ip", flat=True)) == {"203.0.113.1", "203.0.113.2"}


def test_the_pages_rate_limit_ignores_x_forwarded_for(client, settings):
    settings.CERTIFICATE_CHECKS_PER_MINUTE = 2
    url = reverse("certificates:verify", args=["no-such-code"])
    statuses = [client.get(url, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(3)]
    assert statuses == [404, 404, 429]


def test_the_audit_log_and_login_throttling_use_the_same_rule(client, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    person = factories.mediator()
    client.post(reverse("login"), {"username": person.username, "password": factories.PASSWORD},
                HTTP_X_REAL_IP="203.0.113.7", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert ModelLogEntry.objects.get(action="academy.login").data["ip"] == "203.0.113.7"
    assert django_settings.AXES_CLIENT_IP_CALLABLE == "people.network.client_ip"
