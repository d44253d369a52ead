"""Content-Security-Policy in a real browser: every page a visitor, a learner and bureau staff can reach by links
runs without a single policy violation (no inline script or handler, nothing from elsewhere), and so does
Wagtail's page editor under the admin policy."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

SKIP = re.compile(r"^/(admin|django-admin|media|documents|api/schema)/|logout|\.(pdf|csv|xlsx|zip|json)$"
                  r"|[?&](format|export)=")
MAX_PAGES = 60


def record_violations(page) -> list[str]:
    """Collect violations from the console and the DOM's securitypolicyviolation event (init scripts are not
    subject to the page's policy)."""
    found: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and found.append(f"{page.url}: {m.text}"))
    page.expose_function("reportViolation", lambda text: found.append(text))
    page.add_init_script("""document.addEventListener('securitypolicyviolation', e =>
        window.reportViolation(location.pathname + ': ' + e.violatedDirective + ' ' + e.blockedURI + ' '
                               + (e.sourceFile || '') + ':' + e.lineNumber));""")
    return found


def crawl(page, start: list[str]) -> list[str]:
    """Visit the start pages and every same-site page linked from them (breadth first, bounded)."""
    seen, queue = set(), list(start)
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen or SKIP.search(url):
            continue
        seen.add(url)
        try:
            response = page.goto(url)
        except PlaywrightError as error:  # a link to a file download (a PDF, an export)
            assert "Download is starting" in str(error), error
            continue
        if not response or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        page.wait_for_load_state("load")
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            parts = urlsplit(href)
            if parts.netloc == urlsplit(page.url).netloc and parts.path:
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return sorted(seen)


@pytest.mark.parametrize("username", [None, "mediator", "lecturer", "bureau"])
def test_no_page_a_user_reaches_violates_the_policy(phone, username):
    violations = record_violations(phone)
    if username:
        login(phone, username)
    visited = crawl(phone, ["/", "/accounts/login/", "/me/", "/verify/", "/api/docs/", "/accounts/password/reset/"])
    assert len(visited) >= 5, visited
    assert violations == [], violations


def test_the_wagtail_page_editor_runs_under_the_admin_policy(desktop):
    violations = record_violations(desktop)
    login(desktop, "admin")
    desktop.goto("/admin/pages/")
    desktop.wait_for_load_state("load")
    editable = desktop.eval_on_selector_all("a[href*='/edit/']", "links => links.map(a => a.getAttribute('href'))")
    for url in ["/admin/", *editable[:3], "/admin/images/", "/admin/documents/", "/admin/reports/site-history/"]:
        desktop.goto(url)
        desktop.wait_for_load_state("load")
    assert desktop.locator("form").count() >= 1
    assert violations == [], violations
