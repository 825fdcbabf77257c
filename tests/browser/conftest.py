"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live server.

The root conftest skips (or, under TTHC_REQUIRE_SERVICES=1, fails) a ``browser`` test when
/usr/bin/chromium or Playwright is missing; the browser is started on first use, after that check.
"""

import os

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make to build
# their data would otherwise be refused as "called from an async context".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
LAPTOP = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}


@pytest.fixture(scope="session")
def _playwright_session():
    """Holds Playwright and Chromium once started, and stops them at the end of the session."""
    state = {}
    yield state
    if "browser" in state:
        state["browser"].close()
        state["playwright"].stop()


@pytest.fixture
def browser(_service_requirements, _playwright_session):
    if "browser" not in _playwright_session:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        _playwright_session["playwright"] = playwright
        _playwright_session["browser"] = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    return _playwright_session["browser"]


@pytest.fixture
def new_page(browser):
    """A fresh browser window (its own cookies) on a laptop screen, speaking Vietnamese first."""
    contexts = []

    def open_page(viewport=LAPTOP):
        context = browser.new_context(viewport=viewport, locale="vi-VN")
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
