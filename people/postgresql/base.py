"""Django's PostgreSQL backend (``ENGINE = "people.postgresql"``), with a health check that costs no round trip.

With ``CONN_HEALTH_CHECKS`` Django checks a reused connection once a request before its first query, by sending
``SELECT 1``: one more statement on every request, paid by the app and by PostgreSQL alike — on exam day a fifth of
an answer's save (issue #21). The cases that check catches are a server that has closed the connection (PostgreSQL
restarted, the backend terminated, pgbouncer or a proxy timed it out): the server then sends its goodbye and closes
the socket. Here libpq reads whatever already arrived on the socket, without waiting or sending (``PQconsumeInput``),
and the connection is usable while libpq still calls it OK. A peer gone silently (no packet at all) is caught by
neither check before the query's own timeout."""

from django.db.backends.postgresql import base
from psycopg import OperationalError, pq

_USABLE = (pq.TransactionStatus.IDLE, pq.TransactionStatus.INTRANS)


class DatabaseWrapper(base.DatabaseWrapper):
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
