"""Open Badges 3.0 on the Verifiable Credentials 2.0 data model: each certificate as an ``OpenBadgeCredential``.

The credential is built from the certificate whenever it is asked for (nothing stored), delivered as JSON with an
embedded Data Integrity proof or as a VC-JWT (``proofs``), and its status is read from the bureau's Bitstring
Status Lists (``status_lists``). The issuer is a ``Profile`` at an HTTPS URL (``/credentials/issuer/``) naming the
keys; the holder is a random ``urn:uuid`` with no link to their name (see docs/credentials.md)."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.templatetags.static import static
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from people.models import BureauSettings, Region

from . import status_lists
from .exceptions import CredentialError
from .jsonld import MULTIKEY_V1, OB_V3, VC_V2, expand_safe
from .models import Certificate, CertificateSettings, Program
from .proofs import (
    KEY_TERMS_CONTEXT,
    absolute,
    data_integrity_sign,
    data_integrity_verify,
    issuer_id,
    jwt_sign,
    jwt_verify,
    key_url,
    public_jwk,
    published_keys,
    verification_method,
)
from .services import site_setting

CONTEXT = [VC_V2, OB_V3]


def issuer_did() -> str:
    """did:web of this site (a port is percent-encoded, as did:web requires): the profile's other identifier."""
    return "did:web:" + quote(urlsplit(settings.WAGTAILADMIN_BASE_URL).netloc, safe="")


def did_document() -> dict:
    """The did:web document: the same keys as the profile, for verifiers that resolve the DID."""
    did = issuer_did()
    methods = [{"id": f"{did}#{key.kid}", "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}
               for key, jwk in ((key, public_jwk(key)) for key in published_keys())]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
        "id": did, "alsoKnownAs": [issuer_id()], "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def _image(caption: str) -> dict:
    """The bureau's seal when one is set in the admin, otherwise the site's emblem."""
    seal = site_setting(CertificateSettings).seal
    return {"id": absolute(reverse("certificates:issuer_seal") if seal else static("img/logo.svg")), "type": "Image",
            "caption": caption}


def _issuer_summary(name: str) -> dict:
    return {"id": issuer_id(), "type": ["Profile"], "name": name, "url": absolute("/"),
            "otherIdentifier": [{"type": "IdentifierEntry", "identifier": issuer_did(),
                                 "identifierType": "identifier"}]}


def issuer_profile() -> dict:
    """What the issuer's URL serves: the bureau's Profile and the keys it signs with (every key it ever used)."""
    name = site_setting(BureauSettings).bureau_name
    top = Region.objects.filter(depth=1).order_by("path").first()
    keys = published_keys()
    address = {"type": ["Address"], "addressCountry": "中国", "addressCountryCode": "CN"}
    if top is not None:
        address["addressRegion"] = top.name
    return {
        "@context": [*CONTEXT, MULTIKEY_V1, KEY_TERMS_CONTEXT],
        **_issuer_summary(name),
        "image": _image(name),
        "address": address,
        "verificationMethod": [verification_method(key) for key in keys],
        "assertionMethod": [key_url(key) for key in keys],
    }


def _narrative(program: Program) -> str:
    """What the program requires, as Markdown lines (Open Badges' criteria narrative)."""
    roles = [label for label, allowed in ((_("mediators"), program.for_mediators),
                                          (_("informants"), program.for_informants)) if allowed]
    lines = [_("For: %(roles)s") % {"roles": "、".join(str(role) for role in roles)}]
    if program.min_training_hours:
        lines.append(_("At least %(hours)s training hours within the %(months)s months before issue") % {
            "hours": program.min_training_hours, "months": program.hours_window_months})
    modules = [str(page.title) for page in program.required_modules.all()]
    if modules:
        lines.append(_("Modules completed: %(names)s") % {"names": "、".join(modules)})
    quizzes = [str(quiz) for quiz in program.required_quizzes.all()]
    if quizzes:
        lines.append(_("Exams passed: %(names)s") % {"names": "、".join(quizzes)})
    for requirement in program.required_scenarios.select_related("scenario"):
        lines.append(_("Simulated mediation %(name)s finished with at least %(percent)s%%") % {
            "name": requirement.scenario.title, "percent": requirement.min_percent})
    lines.append(_("Valid for %(months)s months") % {"months": program.validity_months})
    if program.renewal_hours:
        lines.append(_("Renewal: %(hours)s continuing-education hours within the validity period") % {
            "hours": program.renewal_hours})
    return "\n".join(f"- {line}" for line in lines)


def achievement(program: Program, issuer_name: str | None = None) -> dict:
    """The program as an Open Badges ``Achievement`` (also served at its own URL)."""
    issuer_name = issuer_name or site_setting(BureauSettings).bureau_name
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "id": absolute(reverse("certificates:achievement", args=[program.slug])),
            "type": ["Achievement"],
            "achievementType": "Certificate",
            "name": program.name,
            "description": program.description or program.name,
            "criteria": {"narrative": _narrative(program)},
            "image": _image(program.name),
            "creator": _issuer_summary(issuer_name),
            "humanCode": program.slug,
            "inLanguage": translation.to_locale(settings.LANGUAGE_CODE).replace("_", "-"),
        }


def _timestamp(day, end_of_day=False) -> datetime:
    moment = datetime.combine(day, time(23, 59, 59) if end_of_day else time.min,
                              tzinfo=ZoneInfo(settings.TIME_ZONE))
    return moment


