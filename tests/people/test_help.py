"""The help page (issue 17): how to study, sign in and check in, and whom to call."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.models import Site

from people.models import BureauSettings
from tests import factories

pytestmark = pytest.mark.django_db


def test_help_page_is_open_to_everyone_and_in_the_menu(client):
    page = client.get(reverse("people:help")).content.decode()
    assert "签到" in page and "登录" in page
    assert f'href="{reverse("people:help")}"' in page
    assert 'data-testid="office-phone"' not in page  # no phone set yet
    client.force_login(factories.mediator())
    assert client.get(reverse("people:help")).status_code == 200


def test_help_page_shows_the_justice_offices_phones_from_the_bureau_settings(client):
    settings = BureauSettings.for_site(Site.objects.get(is_default_site=True))
    settings.justice_office_phones = "树林召镇司法所 0477-3961234\n\n王爱召镇司法所0477-3961235"
    settings.full_clean()
    settings.save()
    page = client.get(reverse("people:help")).content.decode()
    assert 'href="tel:0477-3961234"' in page and 'href="tel:0477-3961235"' in page
    assert "树林召镇司法所" in page and "王爱召镇司法所" in page


def test_each_office_needs_a_phone_of_digits():
    settings = BureauSettings.for_site(Site.objects.get(is_default_site=True))
    settings.justice_office_phones = "树林召镇司法所 0477-3961234\n王爱召镇司法所 call me"
    with pytest.raises(ValidationError) as error:
        settings.full_clean()
    assert "王爱召镇司法所 call me" in str(error.value.message_dict["justice_office_phones"])


def test_bureau_staff_menu_has_neither_help_nor_the_learner_search(client, county):
    client.force_login(factories.bureau_staff(jurisdiction=county))
    page = client.get(reverse("people:bureau_home")).content.decode()
    assert 'data-menu="help"' not in page and 'id="q-menu"' not in page
