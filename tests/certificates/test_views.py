import datetime
import json

import jwt
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from certificates import services, status_lists
from certificates.models import Certificate, VerificationCheck
from certificates.verification import mask_name
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()


@pytest.fixture
def certificate(holder, program):
    return services.certificate_issue(holder=holder, program=program, announce=False)[0]


@pytest.mark.parametrize(("name", "masked"), [
    ("张晓明", "张*明"), ("李四", "李*"), ("欧阳小明", "欧**明"), ("王", "*"),
])
def test_names_are_masked(name, masked):
    assert mask_name(name) == masked


def test_the_public_page_shows_a_valid_certificate_without_login_and_logs_the_check(client, certificate):
    response = client.get(certificate.verification_path())
    text = response.content.decode()
    assert response.status_code == 200
    assert "有效" in text and "张*明" in text and "张晓明" not in text
    assert certificate.serial_number in text and "人民调解员培训合格证书" in text
    check = VerificationCheck.objects.get()
    assert check.certificate == certificate and check.channel == "page" and check.client_ip == "127.0.0.1"


def test_an_unknown_code_is_404_and_logged(client, db):
    assert client.get(reverse("certificates:verify", args=["no-such-code"])).status_code == 404
    assert VerificationCheck.objects.get().certificate is None


def test_revoked_reads_as_revoked_on_page_json_and_status_list(client, certificate):
    services.certificate_revoke(certificate=certificate, revoked_by=factories.administrator(), reason="违纪")
    page = client.get(certificate.verification_path()).content.decode()
    assert "已撤销" in page and 'data-status="revoked"' in page
    data = client.get(reverse("certificates:verify_json", args=[certificate.verification_code])).json()
    assert data["status"] == "revoked" and data["holder"] == "张*明"
    certificate.refresh_from_db()
    listed = client.get(reverse("certificates:status_list", args=[certificate.status_list, "revocation"])).json()
    bitstring = status_lists.decode(listed["credentialSubject"]["encodedList"])
    assert status_lists.bit_is_set(bitstring, certificate.status_index)


def test_the_json_form_has_no_personal_details(client, certificate):
    data = client.get(reverse("certificates:verify_json", args=[certificate.verification_code])).json()
    assert data["status"] == "valid"
    assert set(data) == {"status", "status_label", "program", "holder", "serial_number", "issued_on", "expires_on",
                         "issuer", "checked_at"}


