"""Issue 17 on a phone: search finds a word inside a lesson body; the help page and the learner home's panel."""

import pytest

from tests.browser.conftest import login, open_menu, screenshot

pytestmark = pytest.mark.browser


def test_search_from_the_menu_finds_a_word_inside_a_lesson_body(phone):
    login(phone, "mediator")
    open_menu(phone)
    phone.fill("#q-menu", "宅基地")
    box = phone.locator("#q-menu").bounding_box()
    assert box["height"] >= 44
    phone.press("#q-menu", "Enter")
    phone.wait_for_load_state()
    lessons = phone.locator("[data-testid=result-lesson] a")
    titles = lessons.all_inner_texts()
    # 宅基地 appears only in the body of the inheritance lesson (not in its title).
    assert "继承纠纷：法定继承与遗产分割" in titles
    assert phone.locator("[data-testid=result-case]").count() >= 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "learn-search-375")
    lessons.filter(has_text="继承纠纷").click()
    assert "宅基地使用权不单独继承" in phone.inner_text("main")


def test_learner_home_offers_search_next_steps_and_help(phone):
    login(phone, "mediator")
    phone.goto("/me/learning/")
    assert phone.locator("[data-testid=next-steps-panel]").is_visible()
    phone.fill("#q-home", "背靠背")
    phone.press("#q-home", "Enter")
    phone.wait_for_load_state()
    assert phone.locator("[data-testid=result-lesson]").count() >= 1
    phone.goto("/me/learning/")
    screenshot(phone, "learn-home-375")
    open_menu(phone)
    phone.click("[data-menu=help]")
    assert phone.locator("h1").inner_text() == "帮助"
    assert phone.locator("[data-testid=office-phone]").first.get_attribute("href") == "tel:0477-3961200"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "learn-help-375")


@pytest.mark.parametrize("username", ["bureau"])
def test_other_roles_keep_a_one_line_desktop_header(desktop, username):
    login(desktop, username)
    assert desktop.locator(".site-header").bounding_box()["height"] < 80


def test_the_menu_search_box_fits_the_desktop_header(desktop):
    login(desktop, "mediator")
    desktop.goto("/me/learning/")
    # The menu (with its search and help entries) stays on one line: the header is one row high.
    screenshot(desktop, "learn-home-1280")
    assert desktop.locator(".site-header").bounding_box()["height"] < 80
    desktop.click(".site-nav .search-form button")
    desktop.fill("#q-page", "宅基地")
    desktop.press("#q-page", "Enter")
    desktop.wait_for_load_state()
    assert desktop.locator("[data-testid=result-lesson]").count() >= 2
