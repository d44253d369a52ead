"""Open Badges 3.0 credentials on VC Data Model 2.0: content, proofs, status, keys, delivery and checking.

``assert_open_badges_3`` holds what the Open Badges 3.0 specification (§ AchievementCredential, Profile,
Achievement, Image) and 1EdTech's ``ob_v3p0_achievementcredential_schema.json`` require, written out here."""

import json
import re
from datetime import UTC, date, datetime, timedelta

import jwt
import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse

from certificates import credentials, jsonld, proofs, services, status_lists
from certificates.exceptions import CredentialError
from certificates.models import Certificate, SigningKey
from tests import factories

URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")
OB_CONTEXT = re.compile(r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-\d+\.\d+\.\d+)*\.json$")


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()


@pytest.fixture
def certificate(holder, program):
    certificate = services.certificate_issue(holder=holder, program=program, announce=False)[0]
    certificate.refresh_from_db()
    return certificate


def _types(value) -> list:
    return value if isinstance(value, list) else [value]


def _datetime(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert moment.tzinfo is not None, f"{value} has no time zone"
    return moment


def _assert_profile(profile: dict):
    assert URI.match(profile["id"]) and "Profile" in _types(profile["type"])


def _assert_image(image: dict):
    assert URI.match(image["id"]) and image["type"] == "Image"


def assert_open_badges_3(credential: dict, *, proof: bool):
    """What OB 3.0 requires of an AchievementCredential (on VC 2.0)."""
    context = credential["@context"]
    assert context[0] == jsonld.VC_V2
    assert any(isinstance(c, str) and OB_CONTEXT.match(c) for c in context)
    assert URI.match(credential["id"])
    assert "VerifiableCredential" in credential["type"]
    assert {"AchievementCredential", "OpenBadgeCredential"} & set(credential["type"])
    assert credential["name"]
    _assert_profile(credential["issuer"])
    assert _datetime(credential["validFrom"]) < _datetime(credential["validUntil"])
    assert "issuanceDate" not in credential and "expirationDate" not in credential  # VC 1.1 terms
    subject = credential["credentialSubject"]
    assert "AchievementSubject" in _types(subject["type"])
    assert URI.match(subject.get("id", "")) or subject.get("identifier")
    achievement = subject["achievement"]
    assert URI.match(achievement["id"]) and "Achievement" in _types(achievement["type"])
    assert achievement["name"] and achievement["description"]
    assert achievement["criteria"].get("id") or achievement["criteria"].get("narrative")
    _assert_image(achievement["image"])
    _assert_profile(achievement["creator"])
    for status in _types(credential["credentialStatus"]):
        assert status["type"] == "BitstringStatusListEntry" and URI.match(status["id"])
        assert status["statusPurpose"] in ("revocation", "suspension")
        assert int(status["statusListIndex"]) >= 0 and URI.match(status["statusListCredential"])
    if proof:
        for item in _types(credential["proof"]):
            assert item["type"] == "DataIntegrityProof" and item["cryptosuite"] == "eddsa-rdfc-2022"
            assert item["proofPurpose"] == "assertionMethod" and URI.match(item["verificationMethod"])
            assert item["proofValue"].startswith("z")
            _datetime(item["created"])
    # Every term is defined by the contexts (JSON-LD safe mode), from the local copies only.
    jsonld.expand_safe(credential)


def test_every_issued_credential_meets_open_badges_3(certificate, informant_program, committee):
    informant = factories.informant(committee=committee, name="李四")
    other = services.certificate_issue(holder=informant, program=informant_program, issued_by=factories.administrator(),
                                       reason="补录", announce=False)[0]
    for issued in Certificate.objects.all():
        assert_open_badges_3(credentials.credential_json(issued), proof=True)
        payload = jwt.decode(credentials.credential_jwt(issued), options={"verify_signature": False})
        assert_open_badges_3({k: v for k, v in payload.items() if k not in ("iss", "jti", "sub", "nbf", "exp")},
                             proof=False)
    assert other.pk and Certificate.objects.count() == 2


def test_the_credential_describes_the_program_and_the_bureau(certificate, program):
    program.min_training_hours, program.renewal_hours = 24, 12
    program.save()
    certificate.program.refresh_from_db()
    credential = credentials.credential_for(certificate)
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["name"] == "人民调解员培训合格证书" and achievement["achievementType"] == "Certificate"
    narrative = achievement["criteria"]["narrative"]
    assert "24" in narrative and "36" in narrative and "12" in narrative
    assert credential["issuer"]["id"] == proofs.issuer_id() == achievement["creator"]["id"]
    assert credential["issuer"]["otherIdentifier"][0]["identifier"] == credentials.issuer_did()
    assert credential["validFrom"].startswith(certificate.issued_on.isoformat())
    assert credential["validUntil"].startswith(certificate.expires_on.isoformat())


def test_the_holder_cannot_be_recovered_from_the_credential(certificate, holder):
    """No name, no hash of it, no salt: the subject is a random UUID the certificate keeps."""
    text = json.dumps(credentials.credential_json(certificate), ensure_ascii=False)
    assert holder.name not in text and "identityHash" not in text and "salt" not in text
    assert credentials.credential_for(certificate)["credentialSubject"]["id"] == f"urn:uuid:{certificate.subject_id}"
    second = services.certificate_issue(holder=factories.mediator(committee=holder.memberships.first().committee,
                                                                  name="张晓明"),
                                        program=certificate.program, announce=False)[0]
    assert second.subject_id != certificate.subject_id  # same name, unrelated identifiers


def test_safe_mode_refuses_undefined_terms_and_unknown_contexts(certificate):
    credential = credentials.credential_for(certificate)
    with pytest.raises(CredentialError, match="nickname"):
        jsonld.expand_safe({**credential, "nickname": "x"})
    with pytest.raises(CredentialError, match="Diploma"):
        jsonld.expand_safe({**credential, "type": ["VerifiableCredential", "Diploma"]})
    with pytest.raises(CredentialError, match="unknown JSON-LD context"):
        jsonld.expand_safe({**credential, "@context": [*credential["@context"], "https://example.org/ctx.json"]})


def test_the_jwt_payload_is_the_credential_signed_rs256_with_dates_mirrored(certificate):
    token = credentials.credential_jwt(certificate)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["typ"] == "vc+jwt"
    key = SigningKey.objects.get(algorithm="RS256", is_current=True)
    assert header["kid"] == proofs.key_url(key)
    payload = jwt.decode(token, jwt.PyJWK(key.public_jwk).key, algorithms=["RS256"], issuer=proofs.issuer_id())
    assert "vc" not in payload and payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["nbf"] == int(_datetime(payload["validFrom"]).timestamp())
    assert payload["exp"] == int(_datetime(payload["validUntil"]).timestamp())
    assert payload["jti"] == payload["id"] and payload["sub"] == payload["credentialSubject"]["id"]
    eddsa = credentials.credential_jwt(certificate, algorithm="EdDSA")
    assert jwt.get_unverified_header(eddsa)["alg"] == "EdDSA"
    assert credentials.credential_verify(eddsa).ok


@pytest.mark.parametrize("form", ["json", "jwt"])
def test_valid_expired_revoked_and_suspended_each_verify_as_such(certificate, holder, program, form):
    def check(cert, **kwargs):
        text = json.dumps(credentials.credential_json(cert)) if form == "json" else credentials.credential_jwt(cert)
        return credentials.credential_verify(text, **kwargs)

    result = check(certificate)
    assert result.ok and result.status == "valid" and result.proof_valid and result.form == form
    assert check(certificate, now=datetime.now(UTC) + timedelta(days=4 * 366)).status == "expired"
    admin = factories.administrator()
    services.certificate_suspend(certificate=certificate, suspended_by=admin, reason="年度考核未通过")
    result = check(certificate)
    assert result.status == "suspended" and result.proof_valid and not result.ok
    services.certificate_reinstate(certificate=certificate, reinstated_by=admin, reason="复核通过")
    assert check(certificate).status == "valid"
    services.certificate_revoke(certificate=certificate, revoked_by=admin, reason="违纪")
    result = check(certificate)
    assert result.status == "revoked" and not result.ok and result.problems


def test_an_old_certificate_is_expired(holder, program):
    old = services.certificate_issue(holder=holder, program=program, issued_on=date(2020, 1, 1), announce=False)[0]
    old.refresh_from_db()
    result = credentials.credential_verify(json.dumps(credentials.credential_json(old)))
    assert result.proof_valid and result.status == "expired" and "2022-12-31" in result.problems[0]


def test_the_checker_sees_a_revocation_made_after_the_download(certificate):
    """The status lives in the list, not in the file: a credential downloaded while valid reads revoked."""
    downloaded = json.dumps(credentials.credential_json(certificate))
    services.certificate_revoke(certificate=certificate, revoked_by=factories.administrator(), reason="违纪")
    assert credentials.credential_verify(downloaded).status == "revoked"


def test_tampered_forged_or_foreign_credentials_fail(certificate):
    signed = credentials.credential_json(certificate)
    tampered = {**signed, "name": "高级调解员证书"}
    assert not credentials.credential_verify(json.dumps(tampered)).proof_valid
    later = {**signed, "validUntil": "2099-12-31T23:59:59+08:00"}
    assert not credentials.credential_verify(json.dumps(later)).proof_valid
    foreign = {**signed, "proof": {**signed["proof"], "verificationMethod": "https://evil.example/keys/1"}}
    assert not credentials.credential_verify(json.dumps(foreign)).proof_valid
    token = credentials.credential_jwt(certificate)
    header, payload, signature = token.split(".")
    other_payload = jwt.utils.base64url_encode(b'{"iss":"https://evil.example"}').decode()
    assert not credentials.credential_verify(f"{header}.{other_payload}.{signature}").proof_valid
    forged = jwt.encode({"name": "伪造"}, "a-secret-long-enough-for-hmac-sha256-keys", algorithm="HS256")
    assert not credentials.credential_verify(forged).proof_valid
    elsewhere = proofs.data_integrity_sign({**credentials.credential_for(certificate), "issuer": {
        "id": "https://evil.example/issuer", "type": ["Profile"], "name": "某某司法局"}})
    result = credentials.credential_verify(json.dumps(elsewhere))
    assert result.proof_valid and not result.ok and "签发机关" in str(result.problems)
    for junk in ("not a credential", "{not json", "[1, 2]"):
        result = credentials.credential_verify(junk)
        assert not result.ok and result.problems


def test_the_status_list_is_16kb_gzip_base64url_signed_and_flips_at_once(client, certificate):
    url = reverse("certificates:status_list", args=[certificate.status_list, "revocation"])
    response = client.get(url)
    assert response["Cache-Control"] and "no-cache" in response["Cache-Control"] and response["ETag"]
    listed = response.json()
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert listed["issuer"] == proofs.issuer_id() and listed["credentialSubject"]["statusPurpose"] == "revocation"
    encoded = listed["credentialSubject"]["encodedList"]
    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded and "/" not in encoded
    bitstring = status_lists.decode(encoded)
    assert len(bitstring) == 16 * 1024 and not any(bitstring)
    proofs.data_integrity_verify(listed)
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    services.certificate_revoke(certificate=certificate, revoked_by=factories.administrator(), reason="违纪")
    changed = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert changed.status_code == 200
    bitstring = status_lists.decode(changed.json()["credentialSubject"]["encodedList"])
    assert status_lists.bit_is_set(bitstring, certificate.status_index) and sum(map(int.bit_count, bitstring)) == 1
    assert client.get(reverse("certificates:status_list", args=[0, "nonsense"])).status_code == 404


def test_status_indexes_are_drawn_at_random_and_unique(committee, program, settings):
    settings.CREDENTIAL_STATUS_LIST_BITS = 64  # a small list: 32 per list before the next one opens
    people = [factories.mediator(committee=committee) for _ in range(40)]
    issued = [services.certificate_issue(holder=p, program=program, announce=False)[0] for p in people]
    bits = list(Certificate.objects.filter(pk__in=[c.pk for c in issued]).values_list("status_list", "status_index"))
    assert len(set(bits)) == 40 and {number for number, _index in bits} == {0, 1}
    first = [index for number, index in bits if number == 0]
    assert first != sorted(first)  # not handed out in order


def test_key_rotation_keeps_old_credentials_verifiable(certificate, capsys):
    json_before = json.dumps(credentials.credential_json(certificate))
    jwt_before = credentials.credential_jwt(certificate)
    call_command("rotate_signing_key", "--algorithm", "EdDSA")
    call_command("rotate_signing_key", "--algorithm", "RS256")
    assert "new EdDSA key" in capsys.readouterr().out
    assert SigningKey.objects.count() == 4 and SigningKey.objects.filter(is_current=True).count() == 2
    assert credentials.credential_verify(json_before).ok and credentials.credential_verify(jwt_before).ok
    after = credentials.credential_json(certificate)
    assert after["proof"]["verificationMethod"] != json.loads(json_before)["proof"]["verificationMethod"]
    profile = credentials.issuer_profile()
    assert json.loads(json_before)["proof"]["verificationMethod"] in profile["assertionMethod"]
    assert len(profile["verificationMethod"]) == 4 and len(proofs.jwks()["keys"]) == 4


def test_the_issuer_profile_keys_and_achievement_resolve(client, certificate):
    credential = credentials.credential_json(certificate)
    profile = client.get(reverse("certificates:issuer_profile")).json()
    assert profile["id"] == credential["issuer"]["id"] and profile["name"] and profile["address"]["addressCountryCode"]
    _assert_image(profile["image"])
    jsonld.expand_safe(profile)
    method = credential["proof"]["verificationMethod"]
    key = client.get(method.removeprefix(proofs.absolute(""))).json()
    assert key["id"] == method and key["type"] == "Multikey" and key["controller"] == profile["id"]
    assert key["publicKeyMultibase"].startswith("z6Mk")  # base58btc of the Ed25519 multicodec
    jsonld.expand_safe(key)
    achievement_url = credential["credentialSubject"]["achievement"]["id"]
    assert client.get(achievement_url.removeprefix(proofs.absolute(""))).json()["name"] == "人民调解员培训合格证书"


def test_the_holder_downloads_json_and_jwt_and_the_wallet_page_shows_a_qr(client, holder, certificate):
    client.force_login(holder)
    as_json = client.get(reverse("certificates:credential_json", args=[certificate.pk]))
    assert as_json["Content-Disposition"].endswith('.json"') and as_json.json()["proof"]
    as_jwt = client.get(reverse("certificates:credential", args=[certificate.pk]))
    assert credentials.credential_verify(as_jwt.content.decode()).ok
    page = client.get(reverse("certificates:credential_wallet", args=[certificate.pk])).content.decode()
    pickup = reverse("certificates:credential_pickup", args=[certificate.verification_code])
    assert pickup in page and 'data-testid="credential-qr"' in page and "data:image/png;base64," in page
    client.logout()
    picked = client.get(pickup)
    assert picked.status_code == 200 and credentials.credential_verify(picked.content.decode()).ok
    assert credentials.credential_verify(client.get(pickup + "?format=jwt").content.decode()).ok
    services.certificate_revoke(certificate=certificate, revoked_by=factories.administrator(), reason="违纪")
    assert client.get(pickup).status_code == 410


def test_another_learner_cannot_download_it(client, certificate, committee):
    client.force_login(factories.mediator(committee=committee))
    for name in ("credential", "credential_json", "credential_wallet"):
        assert client.get(reverse(f"certificates:{name}", args=[certificate.pk])).status_code == 404


def test_the_check_page_takes_pasted_json_an_uploaded_jwt_and_says_why(client, certificate):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("certificates:credential_check")
    page = client.post(url, {"credential": json.dumps(credentials.credential_json(certificate))}).content.decode()
    assert 'data-ok="true"' in page and 'data-status="valid"' in page and "签名有效" in page
    upload = SimpleUploadedFile("c.jwt", credentials.credential_jwt(certificate).encode())
    assert 'data-ok="true"' in client.post(url, {"file": upload}).content.decode()
    services.certificate_suspend(certificate=certificate, suspended_by=factories.administrator(), reason="年度考核")
    page = client.post(url, {"credential": credentials.credential_jwt(certificate)}).content.decode()
    assert 'data-status="suspended"' in page and "已暂停" in page and "签发机关已暂停" in page
    page = client.post(url, {"credential": "乱码"}).content.decode()
    assert 'data-ok="false"' in page
    assert "粘贴" in client.post(url, {"credential": ""}).content.decode()


def test_the_command_line_check(certificate, tmp_path, capsys):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(credentials.credential_json(certificate)))
    call_command("verify_credential", str(path))
    assert "status: valid" in capsys.readouterr().out
    services.certificate_revoke(certificate=certificate, revoked_by=factories.administrator(), reason="违纪")
    with pytest.raises(CommandError):
        call_command("verify_credential", credentials.credential_jwt(certificate))
    assert "status: revoked" in capsys.readouterr().out


def test_the_deploy_check_wants_an_https_base_url(settings):
    from certificates.checks import credentials_need_https

    settings.WAGTAILADMIN_BASE_URL = "http://academy.example.cn"
    assert [w.id for w in credentials_need_https(None)] == ["certificates.W001"]
    settings.WAGTAILADMIN_BASE_URL = "https://academy.example.cn"
    assert credentials_need_https(None) == []
