"""Each demo login, on a phone in Chinese, lands on its own home and sees only its own navigation."""

import pytest

from tests.browser.conftest import login, open_menu, screenshot

pytestmark = pytest.mark.browser

# username → (where the login lands, menu entries shown, menu entries that must not be shown)
ROLES = {
    "mediator": ("/me/learning/", {"learning", "profile", "logout"}, {"bureau", "admin"}),
    "informant": ("/me/learning/", {"learning", "profile", "logout"}, {"bureau", "admin"}),
    "bureau": ("/me/bureau/", {"bureau", "admin", "profile", "logout"}, {"learning"}),
    "township": ("/me/bureau/", {"bureau", "admin", "profile", "logout"}, {"learning"}),
    "admin": ("/me/bureau/", {"bureau", "admin", "profile", "logout"}, {"learning"}),
}


@pytest.mark.parametrize("username", ROLES)
def test_each_role_sees_its_own_home_and_menu(phone, username):
    landing, shown, hidden = ROLES[username]
    login(phone, username)
    assert phone.url.endswith(landing)
    assert phone.locator("html").get_attribute("lang") == "zh-CN"
    open_menu(phone)
    entries = set(phone.locator("[data-menu]").evaluate_all("els => els.map(e => e.dataset.menu)"))
    assert shown <= entries and not (hidden & entries), entries
    # Nothing overflows a 375 px screen sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, f"home-{username}-375")


def test_learner_home_shows_the_committee_in_chinese(phone):
    login(phone, "mediator")
    assert "林原村人民调解委员会" in phone.inner_text("main")
    assert "我所在的调委会" in phone.inner_text("main")


def test_bureau_home_shows_the_banner_by_township(desktop):
    login(desktop, "bureau")
    text = desktop.inner_text("main")
    assert "达拉特旗人民调解概况" in text and "树林召镇" in text and "展旦召苏木" in text
    assert desktop.locator("[data-menu=bureau]").is_visible()  # the desktop menu is not folded
    screenshot(desktop, "home-bureau-desktop")


def test_township_staff_see_only_their_township(desktop):
    login(desktop, "township")
    text = desktop.inner_text("main")
    assert "树林召镇人民调解概况" in text and "展旦召苏木" not in text


def test_lecturer_lands_in_the_chinese_content_admin(desktop):
    login(desktop, "lecturer")
    assert "/admin/" in desktop.url
    assert desktop.locator("html").get_attribute("lang") == "zh-hans"
    screenshot(desktop, "home-lecturer-admin")


def test_a_wrong_password_is_refused_in_chinese(phone):
    login(phone, "mediator", "wrong-password")
    assert "/accounts/login/" in phone.url
    assert "登录信息不正确" in phone.inner_text("main")


def test_a_learner_is_refused_the_bureau_home(phone):
    login(phone, "mediator")
    response = phone.goto("/me/bureau/")
    assert response.status == 403 and "您无权访问此页面" in phone.inner_text("main")


def test_english_is_one_tap_away(phone):
    phone.goto("/accounts/login/")
    phone.click("form.lang button")
    phone.wait_for_load_state()
    assert phone.locator("h1").inner_text() == "Log in"
    phone.click("form.lang button")
    phone.wait_for_load_state()
    assert phone.locator("h1").inner_text() == "登录"
