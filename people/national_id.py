"""National ID numbers (居民身份证号码, GB 11643-1999): validate, hash for matching, mask for display.

The raw number is never stored. Matching a person on re-import uses an HMAC keyed by NATIONAL_ID_SALT."""

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")


def normalize(raw: str) -> str:
    """Return the 18-character number in upper case, or raise ValidationError explaining what is wrong."""
    number = (raw or "").strip().upper()
    if not _PATTERN.match(number):
        raise ValidationError(_("A national ID number has 18 characters: 17 digits and a final digit or X."))
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValidationError(_("The date of birth inside this national ID number is not a real date.")) from exc
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _WEIGHTS, strict=True))
    if _CHECK_CHARS[total % 11] != number[17]:
        raise ValidationError(_("The check digit of this national ID number is wrong; please re-check it."))
    return number


def digest(number: str) -> str:
    return hmac.new(settings.NATIONAL_ID_SALT.encode(), normalize(number).encode(), hashlib.sha256).hexdigest()


def mask(number: str) -> str:
    """Keep the region prefix and the last four characters: 150621********123X."""
    number = normalize(number)
    return f"{number[:6]}{'*' * 8}{number[-4:]}"


@dataclass(frozen=True)
class NationalIdRecord:
    """What may be kept of a national ID number: the salted hash (for matching) and the masked form (for display).
    Lets a number be validated now and recorded later (e.g. by a background import) without keeping it."""

    hash: str
    masked: str


def record(raw: str) -> NationalIdRecord:
    """Validate ``raw`` (ValidationError if it is not a valid number) and return what may be kept of it."""
    number = normalize(raw)
    return NationalIdRecord(hash=digest(number), masked=mask(number))


def with_check_digit(first17: str) -> str:
    """Complete a 17-digit stem with its check digit (used to make valid demo and test numbers)."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return first17 + _CHECK_CHARS[total % 11]