def credential_for(certificate: Certificate) -> dict:
    """The unsigned OpenBadgeCredential (VC Data Model 2.0) describing a certificate."""
    return {
        "@context": CONTEXT,
        "id": certificate.verification_url(),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": certificate.program.name,
        "issuer": _issuer_summary(certificate.issuer_name),
        "validFrom": _timestamp(certificate.issued_on).isoformat(),
        "validUntil": _timestamp(certificate.expires_on, end_of_day=True).isoformat(),
        "credentialSubject": {
            "id": f"urn:uuid:{certificate.subject_id}",
            "type": ["AchievementSubject"],
            "achievement": achievement(certificate.program, certificate.issuer_name),
        },
        "credentialStatus": status_lists.status_entries(certificate),
    }


def credential_json(certificate: Certificate) -> dict:
    """The credential with its embedded ``eddsa-rdfc-2022`` Data Integrity proof."""
    return data_integrity_sign(credential_for(certificate))


def credential_jwt(certificate: Certificate, algorithm: str | None = None) -> str:
    """The credential as a VC-JWT: the payload is the credential itself, with the registered claims mirroring it
    (``iss`` the issuer, ``jti`` the id, ``sub`` the subject, ``nbf``/``exp`` validFrom/validUntil)."""
    credential = credential_for(certificate)
    claims = {
        **credential, "iss": credential["issuer"]["id"], "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": int(datetime.fromisoformat(credential["validFrom"]).timestamp()),
        "exp": int(datetime.fromisoformat(credential["validUntil"]).timestamp()),
    }
    return jwt_sign(claims, algorithm=algorithm)


# --- Checking a credential, as an outside verifier would


@dataclass
class CredentialCheck:
    """What checking a credential found. ``problems`` say why it is not valid, in the reader's language."""

    form: str = ""  # "json" (Data Integrity proof) or "jwt"
    proof_valid: bool = False
    status: str = ""  # valid / not_yet_valid / expired / revoked / suspended
    credential: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.proof_valid and self.status == "valid" and not self.problems


def _parse(text: str, check: CredentialCheck) -> dict | None:
    text = text.strip()
    if text.startswith("{"):
        check.form = "json"
        try:
            credential = json.loads(text)
        except ValueError:
            check.problems.append(_("This is not a credential: the JSON cannot be read."))
            return None
        if not isinstance(credential, dict):
            check.problems.append(_("This is not a credential: the JSON cannot be read."))
            return None
        try:
            data_integrity_verify(credential)
        except CredentialError:
            check.problems.append(_("The proof does not match this bureau's keys: the credential was altered, "
                                    "forged or signed by someone else."))
            return credential if isinstance(credential, dict) else None
        check.proof_valid = True
        return credential
    check.form = "jwt"
    try:
        credential = jwt_verify(text)
    except CredentialError:
        if text.count(".") != 2:
            check.problems.append(_("This is not a credential: paste its JSON or its JWT."))
        else:
            check.problems.append(_("The signature does not match this bureau's keys: the credential was "
                                    "altered, forged or signed by someone else."))
        return None
    check.proof_valid = True
    return credential


def _when(value) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _status_bits(credential: dict) -> dict[str, bool]:
    """purpose → whether this credential's bit is set, read from the bureau's own status lists."""
    entries = credential.get("credentialStatus") or []
    entries = entries if isinstance(entries, list) else [entries]
    found = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            continue
        url = str(entry.get("statusListCredential", ""))
        base = absolute("")
        try:
            match = resolve(url[len(base):]) if url.startswith(base) else None
        except Resolver404:
            match = None
        if match is None or match.url_name != "status_list":
            raise CredentialError("status list not published by this bureau")
        list_number, purpose = match.kwargs["list_number"], match.kwargs["purpose"]
        if purpose != entry.get("statusPurpose"):
            raise CredentialError("status purpose does not match its list")
        # The list as published, decoded as any verifier would (without signing a copy just to read it).
        bitstring = status_lists.decode(status_lists.encoded_list(list_number, purpose))
        try:
            index = int(entry.get("statusListIndex", ""))
        except ValueError as error:
            raise CredentialError("bad status index") from error
        found[purpose] = status_lists.bit_is_set(bitstring, index)
    return found


def credential_verify(text: str, now: datetime | None = None) -> CredentialCheck:
    """Check a credential (its JSON with a Data Integrity proof, or its JWT): the proof against this bureau's
    published keys, that every term is defined (JSON-LD safe mode), the dates, and the status bits."""
    check = CredentialCheck()
    credential = _parse(text, check)
    if credential is None:
        return check
    check.credential = credential
    if not check.proof_valid:
        return check
    issuer = credential.get("issuer")
    if (issuer.get("id") if isinstance(issuer, dict) else issuer) != issuer_id():
        check.problems.append(_("It does not name this bureau as its issuer."))
        return check
    try:
        expand_safe({name: value for name, value in credential.items() if name != "proof"})
    except CredentialError:
        check.problems.append(_("The credential uses terms its contexts do not define."))
        return check
    try:
        bits = _status_bits(credential)
    except CredentialError:
        check.problems.append(_("Its status list cannot be read."))
        return check
    if "revocation" not in bits:
        check.problems.append(_("It names no revocation status list."))
    now = now or datetime.now(UTC)
    valid_from, valid_until = _when(credential.get("validFrom")), _when(credential.get("validUntil"))
    if bits.get("revocation"):
        check.status = "revoked"
        check.problems.append(_("The issuer has revoked it."))
    elif bits.get("suspension"):
        check.status = "suspended"
        check.problems.append(_("The issuer has suspended it."))
    elif valid_until is not None and valid_until < now:
        check.status = "expired"
        check.problems.append(_("Its validity ended on %(date)s.") % {"date": valid_until.date().isoformat()})
    elif valid_from is None or valid_from > now:
        check.status = "not_yet_valid"
        check.problems.append(_("It is not valid yet."))
    else:
        check.status = "valid"
    return check
