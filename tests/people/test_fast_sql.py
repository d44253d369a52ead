"""The session and the user of every request are read from SQL built once (people/fast_sql.py): they must be
exactly what the ORM gives, on SQLite and on PostgreSQL alike, and follow Django's rules (expiry, inactive users)."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user
from django.contrib.sessions.models import Session
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from people.auth import IdentifierBackend
from people.fast_sql import one_row
from people.models import User
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
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    store = SessionStore(key)
    assert store.load() == {} and store.session_key is None
    assert client.get(reverse("people:learner_home")).status_code == 302  # signed out
    assert SessionStore("no-such-key-0123456789abcdefghij").load() == {}
