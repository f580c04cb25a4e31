"""``{% conversation record %}``: the comment thread and form of a record (contact, account,
deal, campaign, segment or content asset)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from tandem.access import policies
from tandem.collaboration import selectors
from tandem.collaboration.access import resource_of
from tandem.collaboration.services import MENTION_RE

register = template.Library()


def conversation_context(
    *, user: Any, target: Any, errors: dict | None = None, body: str = ""
) -> dict[str, Any]:
    resource = resource_of(target)
    return {
        "target": target,
        "resource": resource,
        "comments": selectors.comments_for(user=user, target=target),
        "errors": errors or {},
        "body": body,
        "can_invite": resource in ("deal", "campaign", "content_asset")
        and policies.can(user, "change", resource, target),
    }


@register.inclusion_tag("collaboration/_comments.html", takes_context=True)
def conversation(context: template.Context, target: Any) -> dict[str, Any]:
    request = context["request"]
    return {
        **conversation_context(user=request.user, target=target),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("collaboration/_sentiment_by_segment.html")
def sentiment_by_segment(period: Any) -> dict[str, Any]:
    """Marketing's table of how each segment's contacts felt in the period's touches."""
    return {"rows": selectors.sentiment_by_segment(start=period.start, end=period.end)}


@register.filter
def with_mentions(body: str) -> str:
    """The comment escaped, with line breaks kept and each @mention marked."""
    escaped = str(conditional_escape(body))
    marked = MENTION_RE.sub(lambda m: f'<strong class="mention">{m.group(0)}</strong>', escaped)
    return mark_safe(marked.replace("\n", "<br>"))  # noqa: S308 - built from escaped text


@register.filter
def item(mapping: Any, key: Any) -> Any:
    """``mapping[key]`` in a template, or an empty string."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""
