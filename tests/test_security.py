"""Security hardening across the apps: Content-Security-Policy, production settings, login throttling, CSRF on
every form, and the audit log of imports and certificates."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from wagtail.models import ModelLogEntry

from certificates import services as certificate_services
from certificates.models import Program
from people.services.roster_import import roster_import_confirm, roster_import_upload
from tests import factories
from tests.people.roster_files import csv_bytes, row

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db


def csp(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


def test_every_site_page_forbids_inline_script_plugins_and_framing(client):
    policy = csp(client.get(reverse("login")))
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert csp(client.get("/no-such-page/"))["script-src"] == ["'self'"]  # error pages too


def test_the_admin_gets_its_own_laxer_policy_but_still_no_plugins(client):
    client.force_login(factories.administrator())
    policy = csp(client.get(reverse("wagtailadmin_home")))
    assert "'unsafe-inline'" in policy["script-src"]
    assert policy["frame-ancestors"] == ["'self'"]  # page previews are framed by the editor
    assert policy["object-src"] == ["'none'"]


def test_check_deploy_is_clean_with_a_full_production_environment():
    env = {  # only what a deployment sets: nothing of the test process leaks in
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "k" + "".join(chr(65 + i % 50) for i in range(60)),
        "NATIONAL_ID_SALT": "production-salt",
        "ALLOWED_HOSTS": "academy.example.cn",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
        "CACHE_URL": "redis://127.0.0.1:6379/0",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "WAGTAILADMIN_BASE_URL": "https://academy.example.cn",
    }
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_sixth_failed_login_locks_the_account_out_with_a_chinese_page(client, settings):
    settings.AXES_ENABLED = True
    person = factories.mediator()
    for _ in range(4):
        response = client.post(reverse("login"), {"username": person.username, "password": "wrong"})
        assert response.status_code == 200 and "登录信息不正确" in response.content.decode()
    response = client.post(reverse("login"), {"username": person.username, "password": "wrong"})
    assert response.status_code == 429 and "登录失败次数过多" in response.content.decode()  # the fifth failure
    response = client.post(reverse("login"), {"username": person.username, "password": factories.PASSWORD})
    assert response.status_code == 429 and "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session  # even the right password is refused while locked


# --- CSRF: every POST form the site renders carries the token -----------------------------------------------------

FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)


def post_forms(html: str) -> list[str]:
    return [form for form in FORM.findall(html) if re.search(r"method=[\"']?post", form.split(">", 1)[0], re.I)]


def site_pages(user) -> list[str]:
    """Every page of the URL conf a GET without arguments reaches, plus the demo content pages."""
    from django.urls import get_resolver
    from wagtail.models import Page

    urls = set()
    for name, patterns in get_resolver().reverse_dict.items():
        if isinstance(name, str) and not any(params for _pattern, params in [p[:2] for p in patterns[0][0:1]]):
            try:
                urls.add(reverse(name))
            except Exception:  # noqa: S112  (names needing arguments are covered by their own tests)
                continue
    urls |= {page.url for page in Page.objects.live().specific() if page.url}
    return sorted(u for u in urls if not u.startswith(("/admin/", "/django-admin/", "/api/")))


@pytest.mark.parametrize("role", ["anonymous", "learner", "bureau"])
def test_every_post_form_on_every_page_carries_the_csrf_token(client, role, county):
    users = {"anonymous": None, "learner": factories.mediator(), "bureau": factories.bureau_staff(jurisdiction=county)}
    if users[role]:
        client.force_login(users[role])
    checked = 0
    for url in site_pages(users[role]):
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.headers.get("Content-Type", ""):
            continue
        for form in post_forms(response.content.decode()):
            assert 'name="csrfmiddlewaretoken"' in form, f"{url}: {form[:200]}"
            checked += 1
    assert checked >= 2  # at least the language switcher and log in/out on some page


# --- Audit log: imports and certificates ---------------------------------------------------------------------------

def test_roster_import_confirm_and_run_are_audited(townships, django_capture_on_commit_callbacks):
    staff = factories.bureau_staff(jurisdiction=townships[0])
    village = townships[0].get_children().first()
    record = roster_import_upload(user=staff, file_name="名册.csv", data=csv_bytes([row(village)]))
    with django_capture_on_commit_callbacks(execute=True):
        roster_import_confirm(roster_import=record, user=staff)
    entries = ModelLogEntry.objects.for_instance(record).order_by("timestamp")
    assert [(e.action, e.user_id) for e in entries] == [
        ("academy.roster_import_confirm", staff.pk), ("academy.roster_import_run", staff.pk)]
    assert entries[1].data["result"]["people_new"] == 1


def test_certificate_issue_and_revoke_are_audited_with_the_actor(county):
    committee = factories.CommitteeFactory(region=factories.region(parent=county.get_children().first(), name="审计村"))
    holder = factories.mediator(committee=committee)
    staff = factories.bureau_staff(jurisdiction=county)
    program = Program.objects.create(name="人民调解员培训合格证书", slug="mediator", validity_months=36)
    certificate, _created = certificate_services.certificate_issue(holder=holder, program=program, issued_by=staff,
                                                                   reason="集中培训", announce=False)
    certificate_services.certificate_revoke(certificate=certificate, revoked_by=staff, reason="弄虚作假")
    entries = ModelLogEntry.objects.for_instance(certificate).order_by("timestamp")
    assert [(e.action, e.user_id) for e in entries] == [("certificates.issue", staff.pk),
                                                        ("certificates.revoke", staff.pk)]
    assert entries[0].data["serial"] == certificate.serial_number
    with translation.override("zh-hans"):
        assert str(entries[1].message) == "证书已撤销"
