"""The pages: the deal's line-item editor (htmx), the quote page and PDF, catalog and orders."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from tandem.orders import quote_services as quotes
from tandem.orders import services as orders
from tandem.orders.models import DealLine, Order


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


HTMX = {"HTTP_HX_REQUEST": "true"}


def _order_links(page: str) -> int:
    """How many orders a list page links to (each order's own page, not the nav)."""
    return len(set(re.findall(r'href="/orders/(\d+)/"', page)))


def _line_products(editor: str) -> list[int]:
    """The products of the deal editor's line rows, in order (the add form's choices left out)."""
    row = r'<td class="stack-title"><a href="/orders/catalog/(\d+)/"'
    return [int(pk) for pk in re.findall(row, editor)]


def test_the_deal_page_shows_the_line_editor_to_its_owner(cast, catalog, deal):
    orders.deal_line_add(
        actor=cast.sales_rep,
        deal=deal,
        product_id=catalog.gateway.pk,
        quantity=2,
        discount_percent="20",
    )

    page = _client(cast.sales_rep).get(f"/sales/deals/{deal.pk}/").content.decode()

    assert 'id="deal-lines"' in page
    assert "Edge Gateway 3" in page and "discount above review threshold" in page
    assert "2,240.00" in page  # 1400 at 20% off = 1120 × 2
    assert 'aria-label="Add a line item"' in page
    assert "Create a quote from these lines" in page


def test_a_marketer_reads_the_lines_without_editing(cast, catalog, deal):
    orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.gateway.pk)

    page = _client(cast.marketer).get(f"/sales/deals/{deal.pk}/").content.decode()

    assert "Edge Gateway 3" in page
    assert "Add a line item" not in page and "Remove" not in page


def test_adding_a_line_with_htmx_answers_the_editor_fragment(cast, catalog, deal):
    response = _client(cast.sales_rep).post(
        f"/orders/deals/{deal.pk}/lines/add/",
        {
            "product": catalog.sensor.pk,
            "quantity": "5",
            "discount_percent": "10",
            "payment_terms": "standard",
            "delivery_terms": "standard",
        },
        **HTMX,
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith("<section") and "<html" not in body
    assert "Fleet Monitor sensor" in body and "1,080.00" in body
    assert response["HX-Refresh"] == "true"  # the deal's amount card follows the lines
    assert DealLine.objects.get().amount == 1080


def test_a_discount_above_the_maximum_is_shown_beside_the_field(cast, catalog, deal):
    response = _client(cast.sales_rep).post(
        f"/orders/deals/{deal.pk}/lines/add/",
        {"product": catalog.sensor.pk, "quantity": "5", "discount_percent": "35"},
        **HTMX,
    )

    body = response.content.decode()
    assert 'id="line-discount-err"' in body
    assert "35% is above the 30% maximum discount" in body
    assert 'value="35"' in body  # what was typed is kept
    assert "HX-Refresh" not in response
    assert not DealLine.objects.exists()


def test_editing_and_removing_a_line_through_the_editor(cast, catalog, deal):
    line = orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk)
    client = _client(cast.sales_rep)

    form = client.get(f"/orders/deals/{deal.pk}/lines/?edit={line.pk}", **HTMX).content.decode()
    assert f'id="edit-qty-{line.pk}"' in form
    client.post(
        f"/orders/lines/{line.pk}/",
        {
            "quantity": "3",
            "discount_percent": "0",
            "payment_terms": "net_60",
            "delivery_terms": "standard",
        },
        **HTMX,
    )
    line.refresh_from_db()
    assert (line.quantity, line.payment_terms) == (3, "net_60")

    client.post(f"/orders/lines/{line.pk}/remove/", **HTMX)
    assert not DealLine.objects.exists()


