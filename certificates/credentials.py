"""Open Badges 3.0: each certificate as a verifiable credential, signed by the bureau as a JWT (EdDSA, Ed25519).

The issuer is ``did:web:<host>``; its DID document (``/.well-known/did.json``) and a JWKS
(``/.well-known/jwks.json``) publish every key the bureau has signed with. ``credentialStatus`` points at
``/verify/status/<code>/``, which says whether the credential has been revoked."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, time
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Certificate, SigningKey

OB3_CONTEXT = [
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def issuer_did() -> str:
    """did:web of this site (a port is percent-encoded, as did:web requires)."""
    return "did:web:" + quote(urlsplit(settings.WAGTAILADMIN_BASE_URL).netloc, safe="")


def signing_key_current() -> SigningKey:
    """The bureau's current signing key, generated on first use (once: a constraint allows one current key)."""
    key = SigningKey.objects.filter(is_current=True).first()
    if key is not None:
        return key
    private = Ed25519PrivateKey.generate()
    public_jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(private.public_key()))
    kid = hashlib.sha256(public_jwk["x"].encode()).hexdigest()[:16]
    public_jwk.update({"kid": kid, "use": "sig", "alg": "EdDSA"})
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    try:
        with transaction.atomic():
            return SigningKey.objects.create(kid=kid, private_key_pem=pem, public_jwk=public_jwk)
    except IntegrityError:  # another process made the key first: use theirs
        return SigningKey.objects.get(is_current=True)


def jwks() -> dict:
    """Every key the bureau has signed with (retired ones too, so old credentials still verify). The current key
    is made here if no credential has been signed yet, so a verifier never finds an empty key set."""
    signing_key_current()
    return {"keys": [key.public_jwk for key in SigningKey.objects.order_by("created_at")]}


def did_document() -> dict:
    did = issuer_did()
    methods = [{"id": f"{did}#{jwk['kid']}", "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}
               for jwk in jwks()["keys"]]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
        "id": did, "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def _timestamp(day, end_of_day=False) -> datetime:
    return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def credential_for(certificate: Certificate) -> dict:
    """The OpenBadgeCredential (VC data model 1.1) describing a certificate. The holder is identified by a
    salted hash of their name, so the credential itself does not publish it."""
    did = issuer_did()
    salt = certificate.verification_code
    issued, expires = _timestamp(certificate.issued_on), _timestamp(certificate.expires_on, end_of_day=True)
    program = certificate.program
    return {
        "@context": OB3_CONTEXT,
        "id": certificate.verification_url(),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": program.name,
        "issuer": {"id": did, "type": ["Profile"], "name": certificate.issuer_name},
        "issuanceDate": issued.isoformat(),
        "expirationDate": expires.isoformat(timespec="seconds"),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject", "identityType": "name", "hashed": True, "salt": salt,
                "identityHash": "sha256$" + hashlib.sha256((certificate.holder.name + salt).encode()).hexdigest(),
            }],
            "achievement": {
                "id": _absolute(reverse("certificates:verify", args=[certificate.verification_code])) + "#achievement",
                "type": ["Achievement"], "name": program.name,
                "description": program.description or program.name,
                "criteria": {"narrative": program.description or program.name},
            },
        },
        "credentialStatus": {
            "id": _absolute(reverse("certificates:credential_status", args=[certificate.verification_code])),
            "type": "1EdTechRevocationList",
        },
    }


def credential_jwt(certificate: Certificate) -> str:
    """The credential, signed: a VC-JWT whose ``vc`` claim is the OpenBadgeCredential."""
    key = signing_key_current()
    vc = credential_for(certificate)
    claims = {
        "iss": vc["issuer"]["id"], "jti": vc["id"], "sub": vc["credentialSubject"]["identifier"][0]["identityHash"],
        "nbf": int(_timestamp(certificate.issued_on).timestamp()),
        "exp": int(_timestamp(certificate.expires_on, end_of_day=True).timestamp()),
        "vc": vc,
    }
    private = serialization.load_pem_private_key(key.private_key_pem.encode(), password=None)
    return jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": f"{issuer_did()}#{key.kid}", "typ": "JWT"})


@dataclass
class CredentialCheck:
    """What checking a credential found. ``problems`` are in the reader's language; empty means it checks out."""

    signature_valid: bool = False
    status: str = ""  # valid / expired / revoked / superseded, from the status list
    claims: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.signature_valid and self.status == "valid" and not self.problems


def credential_verify(token: str) -> CredentialCheck:
    """Check a credential JWT as an outside verifier would: the signature against this bureau's published keys,
    the dates, and the revocation status at its ``credentialStatus``."""
    from .verification import certificate_by_code

    check = CredentialCheck()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        check.problems.append(_("This is not a credential (JWT) at all."))
        return check
    kid = str(header.get("kid", "")).rsplit("#", 1)[-1]
    jwk = next((k for k in jwks()["keys"] if k["kid"] == kid), None)
    if jwk is None:
        check.problems.append(_("It was not signed with a key of this bureau."))
        return check
    try:
        # Dates are judged from the status below (an expired certificate is reported as expired, not unreadable).
        check.claims = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["EdDSA"], issuer=issuer_did(),
                                  options={"verify_exp": False, "verify_nbf": False})
    except jwt.PyJWTError:
        check.problems.append(_("The signature does not match: the credential was altered or forged."))
        return check
    check.signature_valid = True
    status_url = check.claims.get("vc", {}).get("credentialStatus", {}).get("id", "")
    code = status_url.rstrip("/").rsplit("/", 1)[-1]
    certificate = certificate_by_code(code)
    if certificate is None:
        check.problems.append(_("Its status cannot be found."))
        return check
    check.status = certificate.public_status()
    return check
