"""The bureau's signing keys and the two proofs a credential carries.

- **Data Integrity** ``eddsa-rdfc-2022`` (W3C VC Data Integrity EdDSA Cryptosuites): the credential and the proof
  options are each canonicalised (RDFC-1.0, contexts from local copies) and hashed with SHA-256; the Ed25519
  signature over ``hash(proof options) + hash(credential)`` goes in ``proofValue`` (multibase base58btc).
- **VC-JWT** (VC-JOSE-COSE): the JWT's payload is the credential itself, signed RS256 (the Open Badges 3.0
  minimum) or EdDSA (``CREDENTIAL_JWT_ALGORITHM``).

Each key is published at its own HTTPS URL (a ``Multikey`` for Ed25519, a ``JsonWebKey`` for RSA), in the issuer
profile's ``verificationMethod``/``assertionMethod`` and in the JWKS; the key's URL is the proof's
``verificationMethod`` and the JWT's ``kid``. Rotating a key retires it without unpublishing it, so everything it
signed still verifies."""

import hashlib
import json
from datetime import UTC, datetime
from functools import lru_cache

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from .exceptions import CredentialError
from .jsonld import MULTIKEY_V1, canonize
from .models import SigningKey

Algorithm = SigningKey.Algorithm
CRYPTOSUITE = "eddsa-rdfc-2022"
ED25519_MULTICODEC = b"\xed\x01"  # the multicodec prefix of an Ed25519 public key
# Terms the issuer profile and the RSA key documents use beyond the published contexts (security vocabulary).
KEY_TERMS_CONTEXT = {
    "verificationMethod": {"@id": "https://w3id.org/security#verificationMethod", "@type": "@id",
                           "@container": "@set"},
    "assertionMethod": {"@id": "https://w3id.org/security#assertionMethod", "@type": "@id", "@container": "@set"},
    "JsonWebKey": {"@id": "https://w3id.org/security#JsonWebKey", "@context": {
        "controller": {"@id": "https://w3id.org/security#controller", "@type": "@id"},
        "publicKeyJwk": {"@id": "https://w3id.org/security#publicKeyJwk", "@type": "@json"}}},
}

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58btc_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    encoded = ""
    while number:
        number, digit = divmod(number, 58)
        encoded = _B58[digit] + encoded
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + encoded


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _B58:
            raise CredentialError("not base58btc")
        number = number * 58 + _B58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def issuer_id() -> str:
    """The issuer profile's URL (HTTPS in production): the credential's ``issuer.id`` and the keys' controller."""
    return absolute(reverse("certificates:issuer_profile"))


def key_url(key: SigningKey) -> str:
    return absolute(reverse("certificates:credential_key", args=[key.kid]))


# --- Keys


def _key_new(algorithm: str) -> SigningKey:
    if algorithm == Algorithm.ED25519:
        private = ed25519.Ed25519PrivateKey.generate()
        public_jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(private.public_key()))
        thumb = public_jwk["x"]
    else:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
        thumb = public_jwk["n"]
    kid = hashlib.sha256(thumb.encode()).hexdigest()[:16]
    public_jwk.update({"use": "sig", "alg": algorithm})
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return SigningKey.objects.create(kid=kid, algorithm=algorithm, private_key_pem=pem, public_jwk=public_jwk)


def signing_key_current(algorithm: str = Algorithm.ED25519) -> SigningKey:
    """The bureau's current key for ``algorithm``, generated on first use (once: a constraint allows one current
    key per algorithm)."""
    key = SigningKey.objects.filter(is_current=True, algorithm=algorithm).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return _key_new(algorithm)
    except IntegrityError:  # another process made the key first: use theirs
        return SigningKey.objects.get(is_current=True, algorithm=algorithm)


@transaction.atomic
def signing_key_rotate(*, algorithm: str) -> SigningKey:
    """Retire the current key of ``algorithm`` and make a new one. The retired key stays published (profile,
    JWKS, its own URL), so credentials it signed keep verifying; new credentials are signed with the new key."""
    SigningKey.objects.select_for_update().filter(is_current=True, algorithm=algorithm).update(is_current=False)
    return _key_new(algorithm)


def published_keys() -> list[SigningKey]:
    """Every key, current and retired, oldest first; the current keys are made here if missing, so a verifier
    never finds an empty key set."""
    signing_key_current(Algorithm.ED25519)
    signing_key_current(Algorithm.RSA)
    return list(SigningKey.objects.order_by("created_at", "pk"))


def public_key_multibase(key: SigningKey) -> str:
    raw = jwt.utils.base64url_decode(key.public_jwk["x"])
    return "z" + base58btc_encode(ED25519_MULTICODEC + raw)


