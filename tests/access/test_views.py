"""The pages enforce the matrix too: what a signed-in browser can see and do, and what not."""

import pytest
from django.test import Client

from tandem.handoff import services as handoff
from tandem.sales import services as sales
from tandem.sales.models import Deal

NOTES = "Budget owner is the CFO; do not mention the old contract."


def _client(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


@pytest.fixture
def deal(cast, mql) -> Deal:
    """Sam's deal from the accepted hand-off, with his private notes."""
    deal = handoff.lead_accept(actor=cast.sales_rep, lead=mql)
    return sales.deal_notes_update(actor=cast.sales_rep, deal=deal, notes=NOTES)


def test_marketer_sees_the_deal_page_but_not_the_private_notes(cast, deal):
    page = _client(cast.marketer).get(f"/sales/deals/{deal.pk}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert deal.name in html
    assert "CFO" not in html


def test_the_rep_who_owns_the_deal_sees_their_notes(cast, deal):
    page = _client(cast.sales_rep).get(f"/sales/deals/{deal.pk}/")

    assert page.status_code == 200
    assert "CFO" in page.content.decode()


def test_rep_of_another_team_is_refused_the_deal_and_its_actions(cast, deal):
    otto = _client(cast.other_team_rep)

    assert otto.get(f"/sales/deals/{deal.pk}/").status_code == 403
    assert otto.post(f"/sales/deals/{deal.pk}/win/", {"amount": "100"}).status_code == 403
    assert otto.post(f"/sales/deals/{deal.pk}/notes/", {"private_notes": "x"}).status_code == 403
    deal.refresh_from_db()
    assert (deal.is_open, deal.private_notes) == (True, NOTES)


def test_a_deal_that_does_not_exist_is_404(cast):
    assert _client(cast.admin).get("/sales/deals/999999/").status_code == 404


@pytest.mark.parametrize("path", ["/marketing/", "/sales/", "/marketing/campaigns/"])
def test_employee_is_refused_the_team_homes(cast, path):
    assert _client(cast.employee).get(path).status_code == 403


@pytest.mark.parametrize(
    "path", ["/", "/sales/", "/marketing/", "/contacts/", "/audit/", "/touches/new/"]
)
def test_anonymous_visitor_is_sent_to_sign_in(db, path):
    response = Client().get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


def test_a_post_without_the_csrf_token_is_refused(cast, deal):
    client = _client(cast.sales_rep, enforce_csrf_checks=True)

    refused = client.post(f"/sales/deals/{deal.pk}/win/", {"amount": "18000"})

    assert refused.status_code == 403
    deal.refresh_from_db()
    assert deal.is_open


def test_the_same_post_with_the_csrf_token_goes_through(cast, deal):
    client = _client(cast.sales_rep, enforce_csrf_checks=True)
    client.get(f"/sales/deals/{deal.pk}/")  # the page hands out the token

    response = client.post(
        f"/sales/deals/{deal.pk}/win/",
        {"amount": "18000", "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
    )

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.stage.outcome == "won"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("marketer", 403),
        ("marketing_manager", 403),
        ("sales_rep", 403),
        ("sales_manager", 403),
        ("leadership", 403),
        ("employee", 403),
        ("admin", 200),
    ],
)
def test_audit_page_is_for_admins_only(cast, role, status):
    assert _client(cast.by_role(role)).get("/audit/").status_code == status


def test_inactive_user_is_signed_out(cast):
    client = _client(cast.sales_rep)
    cast.sales_rep.is_active = False
    cast.sales_rep.save(update_fields=["is_active"])

    assert client.get("/sales/").status_code == 302
