"""Every page of every role, at 375 px and 1280 px, in Chinese (issue #18's audit as a test).

One browser and one demo server; each role signs in once per width. From the role's landing page the test follows
the links of the menu and of the page body (one page per kind of address, e.g. one lesson, one committee), and on
every page checks:

- the page does not scroll sideways, and no element reaches past the viewport (except inside a scroll box);
- no table's scroll box is wider than the viewport, and on a desktop the coverage tables fit without scrolling;
- the main actions (buttons, the menu, the sections' sub-menus, pickers, roster rows, area cards) are at least 44 px
  tall;
- no English words on a Chinese page, but for an allow-list (PDF, QR, XLSX…).

Screenshots of every page go to test-artifacts/audit/<role>-<width>/NN-<page>.png, to be looked at."""

import re
import shutil
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import ARTIFACTS, DESKTOP, PHONE, login

pytestmark = pytest.mark.browser

# Where each role starts and how many kinds of page it visits at most (the cap keeps the run short).
ROLES = {"anonymous": 10, "mediator": 30, "informant": 12, "lecturer": 12, "bureau": 46, "township": 12, "admin": 12}
EXTRA_PAGES = {"anonymous": ["/accounts/login/", "/verify/lookup/", "/verify/credential/", "/no-such-page/",
                             "/grading/public/"],
               "bureau": ["/grading/rounds/"],
               "lecturer": ["/exams/grading/", "/learn/sessions/", "/menu/", "/me/profile/"]}
# Never followed: they change state, leave the site shell, or download a file.
SKIP = re.compile(r"^/(admin|documents|api|accounts/logout|i18n)/|[?&](export|format)=|/pdf/?$|\.(json|xlsx|csv|zip|"
                  r"pdf|jwt)$|/credential/?$|/json/$|/zip/$|/template/|/status/$|/check-in/")
# Latin words a Chinese page may show: formats, standards, units, and names that are Latin in Chinese too.
ALLOWED_WORDS = {
    "PDF", "QR", "XLSX", "CSV", "JSON", "Excel", "UTF", "GBK", "BOM", "ID", "URL", "JWT", "Open", "Badges",
    "did", "web", "JWKS", "API", "OK", "WeChat", "Ed25519", "VC", "Word", "WPS", "SVG", "min", "Demo", "LPR", "ZIP",
}
MAIN_ACTIONS = ("main .button, main button[type=submit], .menu-toggle, .lang button, .filter-list label, "
                ".roster-row, .row-card h3 a, .nav-group summary, .site-nav a, .subnav a")

CHECK_PAGE = r"""([allowed, mainActions, desktop]) => {
  const problems = [];
  const vw = document.documentElement.clientWidth;
  const doc = document.documentElement;
  if (doc.scrollWidth > vw + 1) problems.push(`page scrolls sideways: ${doc.scrollWidth} > ${vw}`);
  const scrolls = (el) => ["auto", "scroll", "hidden"].includes(getComputedStyle(el).overflowX);
  const inScrollBox = (el) => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    if (scrolls(p)) return true; } return false; };
  const visible = (el) => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden"
      && !el.closest("[hidden], .visually-hidden, .skip-link");
  };
  for (const el of document.body.querySelectorAll("*")) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.right > vw + 1 && !inScrollBox(el)) {
      const what = `<${el.tagName.toLowerCase()} class="${el.className}">`;
      problems.push(`wider than the viewport: ${what} right=${Math.round(r.right)}`);
      break;
    }
  }
  for (const box of document.querySelectorAll(".table-scroll")) {
    if (!visible(box)) continue;
    const r = box.getBoundingClientRect();
    if (r.right > vw + 1) problems.push(`table box wider than the viewport: ${Math.round(r.right)}`);
    if (desktop && box.closest(".coverage-table") && box.scrollWidth > box.clientWidth + 1)
      problems.push(`coverage table scrolls at desktop width: ${box.scrollWidth} > ${box.clientWidth}`);
  }
  for (const el of document.querySelectorAll(mainActions)) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    const label = el.textContent.trim().slice(0, 30);
    if (r.height < 43.5) problems.push(`tap target ${Math.round(r.height)} px tall: "${label}"`);
  }
  if (document.documentElement.lang === "zh-CN") {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const words = new Set();
    while (walker.nextNode()) {
      const node = walker.currentNode, el = node.parentElement;
      const exempt = "[lang=en], [translate=no], code, pre, script, style, .verify-url, .checkin-link, .break";
      if (!el || !visible(el) || el.closest(exempt)) continue;
      for (const word of node.textContent.match(/[A-Za-z][A-Za-z'-]{2,}/g) || []) {
        if (!allowed.includes(word)) words.add(word);
      }
    }
    if (words.size) problems.push(`English on a Chinese page: ${[...words].slice(0, 12).join(", ")}`);
  }
  return problems;
}"""


WAGTAIL_SECTIONS = {"menu", "cases"}  # below these, slugs name pages of one kind (modules, lessons, cases)


def page_kind(path: str) -> str:
    """One page per kind of address: ids, codes and Wagtail slugs are alike (one lesson stands for all)."""
    parts = [p for p in path.strip("/").split("/") if p]
    if not parts:
        return "/"
    return "/".join([parts[0], *("*" if parts[0] in WAGTAIL_SECTIONS or re.search(r"\d", p) else p
                                 for p in parts[1:])])


