"""people.postgresql: the connection health check Django runs once a request, answered by libpq without sending
``SELECT 1`` — and still catching a connection the server has closed."""

import time

import psycopg
import pytest
from django.db import connection, connections

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend (DATABASE_URL=postgres://…)"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def own_connection():
    """A second Django connection to the test database, so terminating it leaves the test's own untouched."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def _terminate(wrapper) -> None:
    s = wrapper.settings_dict
    with psycopg.connect(dbname=s["NAME"], user=s["USER"] or None, password=s["PASSWORD"] or None,
                         host=s["HOST"] or None, port=s["PORT"] or None, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [wrapper.connection.info.backend_pid])


def test_the_engine_is_ours():
    assert type(connections["default"]).__module__ == "people.postgresql.base"


def test_a_live_connection_is_usable_without_a_statement(own_connection):
    class NoStatements:
        def __getattr__(self, name):
            raise AssertionError("the health check sent a statement")

    real = own_connection.connection
    statements = NoStatements()
    real.cursor = lambda *a, **k: statements.anything  # any statement through psycopg fails the test
    real.execute = lambda *a, **k: statements.anything
    try:
        assert own_connection.is_usable()
    finally:
        del real.cursor, real.execute


def test_a_connection_the_server_ended_is_not_usable_and_the_next_request_reconnects(own_connection):
    old_pid = own_connection.connection.info.backend_pid
    _terminate(own_connection)
    deadline = time.monotonic() + 5
    while own_connection.is_usable() and time.monotonic() < deadline:
        time.sleep(0.02)  # the server's goodbye arrives a moment after pg_terminate_backend returns
    assert not own_connection.is_usable()

    # What Django does at a request's first query with CONN_HEALTH_CHECKS: the check fails, the connection is
    # closed and a new one opened, so the request succeeds.
    own_connection.health_check_enabled, own_connection.health_check_done = True, False
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != old_pid


def test_a_connection_in_an_aborted_transaction_is_not_usable_as_with_select_1(own_connection):
    raw = own_connection.connection
    raw.execute("BEGIN")
    assert own_connection.is_usable()  # a transaction under way: SELECT 1 would answer
    with pytest.raises(psycopg.errors.DivisionByZero):
        raw.execute("SELECT 1 / 0")
    assert not own_connection.is_usable()  # aborted: SELECT 1 would fail
    raw.execute("ROLLBACK")
    assert own_connection.is_usable()
