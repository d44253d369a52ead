"""From the roster to the first lesson, at 375 px: the bureau imports new people, prints their login slips, a new
mediator scans the slip's QR code (decoded from the PDF with zbarimg), sets a password, lands on "my learning",
enrols in a module, signs out and signs back in with her mobile number."""

import random
import shutil
import subprocess
import uuid
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import login, open_menu, screenshot
from tests.people.roster_files import HEADER

pytestmark = pytest.mark.browser
VILLAGE = "150621100201"  # 林原村, Shulinzhao Town, in the demo banner
PASSWORD = "Tiaojie@2026ok"  # noqa: S105


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def qr_links(pdf_path, tmp_path) -> list[str]:
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf_path), str(tmp_path / "slips")], check=True)
    links = []
    for page in sorted(tmp_path.glob("slips*.png")):
        links += subprocess.run(["zbarimg", "-q", "--raw", str(page)], capture_output=True, text=True).stdout.split()
    return links


@pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("zbarimg")), reason="needs poppler and zbar")
def test_from_a_roster_file_to_the_first_lesson_on_a_phone(phone, browser, demo_server, tmp_path):
    # Digits only: the page audit reads any Latin letters on a Chinese page as an untranslated word.
    committee = f"林原村第{uuid.uuid4().int % 10**6}调解小组"
    people = [("吴晓燕", "女", f"137{random.randrange(10**7, 10**8)}"),  # noqa: S311
              ("郑国强", "男", f"136{random.randrange(10**7, 10**8)}")]  # noqa: S311
    lines = [",".join(HEADER)] + [
        f"{VILLAGE},{committee},村（嘎查）,,{name},{gender},{number},,调解员,兼职,,2026-11-01,"
        for name, gender, number in people]
    data = ("\n".join(lines) + "\n").encode("utf-8-sig")

    # The officer imports the roster on a phone: the result says two people need activation.
    login(phone, "bureau")
    phone.goto("/me/bureau/roster/")
    phone.set_input_files("input[type=file]", files=[{"name": "新人名册.csv", "mimeType": "text/csv", "buffer": data}])
    phone.click("[data-testid=roster-upload] button[type=submit]")
    phone.click("[data-testid=roster-confirm] button[type=submit]")
    phone.wait_for_selector("[data-testid=roster-activation]")
    assert "2 名新人员需要激活码才能登录" in phone.inner_text("[data-testid=roster-activation]")
    screenshot(phone, "onboarding-1-import-done-375")
    no_sideways_scroll(phone)

    # Their login slips: a PDF, its QR codes decoded back to the activation links.
    phone.click("[data-testid=roster-activation] a")
    assert "这里有 2 人从未登录" in phone.inner_text("[data-testid=slip-count]")
    screenshot(phone, "onboarding-2-slips-375")
    no_sideways_scroll(phone)
    with phone.expect_download() as download:
        phone.click("[data-testid=slip-form] button[type=submit]")
    pdf = tmp_path / "slips.pdf"
    download.value.save_as(pdf)
    assert download.value.suggested_filename.startswith("登录条-")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for name, _gender, number in people:
        assert name in text and f"{number[:3]}****{number[-4:]}" in text and number not in text
    links = qr_links(pdf, tmp_path)
    assert len(links) == 2 and all("/accounts/activate/?code=" in link for link in links)

    # A new mediator opens her slip's link on her own phone (whichever QR code zbarimg read first).
    context = browser.new_context(base_url=demo_server, viewport={"width": 375, "height": 812}, locale="zh-CN")
    context.set_default_timeout(10_000)
    mediator = context.new_page()
    link = urlsplit(links[0])
    mediator.goto(f"{link.path}?{link.query}")
    assert mediator.input_value("input[name=code]") == link.query.split("=", 1)[1]
    screenshot(mediator, "onboarding-3-activate-375")
    no_sideways_scroll(mediator)
    mediator.fill("input[name=new_password1]", "12345678")
    mediator.fill("input[name=new_password2]", "12345678")
    mediator.click("[data-testid=activate-form] button[type=submit]")
    assert "密码" in mediator.inner_text(".errorlist")  # Django's validators, in Chinese
    mediator.fill("input[name=new_password1]", PASSWORD)
    mediator.fill("input[name=new_password2]", PASSWORD)
    mediator.click("[data-testid=activate-form] button[type=submit]")
    mediator.wait_for_load_state()
    assert mediator.url.endswith("/me/learning/")
    greeting = mediator.locator("h1").inner_text()
    _name, _gender, mobile = next(person for person in people if person[0] in greeting)
    screenshot(mediator, "onboarding-4-my-learning-375")
    no_sideways_scroll(mediator)

    # She enrols in a module.
    open_menu(mediator)
    mediator.click("[data-menu=menu]")
    mediator.click("[data-testid=module] a:has-text('沟通与心理疏导')")
    mediator.click("[data-testid=enrol]")
    assert "您已报名学习" in mediator.inner_text("main")
    screenshot(mediator, "onboarding-5-enrolled-375")

    # Signs out, and back in with her mobile number.
    open_menu(mediator)
    mediator.click("[data-menu=logout]")
    mediator.wait_for_load_state()
    assert "/accounts/login/" in mediator.url
    assert "手机号、身份证号或用户名" in mediator.inner_text("main")
    login(mediator, mobile, PASSWORD)
    assert mediator.url.endswith("/me/learning/")
    assert "沟通与心理疏导" in mediator.inner_text("main")
    screenshot(mediator, "onboarding-6-signed-in-by-phone-375")
    context.close()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_bureau_staff_pick_people_and_help_one_sign_in(request, viewport):
    page = request.getfixturevalue(viewport)
    width = page.viewport_size["width"]
    page.goto("/accounts/login/")
    assert "手机号、身份证号或用户名" in page.inner_text("main")
    screenshot(page, f"onboarding-login-{width}")
    page.click("a[href='/accounts/password/forgotten/']")
    assert "乡镇司法所" in page.inner_text("main")
    screenshot(page, f"onboarding-forgotten-{width}")
    no_sideways_scroll(page)

    # Assigning a module: people are found by committee (or name, or phone) and tapped to add.
    login(page, "bureau")
    page.goto("/learn/assign/")
    page.fill("[data-testid=person-picker-people] .person-picker-search", "林原村")
    # Someone with a mobile number (other journeys add people without one to this village).
    result = page.locator(".person-picker-result", has_text="****").first
    result.wait_for()
    picked = result.inner_text()
    assert "林原村" in picked and "****" in picked
    result.click()
    chosen = page.locator(".person-picker-chosen input[type=checkbox]:checked")
    assert chosen.count() == 1
    screenshot(page, f"onboarding-picker-{width}")
    no_sideways_scroll(page)

    # The person's sign-in page: status, a new code shown once.
    person_id = chosen.get_attribute("value")
    page.goto(f"/me/bureau/people/{person_id}/sign-in/")
    assert "登录状态" in page.inner_text("[data-testid=sign-in-status]")
    page.click("button[value=code]")
    assert "/accounts/activate/?code=" in page.inner_text("[data-testid=new-code]")
    screenshot(page, f"onboarding-person-sign-in-{width}")
    no_sideways_scroll(page)
