"""Django's database sessions (``SESSION_ENGINE = "people.sessions"``) in ``people.SignInSession``, which keeps the
signed-in person's id beside the session's data. Each request reads its session and its user in one statement from
SQL built once (``people.fast_sql``) — the same rows, the same expiry rule, the same handling of a missing or
expired session as Django's two queries — instead of one statement for each (issue #21: every request of an exam
day paid both). Writes are Django's own; the id column is filled from the data on every save.

Django's ``auth.get_user`` reads the session, then asks the backend for the user by id; the backend
(``people.auth.IdentifierBackend.get_user``) takes the user read with the session while ``users_read_with`` holds
that session (``people.middleware.AuthenticationMiddleware``, for the length of that one call) and whose id it is,
else reads the user itself. Django's own checks (the backend, the password's session hash, an inactive account)
run unchanged on it."""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from .fast_sql import columns_sql, every_field, instance, prepared_cursor
from .models import SignInSession, User


class SessionStore(db.SessionStore):
    user_row = None  # the user of the session, read with it (None: none, or not read yet)

    @classmethod
    def get_model_class(cls):
        return SignInSession

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = _user_id(data.get(SESSION_KEY))
        return session

    def load(self):
        """Django's ``load``: the session's data, or {} (and no key any more) when there is no such session or it
        has expired. Only the data is read, with its user, in one statement; no session object is made (Django's
        makes one to read its data and drop it: two timestamps parsed and a model built on every request)."""
        self.user_row = None
        if not self.session_key:
            self._session_key = None
            return {}
        using = router.db_for_read(self.model)
        # The time as the ORM would send it (SQLite stores naive UTC text, PostgreSQL takes the datetime).
        now = connections[using].ops.adapt_datetimefield_value(timezone.now())
        with prepared_cursor(using) as cursor:
            cursor.execute(_session_sql(using), [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        user = row[1:]
        if user[every_field(User).index("id")] is not None:  # NULL: no one is signed in (the LEFT JOIN found none)
            self.user_row = instance(User, every_field(User), user, using=using)
        return self.decode(row[0])


@cache
def _session_sql(using: str) -> str:
    quote = connections[using].ops.quote_name
    return (f"SELECT {columns_sql(SignInSession, ('session_data',), 's', using=using)}, "  # noqa: S608  (our own names)
            f"{columns_sql(User, every_field(User), 'u', using=using)} "
            f"FROM {quote(SignInSession._meta.db_table)} s LEFT JOIN {quote(User._meta.db_table)} u "
            f"ON u.{quote('id')} = s.{quote('user_id')} WHERE s.{quote('session_key')} = %s "
            f"AND s.{quote('expire_date')} > %s")


def _user_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


_reading: ContextVar[SessionStore | None] = ContextVar("people_sessions_reading", default=None)


@contextmanager
def users_read_with(session):
    """While this lasts, ``user_read_with_session`` may give the user read with ``session``."""
    token = _reading.set(session)
    try:
        yield
    finally:
        _reading.reset(token)


def user_read_with_session(user_id: int):
    """The user with ``user_id`` as read with the session being authenticated, or None (no such session, or the
    session names someone else)."""
    session = _reading.get()
    user = getattr(session, "user_row", None)
    return user if user is not None and user.pk == user_id else None
