"""people.postgresql: the SQL every exam-day request runs (the session with its user, an answer's save) is prepared
once per connection and then only executed; Django's own queries never are, and behind a pooler nothing is."""

import pytest
from django.db import DataError, IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments import services
from assessments.models import AttemptQuestion, Question
from people.fast_sql import one_row, prepared_cursor
from people.models import User
from people.sessions import SessionStore
from tests import factories
from tests.assessments import factories as af

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend (DATABASE_URL=postgres://…)"),
    pytest.mark.django_db,
]


def _prepared(wrapper=connection) -> dict[str, int]:
    """The statements prepared on ``wrapper``'s connection, each with how often the server has run it."""
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        return dict(cursor.fetchall())


def _signed_in_session(person) -> str:
    session = SessionStore()
    session["_auth_user_id"] = str(person.pk)
    session.create()
    return session.session_key


def test_the_session_read_is_prepared_once_and_run_again_by_name():
    person = factories.mediator()
    key = _signed_in_session(person)
    before = _prepared()
    for _ in range(3):
        store = SessionStore(key)
        assert store.load()["_auth_user_id"] == str(person.pk) and store.user_row == person
    new = {sql: runs for sql, runs in _prepared().items() if sql not in before}
    assert len(new) == 1
    ((sql, runs),) = new.items()
    assert "people_session" in sql and "$1" in sql and runs == 3  # one statement, run three times, values bound


def test_an_answers_save_is_prepared_once_and_stores_what_it_did_before():
    learner = factories.mediator()
    attempt = services.attempt_start(user=learner, quiz=af.quiz(questions=[af.question(kind=Question.Kind.SINGLE)]))
    row = AttemptQuestion.objects.get(attempt=attempt, position=1)
    tokens = list(row.choice_tokens())
    for token in (tokens[0], tokens[1], tokens[0]):
        saved = services.attempt_answer(attempt_id=attempt.pk, user=attempt.user, position=row.position,
                                        choice_tokens=[token])
        assert saved.response == {"choices": [row.choice_tokens()[token]]}
    updates = {sql: runs for sql, runs in _prepared().items() if sql.startswith('UPDATE "assessments_attemptquestion"')}
    assert list(updates.values()) == [3]
    row.refresh_from_db()
    assert row.response == {"choices": [row.choice_tokens()[tokens[0]]]}


def test_djangos_own_queries_are_never_prepared():
    person = factories.mediator()
    before = _prepared()
    for _ in range(10):
        User.objects.filter(pk=person.pk, is_active=True).exists()
    assert _prepared() == before
    assert connection.connection.prepare_threshold == connection.ONLY_WHEN_ASKED


def test_prepared_statements_are_logged_and_counted_like_any_other():
    person = factories.mediator()
    with CaptureQueriesContext(connection) as queries:
        assert one_row(User, '"id" = %s', [person.pk]) == person
    assert len(queries) == 1 and queries[0]["sql"].endswith(f'WHERE "id" = {person.pk}')  # the value quoted in


def test_a_statement_prepared_in_a_transaction_that_rolled_back_still_runs():
    person = factories.mediator()
    with pytest.raises(IntegrityError), transaction.atomic():
        assert one_row(User, '"username" = %s', [person.username]) == person  # prepared here, then rolled back
        User.objects.create(username=person.username)
    for _ in range(2):
        assert one_row(User, '"username" = %s', [person.username]) == person


def test_a_failed_prepared_statement_leaves_the_connection_working():
    with pytest.raises(DataError), transaction.atomic(), prepared_cursor() as cursor:
        cursor.execute('SELECT 1 / %s FROM "people_user"', [0])  # division by zero once there is a row
        factories.mediator()
        cursor.execute('SELECT 1 / %s FROM "people_user"', [0])
    person = factories.mediator()
    assert one_row(User, '"id" = %s', [person.pk]) == person


def test_a_statement_prepared_in_a_transaction_rolled_back_whole_still_runs_prepared():
    """What a request's ``atomic()`` that fails does on the real connection (not a savepoint, as inside a test):
    psycopg and the server still agree on the statement afterwards (no "prepared statement does not exist")."""
    own = connections.create_connection("default")
    try:
        own.ensure_connection()
        own.set_autocommit(False)
        with own.prepared_cursor() as cursor:
            cursor.execute("SELECT %s::int + 1", [1])
            assert cursor.fetchone() == (2,)
        own.rollback()
        own.set_autocommit(True)
        for value in (2, 3):
            with own.prepared_cursor() as cursor:
                cursor.execute("SELECT %s::int + 1", [value])
                assert cursor.fetchone() == (value + 1,)
        prepared = _prepared(own)
        assert list(prepared) == ["SELECT $1::int + 1"] and prepared["SELECT $1::int + 1"] >= 2
    finally:
        own.close()


@pytest.mark.django_db(transaction=True)
def test_behind_a_pooler_nothing_is_prepared():
    """With DATABASE_POOLER=pgbouncer (transaction pooling) a Django connection's statements may run on another
    server connection than the one that prepared them: ``DISABLE_SERVER_SIDE_CURSORS`` turns preparing off."""
    pooled = connections.create_connection("default")
    pooled.settings_dict = {**pooled.settings_dict, "DISABLE_SERVER_SIDE_CURSORS": True}
    try:
        pooled.ensure_connection()
        assert not pooled.prepares_statements and pooled.connection.prepare_threshold is None
        for _ in range(3):
            with pooled.prepared_cursor() as cursor:
                cursor.execute('SELECT "id" FROM "people_user" WHERE "id" = %s', [1])
        assert _prepared(pooled) == {}
    finally:
        pooled.close()


def test_the_prepared_read_gives_what_a_plain_cursor_gives():
    person = factories.mediator(phone="13800000002")
    person.last_login = timezone.now()
    person.save()
    sql, params = 'SELECT "id", "last_login", "phone", "is_active" FROM "people_user" WHERE "id" = %s', [person.pk]
    with prepared_cursor() as prepared, connection.cursor() as plain:
        prepared.execute(sql, params)
        plain.execute(sql, params)
        assert prepared.fetchall() == plain.fetchall()
