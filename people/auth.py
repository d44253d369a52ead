"""Signing in with what people know: a mobile number, a national ID number or a username, in one field.

A roster gives a mediator a random username (``m3f2…``) that nobody remembers, so the sign-in field accepts any of
the three. The identifier must name exactly one account: a mobile number two people share (a couple, a committee
phone) signs in neither, and the form then shows the same generic error as a wrong password, so the page never
tells a stranger which numbers or ID numbers have accounts.

django-axes counts failures by ``(username, address)``. ``lockout_key`` turns whatever was typed into one key per
account, so typing the phone after five failures with the username does not reset the count, and a typed
national ID number is never written to axes' tables in clear."""

import contextlib
import hashlib
import hmac
import re

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import Q

from . import national_id
from .fast_sql import one_row
from .models import PHONE_PATTERN, User
from .sessions import user_read_with_session

_PHONE = re.compile(PHONE_PATTERN)


def identifier_query(identifier: str) -> Q | None:
    """The accounts an identifier may name: username, mobile number or national ID (by its salted hash)."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    query = Q(username=identifier)
    if _PHONE.match(identifier):
        query |= Q(phone=identifier)
    with contextlib.suppress(ValidationError):  # not an ID number: username or phone only
        query |= Q(national_id_hash=national_id.digest(identifier))
    return query


def person_for_identifier(identifier: str) -> User | None:
    """The one account the identifier names, or None when it names none or several (ambiguous)."""
    query = identifier_query(identifier)
    if query is None:
        return None
    found = list(User.objects.filter(query)[:2])
    return found[0] if len(found) == 1 else None


def lockout_key(request, credentials: dict) -> str:
    """``AXES_USERNAME_CALLABLE``: the account's username when the identifier names one account, otherwise a keyed
    hash of what was typed (never the typed ID number itself)."""
    typed = (credentials or {}).get("username") or ""
    person = person_for_identifier(typed)
    if person is not None:
        return person.username
    return "?" + hmac.new(settings.SECRET_KEY.encode(), typed.strip().upper().encode(), hashlib.sha256).hexdigest()[:32]


class IdentifierBackend(ModelBackend):
    """Django's model backend, finding the account by username, mobile number or national ID number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        person = person_for_identifier(username)
        if person is None:
            # Hash anyway, so the time taken does not tell whether the identifier has an account.
            User().set_password(password)
            return None
        if person.check_password(password) and self.user_can_authenticate(person):
            return person
        return None

    def get_user(self, user_id):
        """The signed-in user of every request: the one read with its session (``people.sessions``), else read from
        SQL built once (``people.fast_sql``)."""
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = user_read_with_session(pk) or one_row(User, '"id" = %s', [pk], using=router.db_for_read(User))
        return user if user is not None and self.user_can_authenticate(user) else None
