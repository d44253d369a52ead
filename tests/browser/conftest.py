"""Browser tests: Debian's Chromium through Playwright against a real server process with the demo data.

The server runs on its own database (a temporary SQLite file, or ``<name>_browser`` next to the PostgreSQL
database named by DATABASE_URL), migrated and seeded once per test session, so browser tests see the same site
a newcomer gets from ``bin/demo``. Tests read and act through the page, as users do."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
DEMO_PASSWORD = "Demo@2026"  # noqa: S105
# The demo server's environment (database URL…), for tests that must change server-side state, e.g. a deadline.
SERVER: dict = {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_database_url(tmp: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        name = f"{parts.path.lstrip('/')}_browser"
        admin = urlunsplit(parts._replace(path="/postgres"))
        import psycopg

        with psycopg.connect(admin.replace("postgresql://", "postgres://", 1), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return urlunsplit(parts._replace(path=f"/{name}"))
    return f"sqlite:///{tmp / 'browser.sqlite3'}"


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """Base URL of a server with migrated, seeded demo data. Yields e.g. ``http://127.0.0.1:54321``."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: bin/test installs it (apt-get install chromium).")
    tmp = tmp_path_factory.mktemp("browser-server")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _server_database_url(tmp),
        "MEDIA_ROOT": str(tmp / "media"),
        "EMAIL_URL": "consolemail://",
        "PYTHONUNBUFFERED": "1",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    SERVER["env"] = env
    for step in (["migrate", "--no-input", "-v0"], ["seed_demo"]):
        subprocess.run(manage + step, env=env, cwd=ROOT, check=True, capture_output=True)
    port = _free_port()
    log = open(tmp / "server.log", "w")  # noqa: SIM115  (closed at teardown)
    server = subprocess.Popen(
        manage + ["runserver", "--noreload", f"127.0.0.1:{port}"], env=env, cwd=ROOT, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/accounts/login/", timeout=2)  # noqa: S310
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError((tmp / "server.log").read_text()) from None
            time.sleep(0.3)
    yield base
    server.terminate()
    server.wait(10)
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser
        browser.close()


def _context(browser, base, viewport):
    context = browser.new_context(base_url=base, viewport=viewport, locale="zh-CN")
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def phone(browser, demo_server):
    """A fresh page at 375 px, Chinese locale: a mediator's phone."""
    context = _context(browser, demo_server, PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser, demo_server):
    context = _context(browser, demo_server, DESKTOP)
    yield context.new_page()
    context.close()


def login(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state()


def screenshot(page, name: str) -> Path:
    """Keep a screenshot as a test artifact (test-artifacts/), to look at after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def open_menu(page) -> None:
    """On a phone the main menu is folded behind a button."""
    toggle = page.locator(".menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()


def menu_click(page, name: str) -> None:
    """Follow the menu entry ``name`` as a user does: unfold the phone menu, and the entry's group in a long menu
    (a bureau officer's training entries fold under 培训)."""
    open_menu(page)
    entry = page.locator(f"#site-nav [data-menu={name}]")
    group = page.locator("details.nav-group").filter(has=page.locator(f"[data-menu={name}]"))
    if group.count() and group.get_attribute("open") is None:
        group.locator("summary").click()
    entry.click()
