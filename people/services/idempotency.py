"""Idempotent writes: work a phone queued offline and sends (perhaps several times) when back online runs once
per person and key."""

import re
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..exceptions import PeopleError
from ..models import IdempotencyKey, User

IDEMPOTENCY_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")


def idempotency_key_check(key: str) -> None:
    """Refuse a malformed key before anything is written (a client bug, answered with the reason)."""
    if not IDEMPOTENCY_KEY_PATTERN.fullmatch(key or ""):
        raise PeopleError(_("The request's key is not valid: it must be 8-64 letters, digits, - or _."))


@transaction.atomic
def idempotency_key_apply(*, person: User, key: str, action: str, write: Callable[[], dict]) -> dict:
    """Run ``write`` once for this person and key and keep what it returned (JSON). Sending the same key again
    returns the first answer and writes nothing: a no-op success. Atomic with the write: a write that fails
    (a domain error) leaves no key behind, so the client may try again. The key row is inserted before the
    write, so of two copies racing, the second waits on the unique constraint and then returns the first's
    answer. A key used for another action is refused (a client bug, not a replay)."""
    idempotency_key_check(key)
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(person=person, key=key, action=action)
    except IntegrityError:
        record = IdempotencyKey.objects.get(person=person, key=key)
        if record.action != action:
            raise PeopleError(_("This key was already used for another request.")) from None
        return record.result
    record.result = write()
    record.save(update_fields=["result"])
    return record.result
