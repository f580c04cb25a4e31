"""Every event type in the public catalogue is announced by the app that knows the record,
through its real service, and lands in the outbox in that service's transaction."""

from __future__ import annotations

from tandem.core.business_events import EVENT_TYPES
from tandem.handoff import services as handoff
from tandem.handoff.models import Lead
from tandem.orders import quote_services
from tandem.orders import services as orders
from tandem.people import merge
from tandem.people import services as people
from tandem.people.models import ConsentChannel
from tandem.sales import services as sales
from tandem.webhooks.models import Delivery


def _owed() -> set[str]:
    return set(Delivery.objects.values_list("event_type", flat=True))


def test_every_catalogued_event_type_is_announced_by_its_service(cast, submit, endpoint_for):
    # given an endpoint hearing every event type (nothing is sent: the test's transaction
    # never commits, and the outbox rows are what is checked)
    endpoint_for("http://127.0.0.1:9/all", sorted(EVENT_TYPES))
    seen: dict[str, set[str]] = {}

    def step(name: str, act):
        before = _owed()
        result = act()
        seen[name] = _owed() - before
        return result

    # a qualifying form: new contact, two stage moves, the MQL, the hand-off, the form
    step("form", lambda: submit(email="ann@acme.test"))
    ann = Lead.objects.get(contact__email="ann@acme.test")
    deal = step("accept", lambda: handoff.lead_accept(actor=cast.sales_rep, lead=ann))
    step("second form", lambda: submit(email="bob@acme.test"))
    bob = Lead.objects.get(contact__email="bob@acme.test")
    step("reject", lambda: handoff.lead_reject(actor=cast.sales_rep, lead=bob, reason="not_ready"))
    step(
        "update",
        lambda: people.contact_update(actor=cast.marketer, contact=ann.contact, title="CFO"),
    )
    proposal = deal.pipeline.stages.get(name="Proposal")
    step("move", lambda: sales.deal_move(actor=cast.sales_rep, deal=deal, stage_id=proposal.pk))
    other = sales.deal_open(actor=cast.sales_rep, name="Bolt", owner=cast.sales_rep)
    step("lost", lambda: sales.deal_close_lost(actor=cast.sales_rep, deal=other, reason="price"))
    product = orders.product_create(
        actor=cast.admin, sku="S-1", name="Sensor", unit_cost="10.00", list_price="25.00",
        on_hand=5,
    )  # fmt: skip
    orders.deal_line_add(actor=cast.admin, deal=deal, product_id=product.pk)
    quote = quote_services.quote_create(actor=cast.admin, deal=deal)
    step("order", lambda: quote_services.quote_accept(actor=cast.admin, quote=quote))
    for granted in (True, False):
        step(
            "consent",
            lambda granted=granted: people.consent_record(
                contact=ann.contact, channel=ConsentChannel.EMAIL, is_granted=granted, source="test"
            ),
        )
    twin = people.contact_create(actor=cast.marketer, email="ann.twin@acme.test")
    step("merge", lambda: merge.contact_merge(user=cast.admin, kept=ann.contact, merged=twin))

    # then each step announced what it did, and all of them together the whole catalogue
    assert {"contact.created", "contact.lifecycle_changed", "contact.became_mql",
            "lead.handed_off", "form.submitted"} <= seen["form"]  # fmt: skip
    assert {"deal.created", "lead.accepted"} <= seen["accept"]
    assert "lead.rejected" in seen["reject"]
    assert seen["update"] == {"contact.updated"}
    assert seen["move"] == {"deal.stage_changed"}
    assert "deal.lost" in seen["lost"]
    assert {"order.placed", "deal.won"} <= seen["order"]
    assert seen["consent"] == {"contact.unsubscribed"}
    assert "contact.merged" in seen["merge"]
    assert _owed() == set(EVENT_TYPES)
