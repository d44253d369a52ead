"""One sign-in field (mobile, national ID, username), one generic error, axes per account, Argon2."""

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from wagtail.models import ModelLogEntry

from people import national_id
from people.auth import lockout_key
from people.models import User
from people.services.organisation import person_set_national_id
from tests import factories

pytestmark = pytest.mark.django_db
GENERIC = "登录信息不正确。请核对后重试，或联系所在乡镇司法所。"
ID_NUMBER = national_id.with_check_digit("15062119800101123")


@pytest.fixture
def person():
    person = factories.mediator(phone="13800001111")
    person_set_national_id(person=person, number=ID_NUMBER)
    return person


def sign_in(client, identifier, password=factories.PASSWORD):
    return client.post(reverse("login"), {"username": identifier, "password": password})


@pytest.mark.parametrize("identifier", ["username", "phone", "national_id", "national_id_lower_x"])
def test_a_person_signs_in_with_any_of_their_identifiers(client, person, identifier):
    typed = {"username": person.username, "phone": "13800001111", "national_id": ID_NUMBER,
             "national_id_lower_x": f" {ID_NUMBER.lower()} "}[identifier]
    response = sign_in(client, typed)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(person.pk)


def test_the_field_says_what_it_takes_in_chinese(client):
    assert "手机号、身份证号或用户名" in client.get(reverse("login")).content.decode()


@pytest.mark.parametrize("case", ["wrong_password", "unknown_phone", "unknown_id", "unknown_username", "shared_phone"])
def test_every_failure_shows_the_same_generic_error(client, person, case):
    if case == "shared_phone":  # two accounts on one number: neither signs in with it
        factories.mediator(phone="13800001111")
    typed, password = {
        "wrong_password": ("13800001111", "wrong-password"),
        "unknown_phone": ("13900009999", factories.PASSWORD),
        "unknown_id": (national_id.with_check_digit("15062119900101123"), factories.PASSWORD),
        "unknown_username": ("nobody", factories.PASSWORD),
        "shared_phone": ("13800001111", factories.PASSWORD),
    }[case]
    response = sign_in(client, typed, password)
    page = response.content.decode()
    assert response.status_code == 200 and GENERIC in page and "_auth_user_id" not in client.session


def test_a_shared_phone_still_lets_each_sign_in_by_username(client, person):
    factories.mediator(phone="13800001111")
    assert sign_in(client, person.username).status_code == 302


def test_lockout_counts_per_account_whichever_identifier_is_typed(client, person, settings):
    settings.AXES_ENABLED = True
    for typed in ("13800001111", ID_NUMBER, person.username, "13800001111"):
        assert sign_in(client, typed, "wrong").status_code == 200
    assert sign_in(client, ID_NUMBER, "wrong").status_code == 429  # the fifth failure, by a third identifier
    assert sign_in(client, "13800001111").status_code == 429
    # Axes keeps the account's username, never the typed ID number.
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {person.username}
    assert ID_NUMBER not in str(list(AccessAttempt.objects.values()))


def test_the_lockout_key_of_an_unknown_identifier_is_a_hash_not_the_number():
    key = lockout_key(None, {"username": ID_NUMBER})
    assert ID_NUMBER not in key and key.startswith("?")
    assert key == lockout_key(None, {"username": ID_NUMBER.lower()})


def test_failed_logins_by_phone_are_audited_against_the_account(client, person):
    from wagtail.models import ModelLogEntry

    sign_in(client, "13800001111", "wrong")
    assert ModelLogEntry.objects.for_instance(person).filter(action="academy.login_failed").count() == 1


def test_argon2_is_the_hasher_and_old_pbkdf2_hashes_upgrade_at_sign_in(client, settings):
    from config.settings import base

    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    person = factories.mediator(phone="13800002222")
    User.objects.filter(pk=person.pk).update(
        password=make_password(factories.PASSWORD, hasher="pbkdf2_sha256"))
    assert sign_in(client, "13800002222").status_code == 302
    person.refresh_from_db()
    assert person.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_sign_in_is_recorded_once_in_the_audit_log_and_not_again_by_axes(client, person, settings):
    settings.AXES_ENABLED = True
    assert sign_in(client, "13800001111", "wrong").status_code == 200
    assert sign_in(client, "13800001111").status_code == 302
    client.post(reverse("logout"))
    assert not AccessLog.objects.exists()  # axes's copy (config/settings/base.py says why)
    assert list(ModelLogEntry.objects.filter(object_id=str(person.pk)).order_by("pk").values_list(
        "action", flat=True)) == ["academy.login_failed", "academy.login", "academy.logout"]
    assert not AccessAttempt.objects.exists()  # a success clears the failures the lockout counts
