"""Fit review: a deal with fit concerns is won only after sales and marketing both decide."""

import pytest
from django.core.exceptions import PermissionDenied

from tandem.errors import InvalidInput
from tandem.sales import review_services as reviews
from tandem.sales import selectors
from tandem.sales import services as sales
from tandem.sales.models import FitReview


@pytest.fixture
def custom_deal(cast, misfit, buyer):
    return sales.deal_open(
        actor=cast.sales_rep,
        name="Acme custom build",
        owner=cast.sales_rep,
        contact=buyer,
        amount=8000,
    )


def test_a_deal_without_concerns_is_won_without_review(cast, deal, misfit):
    sales.deal_close_won(actor=cast.sales_rep, deal=deal)

    assert deal.stage.outcome == "won"
    assert FitReview.objects.count() == 0


def test_winning_a_flagged_deal_is_refused_and_opens_the_review(cast, custom_deal):
    with pytest.raises(InvalidInput) as exc:
        sales.deal_close_won(actor=cast.sales_rep, deal=custom_deal)

    assert exc.value.errors == {
        "fit_review": "this deal is in fit review, waiting for marketing and sales to decide"
    }
    review = FitReview.objects.get(deal=custom_deal)
    assert (review.status, review.concerns) == (
        "open",
        [{"code": "custom-items", "message": "Custom items outside the catalog"}],
    )
    custom_deal.refresh_from_db()
    assert custom_deal.stage.outcome == "open"


def test_both_managers_approve_and_then_the_deal_can_be_won(cast, custom_deal):
    review = reviews.fit_review_sync(deal=custom_deal, actor=cast.sales_rep)

    reviews.fit_review_decide(
        actor=cast.sales_manager, review=review, decision="approve", rationale="Strategic logo"
    )
    with pytest.raises(InvalidInput) as exc:
        sales.deal_close_won(actor=cast.sales_rep, deal=custom_deal)
    assert exc.value.errors["fit_review"].endswith("waiting for marketing to decide")
    review = reviews.fit_review_decide(
        actor=cast.marketing_manager,
        review=review,
        decision="approve_with_conditions",
        rationale="Only if we can publish a case study",
    )
    sales.deal_close_won(actor=cast.sales_rep, deal=custom_deal)

    assert review.status == "approved_with_conditions"
    assert [(d.team, d.decided_by) for d in review.decisions.all()] == [
        ("sales", cast.sales_manager),
        ("marketing", cast.marketing_manager),
    ]
    assert custom_deal.stage.outcome == "won"


def test_one_decline_declines_and_the_deal_cannot_be_won(cast, custom_deal):
    review = reviews.fit_review_sync(deal=custom_deal)
    reviews.fit_review_decide(
        actor=cast.sales_manager, review=review, decision="approve", rationale="Fine by us"
    )
    reviews.fit_review_decide(
        actor=cast.marketing_manager, review=review, decision="decline", rationale="Off-segment"
    )

    with pytest.raises(InvalidInput) as exc:
        sales.deal_close_won(actor=cast.sales_rep, deal=custom_deal)

    assert exc.value.errors == {"fit_review": "the fit review declined this deal"}
    assert FitReview.objects.filter(deal=custom_deal).count() == 1


def test_a_new_concern_after_approval_opens_a_new_review(cast, custom_deal):
    from tandem.sales import fit
    from tandem.sales.fit import FitConcern

    review = reviews.fit_review_sync(deal=custom_deal)
    for manager in (cast.sales_manager, cast.marketing_manager):
        reviews.fit_review_decide(actor=manager, review=review, decision="approve", rationale="ok")

    @fit.fit_check("test-big")
    def big(deal):
        return [FitConcern(code="discount", message="Discount 40% over the 20% limit")]

    try:
        with pytest.raises(InvalidInput):
            sales.deal_close_won(actor=cast.sales_rep, deal=custom_deal)
    finally:
        fit._CHECKS.pop("test-big")

    assert [r.status for r in FitReview.objects.filter(deal=custom_deal)] == ["open", "approved"]


@pytest.mark.parametrize("role", ["sales_rep", "marketer", "leadership", "employee"])
def test_only_managers_decide(cast, custom_deal, role):
    review = reviews.fit_review_sync(deal=custom_deal)

    with pytest.raises(PermissionDenied):
        reviews.fit_review_decide(
            actor=cast.by_role(role), review=review, decision="approve", rationale="Sure"
        )


