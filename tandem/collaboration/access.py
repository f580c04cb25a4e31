"""Who may see the record a comment, notification or assignment points at.

Comments and assignments have no rows of their own in the permission matrix: whoever may view
the record may read and write its conversation, so the matrix row of the record decides.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse

from tandem.access import policies
from tandem.marketing.models import Campaign, ContentAsset
from tandem.people.models import Account, Contact
from tandem.sales.models import Deal
from tandem.segments.models import Segment

RESOURCE_OF: dict[type[models.Model], str] = {
    Contact: "contact",
    Account: "account",
    Deal: "deal",
    Campaign: "campaign",
    Segment: "segment",
    ContentAsset: "content_asset",
}


def resource_of(target: models.Model) -> str:
    try:
        return RESOURCE_OF[type(target)]
    except KeyError:
        raise TypeError(f"no conversation on {type(target).__name__}") from None


def can_view(user: Any, target: models.Model) -> bool:
    return policies.can(user, "view", resource_of(target), target)


def target_url(target: models.Model) -> str:
    resource = resource_of(target)
    if resource == "contact":
        return reverse("people:contact", args=[target.pk])
    if resource == "account":
        return reverse("people:account", args=[target.pk])
    if resource == "deal":
        return reverse("sales:deal", args=[target.pk])
    if resource == "campaign":
        return reverse("marketing:campaign", args=[target.pk])
    if resource == "segment":
        return reverse("segments:detail", args=[target.pk])
    if resource == "content_asset":
        return reverse("marketing:content_asset", args=[target.pk])
    raise TypeError(f"no page for {resource}")
