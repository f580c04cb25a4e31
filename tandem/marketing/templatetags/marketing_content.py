"""``{% deal_content deal %}``: the content panel on a deal page, filled by marketing."""

from __future__ import annotations

from django import template

from tandem.access import policies
from tandem.marketing import content_selectors

register = template.Library()


@register.inclusion_tag("marketing/_deal_content_panel.html", takes_context=True)
def deal_content(context, deal):
    user = context["request"].user
    if not policies.can(user, "view", "content_asset"):
        return {"visible": False}
    return {
        "visible": True,
        "deal": deal,
        "assets": content_selectors.assets_for_deal(user=user, deal=deal),
        "contacts": content_selectors.deal_share_contacts(deal=deal),
        "can_share": policies.can(user, "create", "touch"),
        "next": context["request"].get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
