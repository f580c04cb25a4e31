"""An admin sets up a webhook in a real browser: adds an endpoint on a receiver on loopback,
copies the secret shown once, sends a test event, reads the delivery log and replays it."""

from __future__ import annotations

import json

import pytest

from tandem.webhooks.models import Endpoint
from tests.browser.conftest import sign_in, unavailable
from tests.webhooks import receiver as receivers
from tests.webhooks.verify import signature_valid

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the dev extra installs it
    unavailable("playwright is not installed: pip install -e '.[dev]'")

pytestmark = pytest.mark.browser


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    server = receivers.start()
    yield server
    server.stop()


def test_an_admin_adds_an_endpoint_tests_it_and_replays(browse, screenshot, cast, receiver):
    admin = browse()
    admin.context.set_default_timeout(20_000)  # the first page of a session warms the server
    sign_in(admin, cast.admin)
    admin.goto("/")
    admin.get_by_role("button", name="Admin").click()
    admin.get_by_role("link", name="Webhooks").click()
    expect(admin.get_by_role("heading", name="Webhooks")).to_be_visible()

    # a private address is refused beside the field when not allowed… (here it is allowed)
    admin.get_by_label("URL").fill(receiver.url)
    admin.get_by_label("Description").fill("Warehouse sync")
    admin.get_by_label("deal.won").check()
    admin.get_by_label("lead.accepted").check()
    admin.get_by_role("button", name="Add endpoint").click()
    secret = admin.locator("#new-secret").inner_text()
    assert secret.startswith("whsec_")
    screenshot(admin, "secret-once")

    # the endpoint's page never shows the secret again; a test event goes out signed
    admin.get_by_role("link", name=f"Open {receiver.url}").click()
    assert secret not in admin.content()
    admin.get_by_role("button", name="Send test event").click()
    expect(admin.get_by_text("Test event queued")).to_be_visible()
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert json.loads(got.body)["type"] == "webhook.test"
    assert signature_valid(secret, got.headers, got.body)
    log = admin.get_by_role("table", name="Delivery log")
    expect(log.get_by_text("HTTP 200")).to_be_visible()

    # a replay sends it again with the same id
    log.get_by_role("button", name="Replay").click()
    expect(admin.get_by_text("queued again")).to_be_visible()
    assert [r.headers["webhook-id"] for r in receiver.received] == [got.headers["webhook-id"]] * 2
    expect(admin.get_by_role("table", name="Delivery log").get_by_text("#2")).to_be_visible()
    screenshot(admin, "delivery-log")
    assert Endpoint.objects.get().description == "Warehouse sync"
