"""The ICP fit check the hand-off registers for deals."""

from tandem.sales import services as sales
from tandem.sales.fit import deal_fit_concerns
from tests.factories import AccountFactory, ContactFactory


def _deal(cast, contact):
    return sales.deal_open(
        actor=cast.sales_rep, name="Deal", owner=cast.sales_rep, contact=contact, amount=10
    )


def test_a_poorly_fitting_buyer_raises_an_icp_concern_saying_why(cast):
    contact = ContactFactory(title="Intern", email="kid@gmail.com", account=AccountFactory(
        name="Tiny", industry="", size_band=""))  # fmt: skip

    concerns = [c for c in deal_fit_concerns(_deal(cast, contact)) if c.code == "icp"]

    assert [c.message for c in concerns] == [
        "Tiny is a fit D for the ideal-customer profile (0 fit points, A needs 30); it lacks: "
        "senior title, manager title, business email address, company profile known."
    ]


def test_a_good_fit_raises_none(cast):
    contact = ContactFactory(title="VP Operations", email="vp@corp.test", account=AccountFactory())

    assert [c for c in deal_fit_concerns(_deal(cast, contact)) if c.code == "icp"] == []
