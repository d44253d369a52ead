"""Certificates in a real browser against the demo site: bureau staff issue and revoke; anyone checks."""

import pytest

from tests.browser.conftest import login, open_menu, screenshot

pytestmark = pytest.mark.browser


def test_bureau_issues_by_hand_then_the_public_check_follows_a_revocation(desktop, browser, demo_server):
    login(desktop, "bureau")
    desktop.goto("/certificates/bureau/issue/?q=张秀兰")
    desktop.locator("li", has_text="mediator").locator("[data-testid=candidate]").click()
    desktop.select_option("select[name=program]", label="物业纠纷调解员专项培训合格证书")
    desktop.fill("textarea[name=reason]", "参加物业纠纷专题轮训并考核合格")
    desktop.click("[data-testid=issue]")
    assert "已向张秀兰颁发证书" in desktop.inner_text("main")
    serial = desktop.inner_text("[data-testid=serial]")
    assert serial.startswith("150621-")
    with desktop.expect_download() as download:
        desktop.click("[data-testid=download-pdf]")
    assert download.value.path().read_bytes()[:5] == b"%PDF-"
    screenshot(desktop, "certificate-issued-desktop")

    # A stranger with a phone scans the QR code: no login, the name masked.
    verify_path = desktop.get_attribute("[data-testid=qr-url]", "href")
    stranger = browser.new_context(base_url=demo_server, viewport={"width": 375, "height": 812}, locale="zh-CN")
    phone = stranger.new_page()
    phone.goto(verify_path)
    card = phone.locator("[data-testid=verification]")
    assert card.get_attribute("data-status") == "valid"
    text = card.inner_text()
    assert "有效" in text and "张*兰" in text and "张秀兰" not in text and serial in text
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "certificate-verify-valid-375")

    desktop.fill("textarea[name=revoke-reason]", "培训签到记录不实，依规撤销")
    desktop.click("[data-testid=revoke]")
    assert "证书已撤销" in desktop.inner_text("main")

    phone.reload()
    assert card.get_attribute("data-status") == "revoked"
    assert "已撤销" in card.inner_text()
    screenshot(phone, "certificate-verify-revoked-375")
    stranger.close()


def test_the_informant_sees_a_valid_certificate_on_the_phone(phone):
    login(phone, "informant")
    open_menu(phone)
    phone.click("[data-menu=certificates]")
    card = phone.locator("[data-testid=my-certificate]").first
    assert "矛盾纠纷信息员合格证" in card.inner_text() and "有效" in card.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "my-certificates-375")


def test_the_informant_hands_the_credential_to_a_wallet_and_a_stranger_checks_it(phone, tmp_path):
    """The QR code on the 数字凭证 page decodes (zbarimg) to the pickup link; what it serves checks out as valid."""
    import shutil
    import subprocess

    login(phone, "informant")
    phone.goto("/certificates/")
    phone.locator("[data-testid=credential-wallet-link]").first.click()
    link = phone.inner_text("[data-testid=credential-link]")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    for selector in ("[data-testid=download-credential-json]", "[data-testid=download-credential-jwt]"):
        assert phone.locator(selector).bounding_box()["height"] >= 44
    screenshot(phone, "credential-wallet-375")
    if shutil.which("zbarimg"):
        qr = tmp_path / "qr.png"
        phone.locator("[data-testid=credential-qr]").screenshot(path=str(qr))
        decoded = subprocess.run(["zbarimg", "-q", "--raw", str(qr)], capture_output=True, text=True, check=True)
        assert decoded.stdout.strip() == link
    credential = phone.request.get(link).text()
    phone.goto("/verify/credential/")
    phone.fill("textarea[name=credential]", credential)
    phone.click("form.stacked button[type=submit]")
    result = phone.locator("[data-testid=credential-check]")
    assert result.get_attribute("data-ok") == "true" and "签名有效" in result.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "credential-check-375")


def test_the_register_and_programs_at_375(phone):
    login(phone, "bureau")
    phone.goto("/certificates/bureau/?status=expiring")
    assert phone.locator("[data-testid=certificate-row]").count() > 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "certificate-register-375")
    phone.goto("/certificates/bureau/programs/")
    assert "人民调解员培训合格证书" in phone.inner_text("main")
    screenshot(phone, "certificate-programs-375")
