"""JSON-LD for credentials, offline: the contexts come from copies kept in ``certificates/contexts/``, never from
the internet (intranets are often offline, and a context fetched at signing time could change what a signature
covers).

Copies, with the SHA-256 of each file as published:

- ``https://www.w3.org/ns/credentials/v2`` → credentials-v2.json
  (59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734)
- ``https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json`` → ob-v3p0-context-3.0.3.json
  (3d34f4d4ef1bce691106e63798beb5e7b862ba841423f5ee1e53ab7ddf3bca84)
- ``https://w3id.org/security/multikey/v1`` → security-multikey-v1.json
  (ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597)

"Safe mode" is JSON-LD 1.1's rule that a term no context defines is an error instead of being dropped silently:
a signature over a document whose terms vanished in expansion would not cover them."""

import json
from functools import cache
from pathlib import Path

from pyld import jsonld

from .exceptions import CredentialError

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"

CONTEXT_FILES = {
    VC_V2: "credentials-v2.json",
    OB_V3: "ob-v3p0-context-3.0.3.json",
    MULTIKEY_V1: "security-multikey-v1.json",
}
CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"


@cache
def context_document(url: str) -> dict:
    """The kept copy of a context; ``CredentialError`` for any other URL (nothing is fetched)."""
    if url not in CONTEXT_FILES:
        raise CredentialError(f"unknown JSON-LD context {url!r}: only local copies are used")
    return json.loads((CONTEXTS_DIR / CONTEXT_FILES[url]).read_text())


def document_loader(url: str, options=None) -> dict:
    """A pyld document loader that answers from the local copies only."""
    return {"contextUrl": None, "documentUrl": url, "document": context_document(url)}


def _check_types(node) -> None:
    # Safe mode also refuses a type no context defines: expansion keeps it as a relative IRI (no scheme).
    if isinstance(node, list):
        for item in node:
            _check_types(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "@type" and "@value" not in node:
                for iri in value if isinstance(value, list) else [value]:
                    if ":" not in iri:
                        raise CredentialError(f"type {iri!r} is not defined by the credential's contexts")
            elif key != "@value":
                _check_types(value)


def expand_safe(document: dict) -> list:
    """JSON-LD expansion in safe mode: raises ``CredentialError`` for a term or type no context defines, or for a
    context that is not kept locally."""
    refused = []  # pyld wraps what the loader and the handler raise; keep our own reason to raise it unwrapped

    def dropped(prop):
        refused.append(CredentialError(f"term {prop!r} is not defined by the credential's contexts"))
        raise refused[-1]

    def loader(url, options=None):
        try:
            return document_loader(url, options)
        except CredentialError as error:
            refused.append(error)
            raise

    try:
        expanded = jsonld.expand(document, {"documentLoader": loader, "base": None}, on_property_dropped=dropped)
    except (jsonld.JsonLdError, CredentialError) as error:
        if refused:
            raise refused[0] from error
        raise CredentialError(f"not valid JSON-LD: {error}") from error
    _check_types(expanded)
    return expanded


def canonize(document: dict) -> str:
    """RDF Dataset Canonicalization (RDFC-1.0, formerly URDNA2015) as N-Quads, after a safe-mode expansion."""
    return jsonld.normalize(expand_safe(document), {"algorithm": "URDNA2015", "format": "application/n-quads"})
