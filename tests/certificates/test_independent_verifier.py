"""Digital Bazaar's JavaScript VC libraries (tests/credentials_js) verify our credentials, offline: the
eddsa-rdfc-2022 proof (key found through the issuer profile) and the revocation and suspension bits.

Every document the verifier needs is fetched here from the site's own URLs (the test client) and handed to the
Node script's document loader with the contexts' local copies; nothing comes from the internet."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.cache import cache

from certificates import credentials, jsonld, proofs, services
from tests import factories

JS = Path(__file__).resolve().parents[1] / "credentials_js"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (JS / "node_modules" / "@digitalbazaar" / "vc").is_dir(),
    reason="needs node and `npm ci` in tests/credentials_js (bin/test does it when node is present)")


def _fetch(client, url: str) -> dict:
    response = client.get(url.removeprefix(proofs.absolute("")))
    assert response.status_code == 200, url
    return response.json()


def _bundle(client, named: dict) -> dict:
    """The credentials and every document they lead a verifier to, as served by the site."""
    documents = {}
    for credential in named.values():
        profile_url = credential["issuer"]["id"]
        documents[profile_url] = _fetch(client, profile_url)
        for method in documents[profile_url]["assertionMethod"]:
            documents[method] = _fetch(client, method)
        for entry in credential["credentialStatus"]:
            documents[entry["statusListCredential"]] = _fetch(client, entry["statusListCredential"])
    return {"contexts": {url: jsonld.context_document(url) for url in jsonld.CONTEXT_FILES},
            "documents": documents, "credentials": named}


def _verify(tmp_path, bundle: dict) -> dict:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False))
    completed = subprocess.run(["node", "verify.mjs", str(path)], cwd=JS, capture_output=True, text=True,
                               timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_digital_bazaar_verifies_valid_revoked_and_suspended_credentials(client, committee, program, tmp_path):
    cache.clear()
    admin = factories.administrator()
    valid, revoked, suspended = (
        services.certificate_issue(holder=factories.mediator(committee=committee), program=program,
                                   announce=False)[0] for _ in range(3))
    named = {name: credentials.credential_json(certificate) for name, certificate in
             (("valid", valid), ("revoked", revoked), ("suspended", suspended))}
    services.certificate_revoke(certificate=revoked, revoked_by=admin, reason="违纪")
    services.certificate_suspend(certificate=suspended, suspended_by=admin, reason="年度考核未通过")
    # A key rotation after issue: the old key stays in the profile, so all three still verify.
    proofs.signing_key_rotate(algorithm="EdDSA")
    tampered = {**named["valid"], "name": "高级调解员证书"}

    results = _verify(tmp_path, _bundle(client, {**named, "tampered": tampered}))

    for name in ("valid", "revoked", "suspended"):
        assert results[name]["proofVerified"], results[name]
        assert results[name]["statusVerified"], results[name]  # the status lists' own proofs verified too
    assert results["valid"]["status"] == {"revocation": False, "suspension": False}
    assert results["valid"]["verified"] and not results["valid"]["errors"]
    assert results["revoked"]["status"] == {"revocation": True, "suspension": False}
    assert results["suspended"]["status"] == {"revocation": False, "suspension": True}
    assert not results["tampered"]["proofVerified"] and not results["tampered"]["verified"]
