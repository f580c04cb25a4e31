"""Background work of marketing: refreshing contacts after a batch of touches."""

from __future__ import annotations

import importlib

from django.db import transaction
from django_tasks import task

from tandem.handoff import services as handoff
from tandem.people import services as people
from tandem.people.lifecycle import Stage
from tandem.people.models import Contact


@task()
def contacts_touched_refresh(contact_ids: list[int], interest_ids: list[int]) -> None:
    """After a touch batch: a subscriber who showed interest becomes a lead (as ``touch_log``
    moves one), every touched contact is rescored (the hand-off follows at the threshold), and
    segment membership is refreshed for them."""
    interested = set(interest_ids)
    for contact in Contact.objects.filter(pk__in=contact_ids).select_related("account"):
        with transaction.atomic():
            if contact.pk in interested and contact.lifecycle_stage in (
                Stage.SUBSCRIBER,
                Stage.RECYCLED,
            ):
                people.lifecycle_move(
                    contact=contact, to_stage=Stage.LEAD, reason="touch batch", via="api:batch"
                )
            handoff.contact_rescore(contact=contact, via="api:batch")
    segments_refresh_for(contact_ids)


def segments_refresh_for(contact_ids: list[int]) -> None:
    """Hand the touched contacts to the segments area's incremental refresh, when it has one.

    The segments app owns membership; this is the one place marketing calls it.
    """
    try:
        services = importlib.import_module("tandem.segments.services")
    except ImportError:
        return
    refresh = getattr(services, "membership_refresh_contacts", None) or getattr(
        services, "segments_refresh_contacts", None
    )
    if refresh is not None:
        refresh(contact_ids=contact_ids)
