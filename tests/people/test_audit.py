import re

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from people.roles import StaffRole
from people.services.staff import staff_role_grant, staff_role_revoke
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
    staff_role_grant(user=user, role=StaffRole.BUREAU_STAFF, jurisdiction=county, actor=admin)
    staff_role_revoke(user=user, role=StaffRole.BUREAU_STAFF, actor=admin)
    entries = ModelLogEntry.objects.for_instance(user).order_by("timestamp")
    assert [(e.action, e.user_id) for e in entries] == [
        ("academy.role_grant", admin.pk), ("academy.role_revoke", admin.pk)]
    assert entries[0].data["jurisdiction"] == county.code


def _report_rows(page: str) -> list[list[str]]:
    """The site history report's rows as the text of their cells (object, type, action, by whom, …)."""
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        cells = [re.sub(r"<[^>]+>|\s+", "", cell) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        rows.append(cells)
    return rows


def test_the_site_history_report_shows_audit_entries_in_chinese(client):
    person = factories.mediator(name="审计对象")
    client.post(reverse("login"), {"username": person.username, "password": "wrong"})
    client.post(reverse("login"), {"username": person.username, "password": factories.PASSWORD})
    client.post(reverse("logout"))
    client.force_login(factories.administrator(is_superuser=True, name="管理员甲"))  # audited too: not what we look for
    page = client.get("/admin/reports/site-history/").content.decode()
    # The person's own entries: the object is the person, and so is the actor (a failed login has none).
    own = [cells[2:4] for cells in _report_rows(page) if cells[:1] == ["审计对象"]]
    assert own == [["已退出登录", "审计对象"], ["已登录", "审计对象"], ["登录尝试失败", "系统"]], own
