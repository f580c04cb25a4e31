"""The tracker on a company's site sets its cookie and sends visits only after consent."""

from __future__ import annotations

import pytest

from tandem.marketing.models import Visit
from tests.browser.conftest import unavailable
from tests.browser.test_marketing_workspace import _serve_page, _stop_servers  # noqa: F401

try:
    import playwright  # noqa: F401
except ImportError:  # pragma: no cover - the dev extra installs it
    unavailable("playwright is not installed: pip install -e '.[dev]'")

pytestmark = pytest.mark.browser


def _page(live_server, attributes: str = "") -> str:
    return (
        "<!doctype html><html lang='en'><title>Kestrel</title><h1>Welcome</h1>"
        f"<script async {attributes} src='{live_server.url}/static/tandem/tracker.js'></script>"
    )


def _vid(visitor) -> str | None:
    return next((c["value"] for c in visitor.context.cookies() if c["name"] == "tdm_vid"), None)


def test_nothing_is_tracked_until_the_visitor_consents(browse, live_server):
    site = _serve_page(_page(live_server))
    visitor = browse()
    visitor.context.set_default_timeout(30_000)
    pixels: list[str] = []
    visitor.on("request", lambda r: pixels.append(r.url) if "/t/p.gif" in r.url else None)

    # before consent: the script ran, yet no cookie, no visit
    visitor.goto(f"{site}/pricing")
    visitor.wait_for_function("typeof window.tandem === 'function'")
    visitor.wait_for_timeout(300)
    assert (_vid(visitor), pixels, Visit.objects.count()) == (None, [], 0)

    # the banner's "accept": the cookie is set and the visit sent, with its id
    with visitor.expect_response(lambda r: "/t/p.gif" in r.url) as answer:
        visitor.evaluate("tandem('consent', true)")
    assert answer.value.headers["x-tandem-visit"] == "stored"
    vid = _vid(visitor)
    assert vid and Visit.objects.get().visitor_id == vid

    # the next page remembers the choice
    with visitor.expect_response(lambda r: "/t/p.gif" in r.url):
        visitor.goto(f"{site}/about")
    assert Visit.objects.filter(visitor_id=vid).count() == 2

    # withdrawn: the cookie goes
    visitor.evaluate("tandem('consent', false)")
    assert _vid(visitor) is None


def test_a_site_that_needs_no_consent_says_so_on_the_tag(browse, live_server):
    site = _serve_page(_page(live_server, "data-consent='not-required'"))
    visitor = browse()
    visitor.context.set_default_timeout(30_000)
    with visitor.expect_response(lambda r: "/t/p.gif" in r.url) as answer:
        visitor.goto(f"{site}/pricing")
    assert answer.value.headers["x-tandem-visit"] == "stored"
    assert Visit.objects.get().visitor_id == _vid(visitor)
