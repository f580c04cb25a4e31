"""Browser fixtures: one headless Chromium per session, a browser context per person, screenshots.

Each test gets pytest-django's live server and a transactional database, so what one person does
in their browser is what the next person sees in theirs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PASSWORD = "pass-word-123"  # what tests.factories.UserFactory sets
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.hookimpl(trylast=True)  # after pytest-django has put database tests in its order
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Playwright's sync API keeps an event loop running in the main thread for the whole
    # session; running the browser tests last keeps the rest of the suite free of it.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


_failed = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.stash[_failed] = report.failed
    return report


def _chromium() -> str | None:
    return next((p for p in CHROMIUM_CANDIDATES if os.access(p, os.X_OK)), None)


def unavailable(reason: str) -> None:
    """Skip, with the reason, where there is no browser; fail instead in CI."""
    if os.environ.get("TANDEM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (TANDEM_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(
        f"{reason}; set TANDEM_REQUIRE_BROWSER=1 to make this an error", allow_module_level=True
    )


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Debian's Chromium, driven by Playwright; skipped where there is none (not in CI)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed: pip install -e '.[dev]'")
    path = _chromium()
    if path is None:
        unavailable(f"no Chromium at {' or '.join(CHROMIUM_CANDIDATES)}: apt-get install chromium")
    # The sync API runs an event loop in this thread; Django's ORM refuses to run beside one
    # unless told the calls are deliberate (they are: tests read the database between steps).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def browse(request, browser, live_server, transactional_db) -> Iterator[Callable]:
    """Open a page in a fresh browser context (its own cookies), signed in as ``user`` if given.

    On failure every open page is saved as ``<test>-failed-<n>.png`` next to the screenshots.
    """
    contexts = []
    for stale in SCREENSHOTS.glob(f"{_test_name(request)}-failed-*.png"):
        stale.unlink()

    def _open(user=None, *, viewport: dict | None = None):
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport or DESKTOP, reduced_motion="reduce"
        )
        context.set_default_timeout(5_000)
        contexts.append(context)
        page = context.new_page()
        if user is not None:
            sign_in(page, user)
        return page

    yield _open
    if request.node.stash.get(_failed, False):
        for n, context in enumerate(contexts):
            for page in context.pages:
                _save(page, f"{_test_name(request)}-failed-{n}")
    for context in contexts:
        context.close()


def sign_in(page, user) -> None:
    """Sign in through the login form, as a person would, and wait to land on a home."""
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


@pytest.fixture
def screenshot(request) -> Callable:
    """Save ``<test>-<step>.png`` (1280 px wide, full page) and ``<test>-<step>-390.png``.

    The phone-width shot also checks the page fits 390 px without scrolling sideways.
    """
    name = _test_name(request)

    def _shoot(page, step: str, *, phone: bool = True) -> None:
        _save(page, f"{name}-{step}")
        if not phone:
            return
        desktop = page.viewport_size
        page.set_viewport_size(PHONE)
        try:
            _save(page, f"{name}-{step}-390")
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{step}: scrolls sideways by {overflow} px at 390 px wide"
        finally:
            page.set_viewport_size(desktop)

    return _shoot


def _test_name(request) -> str:
    return re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")


def _save(page, stem: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{stem}.png", full_page=True, animations="disabled")
