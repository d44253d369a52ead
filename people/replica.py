"""Heavy reads on a streaming replica, with read-your-own-writes.

When ``DATABASE_REPLICA_URL`` is set, settings add a ``"replica"`` database (a hot standby of ``default``) and
``ReplicaRouter``. Only code that asks for it reads there: a view or task wraps its heavy reads — dashboard
computations, exports, reports, item analysis — in ``heavy_reads`` (decorator or context manager). Everything
else, and every write, stays on the primary, so a replica changes nothing about what a page shows except where a
heavy figure may be a second or two old.

Read-your-own-writes: a replica lags the primary. ``ReplicaPinMiddleware`` gives a browser that just sent a write
(any non-safe method) a short-lived cookie; while it lasts that browser's heavy reads go to the primary too, so a
bureau officer who just changed something sees the change on the next page. Without a replica configured the
middleware sets nothing and the router sends everything to ``default``: the demo behaves as before."""

import contextlib
import contextvars
import datetime
import functools

from django.conf import settings
from django.db import connections

REPLICA = "replica"
PIN_COOKIE = "academy_primary"

_heavy = contextvars.ContextVar("heavy_reads", default=False)
_pinned = contextvars.ContextVar("pinned_to_primary", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def read_alias() -> str:
    """Where a read made now goes: the replica inside ``heavy_reads`` unless this browser is pinned."""
    if _heavy.get() and not _pinned.get() and replica_configured():
        return REPLICA
    return "default"


class ReplicaRouter:
    """Heavy reads to the replica (``read_alias``), all writes and migrations to the primary. Both aliases hold
    the same rows, so relations between objects loaded from either are allowed."""

    def db_for_read(self, model, **hints):
        return read_alias()

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"  # a hot standby is read-only: it gets the schema by replication


@contextlib.contextmanager
def _heavy_scope():
    token = _heavy.set(True)
    try:
        yield
    finally:
        _heavy.reset(token)


def heavy_reads(view=None):
    """``@heavy_reads`` on a view or task, or ``with heavy_reads():`` around a block: its reads may use the
    replica. The acting user is loaded first, on the primary (a person who just signed up is not on the replica
    yet)."""
    if view is None:
        return _heavy_scope()

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        request = args[0] if args else None
        user = getattr(request, "user", None)
        if user is not None:
            getattr(user, "pk", None)  # resolves the lazy user before the scope opens
        with _heavy_scope():
            return view(*args, **kwargs)

    return wrapped


@contextlib.contextmanager
def pinned_to_primary():
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


class ReplicaPinMiddleware:
    """Pins a browser to the primary for ``REPLICA_PIN_SECONDS`` after it sent a write (read-your-own-writes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        writes = request.method not in ("GET", "HEAD", "OPTIONS", "TRACE")
        if writes or request.COOKIES.get(PIN_COOKIE):
            with pinned_to_primary():
                response = self.get_response(request)
        else:
            response = self.get_response(request)
        if writes:
            response.set_cookie(PIN_COOKIE, "1", max_age=settings.REPLICA_PIN_SECONDS, httponly=True,
                                samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response


def replica_lag() -> datetime.timedelta | None:
    """How far the replica is behind the primary, or None without a replica (or when it cannot be asked).

    A replica that has replayed all it received is current (0), even when the primary has been idle for an hour
    and the last replayed transaction is that old; otherwise the lag is the age of the last replayed one."""
    if not replica_configured():
        return None
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END")
            (seconds,) = cursor.fetchone()
    except Exception:  # noqa: BLE001 — a replica that cannot be asked must not take the page down
        return None
    return datetime.timedelta(seconds=float(seconds or 0))


def reads_as_of(started_at: datetime.datetime) -> datetime.datetime:
    """When data read now was current: ``started_at`` on the primary, ``started_at`` less the replica's lag on the
    replica — so a computation stamped with it never hides a change the replica had not replayed yet."""
    if read_alias() != REPLICA:
        return started_at
    return started_at - (replica_lag() or datetime.timedelta(0))
