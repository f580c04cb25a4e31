"""``{% deal_lines deal %}``: the line-item editor on the deal page."""

from __future__ import annotations

from typing import Any

from django import template

from tandem.orders.lines_context import deal_lines_context

register = template.Library()


@register.inclusion_tag("orders/_deal_lines_editor.html", takes_context=True)
def deal_lines(context: template.Context, deal: Any) -> dict[str, Any]:
    request = context["request"]
    return {
        **deal_lines_context(user=request.user, deal=deal, editing=request.GET.get("edit_line")),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }


@register.filter
def percent(value: Any) -> str:
    """12.50 → '12.5%', 0 → '—'."""
    if not value:
        return "—"
    return f"{value.normalize():f}%"