def test_without_htmx_the_editor_redirects_back_to_the_deal(cast, catalog, deal):
    response = _client(cast.sales_rep).post(
        f"/orders/deals/{deal.pk}/lines/add/", {"product": catalog.sensor.pk, "quantity": "1"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/sales/deals/{deal.pk}/#deal-lines"


@pytest.mark.parametrize("who", ["teammate_rep", "other_team_rep", "marketer"])
def test_a_rep_cannot_edit_another_reps_deal_lines_through_the_pages(cast, catalog, deal, who):
    line = orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk)
    client = _client(cast.by_role(who))

    added = client.post(
        f"/orders/deals/{deal.pk}/lines/add/", {"product": catalog.sensor.pk}, **HTMX
    )
    changed = client.post(f"/orders/lines/{line.pk}/", {"quantity": "50"}, **HTMX)
    removed = client.post(f"/orders/lines/{line.pk}/remove/", **HTMX)

    assert {added.status_code, changed.status_code, removed.status_code} == {403}
    line.refresh_from_db()
    assert (DealLine.objects.count(), line.quantity) == (1, 1)


def test_anonymous_visitors_are_sent_to_sign_in(catalog, deal):
    for path in ("/orders/", "/orders/catalog/", f"/orders/deals/{deal.pk}/lines/"):
        response = Client().get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_quote_page_warns_about_stock_and_offers_backorder(cast, catalog, deal):
    orders.deal_line_add(
        actor=cast.sales_rep, deal=deal, product_id=catalog.gateway.pk, quantity=14
    )
    quote = quotes.quote_create(actor=cast.sales_rep, deal=deal)

    page = _client(cast.sales_rep).get(f"/orders/quotes/{quote.pk}/").content.decode()

    assert "Stock cannot cover this quote." in page
    assert "Edge Gateway 3: 14 quoted, only 10 available (4 short)" in page
    assert 'name="backorder"' in page
    assert f"/orders/quotes/{quote.pk}/v1.pdf" in page


def test_accepting_on_the_quote_page_with_a_backorder_places_the_order(cast, catalog, deal):
    orders.deal_line_add(
        actor=cast.sales_rep, deal=deal, product_id=catalog.gateway.pk, quantity=14
    )
    quote = quotes.quote_create(actor=cast.sales_rep, deal=deal)
    line = quote.versions.get().lines.get()

    response = _client(cast.sales_rep).post(
        f"/orders/quotes/{quote.pk}/accept/", {"backorder": [str(line.pk)]}
    )

    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.pk}/"
    assert (order.lines.get().reserved, order.lines.get().backordered) == (10, 4)


def test_the_pdf_downloads(cast, catalog, deal):
    orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk)
    quote = quotes.quote_create(actor=cast.sales_rep, deal=deal)

    response = _client(cast.sales_rep).get(f"/orders/quotes/{quote.pk}/v1.pdf")

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert _client(cast.teammate_rep).get(f"/orders/quotes/{quote.pk}/v1.pdf").status_code == 403
    assert _client(cast.sales_rep).get(f"/orders/quotes/{quote.pk}/v2.pdf").status_code == 404


def test_order_page_steps_through_fulfilment(cast, catalog, deal):
    orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.gateway.pk, quantity=2)
    order = quotes.quote_accept(
        actor=cast.sales_rep, quote=quotes.quote_create(actor=cast.sales_rep, deal=deal)
    )
    client = _client(cast.sales_rep)

    assert "Mark shipped" in client.get(f"/orders/{order.pk}/").content.decode()
    client.post(f"/orders/{order.pk}/advance/")
    page = client.get(f"/orders/{order.pk}/").content.decode()

    assert "Mark delivered" in page
    assert Order.objects.get(pk=order.pk).status == "shipped"


def _many_orders(cast, catalog, deal_for, n: int) -> None:
    for i in range(n):
        deal = deal_for(name=f"Deal {i}")
        orders.deal_line_add(actor=cast.admin, deal=deal, product_id=catalog.sensor.pk)
        quotes.quote_accept(
            actor=cast.admin, quote=quotes.quote_create(actor=cast.admin, deal=deal)
        )


