"""The workspace menus (keyboard and mouse, only what the role may open, the current page
marked) and a conversation on a segment between a rep and a marketer.

Pages are saved to artifacts/screenshots/.
"""

from __future__ import annotations

import pytest

from tandem.segments import services as segments
from tests.browser.conftest import sign_in, unavailable

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the dev extra installs it
    unavailable("playwright is not installed: pip install -e '.[dev]'")

pytestmark = pytest.mark.browser


def _open(browse, user):
    """A signed-in page with a longer wait: the first page of a session warms the server."""
    page = browse()
    page.context.set_default_timeout(20_000)
    sign_in(page, user)
    return page


def _nav(page):
    return page.get_by_role("navigation", name="Workspaces")


def test_the_workspace_menus_open_by_keyboard_and_show_only_what_the_role_may_open(
    browse, screenshot, cast
):
    marketer = _open(browse, cast.marketer)
    marketer.goto("/segments/")
    nav = _nav(marketer)
    toggle = nav.get_by_role("button", name="Marketing")

    # closed at first, the current workspace marked for eyes and screen readers
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_contain_text("(current)")
    expect(nav.get_by_role("link", name="Segments")).to_be_hidden()

    # Tab to the button, Enter opens it; the current page is marked inside
    toggle.focus()
    marketer.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Segments")).to_have_attribute("aria-current", "page")
    screenshot(marketer, "marketing-menu-open", phone=False)
    marketer.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Marketing home")).to_be_focused()

    # Escape closes it and puts focus back on the button
    marketer.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()

    # opening one menu closes another; a link in it leads to the page
    toggle.click()
    nav.get_by_role("button", name="Together").click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    nav.get_by_role("link", name="Shared numbers").click()
    expect(marketer.get_by_role("heading", name="Shared numbers")).to_be_visible()
    expect(_nav(marketer).get_by_role("button", name="Together")).to_contain_text("(current)")
    screenshot(marketer, "shared-page")

    # an employee sees only the shared workspace and the inbox
    employee = _open(browse, cast.employee)
    employee.goto("/touches/new/")
    buttons = _nav(employee).get_by_role("button")
    expect(buttons).to_have_text(["Together (current)"])
    _nav(employee).get_by_role("button", name="Together").click()
    expect(_nav(employee).get_by_role("link")).to_have_text(
        ["Shared numbers", "Contacts", "Accounts", "Log a touch", "Inbox"]
    )

    # an admin has the admin menu with the audit log
    admin = _open(browse, cast.admin)
    admin.goto("/shared/")
    expect(_nav(admin).get_by_role("button")).to_have_text(
        ["Marketing", "Sales", "Together (current)", "Admin"]
    )


def test_a_rep_asks_a_marketer_about_a_segment_and_she_answers_there(browse, screenshot, cast):
    segment = segments.segment_create(actor=cast.marketer, name="Key accounts", kind="static")

    # a rep opens the segment through the Marketing menu and mentions mia
    rep = _open(browse, cast.sales_rep)
    rep.goto("/")
    _nav(rep).get_by_role("button", name="Marketing").click()
    _nav(rep).get_by_role("link", name="Segments").click()
    rep.get_by_role("link", name="Key accounts").click()
    rep.get_by_label("Comment").fill("@mia why is Globex not in here? <b>urgent</b>")
    rep.get_by_role("button", name="Comment").click()
    conversation = rep.get_by_role("region", name="Conversation")
    expect(conversation).to_contain_text("why is Globex not in here? <b>urgent</b>")
    screenshot(rep, "segment-comment")

    # mia finds it in her inbox, follows it to the segment, and answers
    marketer = _open(browse, cast.marketer)
    marketer.goto("/inbox/")
    marketer.get_by_role("link", name=f"mentioned you on segment {segment.name}").click()
    expect(marketer.get_by_role("heading", name="Key accounts", exact=True)).to_be_visible()
    marketer.get_by_label("Comment").fill("@sam added last night's import")
    marketer.get_by_role("button", name="Comment").click()
    expect(marketer.get_by_role("region", name="Conversation")).to_contain_text(
        "added last night's import"
    )
    screenshot(marketer, "segment-answer")