def verification_method(key: SigningKey) -> dict:
    """The key as a verification method (without ``@context``): Multikey for Ed25519, JsonWebKey for RSA."""
    if key.algorithm == Algorithm.ED25519:
        return {"id": key_url(key), "type": "Multikey", "controller": issuer_id(),
                "publicKeyMultibase": public_key_multibase(key)}
    return {"id": key_url(key), "type": "JsonWebKey", "controller": issuer_id(), "publicKeyJwk": public_jwk(key)}


def key_document(key: SigningKey) -> dict:
    """What the key's URL serves."""
    context = MULTIKEY_V1 if key.algorithm == Algorithm.ED25519 else [KEY_TERMS_CONTEXT]
    return {"@context": context, **verification_method(key)}


def public_jwk(key: SigningKey) -> dict:
    return {**key.public_jwk, "kid": key_url(key)}


def jwks() -> dict:
    return {"keys": [public_jwk(key) for key in published_keys()]}


def _key_for(url: str, algorithms) -> SigningKey:
    kid = url.rstrip("/").rsplit("/", 1)[-1]
    key = SigningKey.objects.filter(kid=kid, algorithm__in=algorithms).first()
    if key is None or key_url(key) != url:
        raise CredentialError("not signed with a key of this bureau")
    return key


def _private(key: SigningKey):
    return _load_private(key.kid, key.private_key_pem)


@lru_cache(maxsize=16)
def _load_private(kid: str, pem: str):
    # Loading checks an RSA key's consistency (~0.1 s); a key's PEM never changes, so each is loaded once.
    return serialization.load_pem_private_key(pem.encode(), password=None)


# --- Data Integrity eddsa-rdfc-2022


def _hash_data(document: dict, proof_options: dict) -> bytes:
    unsigned = {name: value for name, value in document.items() if name != "proof"}
    options = {**proof_options, "@context": document["@context"]}
    return (hashlib.sha256(canonize(options).encode()).digest()
            + hashlib.sha256(canonize(unsigned).encode()).digest())


def data_integrity_sign(document: dict, *, key: SigningKey | None = None) -> dict:
    """``document`` with an embedded ``eddsa-rdfc-2022`` proof by the current (or the given) Ed25519 key."""
    key = key or signing_key_current(Algorithm.ED25519)
    proof = {
        "type": "DataIntegrityProof", "cryptosuite": CRYPTOSUITE,
        "created": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "verificationMethod": key_url(key), "proofPurpose": "assertionMethod",
    }
    signature = _private(key).sign(_hash_data(document, proof))
    unsigned = {name: value for name, value in document.items() if name != "proof"}
    return {**unsigned, "proof": {**proof, "proofValue": "z" + base58btc_encode(signature)}}


def data_integrity_verify(document: dict) -> None:
    """Check the document's ``eddsa-rdfc-2022`` proof against this bureau's keys; ``CredentialError`` says why
    it fails."""
    proofs = document.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs] if proofs else []
    proof = next((p for p in proofs if isinstance(p, dict) and p.get("cryptosuite") == CRYPTOSUITE), None)
    if proof is None or proof.get("type") != "DataIntegrityProof":
        raise CredentialError("no eddsa-rdfc-2022 Data Integrity proof")
    if proof.get("proofPurpose") != "assertionMethod":
        raise CredentialError("the proof is not for assertion")
    key = _key_for(str(proof.get("verificationMethod", "")), [Algorithm.ED25519])
    value = str(proof.get("proofValue", ""))
    if not value.startswith("z"):
        raise CredentialError("the proof value is not multibase base58btc")
    options = {name: item for name, item in proof.items() if name != "proofValue"}
    public = ed25519.Ed25519PublicKey.from_public_bytes(jwt.utils.base64url_decode(key.public_jwk["x"]))
    try:
        public.verify(base58btc_decode(value[1:]), _hash_data(document, options))
    except InvalidSignature as error:
        raise CredentialError("the signature does not match") from error


# --- VC-JWT


def jwt_sign(claims: dict, *, algorithm: str | None = None) -> str:
    key = signing_key_current(algorithm or settings.CREDENTIAL_JWT_ALGORITHM)
    return jwt.encode(claims, _private(key), algorithm=key.algorithm,
                      headers={"kid": key_url(key), "typ": "vc+jwt", "cty": "vc"})


def jwt_verify(token: str) -> dict:
    """The payload of a VC-JWT signed with one of this bureau's keys (dates are judged by the caller, from the
    credential's own ``validFrom``/``validUntil``)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise CredentialError("not a JWT") from error
    algorithm = header.get("alg")
    if algorithm not in Algorithm.values:
        raise CredentialError("not signed with a key of this bureau")
    key = _key_for(str(header.get("kid", "")), [algorithm])
    try:
        return jwt.decode(token, jwt.PyJWK(key.public_jwk).key, algorithms=[key.algorithm], issuer=issuer_id(),
                          options={"verify_exp": False, "verify_nbf": False})
    except jwt.PyJWTError as error:
        raise CredentialError("the signature does not match") from error
