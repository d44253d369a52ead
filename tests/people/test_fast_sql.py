"""The session and the user of every request are read in one statement, from SQL built once (people/fast_sql.py,
people/sessions.py): they must be exactly what the ORM gives, on SQLite and on PostgreSQL alike, and follow
Django's rules (expiry, inactive users, a changed password)."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from people.auth import IdentifierBackend
from people.fast_sql import one_row
from people.models import SignInSession, User
from people.sessions import SessionStore
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_user_read_from_built_sql_is_the_orms_user_field_for_field():
    person = factories.mediator(phone="13800000001")
    person.last_login = timezone.now()
    person.save()
    read = one_row(User, '"id" = %s', [person.pk])
    orm = User.objects.get(pk=person.pk)
    for field in User._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(orm, field.attname), field.name
        assert type(getattr(read, field.attname)) is type(getattr(orm, field.attname)), field.name
    assert read._state.adding is False and read._state.db == "default"
    assert one_row(User, '"id" = %s', [person.pk + 1000]) is None


def test_the_backend_gives_no_user_for_an_inactive_account_or_a_bad_id():
    person = factories.mediator()
    backend = IdentifierBackend()
    assert backend.get_user(person.pk) == person and backend.get_user(str(person.pk)) == person
    User.objects.filter(pk=person.pk).update(is_active=False)
    assert backend.get_user(person.pk) is None
    assert backend.get_user("x") is None and backend.get_user(None) is None


def test_sessions_load_as_djangos_do_and_expired_ones_are_gone(client):
    person = factories.mediator()
    client.force_login(person)
    key = client.cookies["sessionid"].value
    assert SessionStore(key).load()["_auth_user_id"] == str(person.pk)
    request = RequestFactory().get("/")
    request.session = SessionStore(key)
    assert get_user(request) == person
    assert client.get(reverse("people:learner_home")).status_code == 200
    # Expired: the row is still there, but it is not a session any more.
    SignInSession.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    store = SessionStore(key)
    assert store.load() == {} and store.session_key is None
    assert client.get(reverse("people:learner_home")).status_code == 302  # signed out
    assert SessionStore("no-such-key-0123456789abcdefghij").load() == {}


def test_a_session_keeps_its_users_id_beside_its_data_through_login_and_logout(client):
    first, second = factories.mediator(), factories.mediator()
    client.force_login(first)
    key = client.cookies["sessionid"].value
    assert SignInSession.objects.get(session_key=key).user_id == first.pk
    client.force_login(second)  # another person on the same browser: a new key, the new id
    key = client.cookies["sessionid"].value
    assert SignInSession.objects.get(session_key=key).user_id == second.pk
    client.post(reverse("logout"))
    assert not SignInSession.objects.filter(session_key=key).exists()
    store = SessionStore()
    store["cart"] = "anonymous data"
    store.save()
    assert SignInSession.objects.get(session_key=store.session_key).user_id is None


def _request_for(key):
    from people.middleware import AuthenticationMiddleware

    request = RequestFactory().get("/")
    request.session = SessionStore(key)
    AuthenticationMiddleware(lambda r: None).process_request(request)
    return request


def test_the_session_and_its_user_are_one_statement_and_the_user_is_the_orms(client, django_assert_num_queries):
    person = factories.mediator(phone="13800000002")
    person.last_login = timezone.now()
    person.save()
    client.force_login(person)
    request = _request_for(client.cookies["sessionid"].value)
    with django_assert_num_queries(1):
        user = request.user._setup() or request.user._wrapped
    orm = User.objects.get(pk=person.pk)
    for field in User._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(orm, field.attname), field.name
        assert type(getattr(user, field.attname)) is type(getattr(orm, field.attname)), field.name
    assert user._state.adding is False


def test_djangos_checks_still_apply_to_the_user_read_with_the_session(client):
    person = factories.mediator()
    client.force_login(person)
    key = client.cookies["sessionid"].value
    assert _request_for(key).user == person
    User.objects.filter(pk=person.pk).update(is_active=False)  # an inactive account is nobody
    assert not _request_for(key).user.is_authenticated
    User.objects.filter(pk=person.pk).update(is_active=True)
    person.set_password("Another@2026")  # a changed password ends the sessions made with the old one
    person.save()
    assert not _request_for(key).user.is_authenticated


def test_the_user_read_with_a_session_is_given_only_for_that_session_and_that_id():
    from people import sessions

    person = factories.mediator()
    store = SessionStore()
    store["_auth_user_id"] = str(person.pk)
    store.save()
    loaded = SessionStore(store.session_key)
    loaded.load()
    assert loaded.user_row == person
    assert sessions.user_read_with_session(person.pk) is None  # outside users_read_with: never
    with sessions.users_read_with(loaded):
        assert sessions.user_read_with_session(person.pk) is loaded.user_row
        assert sessions.user_read_with_session(person.pk + 1) is None
    assert sessions.user_read_with_session(person.pk) is None