def crawl(page, start: list[str], limit: int) -> list[str]:
    """The role's pages, breadth first from ``start``: links of the menu and the body, same site, one per kind."""
    seen, queue, pages = set(), list(start), []
    while queue and len(pages) < limit:
        path = queue.pop(0)
        kind = page_kind(urlsplit(path).path)
        if kind in seen or SKIP.search(path):
            continue
        seen.add(kind)
        try:
            page.goto(path)
        except PlaywrightError as error:  # a link to a file (an address not in SKIP yet): not a page
            if "Download is starting" in str(error):
                continue
            raise
        if urlsplit(page.url).path != urlsplit(path).path and page_kind(urlsplit(page.url).path) in seen:
            continue  # redirected to a page already taken
        pages.append(path)
        hrefs = page.locator("#site-nav a[href], main a[href]").evaluate_all(
            "els => els.map(a => a.getAttribute('href'))")
        for href in hrefs:
            if href and href.startswith("/") and not href.startswith("//"):
                queue.append(href.split("#")[0])
    return pages


def audit(page, pages: list[str], *, role: str, width: str) -> list[str]:
    folder = ARTIFACTS / "audit" / f"{role}-{width}"
    shutil.rmtree(folder, ignore_errors=True)  # only this run's pages, numbered in visiting order
    folder.mkdir(parents=True)
    found = []
    for number, path in enumerate(pages, 1):
        page.goto(path)
        problems = page.evaluate(CHECK_PAGE, [sorted(ALLOWED_WORDS), MAIN_ACTIONS, width == "desktop"])
        name = re.sub(r"[^\w-]+", "_", path.strip("/")) or "home"
        page.screenshot(path=str(folder / f"{number:02d}-{name[:60]}.png"), full_page=True)
        found += [f"{role} {width} {path}: {problem}" for problem in problems]
    return found


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_fits_both_widths_in_chinese(browser, demo_server, role):
    problems, pages = [], []
    for width, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(base_url=demo_server, viewport=viewport, locale="zh-CN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        if role != "anonymous":
            login(page, role)
        landing = urlsplit(page.url).path if role != "anonymous" else "/"
        start = [landing, *EXTRA_PAGES.get(role, [])]
        pages = pages or crawl(page, start, ROLES[role])  # found at phone width, visited again on a desktop
        problems += audit(page, pages, role=role, width=width)
        context.close()
    assert len(pages) >= min(ROLES[role], 4), pages
    assert not problems, "\n".join(problems)


# The Wagtail admin, as a lecturer and the administrator see it: Wagtail's own strings come from its zh_Hans
# catalogue, the ones this project adds (menu entries, columns, filters, help texts) from ours. Pages are crawled
# from the dashboard like the site's, one per kind of address (one snippet list, one edit form…).
ADMIN_SKIP = re.compile(r"/(delete|unpublish|logout|revisions|compare|workflow|lock|unlock|copy|move|preview|"
                        r"export|history|usage|add_subpage|choose|chooser)/|[?&](export|format)=|\.(xlsx|csv|zip|pdf)$")
# Besides the site's allow-list: file formats (the reports' export buttons say "csv"), the question import's
# sample answer ("ACD") and the demo's Latin
# usernames (data, shown in the sidebar and the user lists).
ADMIN_ALLOWED = ALLOWED_WORDS | {"AVIF", "GIF", "JPG", "JPEG", "PNG", "WEBP", "ACD", "csv", "xlsx",
                                 "admin", "lecturer", "bureau", "township", "mediator", "informant", "dlt"}
# Table cells holding a code identifier ("courses.lessonpage" in the page-types report) or a file name
# ("mediator-method.webm" in the documents list) are not words.
MARK_IDENTIFIERS = """() => { for (const td of document.querySelectorAll("td")) {
  if (/^\\s*[A-Za-z0-9_.-]+\\.[A-Za-z0-9_]+\\s*$/.test(td.textContent)) td.setAttribute("translate", "no"); } }"""


@pytest.mark.parametrize("role", ["lecturer", "admin"])
def test_the_wagtail_admin_speaks_chinese(browser, demo_server, role):
    context = browser.new_context(base_url=demo_server, viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    login(page, role)
    folder = ARTIFACTS / "audit" / f"{role}-admin"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    seen, queue, problems, visited = set(), ["/admin/", "/admin/pages/"], [], 0
    while queue and visited < 25:
        path = queue.pop(0)
        kind = re.sub(r"\d+", "*", urlsplit(path).path)
        if kind in seen or ADMIN_SKIP.search(path) or not path.startswith("/admin/"):
            continue
        seen.add(kind)
        page.goto(path)
        visited += 1
        page.wait_for_load_state("networkidle")
        name = re.sub(r"[^\w-]+", "_", path.strip("/"))
        page.screenshot(path=str(folder / f"{visited:02d}-{name[:60]}.png"), full_page=True)
        # Wagtail marks its pages lang="zh-hans" (the site's own say zh-CN, which CHECK_PAGE looks for).
        assert page.evaluate("document.documentElement.lang").lower() in ("zh-hans", "zh-cn"), path
        page.evaluate("document.documentElement.lang = 'zh-CN'")
        page.evaluate(MARK_IDENTIFIERS)
        found = page.evaluate(CHECK_PAGE, [sorted(ADMIN_ALLOWED), "nothing-to-check", False])
        problems += [f"{role} {path}: {problem}" for problem in found if problem.startswith("English")]
        hrefs = page.locator("a[href^='/admin/']").evaluate_all("els => els.map(a => a.getAttribute('href'))")
        queue += [href.split("#")[0] for href in hrefs]
    context.close()
    assert visited >= 10, seen
    assert not problems, "\n".join(problems)
