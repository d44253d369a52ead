"""Accounts and tokens for other systems that read the roster through the API."""


from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from ..exceptions import PeopleError
from ..models import Region, User
from ..roles import StaffRole
from .organisation import person_create
from .staff import staff_role_grant


@transaction.atomic
def system_account_create(*, username: str, name: str, jurisdiction: Region) -> User:
    """An account for another system (a county's grid-management platform, a statistics system) to read the
    roster through the API: bureau staff in ``jurisdiction``, with no usable password, so it can only use a token.
    Idempotent by username for system accounts; refuses to turn an existing person's account into one."""
    existing = User.objects.filter(username=username).first()
    if existing and existing.has_usable_password():
        raise PeopleError(_("The username %(username)s belongs to a person, not a system.") % {"username": username})
    account = existing or person_create(username=username, name=name)
    return staff_role_grant(user=account, role=StaffRole.BUREAU_STAFF, jurisdiction=jurisdiction)


@transaction.atomic
def api_token_issue(*, user: User, rotate: bool = False) -> Token:
    """The user's API token (``Authorization: Token <key>``), created on first call. ``rotate`` replaces it, so
    the old key stops working at once. Whoever holds the key acts as ``user``, with the same scoping."""
    if rotate:
        Token.objects.filter(user=user).delete()
    token, _created = Token.objects.get_or_create(user=user)
    return token
