"""The sales workspace in a real browser: a rep moves a deal on the board, logs an activity,
hits the fit review on a flagged deal, and a sales manager and a marketing manager approve.

Scenario data (the deal, a fit check) is built through the services; everything the test checks
happens through the pages. Pages are saved to artifacts/screenshots/.
"""

from __future__ import annotations

import pytest

from tandem.people import services as people
from tandem.sales import fit
from tandem.sales import services as sales
from tandem.sales.fit import FitConcern
from tandem.sales.models import DealStageMove
from tests.browser.conftest import sign_in, unavailable

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the dev extra installs it
    unavailable("playwright is not installed: pip install -e '.[dev]'")

pytestmark = pytest.mark.browser
PATIENCE = 30_000  # ms: this journey has many steps, and CI machines are sometimes busy


def _open(browse, user):
    page = browse()
    page.set_default_timeout(PATIENCE)
    sign_in(page, user)
    return page


@pytest.fixture
def off_policy():
    """A fit check standing in for the offer policy: custom builds need a joint review."""

    @fit.fit_check("browser-custom")
    def custom(deal):
        if "custom" in deal.name.lower():
            return [FitConcern(code="custom-items", message="Custom build outside the catalog")]
        return []

    yield
    fit._CHECKS.pop("browser-custom", None)


@pytest.fixture
def deal(cast):
    ann = people.contact_create(
        actor=cast.marketer, email="ann@acme.test", first_name="Ann", last_name="Archer"
    )
    return sales.deal_open(
        actor=cast.sales_rep,
        name="Acme custom build",
        owner=cast.sales_rep,
        contact=ann,
        amount=12000,
    )


def test_board_move_activity_and_a_joint_fit_review(browse, screenshot, cast, deal, off_policy):
    # sam moves the deal from Discovery to Proposal on the board, with the keyboard-ready select
    expect.set_options(timeout=PATIENCE)
    rep = _open(browse, cast.sales_rep)
    rep.goto("/sales/board/")
    card = rep.locator(f"#deal-card-{deal.pk}")
    expect(card).to_contain_text("No next step")
    screenshot(rep, "01-board")
    card.get_by_label("Move Acme custom build to").select_option(label="Proposal")
    card.get_by_role("button", name="Move Acme custom build").click()
    expect(rep.get_by_role("status")).to_contain_text("Moved Acme custom build to Proposal.")
    proposal = rep.get_by_role("region", name="Proposal")
    expect(proposal).to_contain_text("Acme custom build")
    move = DealStageMove.objects.filter(deal=deal).first()
    assert (move.to_stage.name, move.moved_by) == ("Proposal", cast.sales_rep)

    # sam logs the call and sets the next step on the deal page
    rep.get_by_role("link", name="Acme custom build").click()
    rep.get_by_text("Log an activity").click()
    rep.get_by_label("Kind").select_option(label="Call")
    rep.get_by_label("Subject").fill("Scoping call with Ann")
    rep.get_by_label("Already done").check()
    rep.get_by_label("Outcome (if done)").select_option(label="Connected")
    rep.get_by_role("button", name="Log activity").click()
    expect(rep.get_by_role("list", name="Timeline")).to_contain_text("Call: Scoping call with Ann")

    # winning is refused: the deal is off-policy and goes to a joint review
    rep.get_by_role("button", name="Mark won").click()
    expect(rep.locator(".messages")).to_contain_text("this deal is in fit review")
    review = rep.locator("#fit-review")
    expect(review).to_contain_text("Custom build outside the catalog")
    screenshot(rep, "02-fit-review-open")

    # both teams' managers see it on the shared page and decide on the deal page
    for manager, decision, why in (
        (cast.sales_manager, "Approve", "Strategic logo in our target segment"),
        (cast.marketing_manager, "Approve with conditions", "Only with a published case study"),
    ):
        page = _open(browse, manager)
        page.goto("/shared/")
        panel = page.get_by_role("region", name="Deals in fit review")
        expect(panel).to_contain_text("Acme custom build")
        panel.get_by_role("link", name="Acme custom build").click()
        review = page.locator("#fit-review")
        review.get_by_label("Decision").select_option(label=decision)
        review.get_by_label("Rationale").fill(why)
        review.get_by_role("button", name="Record decision").click()
        expect(page.locator(".messages")).to_contain_text("Your decision is recorded.")
    expect(page.locator("#fit-review")).to_contain_text("Approved with conditions")
    screenshot(page, "03-fit-review-decided")

    # now sam can win it
    rep.reload()
    rep.get_by_role("button", name="Mark won").click()
    expect(rep.locator(".messages")).to_contain_text("Won Acme custom build")
    screenshot(rep, "04-won")
