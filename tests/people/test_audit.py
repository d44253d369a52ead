import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from people import services
from people.roles import StaffRole
from tests import factories

pytestmark = pytest.mark.django_db


def actions_for(user):
    return list(ModelLogEntry.objects.for_instance(user).order_by("timestamp").values_list("action", flat=True))


def test_logins_logouts_and_failures_are_audited(client):
    person = factories.mediator()
    client.post(reverse("login"), {"username": person.username, "password": "wrong"})
    client.post(reverse("login"), {"username": person.username, "password": factories.PASSWORD})
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "nobody-at-all", "password": "x"})
    assert actions_for(person) == ["academy.login_failed", "academy.login", "academy.logout"]
    entry = ModelLogEntry.objects.get(action="academy.login")
    assert entry.user_id == person.pk and entry.data["ip"] == "127.0.0.1"


def test_role_and_jurisdiction_changes_are_audited_with_the_actor(county):
    admin = factories.administrator()
    user = factories.UserFactory()
    services.staff_role_grant(user=user, role=StaffRole.BUREAU_STAFF, jurisdiction=county, actor=admin)
    services.staff_role_revoke(user=user, role=StaffRole.BUREAU_STAFF, actor=admin)
    entries = ModelLogEntry.objects.for_instance(user).order_by("timestamp")
    assert [(e.action, e.user_id) for e in entries] == [
        ("academy.role_grant", admin.pk), ("academy.role_revoke", admin.pk)]
    assert entries[0].data["jurisdiction"] == county.code


def test_the_site_history_report_shows_audit_entries_in_chinese(client):
    person = factories.mediator()
    client.post(reverse("login"), {"username": person.username, "password": factories.PASSWORD})
    client.force_login(factories.administrator(is_superuser=True))
    page = client.get("/admin/reports/site-history/").content.decode()
    assert "登录" in page
