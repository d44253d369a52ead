"""Revocation and suspension as W3C Bitstring Status Lists.

Each certificate owns one bit (``Certificate.status_list`` / ``status_index``, drawn at random when it is issued)
in two lists: the revocation list and the suspension list. A list is a ``BitstringStatusListCredential`` the
bureau signs (``eddsa-rdfc-2022``): ``CREDENTIAL_STATUS_LIST_BITS`` bits (16 KB, the spec's minimum, so one list
hides which of many credentials changed), GZIP-compressed and multibase-encoded (``u`` + base64url, no padding).
The bits are read from the certificates' statuses whenever the list is asked for, so revoking or suspending
shows at once; the view sends ``Cache-Control: no-cache`` with an ETag so verifiers revalidate every time."""

import base64
import gzip
import hashlib
from datetime import UTC, datetime

from django.conf import settings
from django.urls import reverse

from .exceptions import CredentialError
from .jsonld import VC_V2
from .models import Certificate
from .proofs import absolute, data_integrity_sign, issuer_id

# statusPurpose → the certificate status that sets the bit.
PURPOSES = {"revocation": Certificate.Status.REVOKED, "suspension": Certificate.Status.SUSPENDED}


def list_url(list_number: int, purpose: str) -> str:
    return absolute(reverse("certificates:status_list", args=[list_number, purpose]))


def status_entries(certificate: Certificate) -> list[dict]:
    """The credential's ``credentialStatus``: one ``BitstringStatusListEntry`` per purpose, same index."""
    return [{
        "id": f"{list_url(certificate.status_list, purpose)}#{certificate.status_index}",
        "type": "BitstringStatusListEntry", "statusPurpose": purpose,
        "statusListIndex": str(certificate.status_index),
        "statusListCredential": list_url(certificate.status_list, purpose),
    } for purpose in PURPOSES]


def bits(list_number: int, purpose: str) -> bytes:
    """The list's bitstring: bit i (counted from the left of byte 0) is set when the certificate holding index i
    has the purpose's status."""
    indexes = Certificate.objects.filter(status_list=list_number, status=PURPOSES[purpose],
                                         status_index__isnull=False).values_list("status_index", flat=True)
    bitstring = bytearray(settings.CREDENTIAL_STATUS_LIST_BITS // 8)
    for index in indexes:
        bitstring[index // 8] |= 0x80 >> (index % 8)
    return bytes(bitstring)


def encode(bitstring: bytes) -> str:
    # mtime=0: the same bits always encode the same way (the ETag and tests rely on it).
    return "u" + base64.urlsafe_b64encode(gzip.compress(bitstring, mtime=0)).decode().rstrip("=")


def decode(encoded_list: str) -> bytes:
    if not encoded_list.startswith("u"):
        raise CredentialError("the status list is not multibase base64url")
    body = encoded_list[1:]
    try:
        return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, OSError) as error:
        raise CredentialError("the status list cannot be decoded") from error


def bit_is_set(bitstring: bytes, index: int) -> bool:
    if not 0 <= index < len(bitstring) * 8:
        raise CredentialError("the status index is outside the list")
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def encoded_list(list_number: int, purpose: str) -> str:
    """The list as it stands now, encoded (what the status list credential carries)."""
    if purpose not in PURPOSES:
        raise CredentialError(f"unknown status purpose {purpose!r}")
    return encode(bits(list_number, purpose))


def etag(list_number: int, purpose: str) -> str:
    return hashlib.sha256(bits(list_number, purpose)).hexdigest()[:32]


def status_list_credential(list_number: int, purpose: str) -> dict:
    """The signed ``BitstringStatusListCredential`` for one list and purpose, as it stands now."""
    url = list_url(list_number, purpose)
    return data_integrity_sign({
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id(),
        "validFrom": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList", "statusPurpose": purpose,
                              "encodedList": encoded_list(list_number, purpose)},
    })
