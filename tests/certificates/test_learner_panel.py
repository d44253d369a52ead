"""The learner home's certificates panel shows each certificate's expiry (issue 17)."""

import pytest
from django.urls import reverse

from certificates import services

pytestmark = pytest.mark.django_db


def test_the_learner_home_shows_when_each_certificate_expires(client, holder, program):
    certificate = services.certificate_issue(holder=holder, program=program, announce=False)[0]
    client.force_login(holder)
    home = client.get(reverse("people:learner_home")).content.decode()
    assert f"有效期至 {certificate.expires_on:%Y-%m-%d}" in home
