"""Activation codes: hashed, single-use, expiring, replaced by newer ones, rate-limited; the activation page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from people.access_codes import ACTIVATION_ALPHABET, access_code_format
from people.exceptions import PeopleError
from people.models import AccessCode
from people.services.accounts import activation_code_redeem, activation_codes_issue
from tests import factories

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Tiaojie@2026ok"  # noqa: S105


@pytest.fixture
def newcomer():
    """A person from a roster import: no usable password, never signed in."""
    person = factories.mediator(phone="13800003333")
    person.set_unusable_password()
    person.save()
    return person


def issue(person, days=30):
    return activation_codes_issue(people=[person], actor=None, days=days)[0]


def activate(client, code, password=NEW_PASSWORD, confirm=None):
    return client.post(reverse("activate"), {
        "code": code, "new_password1": password, "new_password2": confirm or password})


def test_a_code_is_stored_only_as_a_hash(newcomer):
    code = issue(newcomer)
    assert len(code) == 8 and set(code) <= set(ACTIVATION_ALPHABET)
    stored = AccessCode.objects.get()
    assert code not in str(list(AccessCode.objects.values())) and stored.code_hash != code


def test_the_slip_link_fills_in_the_code(client, newcomer):
    code = issue(newcomer)
    page = client.get(reverse("activate"), {"code": code}).content.decode()
    assert f'value="{code}"' in page and "激活账号" in page


def test_activation_sets_the_password_signs_in_and_lands_on_my_learning(client, newcomer):
    code = issue(newcomer)
    response = activate(client, access_code_format(code).lower())  # as typed off the slip
    assert response.status_code == 302 and response.url == reverse("people:home")
    assert client.session["_auth_user_id"] == str(newcomer.pk)
    assert client.get(response.url).url == reverse("people:learner_home")
    newcomer.refresh_from_db()
    assert newcomer.check_password(NEW_PASSWORD) and newcomer.last_login is not None
    assert AccessCode.objects.get().used_at is not None
    assert ModelLogEntry.objects.for_instance(newcomer).filter(action="academy.activate").exists()
    client.logout()
    assert client.post(reverse("login"), {"username": "13800003333", "password": NEW_PASSWORD}).status_code == 302


@pytest.mark.parametrize("case,message", [
    ("wrong", "激活码不正确"),
    ("used", "此激活码已使用过"),
    ("expired", "此激活码已过期"),
    ("replaced", "已被新打印的登录条取代"),
])
def test_unusable_codes_are_refused_with_a_chinese_reason(client, newcomer, case, message):
    code = issue(newcomer)
    if case == "wrong":
        code = "ABCDEFGH" if code != "ABCDEFGH" else "HGFEDCBA"
    elif case == "used":
        activation_code_redeem(code=code, password=NEW_PASSWORD)
    elif case == "expired":
        AccessCode.objects.update(created_at=timezone.now() - timedelta(days=31),
                                  expires_at=timezone.now() - timedelta(seconds=1))
    elif case == "replaced":
        issue(newcomer)
    response = activate(client, code, password="An0ther@pass2026")
    assert response.status_code == 200 and message in response.content.decode()
    assert "_auth_user_id" not in client.session
    newcomer.refresh_from_db()
    assert not newcomer.check_password("An0ther@pass2026")


def test_a_weak_password_is_refused_in_chinese_and_the_code_still_works(client, newcomer):
    code = issue(newcomer)
    response = activate(client, code, password="12345678")
    page = response.content.decode()
    assert response.status_code == 200 and ("这个密码太常见了" in page or "密码全是数字" in page)
    assert AccessCode.objects.get().used_at is None
    assert activate(client, code, password="abc", confirm="abd").status_code == 200
    assert activate(client, code).status_code == 302


def test_a_code_works_once_even_when_redeemed_twice(newcomer):
    code = issue(newcomer)
    activation_code_redeem(code=code, password=NEW_PASSWORD)
    with pytest.raises(PeopleError):
        activation_code_redeem(code=code, password="An0ther@pass2026")


def test_wrong_codes_from_one_address_are_rate_limited(client, newcomer, settings):
    settings.CODE_FAILURES_PER_ADDRESS = 3
    code = issue(newcomer)
    for _ in range(3):
        assert activate(client, "WRONGXYZ").status_code == 200
    response = activate(client, code)  # even the right code waits
    assert response.status_code == 429 and "错误次数过多" in response.content.decode()
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()
    other = client.__class__(REMOTE_ADDR="10.0.0.9")  # another connection is not affected
    assert activate(other, code).status_code == 302


def test_validity_is_bounded():
    person = factories.mediator()
    with pytest.raises(PeopleError):
        activation_codes_issue(people=[person], actor=None, days=0)


def test_the_default_validity_comes_from_the_bureau_settings(newcomer):
    from people.selectors import bureau_settings

    settings_row = bureau_settings()
    settings_row.activation_code_days = 7
    settings_row.save()
    issue(newcomer, days=None)
    code = AccessCode.objects.get()
    assert timedelta(days=6, hours=23) < code.expires_at - code.created_at <= timedelta(days=7)
