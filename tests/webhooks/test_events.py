"""Each business event fires from the real service where it happens, reaches the endpoint,
and its payload has the documented shape (``webhooks.payloads``)."""

from __future__ import annotations

import json

import pytest

from tandem.handoff import services as handoff
from tandem.orders import quote_services
from tandem.orders import services as orders
from tandem.people import services as people
from tandem.people.models import ConsentChannel
from tandem.sales import services as sales
from tandem.sales.models import PipelineStage
from tandem.webhooks.models import Delivery
from tandem.webhooks.payloads import PAYLOADS, Message
from tandem.webhooks.sender import deliveries_send_due

ALL = list(PAYLOADS)


@pytest.fixture
def heard(cast, receiver, endpoint_for):
    """Run ``act`` and the sender (as its commit would); the messages the endpoint received,
    checked against the documented shapes, as (type, data) in order."""
    endpoint_for(receiver.url, ALL)

    def _run(act):
        deliveries_send_due()  # what the scene's setting up owes goes out first
        before = len(receiver.received)
        result = act()
        deliveries_send_due()
        # Sent concurrently: put them back in the order they were announced.
        order = {
            m: i
            for i, m in enumerate(
                Delivery.objects.values_list("message_id", flat=True).order_by("id")
            )
        }
        messages = []
        for got in sorted(receiver.received[before:], key=lambda r: order[r.headers["webhook-id"]]):
            message = Message.model_validate_json(got.body)
            PAYLOADS[message.type].model_validate(message.data)
            messages.append((message.type, message.data))
        return result, messages

    return _run


def _types(messages) -> list[str]:
    return [t for t, _ in messages]


def test_contact_created_and_updated_name_what_changed(cast, heard):
    contact, created = heard(
        lambda: people.contact_create(actor=cast.marketer, email="ann@acme.test")
    )
    assert _types(created) == ["contact.created"]
    _, updated = heard(
        lambda: people.contact_update(
            actor=cast.marketer, contact=contact, title="CFO", first_name="Ann"
        )
    )
    assert updated == [("contact.updated", {**updated[0][1], "changed": ["first_name", "title"]})]
    assert updated[0][1]["contact"]["title"] == "CFO"


def test_a_qualifying_form_submission_announces_the_whole_relay(cast, heard, submit):
    # when a visitor submits the lead form with a qualifying profile
    _, messages = heard(lambda: submit())
    # then the endpoint hears the new contact, each stage, the MQL, the hand-off and the form
    assert _types(messages) == [
        "contact.created",
        "contact.lifecycle_changed",
        "contact.lifecycle_changed",
        "contact.became_mql",
        "lead.handed_off",
        "form.submitted",
    ]
    moves = [(d["from_stage"], d["to_stage"]) for t, d in messages if t.endswith("_changed")]
    assert moves == [("subscriber", "lead"), ("lead", "mql")]
    lead = dict(messages)["lead.handed_off"]["lead"]
    assert lead["assigned_to_id"] == cast.sales_rep.pk
    assert lead["status"] == "waiting"
    form = dict(messages)["form.submitted"]["submission"]
    assert (form["form_slug"], form["is_new_contact"]) == ("demo", True)
    assert form["data"]["email"] == "ann@acme.test"


def test_lead_accepted_opens_a_deal(cast, heard, mql):
    deal, messages = heard(lambda: handoff.lead_accept(actor=cast.sales_rep, lead=mql))
    assert _types(messages) == [
        "contact.lifecycle_changed",
        "deal.created",
        "contact.lifecycle_changed",
        "lead.accepted",
    ]
    accepted = dict(messages)["lead.accepted"]
    assert (accepted["lead"]["id"], accepted["lead"]["status"]) == (mql.pk, "accepted")
    assert accepted["deal_id"] == deal.pk
    created = dict(messages)["deal.created"]["deal"]
    assert (created["id"], created["stage"], created["contact_id"]) == (
        deal.pk, "Discovery", mql.contact_id,
    )  # fmt: skip


