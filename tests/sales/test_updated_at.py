"""A deal's ``updated_at`` follows every change: a save of some fields, a queryset update and
a bulk update alike (an import's undo relies on it)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tandem.sales import services
from tandem.sales.models import Deal

OPENED = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))
LATER = OPENED + dt.timedelta(days=3)


@pytest.fixture
def deal(cast):
    with time_machine.travel(OPENED, tick=False):
        return services.deal_open(actor=cast.sales_rep, name="Acme pilot", owner=cast.sales_rep)


def _stamp(deal) -> dt.datetime:
    return Deal.objects.values_list("updated_at", flat=True).get(pk=deal.pk)


def test_a_new_deal_is_stamped_when_opened(deal):
    assert _stamp(deal) == OPENED


@pytest.mark.parametrize(
    "change",
    ["a save of some fields", "a service", "a queryset update", "a bulk update", "a stage move"],
)
def test_every_kind_of_change_stamps_it(cast, deal, change):
    with time_machine.travel(LATER, tick=False):
        if change == "a save of some fields":
            deal.next_step = "Call"
            deal.save(update_fields=["next_step"])
        elif change == "a service":
            services.deal_update(actor=cast.sales_rep, deal=deal, custom={})
        elif change == "a queryset update":
            Deal.objects.filter(pk=deal.pk).update(next_step="Call")
        elif change == "a bulk update":
            deal.next_step = "Call"
            Deal.objects.bulk_update([deal], ["next_step"])
        else:
            stage = deal.pipeline.stages.filter(outcome="open").exclude(pk=deal.stage_id).first()
            services.deal_move(actor=cast.sales_rep, deal=deal, stage_id=stage.pk)
    assert _stamp(deal) == LATER


def test_an_empty_save_changes_nothing(deal):
    with time_machine.travel(LATER, tick=False):
        deal.save(update_fields=[])
    assert _stamp(deal) == OPENED
