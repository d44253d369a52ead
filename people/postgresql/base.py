"""Django's PostgreSQL backend (``ENGINE = "people.postgresql"``), with a health check that costs no round trip.

With ``CONN_HEALTH_CHECKS`` Django checks a reused connection once a request before its first query, by sending
``SELECT 1``: one more statement on every request, paid by the app and by PostgreSQL alike — on exam day a fifth of
an answer's save (issue #21). The cases that check catches are a server that has closed the connection (PostgreSQL
restarted, the backend terminated, pgbouncer or a proxy timed it out): the server then sends its goodbye and closes
the socket. Here libpq reads whatever already arrived on the socket, without waiting or sending (``PQconsumeInput``),
and the connection is usable while libpq still calls it OK. A peer gone silently (no packet at all) is caught by
neither check before the query's own timeout.

It also prepares the statements exam day runs on every request (``prepared_cursor``, used by ``people.fast_sql``):
PostgreSQL then plans each once per connection instead of on every run (issue #21)."""

from django.db.backends.postgresql import base, operations
from django.utils.asyncio import async_unsafe
from psycopg import OperationalError, errors, pq

_USABLE = (pq.TransactionStatus.IDLE, pq.TransactionStatus.INTRANS)


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        """A prepared statement's SQL, for query logs and tests counting queries, as Django gives a statement bound
        on the client: its values quoted in (only computed while queries are logged)."""
        if isinstance(cursor, PreparedCursor):
            try:
                return self.compose_sql(sql, params)
            except errors.DataError:
                return None
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def is_usable(self):
        if self.connection is None:
            return False
        pgconn = self.connection.pgconn
        try:
            pgconn.consume_input()  # reads what is waiting on the socket; raises if the server hung up
        except OperationalError:
            return False
        # As SELECT 1 would: fine in a transaction, refused in one a failed statement aborted.
        return pgconn.status == pq.ConnStatus.OK and pgconn.transaction_status in _USABLE

    # Prepared statements (``prepared_cursor``). psycopg prepares a statement only while the connection has a
    # threshold; Django leaves it at None (none at all, for poolers' sake). With a threshold no statement reaches,
    # only the statements that ask (``PreparedCursor``) are prepared, and Django's own cursors, which bind on the
    # client, never are.
    ONLY_WHEN_ASKED = 2**62

    @property
    def prepares_statements(self) -> bool:
        """False behind a pooler in transaction mode (``DISABLE_SERVER_SIDE_CURSORS``, set with
        ``DATABASE_POOLER=pgbouncer``): one Django connection's transactions may run on different server
        connections there, and a statement prepared on one is unknown to the next."""
        return not self.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if self.prepares_statements and connection.prepare_threshold is None:
            connection.prepare_threshold = self.ONLY_WHEN_ASKED
        return connection

    @async_unsafe
    def prepared_cursor(self):
        """A cursor (wrapped as ``cursor()`` wraps one: query logging, execute wrappers, error translation) whose
        statements are prepared on this connection the first time they run and after that only executed:
        PostgreSQL neither parses nor plans them again (0.1–0.2 ms of planning for the session's read and for an
        answer's save, more than running them; issue #21), and the values travel bound, not quoted into the SQL by
        Python. For SQL built once and run on every request (``people.fast_sql``). Behind a pooler, a plain cursor.
        A statement prepared before a migration changed the columns it returns fails until the connection is
        replaced: app servers restart after migrating (docs/deployment.md)."""
        if not self.prepares_statements:
            return self.cursor()
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            return self._prepare_cursor(PreparedCursor(self.connection))


class PreparedCursor(base.ServerBindingCursor):
    """Binds its parameters on the server and has every statement it runs prepared (``prepared_cursor``)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)