@pytest.mark.parametrize(
    ("decision", "rationale", "field"),
    [("maybe", "why not", "decision"), ("approve", "  ", "rationale")],
)
def test_a_decision_needs_a_known_choice_and_a_rationale(
    cast, custom_deal, decision, rationale, field
):
    review = reviews.fit_review_sync(deal=custom_deal)

    with pytest.raises(InvalidInput) as exc:
        reviews.fit_review_decide(
            actor=cast.sales_manager, review=review, decision=decision, rationale=rationale
        )

    assert list(exc.value.errors) == [field]


def test_a_team_decides_once(cast, custom_deal):
    review = reviews.fit_review_sync(deal=custom_deal)
    reviews.fit_review_decide(
        actor=cast.sales_manager, review=review, decision="approve", rationale="Yes"
    )

    with pytest.raises(InvalidInput) as exc:
        reviews.fit_review_decide(
            actor=cast.sales_manager, review=review, decision="decline", rationale="No"
        )

    assert exc.value.errors == {"decision": "Sales has already decided"}


def test_an_admin_says_for_which_team(cast, custom_deal):
    review = reviews.fit_review_sync(deal=custom_deal)

    with pytest.raises(InvalidInput) as exc:
        reviews.fit_review_decide(
            actor=cast.admin, review=review, decision="approve", rationale="Yes"
        )
    reviews.fit_review_decide(
        actor=cast.admin, review=review, decision="approve", rationale="Yes", team="marketing"
    )

    assert list(exc.value.errors) == ["team"]
    assert [d.team for d in review.decisions.all()] == ["marketing"]


def test_the_review_is_on_the_deal_timeline_and_in_both_teams_list(cast, custom_deal, client_for):
    review = reviews.fit_review_sync(deal=custom_deal, actor=cast.sales_rep)
    reviews.fit_review_decide(
        actor=cast.marketing_manager, review=review, decision="approve", rationale="Good logo"
    )

    titles = [e.title for e in selectors.deal_timeline(deal=custom_deal)]
    assert titles[:2] == ["Fit review: Marketing — Approve", "Fit review opened"]
    for role in ("marketer", "sales_rep", "sales_manager"):
        listed = selectors.fit_reviews_list(user=cast.by_role(role))
        assert [r.deal for r in listed] == [custom_deal]
    shared = client_for(cast.marketer).get("/shared/").content.decode()
    assert "Deals in fit review" in shared and "Acme custom build" in shared


def test_managers_decide_through_the_deal_page(cast, custom_deal, client_for):
    review = reviews.fit_review_sync(deal=custom_deal)

    for manager in ("sales_manager", "marketing_manager"):
        response = client_for(cast.by_role(manager)).post(
            f"/sales/reviews/{review.pk}/decide/",
            {"decision": "approve", "rationale": "Agreed in the Monday meeting"},
        )
        assert response.status_code == 302

    review.refresh_from_db()
    assert review.status == "approved"


def test_a_teammate_raises_a_review_by_hand_and_it_blocks_the_win(cast, deal):
    review = reviews.fit_review_open(
        actor=cast.teammate_rep, deal=deal, reason="Reseller in disguise"
    )

    with pytest.raises(InvalidInput):
        sales.deal_close_won(actor=cast.sales_rep, deal=deal)
    with pytest.raises(InvalidInput) as exc:
        reviews.fit_review_open(actor=cast.sales_rep, deal=deal, reason="Again")
    for manager in (cast.sales_manager, cast.marketing_manager):
        reviews.fit_review_decide(actor=manager, review=review, decision="approve", rationale="ok")
    sales.deal_close_won(actor=cast.sales_rep, deal=deal)

    assert review.concerns == [{"code": "raised", "message": "Reseller in disguise"}]
    assert exc.value.errors == {"reason": "this deal is already in fit review"}
    assert deal.stage.outcome == "won"


@pytest.mark.parametrize("role", ["marketer", "marketing_manager", "leadership", "employee"])
def test_only_sales_raises_a_review_by_hand(cast, deal, role):
    with pytest.raises(PermissionDenied):
        reviews.fit_review_open(actor=cast.by_role(role), deal=deal, reason="Odd")


def test_moving_a_deal_with_concerns_opens_its_review(cast, custom_deal):
    proposal = custom_deal.pipeline.stages.get(name="Proposal")

    sales.deal_move(actor=cast.sales_rep, deal=custom_deal, stage_id=proposal.pk)

    (review,) = selectors.fit_reviews_list(user=cast.marketing_manager)
    assert (review.deal, review.opened_by) == (custom_deal, cast.sales_rep)
    (card,) = selectors.board(user=cast.sales_rep, pipeline=custom_deal.pipeline)[1].cards
    assert card.in_review is True
