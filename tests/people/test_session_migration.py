"""Upgrading moves the sessions in Django's table to people.SignInSession (people 0012) with their users' ids:
nobody signed in is signed out by it."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangosSessionStore
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from people.models import SignInSession
from people.sessions import SessionStore
from tests import factories

BEFORE = ("people", "0011_expiring_window")


@pytest.mark.django_db(transaction=True)
def test_djangos_sessions_come_along_with_their_users_ids():
    person = factories.mediator()
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    signed_in, anonymous = DjangosSessionStore(), DjangosSessionStore()
    signed_in[SESSION_KEY] = str(person.pk)
    signed_in.save()
    anonymous["language"] = "zh-hans"
    anonymous.save()
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    moved = {s.session_key: s for s in SignInSession.objects.all()}
    assert moved[signed_in.session_key].user_id == person.pk
    assert moved[anonymous.session_key].user_id is None
    assert abs(moved[signed_in.session_key].expire_date - (timezone.now() + timedelta(weeks=2))) < timedelta(hours=1)
    assert SessionStore(signed_in.session_key).load()[SESSION_KEY] == str(person.pk)
    assert SessionStore(anonymous.session_key).load() == {"language": "zh-hans"}