def test_the_orders_list_runs_a_fixed_number_of_queries(
    cast, catalog, deal_for, django_assert_num_queries
):
    _many_orders(cast, catalog, deal_for, 3)
    client = _client(cast.sales_manager)
    client.get("/orders/")  # warm the session
    with django_assert_num_queries(5):
        few = client.get("/orders/")
    _many_orders(cast, catalog, deal_for, 6)
    with django_assert_num_queries(5):
        many = client.get("/orders/")

    assert few.status_code == 200 and many.status_code == 200
    assert _order_links(few.content.decode()) == 3
    page = many.content.decode()
    assert page.count("/orders/quotes/") == 0 and _order_links(page) == 9
    assert "Deal 5" in page


def test_the_catalog_runs_a_fixed_number_of_queries(cast, catalog, django_assert_num_queries):
    client = _client(cast.marketer)
    client.get("/orders/catalog/")
    with django_assert_num_queries(5):
        few = client.get("/orders/catalog/")
    assert few.status_code == 200 and "Fleet Monitor sensor" in few.content.decode()
    for i in range(10):
        orders.product_create(
            actor=cast.admin,
            sku=f"X-{i}",
            name=f"Extra {i}",
            unit_cost="1",
            list_price="2",
            on_hand=i,
        )
    with django_assert_num_queries(5):
        many = client.get("/orders/catalog/")
    assert many.status_code == 200 and "Extra 9" in many.content.decode()


def test_the_deal_editor_runs_a_fixed_number_of_queries(
    cast, catalog, deal, django_assert_num_queries
):
    orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk)
    client = _client(cast.sales_rep)
    client.get(f"/orders/deals/{deal.pk}/lines/", **HTMX)
    with django_assert_num_queries(8):
        one_line = client.get(f"/orders/deals/{deal.pk}/lines/", **HTMX)
    for product in (catalog.gateway, catalog.licence, catalog.custom):
        orders.deal_line_add(actor=cast.sales_rep, deal=deal, product_id=product.pk)
    quotes.quote_create(actor=cast.sales_rep, deal=deal)
    # one more, for the quote's versions; none more for the three lines
    with django_assert_num_queries(9):
        four_lines = client.get(f"/orders/deals/{deal.pk}/lines/", **HTMX)

    assert one_line.status_code == 200 and four_lines.status_code == 200
    assert _line_products(one_line.content.decode()) == [catalog.sensor.pk]
    assert sorted(_line_products(four_lines.content.decode())) == sorted(
        p.pk for p in (catalog.sensor, catalog.gateway, catalog.licence, catalog.custom)
    )


def test_an_order_waiting_for_backorders_offers_no_shipping(cast, catalog, deal):
    orders.deal_line_add(
        actor=cast.sales_rep, deal=deal, product_id=catalog.gateway.pk, quantity=12
    )
    quote = quotes.quote_create(actor=cast.sales_rep, deal=deal)
    line = quote.versions.get().lines.get()
    order = quotes.quote_accept(actor=cast.sales_rep, quote=quote, backorder_line_ids=[line.pk])

    page = _client(cast.sales_rep).get(f"/orders/{order.pk}/").content.decode()

    assert "Mark shipped" not in page
    assert "It ships once the 2 backordered units are in stock and reserved." in page
    assert "Reserve arrived stock" in page


def test_a_discount_left_blank_in_the_editor_is_no_discount(cast, catalog, deal):
    line = orders.deal_line_add(
        actor=cast.sales_rep, deal=deal, product_id=catalog.sensor.pk, discount_percent="10"
    )

    _client(cast.sales_rep).post(
        f"/orders/lines/{line.pk}/", {"quantity": "2", "discount_percent": ""}, **HTMX
    )

    line.refresh_from_db()
    assert (line.quantity, line.discount_percent) == (2, 0)


def test_a_stock_count_without_a_number_names_the_field(cast, catalog):
    response = _client(cast.sales_manager).post(
        f"/orders/catalog/{catalog.sensor.pk}/stock/", {"action": "count", "on_hand": ""}
    )

    assert [str(m) for m in get_messages(response.wsgi_request)] == ["On hand is required"]