def test_checks_are_rate_limited_per_client_with_a_chinese_429(client, certificate, settings):
    settings.CERTIFICATE_CHECKS_PER_MINUTE = 3
    for _ in range(3):
        assert client.get(certificate.verification_path()).status_code == 200
    response = client.get(certificate.verification_path())
    assert response.status_code == 429 and "查询过于频繁" in response.content.decode()
    other = client.get(certificate.verification_path(), REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 200


def test_lookup_answers_only_an_exact_serial_and_name(client, certificate):
    url = reverse("certificates:lookup")
    wrong = client.get(url, {"serial_number": certificate.serial_number, "name": "张晓"}).content.decode()
    assert "没有与该编号和姓名相符的证书" in wrong and "张*明" not in wrong
    right = client.get(url, {"serial_number": certificate.serial_number, "name": "张晓明"}).content.decode()
    assert "张*明" in right and "有效" in right
    assert VerificationCheck.objects.filter(channel="lookup").count() == 2


def test_the_holder_sees_and_downloads_their_certificates(client, holder, certificate):
    client.force_login(holder)
    page = client.get(reverse("certificates:mine")).content.decode()
    assert "我的证书" in page and certificate.serial_number in page
    home = client.get(reverse("people:learner_home")).content.decode()
    assert 'data-testid="certificates-panel"' in home and certificate.serial_number in home
    response = client.get(reverse("certificates:pdf", args=[certificate.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


def test_nobody_else_downloads_a_certificate(client, certificate, committee):
    client.force_login(factories.mediator(committee=committee))
    assert client.get(reverse("certificates:pdf", args=[certificate.pk])).status_code == 404
    assert client.get(reverse("certificates:credential", args=[certificate.pk])).status_code == 404


def test_bureau_staff_see_only_their_jurisdiction(client, certificate, townships):
    own = factories.bureau_staff(jurisdiction=townships[0])
    other = factories.bureau_staff(jurisdiction=townships[1])
    client.force_login(other)
    assert certificate.serial_number not in client.get(reverse("certificates:bureau_certificates")).content.decode()
    assert client.get(reverse("certificates:bureau_certificate", args=[certificate.pk])).status_code == 404
    client.force_login(own)
    listing = client.get(reverse("certificates:bureau_certificates"), {"status": "valid", "q": "张"})
    assert certificate.serial_number in listing.content.decode()
    assert client.get(reverse("certificates:bureau_certificate", args=[certificate.pk])).status_code == 200


def test_bureau_staff_issue_by_hand_and_revoke_with_a_reason(client, holder, program, county):
    staff = factories.bureau_staff(jurisdiction=county)
    client.force_login(staff)
    search = client.get(reverse("certificates:bureau_issue"), {"q": "晓明"}).content.decode()
    assert f"?holder={holder.pk}" in search
    url = reverse("certificates:bureau_issue") + f"?holder={holder.pk}"
    missing_reason = client.post(url, {"program": program.pk, "reason": ""})
    assert "请填写原因" in missing_reason.content.decode() and not Certificate.objects.exists()
    response = client.post(url, {"program": program.pk, "reason": "线下培训考核合格"})
    certificate = Certificate.objects.get()
    assert response.url == reverse("certificates:bureau_certificate", args=[certificate.pk])
    detail = reverse("certificates:bureau_certificate", args=[certificate.pk])
    refused = client.post(detail, {"action": "revoke", "revoke-reason": ""})
    assert "请填写原因" in refused.content.decode()
    client.post(detail, {"action": "revoke", "revoke-reason": "冒名参加考试"})
    certificate.refresh_from_db()
    assert certificate.status == "revoked"
    assert certificate.status_changes.last().reason == "冒名参加考试"


def test_staff_cannot_issue_to_someone_outside_their_jurisdiction(client, holder, program, townships):
    client.force_login(factories.bureau_staff(jurisdiction=townships[1]))
    url = reverse("certificates:bureau_issue") + f"?holder={holder.pk}"
    assert client.post(url, {"program": program.pk, "reason": "x"}).status_code == 404
    assert not Certificate.objects.exists()


def test_renewal_from_the_bureau_page(client, certificate, county):
    staff = factories.bureau_staff(jurisdiction=county)
    client.force_login(staff)
    response = client.post(reverse("certificates:bureau_certificate", args=[certificate.pk]),
                           {"action": "renew", "renew-reason": "继续教育学时已满"})
    renewed = Certificate.objects.get(supersedes=certificate)
    assert response.url == reverse("certificates:bureau_certificate", args=[renewed.pk])
    certificate.refresh_from_db()
    assert (certificate.status, renewed.status) == ("superseded", "issued")
    change = certificate.status_changes.last()
    assert (change.old_status, change.new_status, change.changed_by, change.reason) == (
        "issued", "superseded", staff, "继续教育学时已满")
    assert renewed.serial_number != certificate.serial_number


def test_suspend_and_reinstate_from_the_bureau_page_flip_the_status_bit(client, certificate, county):
    from certificates import status_lists

    client.force_login(factories.bureau_staff(jurisdiction=county))
    detail = reverse("certificates:bureau_certificate", args=[certificate.pk])
    page = client.get(detail).content.decode()
    assert 'data-testid="suspend"' in page and 'data-testid="reinstate"' not in page
    assert "请填写原因" in client.post(detail, {"action": "suspend", "suspend-reason": ""}).content.decode()
    client.post(detail, {"action": "suspend", "suspend-reason": "年度考核未通过"})
    certificate.refresh_from_db()
    assert certificate.status == "suspended" and certificate.public_status() == "suspended"

    def suspension_bit():
        listed = status_lists.status_list_credential(certificate.status_list, "suspension")
        return status_lists.bit_is_set(status_lists.decode(listed["credentialSubject"]["encodedList"]),
                                       certificate.status_index)

    assert suspension_bit()
    page = client.get(detail).content.decode()
    assert 'data-testid="reinstate"' in page and 'data-testid="suspend"' not in page and "已暂停" in page
    assert "已暂停" in client.get(certificate.verification_path()).content.decode()
    client.post(detail, {"action": "reinstate", "reinstate-reason": "复核通过"})
    certificate.refresh_from_db()
    assert certificate.status == "issued" and not suspension_bit()
    assert [c.new_status for c in certificate.status_changes.all()] == ["issued", "suspended", "issued"]
    assert client.post(detail, {"action": "reinstate", "reinstate-reason": "再次"}).status_code == 200  # not offered
    certificate.refresh_from_db()
    assert certificate.status_changes.count() == 3


def test_a_suspended_certificate_is_not_issued_again_or_renewed_automatically(certificate, holder, program):
    services.certificate_suspend(certificate=certificate, suspended_by=factories.administrator(), reason="年度考核")
    again, created = services.certificate_issue(holder=holder, program=program, announce=False)
    assert again == certificate and not created
    assert services.certificates_evaluate(holder=holder) == []


def test_bulk_issue_page_and_zip(client, committee, program, holder, county, django_capture_on_commit_callbacks):
    factories.mediator(committee=committee, name="李四")
    client.force_login(factories.bureau_staff(jurisdiction=county))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("certificates:bureau_bulk_new"), {
            "committee": committee.pk, "program": program.pk, "reason": "集中培训合格"})
    page = client.get(response.url).content.decode()
    assert 'data-status="done"' in page and "新发证 2 人" in page
    archive = client.get(response.url + "zip/")
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))).namelist()
    assert len(names) == 2 and all(n.endswith(".pdf") for n in names)


