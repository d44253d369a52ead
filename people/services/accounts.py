"""A person's sign-in credentials: activation codes (printed slips or SMS), texted password-reset codes, the wrong-
code count per address, and what bureau staff do to a locked-out or lost account. Codes live in clear only in
what these return; the database keeps their keyed hashes (``people.access_codes``)."""

import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import sms
from ..access_codes import (
    ACTIVATION_ALPHABET,
    ACTIVATION_CODE_LENGTH,
    access_code_digest,
    access_code_format,
    activation_url,
)
from ..audit import audit
from ..exceptions import PeopleError
from ..models import AccessCode, User
from .notices import sms_queue

RESET_CODE_TRIES = 5


def _activation_validity(days: int | None) -> int:
    if days is None:
        from ..selectors import bureau_settings

        days = bureau_settings().activation_code_days
    if not 1 <= days <= 365:
        raise PeopleError(_("A code must be valid for 1 to 365 days."))
    return days


@transaction.atomic
def activation_codes_issue(*, people: list[User], actor: User | None, days: int | None = None) -> list[str]:
    """Give each person a new activation code valid for ``days`` (the bureau's setting by default) and return the
    codes in the same order, in clear; only their hashes are kept, so this is the one moment they can be printed or
    sent. Each person's older unused activation codes stop working (a reprinted slip replaces the old one).
    Atomic; one audit entry per person."""
    days = _activation_validity(days)
    now = timezone.now()
    ids = [person.pk for person in people]
    AccessCode.objects.filter(
        person_id__in=ids, purpose=AccessCode.Purpose.ACTIVATION, used_at__isnull=True, voided_at__isnull=True,
    ).update(voided_at=now)
    codes = ["".join(secrets.choice(ACTIVATION_ALPHABET) for _i in range(ACTIVATION_CODE_LENGTH)) for _p in people]
    AccessCode.objects.bulk_create([
        AccessCode(person=person, purpose=AccessCode.Purpose.ACTIVATION, created_at=now, created_by=actor,
                   expires_at=now + timedelta(days=days),
                   code_hash=access_code_digest(purpose=AccessCode.Purpose.ACTIVATION, code=code))
        for person, code in zip(people, codes, strict=True)
    ])
    for person in people:
        audit(instance=person, action="academy.activation_code_issue", actor=actor, days=days)
    return codes


@transaction.atomic
def activation_codes_send_sms(*, people: list[User], actor: User | None, days: int | None = None) -> int:
    """Text each person who has a mobile number a new activation code and its link (instead of a printed slip);
    returns how many messages were queued. Like printing, this voids their earlier codes. Needs SMS configured."""
    if not sms.enabled():
        raise PeopleError(_("This site sends no text messages (SMS is not configured)."))
    with_phone = [person for person in people if person.phone]
    days = _activation_validity(days)
    for person, code in zip(with_phone, activation_codes_issue(people=with_phone, actor=actor, days=days),
                            strict=True):
        sms_queue(phone=person.phone, text=_(
            "%(name)s, your Mediator Academy activation code is %(code)s (valid %(days)s days). Open %(url)s to "
            "set your password.") % {"name": person.name, "code": access_code_format(code), "days": days,
                                      "url": activation_url(code)})
    return len(with_phone)


def activation_code_check(*, code: str) -> AccessCode:
    """The usable activation code ``code`` is, or a PeopleError saying (in Chinese) why it cannot be used."""
    found = AccessCode.objects.select_related("person").filter(
        purpose=AccessCode.Purpose.ACTIVATION,
        code_hash=access_code_digest(purpose=AccessCode.Purpose.ACTIVATION, code=code),
    ).first()
    if found is None or not found.person.is_active:  # a deactivated account is not to be reopened by a slip
        raise PeopleError(_("This activation code is not right. Check it against your login slip."))
    if found.used_at is not None:
        raise PeopleError(_("This activation code has already been used. Sign in with your password, or reset it."))
    if found.voided_at is not None:
        raise PeopleError(_("A newer login slip replaced this one. Use the code on the newest slip."))
    if found.expires_at <= timezone.now():
        raise PeopleError(_("This activation code has expired. Ask your township justice office for a new one."))
    return found


def _code_redeem(*, access_code: AccessCode, password: str, action: str) -> User:
    """Set the person's password from a checked code and use the code up (inside the caller's transaction)."""
    person = access_code.person
    password_validation.validate_password(password, person)
    person.set_password(password)
    person.save(update_fields=["password"])
    access_code.used_at = timezone.now()
    access_code.save(update_fields=["used_at"])
    audit(instance=person, action=action, actor=person)
    return person


