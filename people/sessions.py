"""Django's database sessions (``SESSION_ENGINE = "people.sessions"``), reading the session row from SQL built once
(``people.fast_sql``): the same row, the same expiry rule, the same handling of a missing or expired session.
Writes are Django's own."""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from .fast_sql import one_row


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        using = router.db_for_read(self.model)
        # The time as the ORM would send it (SQLite stores naive UTC text, PostgreSQL takes the datetime).
        now = connections[using].ops.adapt_datetimefield_value(timezone.now())
        session = one_row(self.model, '"session_key" = %s AND "expire_date" > %s', [self.session_key, now],
                          using=using) if self.session_key else None
        if session is None:
            self._session_key = None
        return session