def test_bulk_issue_refuses_a_committee_outside_the_jurisdiction(client, committee, program, townships):
    client.force_login(factories.bureau_staff(jurisdiction=townships[1]))
    response = client.post(reverse("certificates:bureau_bulk_new"), {
        "committee": committee.pk, "program": program.pk, "reason": "x"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()


def test_bureau_pages_render_for_staff_and_refuse_learners(client, certificate, county, holder):
    client.force_login(holder)
    assert client.get(reverse("certificates:bureau_certificates")).status_code == 403
    client.force_login(factories.bureau_staff(jurisdiction=county))
    for name in ("bureau_certificates", "bureau_programs", "bureau_issue", "bureau_bulk_new"):
        assert client.get(reverse(f"certificates:{name}")).status_code == 200, name
    home = client.get(reverse("people:bureau_home")).content.decode()
    assert "人民调解员培训合格证书" in home


def test_the_register_uses_a_constant_number_of_queries(client, committee, program, county, count_queries):
    def issue(n):
        for _ in range(n):
            services.certificate_issue(holder=factories.mediator(committee=committee), program=program,
                                       announce=False)

    client.force_login(factories.bureau_staff(jurisdiction=county))
    register = reverse("certificates:bureau_certificates")
    issue(3)
    client.get(register)
    small = count_queries(lambda: client.get(register))
    issue(20)
    assert count_queries(lambda: client.get(register)) == small <= 16


def test_well_known_documents_publish_the_key(client, certificate):
    from certificates import credentials, proofs

    token = credentials.credential_jwt(certificate)
    kid = jwt.get_unverified_header(token)["kid"]
    did = client.get("/.well-known/did.json").json()
    assert did["id"].startswith("did:web:") and did["alsoKnownAs"] == [proofs.issuer_id()]
    assert {m["publicKeyJwk"].get("crv") for m in did["verificationMethod"]} == {"Ed25519", None}  # and RSA
    keys = client.get("/.well-known/jwks.json").json()["keys"]
    assert {key["alg"] for key in keys} == {"EdDSA", "RS256"}
    assert not any("d" in key or "p" in key for key in keys)  # never the private part
    # A verifier who has only the published key set checks the credential's signature with it.
    jwk = next(key for key in keys if key["kid"] == kid)
    claims = jwt.decode(token, key=jwt.PyJWK(jwk).key, algorithms=[jwk["alg"]], options={"verify_aud": False})
    assert claims["jti"] == certificate.verification_url()


def test_the_credential_check_page_refuses_a_forged_credential_pasted_or_uploaded(client, certificate):
    from certificates import credentials

    header, payload, signature = credentials.credential_jwt(certificate).split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["credentialSubject"]["achievement"]["name"] = "伪造的证书"
    forged = f"{header}.{jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()}.{signature}"
    url = reverse("certificates:credential_check")
    page = client.post(url, {"credential": forged}).content.decode()
    assert 'data-ok="false"' in page and "签名无效" in page
    upload = SimpleUploadedFile("forged.jwt", forged.encode())
    page = client.post(url, {"credential": "", "file": upload}).content.decode()
    assert 'data-ok="false"' in page and "签名无效" in page
    page = client.post(url, {"credential": ""}).content.decode()
    assert "请粘贴凭证内容或选择凭证文件" in page and "data-ok" not in page


def test_bureau_staff_edit_programs_in_the_wagtail_admin(client, county, program):
    factories.course_module(title="人民调解法及配套规定解读", slug="mediation-law")
    client.force_login(factories.bureau_staff(jurisdiction=county))
    listing = client.get(reverse("wagtailsnippets_certificates_program:list"))
    assert listing.status_code == 200 and "人民调解员培训合格证书" in listing.content.decode()
    edit = client.get(reverse("wagtailsnippets_certificates_program:edit", args=[program.pk]))
    assert edit.status_code == 200 and "人民调解法及配套规定解读" in edit.content.decode()


def test_bureau_staff_set_exams_scenarios_and_hours_in_the_program_form(client, county, program):
    from tests.assessments import factories as af

    module = factories.course_module(title="模拟调解", slug="simulated-mediation")
    scenario = factories.scenario(module=module, title="邻里通行纠纷")
    exam = af.quiz(title="人民调解员培训合格考试")
    client.force_login(factories.bureau_staff(jurisdiction=county))
    url = reverse("wagtailsnippets_certificates_program:edit", args=[program.pk])
    assert "必须完成的模拟调解" in client.get(url).content.decode()
    response = client.post(url, {
        "name": program.name, "slug": program.slug, "description": "", "for_mediators": "on",
        "required_quizzes": [exam.pk], "min_training_hours": "12", "hours_window_months": "24",
        "validity_months": "36", "renewal_hours": "20", "is_active": "on", "sort_order": "0",
        "required_scenarios-TOTAL_FORMS": "1", "required_scenarios-INITIAL_FORMS": "0",
        "required_scenarios-MIN_NUM_FORMS": "0", "required_scenarios-MAX_NUM_FORMS": "1000",
        "required_scenarios-0-scenario": scenario.pk, "required_scenarios-0-min_percent": "80",
        "required_scenarios-0-id": "", "required_scenarios-0-DELETE": "",
    })
    assert response.status_code == 302, response.content.decode()[-3000:]
    program.refresh_from_db()
    assert list(program.required_quizzes.all()) == [exam] and program.hours_window_months == 24
    assert [(r.scenario_id, r.min_percent) for r in program.required_scenarios.all()] == [(scenario.pk, 80)]


def test_administrators_set_the_seal_and_signatory_in_the_wagtail_admin(client, db):
    client.force_login(factories.administrator())
    response = client.get(reverse("wagtailsettings:edit", args=["certificates", "certificatesettings"]), follow=True)
    assert response.status_code == 200 and "签发人" in response.content.decode()


def _attended_session(township, people):
    from datetime import timedelta

    from django.utils import timezone

    from courses import services as courses
    from courses.models import SessionAttendance

    module = factories.course_module(title="劳动争议调解", credit_hours=3, slug="labor-disputes")
    session = factories.rotation_session(township=township, modules=[module], title="菜单式轮训：劳动争议",
                                         starts_at=timezone.now() - timedelta(days=3))
    for person in people:
        courses.attendance_record(session=session, person=person, method=SessionAttendance.Method.ROSTER)
    return session


def test_bulk_issue_to_a_sessions_attendees_in_the_jurisdiction(
        client, committee, program, holder, county, townships, django_capture_on_commit_callbacks):
    absent = factories.mediator(committee=committee, name="缺席者")
    session = _attended_session(townships[0], [holder, factories.mediator(committee=committee, name="李四")])
    client.force_login(factories.bureau_staff(jurisdiction=townships[1]))  # another township: not theirs
    response = client.post(reverse("certificates:bureau_bulk_new"), {
        "session": session.pk, "program": program.pk, "reason": "轮训考核合格"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    client.force_login(factories.bureau_staff(jurisdiction=county))
    both = client.post(reverse("certificates:bureau_bulk_new"), {
        "committee": committee.pk, "session": session.pk, "program": program.pk, "reason": "轮训考核合格"})
    assert "委员会" in both.content.decode() and "errorlist" in both.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("certificates:bureau_bulk_new"), {
            "session": session.pk, "program": program.pk, "reason": "轮训考核合格"})
    page = client.get(response.url).content.decode()
    assert 'data-status="done"' in page and "新发证 2 人" in page and "菜单式轮训：劳动争议" in page
    assert set(Certificate.objects.values_list("holder__name", flat=True)) == {"张晓明", "李四"}
    assert not Certificate.objects.filter(holder=absent).exists()


def test_the_published_key_set_is_never_empty(client, db):
    from certificates.models import SigningKey

    assert not SigningKey.objects.exists()
    keys = client.get("/.well-known/jwks.json").json()["keys"]
    assert sorted(key["alg"] for key in keys) == ["EdDSA", "RS256"] and not any("d" in key for key in keys)
    assert client.get("/.well-known/jwks.json").json()["keys"] == keys  # made once


def test_the_public_check_and_its_json_for_expired_and_superseded_certificates(client, certificate):
    verify_json = reverse("certificates:verify_json", args=[certificate.verification_code])
    # Past its date: expired at once, before the nightly sweep records it, and after.
    Certificate.objects.filter(pk=certificate.pk).update(
        issued_on=timezone.localdate() - datetime.timedelta(days=800),
        expires_on=timezone.localdate() - datetime.timedelta(days=1))
    for sweep in (False, True):
        if sweep:
            assert services.certificates_expire_due() == 1
        page = client.get(certificate.verification_path()).content.decode()
        assert 'data-status="expired"' in page and "已过期" in page and "张*明" in page and "有效</" not in page
        data = client.get(verify_json).json()
        assert (data["status"], data["status_label"], data["holder"]) == ("expired", "已过期", "张*明")
    # Renewed: the old certificate reads superseded, the new one valid.
    renewed = services.certificate_renew(certificate=certificate, renewed_by=factories.administrator(),
                                         reason="继续教育学时已满", announce=False)
    page = client.get(certificate.verification_path()).content.decode()
    assert 'data-status="superseded"' in page and "已换发新证" in page
    data = client.get(verify_json).json()
    assert (data["status"], data["status_label"]) == ("superseded", "已换发新证")
    data = client.get(reverse("certificates:verify_json", args=[renewed.verification_code])).json()
    assert (data["status"], data["serial_number"]) == ("valid", renewed.serial_number)


def test_staff_outside_the_jurisdiction_cannot_revoke_or_renew_by_post(client, certificate, townships):
    detail = reverse("certificates:bureau_certificate", args=[certificate.pk])
    client.force_login(factories.bureau_staff(jurisdiction=townships[1]))
    assert client.post(detail, {"action": "revoke", "revoke-reason": "越权撤销"}).status_code == 404
    assert client.post(detail, {"action": "renew", "renew-reason": "越权换发"}).status_code == 404
    certificate.refresh_from_db()
    assert certificate.status == "issued" and certificate.status_changes.count() == 1
    assert Certificate.objects.count() == 1
    # The same posts from staff of the certificate's township do both (so the refusal above is the jurisdiction's).
    client.force_login(factories.bureau_staff(jurisdiction=townships[0]))
    assert client.post(detail, {"action": "renew", "renew-reason": "学时已满"}).status_code == 302
    renewed = Certificate.objects.get(supersedes=certificate)
    renewed_detail = reverse("certificates:bureau_certificate", args=[renewed.pk])
    assert client.post(renewed_detail, {"action": "revoke", "revoke-reason": "冒名"}).status_code == 302
    renewed.refresh_from_db()
    assert renewed.status == "revoked"
