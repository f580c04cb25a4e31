"""The people's-rights panel the contact page includes with one line."""

from __future__ import annotations

from typing import Any

from django import template

from tandem.access import policies

register = template.Library()


@register.inclusion_tag("privacy/_contact_panel.html", takes_context=True)
def privacy_panel(context: template.Context, contact: Any) -> dict[str, Any]:
    """Download everything held on the contact, and erase them: for who may."""
    user = context["request"].user
    return {
        "contact": contact,
        "can_export": policies.can(user, "view", "contact_privacy", contact),
        "can_erase": policies.can(user, "delete", "contact_privacy", contact),
    }