@transaction.atomic
def activation_code_redeem(*, code: str, password: str) -> User:
    """Set a person's own first password with their activation code. The code works once: the row is locked, so
    two simultaneous uses set one password. Raises PeopleError for an unusable code and ValidationError (Django's
    password validators, in Chinese) for a weak password; either way nothing changes."""
    access_code = activation_code_check(code=code)
    access_code = AccessCode.objects.select_for_update().select_related("person").get(pk=access_code.pk)
    if not access_code.usable():
        raise PeopleError(_("This activation code has already been used. Sign in with your password, or reset it."))
    return _code_redeem(access_code=access_code, password=password, action="academy.activate")


def access_code_failure_count(*, address: str) -> int:
    return cache.get(f"access-code-failures:{address}", 0)


def access_code_failure_record(*, address: str) -> int:
    """Count a wrong code from a client address (for ``CODE_FAILURES_PER_ADDRESS``); returns the new count."""
    key = f"access-code-failures:{address}"
    cache.add(key, 0, timeout=settings.CODE_FAILURE_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.CODE_FAILURE_WINDOW_SECONDS)
        return 1


@transaction.atomic
def password_reset_code_send(*, identifier: str) -> None:
    """Text a six-digit password-reset code to the one account ``identifier`` names, if SMS is configured and the
    account has a mobile number; otherwise do nothing. Says nothing either way, so the page cannot be used to learn
    which numbers have accounts. At most one code a minute per person; a new code voids the previous one."""
    from ..auth import person_for_identifier

    person = person_for_identifier(identifier)
    if not sms.enabled() or person is None or not person.phone or not person.is_active:
        return
    now = timezone.now()
    reset_codes = AccessCode.objects.filter(person=person, purpose=AccessCode.Purpose.RESET)
    if reset_codes.filter(created_at__gt=now - timedelta(seconds=60)).exists():
        return
    reset_codes.filter(used_at__isnull=True, voided_at__isnull=True).update(voided_at=now)
    code = f"{secrets.randbelow(10**6):06d}"
    AccessCode.objects.create(
        person=person, purpose=AccessCode.Purpose.RESET, created_at=now,
        expires_at=now + timedelta(minutes=settings.RESET_CODE_MINUTES),
        code_hash=access_code_digest(purpose=AccessCode.Purpose.RESET, code=code, person_id=person.pk))
    audit(instance=person, action="academy.reset_code_send", actor=None)
    sms_queue(phone=person.phone, text=_(
        "Your Mediator Academy password reset code is %(code)s, valid for %(minutes)s minutes. "
        "Do not tell anyone.") % {"code": code, "minutes": settings.RESET_CODE_MINUTES})


def password_reset_code_redeem(*, identifier: str, code: str, password: str) -> User:
    """Set a new password with a texted reset code. A wrong code counts against the person's newest code, which
    stops working after five wrong tries. Raises PeopleError (one message for every wrong identifier or code) or
    ValidationError for a weak password."""
    from ..auth import person_for_identifier

    wrong = PeopleError(_("The code is not right or has expired. Ask for a new code."))
    person = person_for_identifier(identifier)
    if person is None:
        raise wrong
    with transaction.atomic():
        access_code = (AccessCode.objects.select_for_update().select_related("person")
                       .filter(person=person, purpose=AccessCode.Purpose.RESET).order_by("-created_at", "-pk").first())
        if access_code is None or not access_code.usable():
            raise wrong
        given = access_code_digest(purpose=AccessCode.Purpose.RESET, code=code, person_id=person.pk)
        if hmac.compare_digest(given, access_code.code_hash):
            return _code_redeem(access_code=access_code, password=password, action="academy.password_reset_sms")
        access_code.failed_tries = F("failed_tries") + 1
        access_code.save(update_fields=["failed_tries"])
        AccessCode.objects.filter(pk=access_code.pk, failed_tries__gte=RESET_CODE_TRIES).update(
            voided_at=timezone.now())
    raise wrong


def person_unlock(*, person: User, actor: User) -> int:
    """Lift a django-axes lockout of the person's account (failures count per account: ``people.auth``). Audited.
    Returns how many lockout records were cleared."""
    from axes.utils import reset

    cleared = reset(username=person.username)
    audit(instance=person, action="academy.unlock", actor=actor, cleared=cleared)
    return cleared


@transaction.atomic
def person_password_reset_by_staff(*, person: User, actor: User, days: int | None = None) -> str:
    """For a person who lost their password and has no SMS or email: the old password stops working at once and
    a new activation code (returned in clear, to print or read out) lets them set a new one. Audited."""
    person.set_unusable_password()
    person.save(update_fields=["password"])
    audit(instance=person, action="academy.password_reset_staff", actor=actor)
    return activation_codes_issue(people=[person], actor=actor, days=days)[0]
