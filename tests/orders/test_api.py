"""The orders API: products with stock, deal lines, quotes (create, revise, accept), orders."""

from __future__ import annotations

import pytest

from tandem.orders import quote_services as quotes
from tandem.orders import services as orders
from tandem.orders.models import DealLine, Order
from tests.api.conftest import fields_of


def test_products_list_with_stock(api, catalog):
    response = api("marketer").get("/products", search="EG")

    assert response.status_code == 200
    assert response.json()["items"] == [
        {
            "id": catalog.gateway.pk,
            "sku": "EG-3",
            "name": "Edge Gateway 3",
            "description": "",
            "unit": "gateways",
            "unit_cost": "820.00",
            "list_price": "1450.00",
            "is_active": True,
            "is_custom": False,
            "is_stocked": True,
            "on_hand": 10,
            "reserved": 0,
            "available": 10,
        }
    ]


def test_an_employee_sees_no_catalog(api, catalog):
    assert api("employee").get("/products").json()["items"] == []
    assert api("employee").get(f"/products/{catalog.gateway.pk}").status_code == 403


def test_product_stock_with_movements(api, cast, catalog):
    orders.stock_receive(actor=cast.admin, product=catalog.gateway, quantity=5, note="DN-17")

    body = api("sales_rep").get(f"/products/{catalog.gateway.pk}/stock").json()

    assert (body["on_hand"], body["reserved"], body["available"]) == (15, 0, 15)
    assert [(m["kind"], m["on_hand_change"], m["note"]) for m in body["movements"]] == [
        ("receipt", 5, "DN-17"),
        ("receipt", 10, "opening stock"),
    ]


def test_a_rep_adds_a_line_and_the_deal_amount_follows(api, catalog, deal):
    response = api("sales_rep").post(
        f"/deals/{deal.pk}/lines",
        {"product_id": catalog.gateway.pk, "quantity": 2, "discount_percent": "17.5"},
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["net_price"], body["amount"], body["margin"], body["flags"]) == (
        "1155.00",
        "2310.00",
        "670.00",
        ["discount above review threshold"],
    )
    deal_body = api("sales_rep").get(f"/deals/{deal.pk}").json()
    assert deal_body["amount"] == "2310.00"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"product_id": 0}, "product_id"),
        ({"product_id": "PRODUCT", "quantity": 1}, "product_id"),
        ({"quantity": 0}, "quantity"),
        ({"discount_percent": "31"}, "discount_percent"),
        ({"payment_terms": "never"}, "payment_terms"),
    ],
    ids=["no-such-product", "not-an-id", "zero-quantity", "above-max-discount", "bad-terms"],
)
def test_bad_line_input_names_the_field(api, catalog, deal, body, field):
    payload = {"product_id": catalog.sensor.pk, **body}

    response = api("sales_rep").post(f"/deals/{deal.pk}/lines", payload)

    assert response.status_code == 422
    assert fields_of(response) == [field]
    assert not DealLine.objects.exists()


def test_another_rep_cannot_touch_the_lines(api, cast, catalog, deal):
    line = orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk)

    assert (
        api("teammate_rep")
        .post(f"/deals/{deal.pk}/lines", {"product_id": catalog.sensor.pk})
        .status_code
        == 403
    )
    assert api("teammate_rep").patch(f"/deal-lines/{line.pk}", {"quantity": 9}).status_code == 403
    assert api("teammate_rep").delete(f"/deal-lines/{line.pk}").status_code == 403
    assert DealLine.objects.get().quantity == 1


def test_patch_and_delete_a_line(api, cast, catalog, deal):
    line = orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk)

    patched = api("sales_rep").patch(
        f"/deal-lines/{line.pk}", {"quantity": 4, "delivery_terms": "express"}
    )
    assert (patched.json()["amount"], patched.json()["flags"]) == ("960.00", ["non-standard terms"])
    assert api("sales_rep").get(f"/deals/{deal.pk}/lines").json()[0]["quantity"] == 4

    assert api("sales_rep").delete(f"/deal-lines/{line.pk}").status_code == 204
    assert api("sales_rep").get(f"/deals/{deal.pk}").json()["amount"] == "0.00"


