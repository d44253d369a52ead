import jwt
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from certificates import credentials, services
from certificates.models import SigningKey
from tests import factories


@pytest.fixture
def certificate(holder, program):
    return services.certificate_issue(holder=holder, program=program, announce=False)[0]


def test_the_credential_is_an_open_badges_3_credential_signed_with_ed25519(certificate):
    token = credentials.credential_jwt(certificate)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["kid"].startswith(credentials.issuer_did() + "#")
    claims = jwt.decode(token, options={"verify_signature": False})
    vc = claims["vc"]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json" in vc["@context"]
    assert vc["credentialSubject"]["achievement"]["name"] == "人民调解员培训合格证书"
    assert vc["credentialStatus"]["id"].endswith(
        reverse("certificates:credential_status", args=[certificate.verification_code]))
    assert "张晓明" not in token  # the holder is identified by a salted hash only
    assert claims["iss"] == credentials.issuer_did() and claims["jti"] == certificate.verification_url()


def test_one_key_is_made_and_reused(certificate):
    credentials.credential_jwt(certificate)
    credentials.credential_jwt(certificate)
    assert SigningKey.objects.count() == 1


def test_a_verifier_finds_it_valid_then_revoked(certificate):
    token = credentials.credential_jwt(certificate)
    check = credentials.credential_verify(token)
    assert check.ok and check.status == "valid"
    services.certificate_revoke(certificate=certificate, revoked_by=factories.administrator(), reason="违纪")
    check = credentials.credential_verify(token)
    assert check.signature_valid and check.status == "revoked" and not check.ok


def test_a_tampered_or_foreign_credential_fails(certificate):
    token = credentials.credential_jwt(certificate)
    header, payload, signature = token.split(".")
    forged = jwt.encode({"vc": {"name": "伪造"}}, "a-secret-long-enough-for-hmac-sha256-keys", algorithm="HS256",
                        headers={"kid": "x#other"})
    assert not credentials.credential_verify(forged).signature_valid
    other_payload = jwt.utils.base64url_encode(b'{"iss":"did:web:evil"}').decode()
    assert not credentials.credential_verify(f"{header}.{other_payload}.{signature}").signature_valid
    assert credentials.credential_verify("not a jwt").problems


def test_the_holder_downloads_the_credential_and_the_check_page_and_command_verify_it(
        client, holder, certificate, tmp_path, capsys):
    client.force_login(holder)
    response = client.get(reverse("certificates:credential", args=[certificate.pk]))
    token = response.content.decode()
    assert response["Content-Disposition"].endswith('.jwt"')
    page = client.post(reverse("certificates:credential_check"), {"credential": token}).content.decode()
    assert 'data-ok="true"' in page and "签名有效" in page
    path = tmp_path / "c.jwt"
    path.write_text(token)
    call_command("verify_credential", str(path))
    assert "status: valid" in capsys.readouterr().out
    services.certificate_revoke(certificate=certificate, revoked_by=factories.administrator(), reason="违纪")
    with pytest.raises(CommandError):
        call_command("verify_credential", token)
    assert "status: revoked" in capsys.readouterr().out
    page = client.post(reverse("certificates:credential_check"), {"credential": token}).content.decode()
    assert 'data-ok="false"' in page and "已撤销" in page