def test_lead_rejected_with_its_reason(cast, heard, mql):
    _, messages = heard(
        lambda: handoff.lead_reject(actor=cast.sales_rep, lead=mql, reason="not_ready", note="Q4")
    )
    rejected = dict(messages)["lead.rejected"]
    assert (rejected["reason"], rejected["note"]) == ("not_ready", "Q4")
    assert rejected["lead"]["rejection_reason"] == "not_ready"


def test_deal_moves_wins_and_losses(cast, heard):
    deal = sales.deal_open(actor=cast.sales_rep, name="Acme", owner=cast.sales_rep, amount=900)
    proposal = deal.pipeline.stages.get(name="Proposal")
    _, moved = heard(lambda: sales.deal_move(actor=cast.sales_rep, deal=deal, stage_id=proposal.pk))
    assert moved == [
        ("deal.stage_changed", {**moved[0][1], "from_stage": "Discovery"}),
    ]
    assert moved[0][1]["deal"]["stage"] == "Proposal"
    _, won = heard(lambda: sales.deal_close_won(actor=cast.sales_rep, deal=deal, amount="1200"))
    assert _types(won) == ["deal.stage_changed", "deal.won"]
    assert dict(won)["deal.won"]["deal"]["amount"] == "1200.00"
    assert dict(won)["deal.won"]["deal"]["outcome"] == PipelineStage.Outcome.WON
    other = sales.deal_open(actor=cast.sales_rep, name="Bolt", owner=cast.sales_rep)
    _, lost = heard(lambda: sales.deal_close_lost(actor=cast.sales_rep, deal=other, reason="price"))
    assert _types(lost) == ["deal.stage_changed", "deal.lost"]
    assert dict(lost)["deal.lost"]["reason"] == "price"


def test_an_order_placed(cast, heard):
    deal = sales.deal_open(actor=cast.admin, name="Acme", owner=cast.sales_rep, amount=900)
    product = orders.product_create(
        actor=cast.admin, sku="S-1", name="Sensor", unit_cost="10.00", list_price="25.00",
        on_hand=5,
    )  # fmt: skip
    orders.deal_line_add(actor=cast.admin, deal=deal, product_id=product.pk)
    quote = quote_services.quote_create(actor=cast.admin, deal=deal)
    order, messages = heard(lambda: quote_services.quote_accept(actor=cast.admin, quote=quote))
    assert _types(messages)[0] == "order.placed"
    placed = dict(messages)["order.placed"]["order"]
    assert (placed["id"], placed["number"], placed["amount"]) == (
        order.pk, order.number, str(order.amount),
    )  # fmt: skip
    assert [(line["product_id"], line["quantity"]) for line in placed["lines"]] == [(product.pk, 1)]
    assert "deal.won" in _types(messages)


def test_unsubscribed_only_when_a_yes_becomes_a_no(cast, heard):
    contact, _ = heard(lambda: people.contact_create(actor=cast.marketer, email="ann@acme.test"))

    def record(granted: bool):
        return people.consent_record(
            contact=contact, channel=ConsentChannel.EMAIL, is_granted=granted, source="test"
        )

    _, first_no = heard(lambda: record(False))
    _, yes = heard(lambda: record(True))
    _, withdrawn = heard(lambda: record(False))
    assert (first_no, yes) == ([], [])
    assert _types(withdrawn) == ["contact.unsubscribed"]
    assert dict(withdrawn)["contact.unsubscribed"]["channel"] == "email"


def test_every_catalogued_event_is_documented_in_the_openapi(client):
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    assert sorted(schema["webhooks"]) == sorted(PAYLOADS)
    won = schema["webhooks"]["deal.won"]["post"]
    assert [p["name"] for p in won["parameters"]] == [
        "webhook-id", "webhook-timestamp", "webhook-signature",
    ]  # fmt: skip
    body = won["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["data"] == {"$ref": "#/components/schemas/DealWon"}
    assert "DealData" in schema["components"]["schemas"]