def test_quote_create_version_and_accept(api, cast, catalog, deal):
    line = orders.deal_line_add(
        actor=cast.sales_rep, deal=deal, product_id=catalog.gateway.pk, quantity=12
    )
    rep = api("sales_rep")

    created = rep.post(f"/deals/{deal.pk}/quotes")
    assert created.status_code == 201
    quote = created.json()
    assert quote["stock_warnings"] == [
        {
            "product_id": catalog.gateway.pk,
            "product": "Edge Gateway 3",
            "wanted": 12,
            "available": 10,
            "message": "Edge Gateway 3: 12 quoted, only 10 available (2 short)",
        }
    ]

    orders.deal_line_update(actor=cast.sales_rep, line=line, quantity=10)
    revised = rep.post(f"/quotes/{quote['id']}/versions").json()
    assert [v["version"] for v in revised["versions"]] == [2, 1]
    assert revised["stock_warnings"] == []
    assert revised["versions"][0]["pdf_url"] == f"/orders/quotes/{quote['id']}/v2.pdf"

    accepted = rep.post(f"/quotes/{quote['id']}/accept", {})
    assert accepted.status_code == 201
    order = accepted.json()
    assert (order["status"], order["amount"], order["quote_version"]) == (
        "confirmed",
        "14000.00",
        2,
    )
    assert [(ln["reserved"], ln["backordered"]) for ln in order["lines"]] == [(10, 0)]


def test_accepting_beyond_stock_is_refused_or_backordered(api, cast, catalog, deal):
    orders.deal_line_add(
        actor=cast.sales_rep, deal=deal, product_id=catalog.gateway.pk, quantity=12
    )
    quote = quotes.quote_create(actor=cast.sales_rep, deal=deal)
    line_id = quote.versions.get().lines.get().pk

    refused = api("sales_rep").post(f"/quotes/{quote.pk}/accept", {})
    assert (refused.status_code, fields_of(refused)) == (422, ["backorder_line_ids"])

    placed = api("sales_rep").post(f"/quotes/{quote.pk}/accept", {"backorder_line_ids": [line_id]})
    assert [(ln["reserved"], ln["backordered"]) for ln in placed.json()["lines"]] == [(10, 2)]


def test_orders_list_and_advance(api, cast, catalog, deal):
    orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk, quantity=3)
    order = quotes.quote_accept(
        actor=cast.sales_rep, quote=quotes.quote_create(actor=cast.sales_rep, deal=deal)
    )

    listed = api("sales_rep").get("/orders").json()
    assert [(o["number"], o["status"]) for o in listed["items"]] == [(order.number, "confirmed")]
    assert api("teammate_rep").get("/orders").json()["items"] == []
    assert api("teammate_rep").post(f"/orders/{order.pk}/advance").status_code == 403

    shipped = api("sales_rep").post(f"/orders/{order.pk}/advance").json()
    assert shipped["status"] == "shipped"
    assert api("sales_rep").post(f"/orders/{order.pk}/cancel").status_code == 422
    assert api("sales_rep").get("/orders", status="bogus").status_code == 422


def test_the_orders_api_list_runs_a_fixed_number_of_queries(
    api, cast, catalog, deal_for, django_assert_num_queries
):
    client = api("sales_manager")

    def place(n):
        for i in range(n):
            deal = deal_for(name=f"Deal {i}")
            orders.deal_line_add(actor=cast.admin, deal=deal, product_id=catalog.sensor.pk)
            quotes.quote_accept(
                actor=cast.admin, quote=quotes.quote_create(actor=cast.admin, deal=deal)
            )

    place(2)
    client.get("/orders")  # the token's first use also records when it was used
    with django_assert_num_queries(3):
        few = client.get("/orders")
    place(5)
    with django_assert_num_queries(3):
        many = client.get("/orders")
    with django_assert_num_queries(3):
        products = client.get("/products")

    assert (few.status_code, many.status_code, products.status_code) == (200, 200, 200)
    assert few.json()["count"] == 2 and len(few.json()["items"]) == 2
    assert many.json()["count"] == 7 and len(many.json()["items"]) == 7
    assert products.json()["count"] == 4
    assert "Fleet Monitor sensor" in {p["name"] for p in products.json()["items"]}
    assert Order.objects.count() == 7
