"""Activation and reset codes as text: their alphabet, how a typed code is normalised, formatted for a slip and
hashed for the database, and the activation link a slip's QR code opens. Pure (no writes), so both the services
that issue codes (``people.services.accounts``) and the login-slip PDF (``people.slips``) read it without importing
each other."""

import hashlib
import hmac
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

# Letters and digits nobody confuses when reading a printed slip aloud or typing it on a phone (no 0/O, 1/I/L).
ACTIVATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ACTIVATION_CODE_LENGTH = 8  # 31^8 ≈ 8.5e11 codes; wrong codes are rate-limited per address


def access_code_normalize(code: str) -> str:
    """What people type or scan, as stored: upper case, without spaces or dashes."""
    return "".join(code.split()).replace("-", "").upper()


def access_code_digest(*, purpose: str, code: str, person_id: int | None = None) -> str:
    """The keyed hash kept instead of a code: a database copy alone cannot be turned back into codes."""
    message = f"{purpose}:{person_id or ''}:{access_code_normalize(code)}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def access_code_format(code: str) -> str:
    """ABCD-EFGH: easier to read off paper."""
    return f"{code[:4]}-{code[4:]}" if len(code) == ACTIVATION_CODE_LENGTH else code


def activation_url(code: str) -> str:
    """The activation page with ``code`` filled in (the slip's QR code, the SMS, the staff reset page)."""
    return f"{settings.WAGTAILADMIN_BASE_URL}{reverse('activate')}?{urlencode({'code': code})}"
