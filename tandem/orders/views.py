"""Doors for the catalog, a deal's line items (htmx), quotes with their PDF, and orders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.access import policies
from tandem.core.typed_input import typed_input
from tandem.errors import InvalidInput
from tandem.orders import order_services, selectors, services
from tandem.orders import quote_services as quotes
from tandem.orders.lines_context import deal_lines_context
from tandem.orders.models import OrderStatus
from tandem.orders.order_services import NEXT_STATUS
from tandem.orders.pdf import quote_pdf
from tandem.orders.schemas import DealLineIn, DealLinePatch, QuoteAcceptIn, StockChangeIn
from tandem.sales import selectors as sales_selectors

# -- catalog ---------------------------------------------------------------------------------


@login_required
def catalog(request):
    policies.require(request.user, "view", "product")
    query = request.GET.get("q", "").strip()
    products = selectors.products_for_user(user=request.user, search=query)
    page = Paginator(products, 50).get_page(request.GET.get("page"))
    ctx = {"page": page, "q": query, "section": "orders"}
    template = "orders/_product_rows.html" if request.htmx else "orders/catalog.html"
    return render(request, template, ctx)


@login_required
def product_detail(request, product_id: int):
    product = selectors.product_get_for_user(user=request.user, product_id=product_id)
    return render(
        request,
        "orders/product.html",
        {
            "product": product,
            "stock": selectors.stock_of(product),
            "prices": selectors.product_prices(product=product),
            "movements": selectors.stock_movements(product=product),
            "can_change": policies.can(request.user, "change", "product", product),
            "section": "orders",
        },
    )


@login_required
@require_POST
def product_stock(request, product_id: int):
    product = selectors.product_get_for_user(user=request.user, product_id=product_id)
    try:
        change = typed_input(StockChangeIn, request.POST, labels={"on_hand": "On hand"})
        if change.action == "count":
            services.stock_count(
                actor=request.user, product=product, on_hand=change.on_hand, note=change.note
            )
            messages.success(request, "Stock count saved.")
        else:
            services.stock_receive(
                actor=request.user, product=product, quantity=change.quantity, note=change.note
            )
            messages.success(request, "Stock received.")
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    return redirect("orders:product", product_id=product.pk)


# -- a deal's line items ---------------------------------------------------------------------


def _lines_answer(
    request, deal, *, errors: dict | None = None, form: dict | None = None, changed: bool = False
):
    if request.htmx:
        ctx = deal_lines_context(
            user=request.user,
            deal=deal,
            errors=errors,
            form=form,
            editing=request.GET.get("edit") if errors is None else (form or {}).get("line_id"),
        )
        response = render(request, "orders/_deal_lines_editor.html", ctx)
        if changed:
            # The deal's amount shows elsewhere on its page too: reload it to stay in step.
            response["HX-Refresh"] = "true"
        return response
    if errors:
        messages.error(request, "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in errors.items()))
    return redirect(f"/sales/deals/{deal.pk}/#deal-lines")


@login_required
def deal_lines(request, deal_id: int):
    deal = sales_selectors.deal_get_for_user(user=request.user, deal_id=deal_id)
    return _lines_answer(request, deal)


LINE_LABELS = {"product_id": "Product", "discount_percent": "Discount %"}


@login_required
@require_POST
def deal_line_add(request, deal_id: int):
    deal = sales_selectors.deal_get_for_user(user=request.user, deal_id=deal_id)
    post = request.POST
    try:
        line = typed_input(DealLineIn, post, labels=LINE_LABELS, names={"product_id": "product"})
        services.deal_line_add(actor=request.user, deal=deal, **line.model_dump())
    except InvalidInput as exc:
        return _lines_answer(request, deal, errors=exc.errors, form=post.dict())
    return _lines_answer(request, deal, changed=True)


@login_required
@require_POST
def deal_line_update(request, line_id: int):
    line = selectors.deal_line_get_for_user(user=request.user, line_id=line_id)
    post = request.POST
    try:
        patch = typed_input(DealLinePatch, post, labels=LINE_LABELS)
        changes = patch.model_dump(exclude_unset=True)
        if "discount_percent" in post:
            # On the page a discount left blank is no discount; the API's missing one is unchanged.
            changes["discount_percent"] = patch.discount_percent or Decimal(0)
        services.deal_line_update(actor=request.user, line=line, **changes)
    except InvalidInput as exc:
        form = {**post.dict(), "line_id": str(line.pk)}
        return _lines_answer(request, line.deal, errors=exc.errors, form=form)
    return _lines_answer(request, line.deal, changed=True)


@login_required
@require_POST
def deal_line_remove(request, line_id: int):
    line = selectors.deal_line_get_for_user(user=request.user, line_id=line_id)
    deal = line.deal
    try:
        services.deal_line_remove(actor=request.user, line=line)
    except InvalidInput as exc:
        return _lines_answer(request, deal, errors=exc.errors)
    return _lines_answer(request, deal, changed=True)


# -- quotes ----------------------------------------------------------------------------------


@login_required
@require_POST
def quote_create(request, deal_id: int):
    deal = sales_selectors.deal_get_for_user(user=request.user, deal_id=deal_id)
    try:
        quote = quotes.quote_create(actor=request.user, deal=deal)
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
        return redirect(f"/sales/deals/{deal.pk}/#deal-lines")
    messages.success(request, f"Quote {quote.number} made from the deal's lines.")
    return redirect("orders:quote", quote_id=quote.pk)


def _version_of(quote, versions: list, wanted: Any):
    for version in versions:
        if str(version.version) == str(wanted):
            return version
    return versions[0] if versions else None


@login_required
def quote_detail(request, quote_id: int):
    quote = selectors.quote_get_for_user(user=request.user, quote_id=quote_id)
    versions = selectors.quote_versions(quote=quote)
    version = _version_of(quote, versions, request.GET.get("version"))
    lines = selectors.quote_version_lines(version=version) if version else []
    warnings = selectors.stock_warnings(lines=lines)
    short = {w.product_id for w in warnings}
    is_latest = version is not None and version == versions[0]
    order = selectors.orders_for_user(user=request.user).filter(quote_version__quote=quote).first()
    return render(
        request,
        "orders/quote.html",
        {
            "quote": quote,
            "deal": quote.deal,
            "versions": versions,
            "version": version,
            "lines": [
                (line, line.product_id in short, selectors.offer_flags(line)) for line in lines
            ],
            "warnings": warnings,
            "is_latest": is_latest,
            "order": order,
            "can_change": is_latest
            and quote.status == "open"
            and policies.can(request.user, "change", "quote", quote.deal),
            "can_accept": is_latest
            and quote.status == "open"
            and policies.can(request.user, "create", "order", quote.deal),
            "section": "sales",
        },
    )


@login_required
def quote_pdf_download(request, quote_id: int, version: int):
    quote = selectors.quote_get_for_user(user=request.user, quote_id=quote_id)
    found = _version_of(quote, selectors.quote_versions(quote=quote), version)
    if found is None or found.version != version:
        raise Http404("No such version")
    data = quote_pdf(version=found, lines=selectors.quote_version_lines(version=found))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{quote.number}-v{version}.pdf"'
    return response


def _quote_act(request, quote_id: int, act) -> Any:
    quote = selectors.quote_get_for_user(user=request.user, quote_id=quote_id)
    try:
        answer = act(quote)
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
        return redirect("orders:quote", quote_id=quote.pk)
    return answer


@login_required
@require_POST
def quote_version_new(request, quote_id: int):
    def act(quote):
        version = quotes.quote_version_create(actor=request.user, quote=quote)
        messages.success(request, f"Version {version.version} made from the deal's current lines.")
        return redirect("orders:quote", quote_id=quote.pk)

    return _quote_act(request, quote_id, act)


ACCEPT_NAMES = {"backorder_line_ids": "backorder"}
ACCEPT_LABELS = {"backorder_line_ids": "Backorder"}


@login_required
@require_POST
def quote_accept(request, quote_id: int):
    def act(quote):
        accepted = typed_input(
            QuoteAcceptIn, request.POST, labels=ACCEPT_LABELS, names=ACCEPT_NAMES
        )
        order = quotes.quote_accept(
            actor=request.user, quote=quote, backorder_line_ids=accepted.backorder_line_ids
        )
        messages.success(request, f"Order {order.number} confirmed; stock is reserved.")
        return redirect("orders:order", order_id=order.pk)

    return _quote_act(request, quote_id, act)


@login_required
@require_POST
def quote_decline(request, quote_id: int):
    def act(quote):
        quotes.quote_decline(actor=request.user, quote=quote)
        messages.success(request, f"{quote.number} marked declined.")
        return redirect("orders:quote", quote_id=quote.pk)

    return _quote_act(request, quote_id, act)


# -- orders ----------------------------------------------------------------------------------


@login_required
def orders_list(request):
    policies.require(request.user, "view", "order")
    status = request.GET.get("status", "")
    if status not in OrderStatus.values:
        status = ""
    qs = selectors.orders_for_user(user=request.user, status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    ctx = {
        "page": page,
        "status": status,
        "statuses": OrderStatus.choices,
        "section": "orders",
        "can_view_catalog": policies.can(request.user, "view", "product"),
    }
    template = "orders/_order_rows.html" if request.htmx else "orders/orders.html"
    return render(request, template, ctx)


@login_required
def order_detail(request, order_id: int):
    order = selectors.order_get_for_user(user=request.user, order_id=order_id)
    lines = selectors.order_lines(order=order)
    can_change = policies.can(request.user, "change", "order", order.deal)
    after = NEXT_STATUS.get(OrderStatus(order.status))
    waiting = sum(line.backordered for line in lines)
    if after == OrderStatus.SHIPPED and waiting:
        after = None  # it cannot ship until the backordered units are reserved
    return render(
        request,
        "orders/order.html",
        {
            "order": order,
            "lines": lines,
            "waiting": waiting,
            "next_status": after.label if after else None,
            "can_change": can_change,
            "steps": [
                (OrderStatus.CONFIRMED.label, order.confirmed_at),
                (OrderStatus.SHIPPED.label, order.shipped_at),
                (OrderStatus.DELIVERED.label, order.delivered_at),
                (OrderStatus.INVOICED.label, order.invoiced_at),
            ],
            "section": "orders",
        },
    )


def _order_act(request, order_id: int, act, done: str) -> Any:
    order = selectors.order_get_for_user(user=request.user, order_id=order_id)
    try:
        order = act(order)
        messages.success(request, done.format(order=order))
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    return redirect("orders:order", order_id=order.pk)


@login_required
@require_POST
def order_advance(request, order_id: int):
    return _order_act(
        request,
        order_id,
        lambda o: order_services.order_advance(actor=request.user, order=o),
        "{order.number} is now {order.status}.",
    )


@login_required
@require_POST
def order_cancel(request, order_id: int):
    return _order_act(
        request,
        order_id,
        lambda o: order_services.order_cancel(actor=request.user, order=o),
        "{order.number} cancelled; its reservations are released.",
    )


@login_required
@require_POST
def order_backorders(request, order_id: int):
    return _order_act(
        request,
        order_id,
        lambda o: order_services.order_backorders_fill(actor=request.user, order=o),
        "Reserved what has come into stock for {order.number}.",
    )
